import { createHash } from 'node:crypto';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import type { ObjectStore as ReportStore } from '@pipeline/report-runner';
import type { Context, SQSEvent } from 'aws-lambda';
import type { Clock } from '../aws/clock';
import type { KinesisStream, PutRecordsRequestEntry } from '../aws/kinesis/KinesisStream';
import type { LambdaHandler } from '../aws/lambda/invoke';
import { S3ServiceError } from '../aws/s3/ObjectStore';

/**
 * Faults the local cloud can inject (`npm start -- --faults ...`), each at the edge where AWS
 * would produce it: a simulator (Firehose, S3, SQS, the Kinesis event source mapping), a port
 * adapter (the warehouse, the reports bucket, the hub client) or the Lambda runtime around a
 * handler. The services' own code is never changed: it has to absorb each fault the way it does in
 * AWS. docs/OPERATIONS.md ("Fault injection (local)") explains each one.
 */
export const FAULT_KINDS = [
  'transform-error',
  'transform-timeout',
  's3-write',
  'report-write',
  'sqs-duplicate',
  'runner-crash',
  'warehouse-outage',
  'kinesis-redelivery',
  'hub-throttle',
  'transform-exhausted',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What `--faults all` turns on: every fault the pipeline absorbs on its own. `transform-exhausted`
 * is left out because it moves records to the error prefix on purpose (they come back with
 * `npm run redrive`); name it to add it.
 */
export const ABSORBED_FAULTS: readonly FaultKind[] = FAULT_KINDS.filter(
  (kind) => kind !== 'transform-exhausted',
);

/** How each fault is absorbed, as the summary prints it. */
export const FAULT_RESOLUTIONS: Record<FaultKind, string> = {
  'transform-error': 'Firehose retried the invocation',
  'transform-timeout': 'Firehose retried the invocation',
  's3-write': 'Firehose wrote the object again 5 s later',
  'report-write': 'SQS delivered the message again after the visibility timeout',
  'sqs-duplicate': 'report-runner re-ran the partition: same keys, rows replaced',
  'runner-crash': 'SQS delivered the batch again after the visibility timeout',
  'warehouse-outage': 'SQS redelivery (report-runner), event source mapping retries (analytics-sink)',
  'kinesis-redelivery': 'analytics-sink rewrote the same segment rows (upsert), alerts not resent',
  'hub-throttle': 'msk-consumer retried only the refused entries',
  'transform-exhausted': 'records Firehose sent to the error prefix; npm run redrive brings them back',
};

export const DEFAULT_FAULT_RATE = 0.1;

/** Warehouse outages: 5 minutes every 2 hours, the first 20-50 minutes into the run (by seed). */
export const WAREHOUSE_OUTAGE = { durationMs: 5 * 60_000, periodMs: 2 * 3_600_000 } as const;

export class FaultListError extends Error {
  override name = 'FaultListError';
}

/** `all`, `none`, or a comma-separated list of kinds (`all,transform-exhausted` adds the opt-in one). */
export const parseFaultList = (text: string): FaultKind[] => {
  const kinds = new Set<FaultKind>();
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '' || item === 'none') continue;
    if (item === 'all') for (const kind of ABSORBED_FAULTS) kinds.add(kind);
    else if ((FAULT_KINDS as readonly string[]).includes(item)) kinds.add(item as FaultKind);
    else throw new FaultListError(`unknown fault "${item}"; known: all, ${FAULT_KINDS.join(', ')}`);
  }
  return FAULT_KINDS.filter((kind) => kinds.has(kind));
};

export interface FaultSettings {
  kinds: readonly FaultKind[];
  /** Chance that one opportunity (a batch, a write, a delivery, a request) gets a fault. */
  rate: number;
  seed: string;
}

export interface FaultCount {
  injected: number;
  resolved: number;
  how: string;
}

export interface FaultReport {
  seed: string;
  rate: number;
  kinds: Partial<Record<FaultKind, FaultCount>>;
  /** Records `transform-exhausted` sent to the error prefix, by where they came from. */
  exhaustedRecords: { devices: number; kafka: number };
}

/** An injected Lambda failure, named like the errors Lambda reports for a crash or a timeout. */
class InjectedLambdaError extends Error {
  constructor(name: 'Runtime.ExitError' | 'Sandbox.Timedout', message: string) {
    super(message);
    this.name = name;
  }
}

/** The warehouse refusing connections, as a driver reports it (transient: worth a retry). */
class WarehouseUnavailableError extends Error {
  override name = 'WarehouseUnavailableError';
  readonly code = 'ECONNREFUSED';
  readonly transient = true;
}

const unit = (...parts: (string | number)[]): number =>
  createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;

/**
 * The run's fault schedule and its books. Every decision is a hash of the seed, the fault kind and
 * a stable key of the opportunity (a batch's first record id, an object key, a message id...), so
 * the same seed gives the same faults. A key that got a fault is "pending" until the same key
 * next goes through: that is the fault resolved, and counted as such.
 */
export class FaultPlan {
  readonly #settings: FaultSettings;
  readonly #kinds: Set<FaultKind>;
  readonly #counts = new Map<FaultKind, { injected: number; resolved: number }>();
  readonly #pending = new Map<string, { kind: FaultKind; count: number; remaining: number }>();
  /** Keys whose fault was resolved: never faulted again. */
  readonly #done = new Set<string>();
  readonly #outageStart: number;
  readonly exhaustedRecords = { devices: 0, kafka: 0 };

  constructor(settings: FaultSettings, runStartMs: number) {
    if (!(settings.rate > 0 && settings.rate <= 1)) throw new RangeError('the fault rate must be in (0, 1]');
    this.#settings = settings;
    this.#kinds = new Set(settings.kinds);
    for (const kind of settings.kinds) this.#counts.set(kind, { injected: 0, resolved: 0 });
    this.#outageStart = runStartMs + (20 + Math.floor(unit(settings.seed, 'outage') * 30)) * 60_000;
  }

  enabled(kind: FaultKind): boolean {
    return this.#kinds.has(kind);
  }

  /** Whether a fresh opportunity gets a fault (deterministic). */
  roll(kind: FaultKind, key: string): boolean {
    return this.enabled(kind) && unit(this.#settings.seed, kind, key) < this.#settings.rate;
  }

  /** A deterministic number in [0, 1) for a choice within a fault (how many attempts fail...). */
  pick(kind: FaultKind, key: string): number {
    return unit(this.#settings.seed, kind, key, 'pick');
  }

  inject(kind: FaultKind, key: string, { count = 1, times = 1 } = {}): void {
    const counts = this.#counts.get(kind);
    if (counts) counts.injected += count;
    const id = `${kind}\u0000${key}`;
    const pending = this.#pending.get(id);
    if (pending) {
      pending.count += count;
      pending.remaining = Math.max(pending.remaining, times - 1);
    } else this.#pending.set(id, { kind, count, remaining: times - 1 });
  }

  /** The key went through: its pending faults are resolved. */
  passed(kind: FaultKind, key: string): void {
    const id = `${kind}\u0000${key}`;
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    this.#done.add(id);
    const counts = this.#counts.get(kind);
    if (counts) counts.resolved += pending.count;
  }

  /**
   * One opportunity for a fault that hits a key `times` times in a row (default once) and then
   * lets it through: true means fail it now. `allowNew: false` only lets pending keys through.
   */
  decide(kind: FaultKind, key: string, { times = 1, allowNew = true } = {}): boolean {
    if (!this.enabled(kind)) return false;
    const pending = this.#pending.get(`${kind}\u0000${key}`);
    if (pending) {
      if (pending.remaining > 0) {
        pending.remaining -= 1;
        pending.count += 1;
        const counts = this.#counts.get(kind);
        if (counts) counts.injected += 1;
        return true;
      }
      this.passed(kind, key);
      return false;
    }
    if (!allowNew || this.#done.has(`${kind}\u0000${key}`) || !this.roll(kind, key)) return false;
    this.inject(kind, key, { times });
    return true;
  }

  /** Whether the warehouse is down at `now` (see WAREHOUSE_OUTAGE). */
  warehouseDown(now: number): boolean {
    if (!this.enabled('warehouse-outage') || now < this.#outageStart) return false;
    return (now - this.#outageStart) % WAREHOUSE_OUTAGE.periodMs < WAREHOUSE_OUTAGE.durationMs;
  }

  report(): FaultReport {
    const kinds: Partial<Record<FaultKind, FaultCount>> = {};
    for (const [kind, counts] of this.#counts) kinds[kind] = { ...counts, how: FAULT_RESOLUTIONS[kind] };
    return {
      seed: this.#settings.seed,
      rate: this.#settings.rate,
      kinds,
      exhaustedRecords: { ...this.exhaustedRecords },
    };
  }
}

// ---- the edges -----------------------------------------------------------------------------

/** Where a record came from, judged like the accounting does: a canonical `msk` record is Kafka's. */
const sourceOfData = (base64: string): 'devices' | 'kafka' => {
  try {
    const record = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as Record<string, unknown>;
    return record.schema_version !== undefined && record.source === 'msk' ? 'kafka' : 'devices';
  } catch {
    return 'devices';
  }
};

/**
 * The transform Lambda as Firehose invokes it, failing before the handler runs: a crash
 * (`Runtime.ExitError`) on one or two attempts of a batch, or a timeout (`Sandbox.Timedout`) on
 * one, both within Firehose's retries; with `transform-exhausted`, every attempt of the batch, so
 * Firehose sends it to the error prefix. Failing before the handler runs keeps the function's
 * metrics out of it, as a crashed or timed-out invocation never flushes them.
 */
export const faultyTransform = <T>(
  plan: FaultPlan,
  handler: LambdaHandler<unknown, T>,
  { attempts, timeoutSeconds }: { attempts: number; timeoutSeconds: number },
): LambdaHandler<unknown, T> => {
  const exhausted = new Map<string, number>();
  // Firehose's last attempt of a batch always goes through, unless the batch is to be exhausted.
  const budget = attempts - 1;
  return async (event, context) => {
    const records = (event as { records?: { recordId: string; data: string }[] }).records ?? [];
    const key = records[0]?.recordId ?? '';
    const made = exhausted.get(key);
    if (made !== undefined || plan.roll('transform-exhausted', key)) {
      const attempt = (made ?? 0) + 1;
      exhausted.set(key, attempt);
      if (attempt <= attempts) {
        if (attempt === attempts) {
          // Firehose gives up on the batch now: every record goes to the error prefix.
          plan.inject('transform-exhausted', key, { count: records.length });
          for (const record of records) plan.exhaustedRecords[sourceOfData(record.data)] += 1;
        }
        throw new InjectedLambdaError(
          'Runtime.ExitError',
          'Runtime exited with error: exit status 1 (injected)',
        );
      }
    }
    const errorTimes = Math.min(budget, 1 + Math.floor(plan.pick('transform-error', key) * 2));
    if (budget > 0 && plan.decide('transform-error', key, { times: errorTimes }))
      throw new InjectedLambdaError(
        'Runtime.ExitError',
        'Runtime exited with error: exit status 1 (injected)',
      );
    const errorsUsed = plan.roll('transform-error', key) ? errorTimes : 0;
    if (plan.decide('transform-timeout', key, { allowNew: errorsUsed < budget }))
      throw new InjectedLambdaError(
        'Sandbox.Timedout',
        `Task timed out after ${timeoutSeconds.toFixed(2)} seconds (injected)`,
      );
    return handler(event, context);
  };
};

/** S3's answer to a refused PutObject into the ingest bucket (Firehose's writes). */
export const ingestPutFault =
  (plan: FaultPlan, bucket: string) =>
  (input: { Bucket: string; Key: string }): S3ServiceError | undefined => {
    if (input.Bucket !== bucket || !plan.decide('s3-write', input.Key)) return undefined;
    return plan.pick('s3-write', input.Key) < 0.5
      ? new S3ServiceError('InternalError', 'We encountered an internal error. Please try again.', 500)
      : new S3ServiceError('SlowDown', 'Please reduce your request rate.', 503);
  };

/** A standard queue's duplicate delivery of a message that was processed and deleted. */
export const duplicateDelivery =
  (plan: FaultPlan) =>
  ({ messageId, receiveCount }: { messageId: string; receiveCount: number }): boolean =>
    // Only first deliveries: the copy's receive count then stays far from maxReceiveCount.
    plan.decide('sqs-duplicate', messageId, { allowNew: receiveCount === 1 });

/** analytics-sink's event source mapping delivering a batch (or a final invocation) again. */
export const kinesisRedelivery =
  (plan: FaultPlan) =>
  ({
    shardId,
    windowStart,
    firstSequenceNumber,
  }: {
    shardId: string;
    windowStart: number;
    firstSequenceNumber: string | undefined;
  }): boolean =>
    plan.decide('kinesis-redelivery', `${shardId}:${windowStart}:${firstSequenceNumber ?? 'final'}`);

/**
 * report-runner's faults, gated on its SQS deliveries: a report-output write failure or a crash
 * only hits an invocation whose messages are all on their first receive, so with the queue's
 * maxReceiveCount (3) and a warehouse outage shorter than the visibility timeout, a message fails
 * at most twice and is never dead-lettered by an injected fault.
 */
export class RunnerFaults {
  #firstDelivery = false;
  #crashed = false;

  constructor(
    private readonly plan: FaultPlan,
    private readonly clock: Clock,
  ) {}

  /** Wraps the bare runner (inside the Lambda runtime, so a crash also loses its metrics). */
  handler<TResult>(
    bare: (event: unknown, context?: Context) => Promise<TResult>,
    metrics: Metrics,
  ): (event: unknown, context?: Context) => Promise<TResult> {
    return async (event, context) => {
      const records = (event as Partial<SQSEvent>).Records;
      this.#firstDelivery =
        Array.isArray(records) &&
        records.every((record) => record.attributes?.ApproximateReceiveCount === '1');
      this.#crashed = false;
      try {
        const result = await bare(event, context);
        if (this.#crashed) {
          metrics.clearMetrics();
          throw new InjectedLambdaError(
            'Runtime.ExitError',
            'Runtime exited with error: signal: killed (injected between the report write and the warehouse load)',
          );
        }
        return result;
      } finally {
        this.#firstDelivery = false;
      }
    };
  }

  /** The reports bucket: an output write fails with 503 SlowDown. */
  store(inner: ReportStore): ReportStore {
    return {
      put: async (key, body, contentType, options) => {
        this.#checkAlive();
        if (this.plan.decide('report-write', key, { allowNew: this.#firstDelivery })) {
          throw Object.assign(new S3ServiceError('SlowDown', 'Please reduce your request rate.', 503), {
            $retryable: { throttling: true },
          });
        }
        await inner.put(key, body, contentType, options);
      },
      uri: (key) => inner.uri(key),
    };
  }

  /** The warehouse: down during outages; the process dies when the load starts (runner-crash). */
  warehouse(inner: PostgresWarehouse): PostgresWarehouse {
    return faultyWarehouse(this.plan, this.clock, inner, (method, key) => {
      this.#checkAlive();
      if (
        method === 'replaceRows' &&
        this.plan.decide('runner-crash', key, { allowNew: this.#firstDelivery })
      ) {
        this.#crashed = true;
        this.#checkAlive();
      }
    });
  }

  // Once crashed, nothing the invocation still attempts reaches S3 or the warehouse.
  #checkAlive(): void {
    if (this.#crashed)
      throw new InjectedLambdaError('Runtime.ExitError', 'the runtime has exited (injected)');
  }
}

const keyOfCall = (method: string, argument: unknown): string => {
  const request = (argument ?? {}) as {
    name?: string;
    table?: { name?: string; keyColumns?: readonly string[] };
    scope?: unknown;
    rows?: readonly Record<string, unknown>[];
  };
  // A partition load is named by its scope (its rows change as the lake grows); an upsert by its
  // first row's key (a window segment's rows are the same on every retry).
  const first = request.scope === undefined ? request.rows?.[0] : undefined;
  const firstKey = first ? (request.table?.keyColumns ?? []).map((column) => first[column]) : undefined;
  return JSON.stringify([
    method,
    request.table?.name ?? request.name,
    request.scope ?? null,
    firstKey ?? null,
  ]);
};

/**
 * A warehouse that refuses every call during an outage (`ECONNREFUSED`, transient), with a hook
 * for more faults before a call. Methods run against the real warehouse otherwise.
 */
export const faultyWarehouse = (
  plan: FaultPlan,
  clock: Clock,
  inner: PostgresWarehouse,
  before: (method: string, key: string) => void = () => undefined,
): PostgresWarehouse =>
  new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const key = keyOfCall(property, args[0]);
        if (plan.warehouseDown(clock.now())) {
          plan.inject('warehouse-outage', key);
          throw new WarehouseUnavailableError(
            'connect ECONNREFUSED: the warehouse is unavailable (injected)',
          );
        }
        before(property, key);
        const result = (await (value as (...a: unknown[]) => Promise<unknown>).apply(
          target,
          args,
        )) as unknown;
        plan.passed('warehouse-outage', key);
        plan.passed('runner-crash', key);
        return result;
      };
    },
  });

const entryKey = (entry: PutRecordsRequestEntry): string =>
  createHash('md5')
    .update(entry.PartitionKey ?? '')
    .update(entry.Data ?? new Uint8Array())
    .digest('hex');

/**
 * The hub as msk-consumer's Kinesis client sees it: a PutRecords request may have its entries
 * from some index on refused with `ProvisionedThroughputExceededException`, as when the shards'
 * write budget runs out partway through a request. The writer retries only those entries; a
 * refused suffix retried in order keeps the stream's order and sequence numbers exactly as
 * without the fault (refusing scattered entries would legitimately reorder records, which
 * changes which record opens each tumbling window segment).
 */
export class ThrottlingHubClient {
  /** Whether every refusal of the last request was injected (its backoff then takes no world time). */
  lastRefusalsInjected = false;

  constructor(
    private readonly plan: FaultPlan,
    private readonly hub: KinesisStream,
  ) {}

  async send(command: { input: unknown }): Promise<unknown> {
    if (command.constructor.name !== 'PutRecordsCommand') return this.hub.send(command);
    const input = command.input as { StreamName?: string; Records?: PutRecordsRequestEntry[] };
    const entries = input.Records ?? [];
    const keys = entries.map(entryKey);
    const retry = keys.some((key) => this.#pending.has(key));
    let cut = entries.length;
    if (!retry && entries.length > 0 && this.plan.roll('hub-throttle', keys[0] as string))
      cut = Math.floor(this.plan.pick('hub-throttle', keys[0] as string) * entries.length);
    const accepted =
      cut > 0
        ? await this.hub.putRecords({ ...input, Records: entries.slice(0, cut) })
        : { FailedRecordCount: 0, Records: [] };
    const refused = entries.slice(cut).map(() => ({
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: `Rate exceeded for shard in stream ${this.hub.name} (injected).`,
    }));
    for (const key of keys.slice(cut)) {
      this.#pending.add(key);
      this.plan.inject('hub-throttle', key);
    }
    accepted.Records.forEach((result, index) => {
      const key = keys[index] as string;
      if (result.SequenceNumber && this.#pending.delete(key)) this.plan.passed('hub-throttle', key);
    });
    this.lastRefusalsInjected = (accepted.FailedRecordCount ?? 0) === 0 && refused.length > 0;
    return {
      ...accepted,
      FailedRecordCount: (accepted.FailedRecordCount ?? 0) + refused.length,
      Records: [...accepted.Records, ...refused],
    };
  }

  readonly #pending = new Set<string>();

  /**
   * The writer's clock. Backoff after an injected refusal passes in the invocation's own time: the
   * simulated world does not stop for one throttled function (other producers keep their timing);
   * after a real refusal (a shard over its per-second budget) it passes in the world's, so the
   * budget refills. The invocation's own time starts again with each invocation (`begin`).
   */
  writerClock(clock: { now(): number; advance(ms: number): number }): {
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    begin: () => void;
  } {
    let own = 0;
    return {
      now: () => clock.now() + own,
      sleep: async (ms) => {
        if (this.lastRefusalsInjected) own += ms;
        else clock.advance(ms);
      },
      begin: () => {
        own = 0;
      },
    };
  }
}
