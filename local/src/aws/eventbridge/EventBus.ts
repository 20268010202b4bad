import { matchesPattern, type EventPattern } from './pattern';

/** An event as EventBridge delivers it to targets (the fields every event carries). */
export interface EventBridgeEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type EventTarget = (event: EventBridgeEnvelope) => Promise<void>;

export interface Rule {
  name: string;
  eventPattern: EventPattern;
  targets: EventTarget[];
}

/**
 * The default event bus: rules match events by pattern and hand each match to every target of the
 * rule. Delivery is awaited, so by the time `putEvents` returns the targets (queues) hold the event.
 */
export class EventBus {
  readonly #rules = new Map<string, Rule>();
  #matched = 0;

  putRule(rule: Rule): void {
    this.#rules.set(rule.name, rule);
  }

  async putEvents(events: EventBridgeEnvelope[]): Promise<{ matched: number }> {
    let matched = 0;
    for (const event of events) {
      for (const rule of this.#rules.values()) {
        if (!matchesPattern(rule.eventPattern, event)) continue;
        matched += 1;
        for (const target of rule.targets) await target(event);
      }
    }
    this.#matched += matched;
    return { matched };
  }

  get matchedCount(): number {
    return this.#matched;
  }
}
