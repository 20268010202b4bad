import type { PartitionHour } from '../ops/hours';
import type { OpsHub, OpsObjectStore } from '../ops/ports';
import type { SmokeKafkaRecord } from './plan';

/** The run's rows in the lake (Athena over the Glue table in AWS, DuckDB over the lake folder locally). */
export interface LakeTally {
  /** Rows by device id. */
  rowsByDevice: Record<string, number>;
  /** Distinct readings (event ids). */
  readings: number;
  /** Hour partitions holding the run's rows. */
  partitions: PartitionHour[];
}

export interface LakeCounts {
  /** Counts the rows whose device id starts with `prefix` (a validated smoke prefix). */
  count(prefix: string): Promise<LakeTally>;
}

/** The run's rows in the real-time layer. */
export interface RealtimeTally {
  /** Readings the tumbling windows counted (`event_count` summed over window parts). */
  windowEvents: number;
  alerts: number;
}

export interface RealtimeCounts {
  count(prefix: string): Promise<RealtimeTally>;
}

/** What became of the Kafka share's send: problems name a failed invocation or records it refused. */
export interface KafkaSendOutcome {
  problems: string[];
}

/** The stage's MSK path: msk-consumer's input and its quarantine bucket. */
export interface KafkaShareTarget {
  /** How the records reach msk-consumer, for the output (what the share proves and what it does not). */
  route: string;
  send(runId: string, records: readonly SmokeKafkaRecord[], nowMs: number): Promise<KafkaSendOutcome>;
  /** msk-consumer's quarantine bucket (`errors/msk/`). */
  quarantine: OpsObjectStore;
}

/** Where a smoke run sends its readings and reads back what became of them. */
export interface SmokeTarget {
  /** What the target is, for the first line of output (`stage prod in eu-west-1`). */
  name: string;
  /** The target's clock: event times and the error prefix's hours follow it (simulated locally). */
  now(): number;
  hub: OpsHub;
  /** The ingest bucket: the error prefix. */
  ingest: OpsObjectStore;
  /** The reports bucket. */
  reports: OpsObjectStore;
  lake: LakeCounts;
  /** Undefined when the stage has no real-time store to read; `notes` then says why. */
  realtime: RealtimeCounts | undefined;
  /** Undefined when the stage has no MSK cluster configured; `notes` then says so. */
  kafka: KafkaShareTarget | undefined;
  /** What the run leaves out and why (no Kafka client, no real-time store outputs). */
  notes: string[];
  /** Lets everything in flight arrive (the local cloud drains; AWS has nothing to do). */
  settle(): Promise<void>;
  /** Waits between two looks at the books (wall time in AWS, simulated time locally). */
  wait(ms: number): Promise<void>;
}
