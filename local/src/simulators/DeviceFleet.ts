import { METRIC_NAMES, METRICS, type MetricName, type RejectionReason } from '@pipeline/shared';
import {
  BAD_RECORD_KINDS,
  HUB_BAD_RECORD_KINDS,
  KAFKA_BAD_RECORD_KINDS,
  type BadRecordKind,
  type ReadingDraft,
} from './bad-records';
import { Random } from './random';

/** How a message enters the pipeline: straight into the Kinesis hub (IoT rule, SDK) or via Kafka (MSK). */
export type IngressPath = 'hub' | 'kafka';

/** Why a message is not stored, when it is not. */
export type DropOutcome = 'heartbeat' | 'tombstone' | 'no_value';

/** What the pipeline must do with a message: the fleet knows, so a run can check it did. */
export type Expectation =
  | { outcome: 'delivered' }
  | { outcome: 'dropped'; reason: DropOutcome }
  | { outcome: 'failed'; reason: RejectionReason };

export type MessageKind =
  'reading' | 'late' | 'duplicate' | 'resent' | 'heartbeat' | 'bad' | 'tombstone' | 'no_value';

export interface DeviceMessage {
  /** When the message reaches the pipeline (hub arrival, Kafka timestamp), epoch ms. */
  at: number;
  path: IngressPath;
  deviceId: string;
  /** The bytes as sent; null is a Kafka tombstone. */
  data: Buffer | null;
  /** Kafka headers (the Kafka path only). */
  headers?: Record<string, string>;
  kind: MessageKind;
  expected: Expectation;
}

export interface FleetOptions {
  seed: string;
  devices: number;
  /** Sites the devices are spread over (default: one per 8 devices, at least 2). */
  sites?: number;
  /** Messages per second of event time, all devices together. */
  rate: number;
  /** Event time of the first messages, epoch ms. */
  startMs: number;
  /** No message at or after this instant. */
  endMs?: number;
  /** Stop after this many messages (copies of duplicates included). */
  maxMessages?: number;
  /** Share of devices that publish to Kafka instead of the hub, 0-1. */
  kafkaShare: number;
  /** Share of messages that are broken (every rejection kind, in turn at random), 0-1. */
  badShare: number;
  /** Share of readings sent twice (at-least-once delivery from the device), 0-1. */
  duplicateShare: number;
  /** Share of readings delivered late (buffered while offline), 0-1. */
  lateShare: number;
  /** Share of messages that are heartbeats, 0-1. */
  heartbeatShare: number;
  /** Late readings arrive this much after their event time (default 5-45 minutes). */
  lateDelayMs?: { min: number; max: number };
}

type TimeFormat = 'iso' | 'iso-offset' | 'epoch-ms' | 'epoch-seconds';

interface Site {
  name: string;
  baseTemperature: number;
  pressurePhase: number;
  location: { lat: number; lon: number };
}

interface Device {
  id: string;
  index: number;
  site: Site;
  path: IngressPath;
  timeFormat: TimeFormat;
  sensors: MetricName[];
  firmware: string;
  /** Some gateways send every number as a string. */
  stringly: boolean;
  withLocation: boolean;
  intervalMs: number;
  nextAt: number;
  temperatureOffset: number;
  /** Sensor drift, °C per hour of event time. */
  driftPerHour: number;
  humidityBase: number;
  battery: number;
  drainPerReading: number;
}

export interface FleetCounts {
  messages: number;
  readings: number;
  duplicates: number;
  late: number;
  heartbeats: number;
  bad: number;
  /** Messages of an earlier run sent again (`resend`). */
  resent: number;
  /** Messages by expected outcome, per path. */
  expected: Record<
    IngressPath,
    { delivered: number; dropped: Record<string, number>; failed: Record<string, number> }
  >;
  produced: Record<IngressPath, number>;
}

const SITE_NAMES = [
  'plant-berlin',
  'plant-lyon',
  'dc-austin',
  'farm-otago',
  'port-rotterdam',
  'lab-osaka',
  'mine-pilbara',
  'store-toronto',
];
const FIRMWARE = ['fw-2.4.1', 'fw-2.5.0', 'fw-3.0.2', 'gw-legacy-1.9'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The metrics the fleet models one by one; any other metric of `METRICS` gets a generic sensor. */
const MODELLED_METRICS: readonly string[] = ['temperature', 'humidity', 'pressure', 'battery'];
/**
 * Metrics added to the schema after the fleet was written (docs/SCHEMA.md): every device reports
 * them, so a schema change is exercised end to end without touching the fleet. Empty for the
 * released schema, and then no random draw is added: the same seed gives the same messages.
 */
const ADDED_METRICS = METRIC_NAMES.filter((metric) => !MODELLED_METRICS.includes(metric));

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
const clamp = (value: number, metric: MetricName) =>
  Math.min(METRICS[metric].max, Math.max(METRICS[metric].min, value));

/**
 * A fleet of simulated devices streaming telemetry in event-time order: each device reports at its
 * own interval (with jitter), its metrics follow a daily cycle, slow sensor drift and noise, its
 * battery drains; some report epoch seconds or milliseconds instead of ISO-8601, some publish to
 * Kafka. A configurable share of messages is broken (every rejection kind), duplicated, late or
 * a heartbeat. Everything derives from the seed. Memory is one entry per device: messages are
 * generated when asked for, never stored.
 */
export class DeviceFleet {
  readonly devices: readonly Device[];
  readonly counts: FleetCounts = {
    messages: 0,
    readings: 0,
    duplicates: 0,
    late: 0,
    heartbeats: 0,
    bad: 0,
    resent: 0,
    expected: {
      hub: { delivered: 0, dropped: {}, failed: {} },
      kafka: { delivered: 0, dropped: {}, failed: {} },
    },
    produced: { hub: 0, kafka: 0 },
  };
  readonly #random: Random;
  readonly #options: FleetOptions;
  readonly #heap: Device[];
  #stopped = false;

  constructor(options: FleetOptions) {
    for (const share of [
      'kafkaShare',
      'badShare',
      'duplicateShare',
      'lateShare',
      'heartbeatShare',
    ] as const) {
      const value = options[share];
      if (!(value >= 0 && value <= 1)) throw new RangeError(`${share} must be between 0 and 1, got ${value}`);
    }
    if (!Number.isInteger(options.devices) || options.devices < 1)
      throw new RangeError(`devices must be a positive integer, got ${options.devices}`);
    if (!(options.rate > 0)) throw new RangeError(`rate must be positive, got ${options.rate}`);
    this.#options = options;
    this.#random = new Random(`fleet:${options.seed}:${options.startMs}`);
    const random = this.#random;
    const siteCount = Math.max(1, options.sites ?? Math.max(2, Math.ceil(options.devices / 8)));
    const sites: Site[] = Array.from({ length: siteCount }, (_, index) => ({
      name:
        index < SITE_NAMES.length
          ? (SITE_NAMES[index] as string)
          : `${SITE_NAMES[index % SITE_NAMES.length]}-${Math.floor(index / SITE_NAMES.length) + 1}`,
      baseTemperature: random.between(14, 26),
      pressurePhase: random.between(0, 2 * Math.PI),
      location: { lat: round(random.between(-45, 60), 4), lon: round(random.between(-120, 150), 4) },
    }));
    const kafkaDevices = Math.round(options.devices * options.kafkaShare);
    // Each device reports every `devices / rate` seconds on average.
    const meanIntervalMs = (options.devices / options.rate) * 1000;
    this.devices = Array.from({ length: options.devices }, (_, index): Device => {
      const formats: TimeFormat[] = [
        'iso',
        'iso',
        'iso',
        'iso-offset',
        'epoch-ms',
        'epoch-ms',
        'epoch-seconds',
      ];
      const sensors = [
        ...(MODELLED_METRICS as MetricName[]).filter(
          (metric) => metric !== 'pressure' || random.chance(0.85),
        ),
        ...ADDED_METRICS,
      ];
      const intervalMs = meanIntervalMs * random.between(0.8, 1.2);
      const firmware = random.pick(FIRMWARE);
      return {
        id: `dev-${String(index + 1).padStart(4, '0')}`,
        index,
        site: sites[index % siteCount] as Site,
        // Spread Kafka devices over the fleet rather than taking the first ones.
        path:
          Math.floor(((index + 1) * kafkaDevices) / options.devices) >
          Math.floor((index * kafkaDevices) / options.devices)
            ? 'kafka'
            : 'hub',
        timeFormat: random.pick(formats),
        sensors,
        firmware,
        stringly: firmware.startsWith('gw-legacy'),
        withLocation: random.chance(0.5),
        intervalMs,
        nextAt: options.startMs + Math.floor(random.between(0, intervalMs)),
        temperatureOffset: random.between(-2, 2),
        driftPerHour: random.between(-0.05, 0.05),
        humidityBase: random.between(35, 60),
        // One device in twenty starts nearly flat, so low-battery alerts have something to report.
        battery: random.chance(0.05) ? random.between(15.5, 18) : random.between(30, 100),
        drainPerReading: random.between(0.005, 0.03),
      };
    });
    this.#heap = [...this.devices];
    this.#heapify();
  }

  /** Arrival time of the next message, or undefined once the fleet is done. */
  peekTime(): number | undefined {
    if (this.#stopped) return undefined;
    const next = this.#heap[0];
    if (!next) return undefined;
    if (this.#options.endMs !== undefined && next.nextAt >= this.#options.endMs) return undefined;
    if (this.#options.maxMessages !== undefined && this.counts.messages >= this.#options.maxMessages)
      return undefined;
    return next.nextAt;
  }

  /** Stops the fleet (Ctrl-C): no further messages. */
  stop(): void {
    this.#stopped = true;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Every message due at or before `now`, in arrival order. */
  take(now: number): DeviceMessage[] {
    const out: DeviceMessage[] = [];
    for (let at = this.peekTime(); at !== undefined && at <= now; at = this.peekTime()) {
      const device = this.#heap[0] as Device;
      out.push(...this.#emit(device, at));
      device.nextAt = at + Math.max(1, Math.round(device.intervalMs * this.#random.between(0.9, 1.1)));
      this.#siftDown(0);
    }
    return out;
  }

  /**
   * Messages of an earlier run sent again at `at`, as a device re-sends the readings it buffered
   * when it missed the acknowledgements before a restart or a firmware update. They carry the
   * same bytes (so the same event ids) and are expected to have the same fate; counted like any
   * other message of the fleet, so the books still balance.
   */
  resend(messages: readonly DeviceMessage[], at: number): DeviceMessage[] {
    return messages.map((message) => {
      const device = this.devices.find(({ id }) => id === message.deviceId);
      if (!device || device.path !== message.path)
        throw new RangeError(`${message.deviceId} is not a ${message.path} device of this fleet`);
      this.counts.resent += 1;
      return this.#message(device, at, message.data, 'resent', message.expected);
    });
  }

  #emit(device: Device, at: number): DeviceMessage[] {
    const random = this.#random;
    const { badShare, heartbeatShare, lateShare, duplicateShare } = this.#options;
    const roll = random.next();
    if (roll < badShare) return [this.#bad(device, at)];
    if (roll < badShare + heartbeatShare) {
      this.counts.heartbeats += 1;
      return [
        this.#message(device, at, json({ deviceId: device.id, type: 'heartbeat' }), 'heartbeat', {
          outcome: 'dropped',
          reason: 'heartbeat',
        }),
      ];
    }
    const late = random.chance(lateShare);
    const { min, max } = this.#options.lateDelayMs ?? { min: 5 * 60_000, max: 45 * 60_000 };
    const eventTime = late ? at - Math.round(random.between(min, max)) : at;
    const data = json(this.#reading(device, eventTime));
    this.counts.readings += 1;
    if (late) this.counts.late += 1;
    const first = this.#message(device, at, data, late ? 'late' : 'reading', { outcome: 'delivered' });
    if (!random.chance(duplicateShare)) return [first];
    // The device did not see the acknowledgement and sent the same message again.
    this.counts.duplicates += 1;
    return [first, this.#message(device, at, data, 'duplicate', { outcome: 'delivered' })];
  }

  #bad(device: Device, at: number): DeviceMessage {
    this.counts.bad += 1;
    if (device.path === 'kafka' && this.#random.chance(2 / (KAFKA_BAD_RECORD_KINDS.length + 2))) {
      // Lambda omits the `value` of a tombstone from the MSK event (as the simulator does), which
      // msk-consumer counts as `no_value`, like an empty value.
      const tombstone = this.#random.chance(0.5);
      return this.#message(
        device,
        at,
        tombstone ? null : Buffer.alloc(0),
        tombstone ? 'tombstone' : 'no_value',
        {
          outcome: 'dropped',
          reason: 'no_value',
        },
      );
    }
    const kind: BadRecordKind = this.#random.pick(
      device.path === 'kafka' ? KAFKA_BAD_RECORD_KINDS : HUB_BAD_RECORD_KINDS,
    );
    const draft = this.#reading(device, at);
    return this.#message(device, at, BAD_RECORD_KINDS[kind](draft, at), 'bad', {
      outcome: 'failed',
      reason: kind,
    });
  }

  #message(
    device: Device,
    at: number,
    data: Buffer | null,
    kind: MessageKind,
    expected: Expectation,
  ): DeviceMessage {
    const counts = this.counts;
    counts.messages += 1;
    counts.produced[device.path] += 1;
    const bucket = counts.expected[device.path];
    if (expected.outcome === 'delivered') bucket.delivered += 1;
    else bucket[expected.outcome][expected.reason] = (bucket[expected.outcome][expected.reason] ?? 0) + 1;
    return {
      at,
      path: device.path,
      deviceId: device.id,
      data,
      ...(device.path === 'kafka'
        ? { headers: { 'content-type': 'application/json', 'device-firmware': device.firmware } }
        : {}),
      kind,
      expected,
    };
  }

  #reading(device: Device, eventTime: number): ReadingDraft {
    const random = this.#random;
    const hours = (eventTime - this.#options.startMs) / HOUR_MS;
    const hourOfDay = (eventTime % DAY_MS) / HOUR_MS;
    const daily = Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    let temperature =
      device.site.baseTemperature +
      device.temperatureOffset +
      4 * daily +
      device.driftPerHour * hours +
      0.3 * random.gaussian();
    // Now and then a machine overheats: the real-time alerts and the anomalies report catch it.
    if (random.chance(0.003)) temperature += random.between(55, 70);
    device.battery -= device.drainPerReading;
    if (device.battery < 3) device.battery = 100;
    const values: Record<string, number> = {
      temperature: round(clamp(temperature, 'temperature'), 2),
      humidity: round(clamp(device.humidityBase - 1.5 * 4 * daily + 2 * random.gaussian(), 'humidity'), 1),
      pressure: round(
        clamp(
          1013 +
            9 * Math.sin((2 * Math.PI * eventTime) / (36 * HOUR_MS) + device.site.pressurePhase) +
            0.4 * random.gaussian(),
          'pressure',
        ),
        1,
      ),
      battery: round(clamp(device.battery, 'battery'), 1),
    };
    for (const metric of ADDED_METRICS) {
      // A generic sensor: a daily cycle around the lower third of the metric's range, with noise.
      const { min, max } = METRICS[metric];
      const value = min + (max - min) * (0.3 + 0.1 * daily + 0.02 * random.gaussian());
      values[metric] = round(clamp(value, metric), 1);
    }
    const metrics: Record<string, number | string> = {};
    for (const metric of device.sensors) {
      const value = values[metric] as number;
      metrics[metric] = device.stringly ? String(value) : value;
    }
    return {
      deviceId: device.id,
      timestamp: formatTime(eventTime, device.timeFormat),
      site: device.site.name,
      ...(device.withLocation ? { location: device.site.location } : {}),
      firmware: device.firmware,
      metrics,
    };
  }

  // ---- a binary min-heap of devices by next report time (ties by device index) ----

  #less(a: Device, b: Device): boolean {
    return a.nextAt < b.nextAt || (a.nextAt === b.nextAt && a.index < b.index);
  }

  #heapify(): void {
    for (let index = Math.floor(this.#heap.length / 2) - 1; index >= 0; index -= 1) this.#siftDown(index);
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.#less(heap[left] as Device, heap[smallest] as Device)) smallest = left;
      if (right < heap.length && this.#less(heap[right] as Device, heap[smallest] as Device))
        smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest] as Device, heap[index] as Device];
      index = smallest;
    }
  }
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const formatTime = (epochMs: number, format: TimeFormat): number | string => {
  switch (format) {
    case 'iso':
      return new Date(epochMs).toISOString();
    case 'iso-offset': {
      // The same instant in UTC+02:00, as a device configured with local time sends it.
      const local = new Date(epochMs + 2 * HOUR_MS).toISOString();
      return `${local.slice(0, 23)}+02:00`;
    }
    case 'epoch-ms':
      return epochMs;
    case 'epoch-seconds':
      return Math.floor(epochMs / 1000);
  }
};
