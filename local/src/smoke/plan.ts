import { randomBytes } from 'node:crypto';
import { IdentifierSchema } from '@pipeline/shared';
import type { ExpectedOutcomes } from '@pipeline/shared/books';
import { BAD_RECORD_KINDS, type BadRecordKind, type ReadingDraft } from '../simulators/bad-records';

/**
 * A smoke run's id: lowercase letters and digits, so `smoke-<runId>-<n>` is a valid device id
 * (`IdentifierSchema`) and `smoke-<runId>-%` a LIKE pattern with no wildcard inside the id.
 */
const RUN_ID = /^[a-z0-9]{4,24}$/;

export class SmokeRunIdError extends Error {
  override name = 'SmokeRunIdError';
}

export const validateRunId = (runId: string): string => {
  if (!RUN_ID.test(runId))
    throw new SmokeRunIdError(`run id must be 4-24 of a-z 0-9, got ${JSON.stringify(runId)}`);
  return runId;
};

/** A fresh run id: the wall time in base 36 and four random characters. */
export const newRunId = (nowMs: number = Date.now()): string =>
  `${nowMs.toString(36)}${randomBytes(4).readUInt32BE(0).toString(36).padStart(4, '0').slice(-4)}`;

/** Every device id of a run starts with this: Athena and DuckDB count `device_id LIKE '<prefix>%'`. */
export const devicePrefix = (runId: string): string => `smoke-${validateRunId(runId)}-`;

export type SmokeRole = 'reading' | 'hot' | 'duplicate' | 'bad' | 'heartbeat';

export interface SmokeMessage {
  deviceId: string;
  data: Buffer;
  role: SmokeRole;
  /** The rejection a `bad` message must get. */
  reason?: BadRecordKind;
}

export interface SmokePlan {
  runId: string;
  prefix: string;
  messages: SmokeMessage[];
  expected: ExpectedOutcomes;
  /** Distinct readings: what reports and the real-time windows must count (a duplicate counts once). */
  readings: number;
  /** Device ids of heartbeats: the transform drops them, so they must show up nowhere. */
  heartbeatDevices: string[];
}

// Broken messages whose bytes keep the whole device id (so the error prefix can be searched for
// the run) and whose verdict does not depend on the arrival time.
const BAD_KINDS = [
  'invalid_metrics',
  'schema_violation',
  'invalid_event_time',
  'not_an_object',
  'invalid_device_id',
] as const satisfies readonly BadRecordKind[];

// One cycle of ten messages: readings (one hot enough for the default temperature>80 alert), a
// reading sent twice, a broken message and a heartbeat.
const CYCLE: readonly SmokeRole[] = [
  'reading',
  'reading',
  'reading',
  'hot',
  'reading',
  'reading',
  'duplicate',
  'duplicate',
  'bad',
  'heartbeat',
];

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * `events` messages for a smoke run, every one tagged with the run's device prefix, with what the
 * pipeline must do with each: deliver readings (a duplicate twice, counted once by the reports
 * and windows), drop heartbeats, reject broken messages with their reason.
 */
export const planSmoke = (runId: string, events: number, nowMs: number): SmokePlan => {
  if (!Number.isInteger(events) || events < 1)
    throw new RangeError(`events must be a positive integer, got ${events}`);
  const prefix = devicePrefix(runId);
  const messages: SmokeMessage[] = [];
  const expected: ExpectedOutcomes = { delivered: 0, dropped: {}, failed: {} };
  const heartbeatDevices: string[] = [];
  let readings = 0;
  let bad = 0;
  for (let slot = 0; messages.length < events; slot += 1) {
    const deviceId = `${prefix}${slot}`;
    IdentifierSchema.parse(deviceId);
    let role = CYCLE[slot % CYCLE.length] as SmokeRole;
    // A duplicate is a pair: the second copy reuses the slot before it.
    if (role === 'duplicate' && CYCLE[(slot - 1 + CYCLE.length) % CYCLE.length] === 'duplicate') continue;
    if (role === 'duplicate' && messages.length + 2 > events) role = 'reading';
    const draft: ReadingDraft = {
      deviceId,
      timestamp: new Date(nowMs - 1000).toISOString(),
      site: 'smoke',
      firmware: 'smoke-test',
      metrics: { temperature: role === 'hot' ? 85 : 21.5, humidity: 40, battery: 90 },
    };
    if (role === 'heartbeat') {
      messages.push({ deviceId, data: json({ deviceId, type: 'heartbeat' }), role });
      expected.dropped.heartbeat = (expected.dropped.heartbeat ?? 0) + 1;
      heartbeatDevices.push(deviceId);
    } else if (role === 'bad') {
      const reason = BAD_KINDS[bad % BAD_KINDS.length] as BadRecordKind;
      bad += 1;
      messages.push({ deviceId, data: BAD_RECORD_KINDS[reason](draft, nowMs), role, reason });
      expected.failed[reason] = (expected.failed[reason] ?? 0) + 1;
    } else {
      const copies = role === 'duplicate' ? 2 : 1;
      for (let copy = 0; copy < copies; copy += 1) messages.push({ deviceId, data: json(draft), role });
      expected.delivered += copies;
      readings += 1;
    }
  }
  return { runId, prefix, messages, expected, readings, heartbeatDevices };
};

export type SmokeKafkaRole = 'reading' | 'heartbeat' | 'poison';

/** A Kafka record of the run's Kafka share: its key is the device id, as a producer would key it. */
export interface SmokeKafkaRecord {
  deviceId: string;
  role: SmokeKafkaRole;
  key: Buffer;
  value: Buffer;
  headers: [string, Buffer][];
}

export interface KafkaSharePlan {
  /** Device ids `smoke-<runId>-k<n>`: the lake tells the Kafka share from the hub's by this. */
  prefix: string;
  records: SmokeKafkaRecord[];
  expected: ExpectedOutcomes;
  /** Distinct readings the Kafka share adds for the reports and windows. */
  readings: number;
  heartbeatDevices: string[];
}

/** The Kafka share's device prefix: inside the run's prefix, so the lake and reports count it too. */
export const kafkaPrefix = (runId: string): string => `${devicePrefix(runId)}k`;

// Readings, a heartbeat (dropped by msk-consumer) and a poison record (metrics out of range) that
// msk-consumer must quarantine. A header with a non-ASCII byte travels as signed Java bytes.
const KAFKA_ROLES: readonly SmokeKafkaRole[] = ['reading', 'reading', 'reading', 'heartbeat', 'poison'];

/** The Kafka share of a smoke run: a few records msk-consumer must forward, drop and quarantine. */
export const planKafkaShare = (runId: string, nowMs: number): KafkaSharePlan => {
  const prefix = kafkaPrefix(runId);
  const plan: KafkaSharePlan = {
    prefix,
    records: [],
    expected: { delivered: 0, dropped: {}, failed: {} },
    readings: 0,
    heartbeatDevices: [],
  };
  KAFKA_ROLES.forEach((role, slot) => {
    const deviceId = IdentifierSchema.parse(`${prefix}${slot}`);
    const reading = {
      deviceId,
      timestamp: new Date(nowMs - 1000).toISOString(),
      site: 'smoke',
      firmware: 'smoke-test',
      metrics: { temperature: role === 'poison' ? 999 : 21.5, humidity: 40, battery: 90 },
    };
    const value = role === 'heartbeat' ? json({ deviceId, type: 'heartbeat' }) : json(reading);
    const headers: [string, Buffer][] = [['smoke-run', Buffer.from(`${runId} café`, 'utf8')]];
    plan.records.push({ deviceId, role, key: Buffer.from(deviceId), value, headers });
    if (role === 'reading') {
      plan.expected.delivered += 1;
      plan.readings += 1;
    } else if (role === 'heartbeat') {
      plan.expected.dropped.heartbeat = (plan.expected.dropped.heartbeat ?? 0) + 1;
      plan.heartbeatDevices.push(deviceId);
    } else plan.expected.failed.invalid_metrics = (plan.expected.failed.invalid_metrics ?? 0) + 1;
  });
  return plan;
};
