import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  FIREHOSE_PROCESSING_FAILED_CODE,
  quarantinePartitionPrefix,
  TRANSFORM_QUARANTINE_PREFIX,
  type TransformQuarantineRecord,
} from '@pipeline/shared';
import { hourOfKey, parseHour, partitionOf } from './hours';
import type { HubEntry, OpsHub, OpsObjectStore } from './ports';

/** Where Firehose writes records the transform returned as `ProcessingFailed` (or whose invocation failed). */
export const PROCESSING_FAILED_PREFIX = 'errors/processing-failed/';
/** Markers of re-driven error objects: `errors/redriven/<key after errors/>`. */
export const REDRIVEN_PREFIX = 'errors/redriven/';

// Kinesis PutRecords: at most 500 entries and 5 MiB a call.
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
const PUT_RECORDS_MAX_ENTRIES = 500;
const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
const MAX_ATTEMPTS = 10;
const HOUR_MS = 3_600_000;

export const markerKeyOf = (errorKey: string): string =>
  `${REDRIVEN_PREFIX}${errorKey.slice('errors/'.length)}`;

/** Markers of single records re-driven by a filtered run: `errors/redriven/records/<key after errors/>/<line>`. */
const recordMarkersOf = (errorKey: string): string =>
  `${REDRIVEN_PREFIX}records/${errorKey.slice('errors/'.length)}/`;

/** One record of a Firehose error object, with the quarantine columns a filter selects by. */
export interface ErrorRecord {
  /** Its line in the object (0-based): names its marker. */
  line: number;
  data: Buffer;
  rawData: string;
  errorCode: string | undefined;
  arrivalTimestamp: number | undefined;
}

/**
 * The records of one Firehose error object: JSON lines, GZIP-compressed when the destination is,
 * each with the original record as base64 `rawData`.
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html#data-transformation-failure-handling
 */
export const parseErrorObject = (body: Buffer): ErrorRecord[] => {
  const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
  const records: ErrorRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const record = JSON.parse(line) as { rawData?: unknown; errorCode?: unknown; arrivalTimestamp?: unknown };
    if (typeof record.rawData !== 'string') throw new Error('error record without rawData');
    records.push({
      line: index,
      data: Buffer.from(record.rawData, 'base64'),
      rawData: record.rawData,
      errorCode: typeof record.errorCode === 'string' ? record.errorCode : undefined,
      arrivalTimestamp: typeof record.arrivalTimestamp === 'number' ? record.arrivalTimestamp : undefined,
    });
  });
  return records;
};

/** What the view `quarantine` says of a record: its reason and device, when known. */
interface QuarantineColumns {
  reason: string | undefined;
  deviceId: string | null;
}

const transformKey = (arrivalMs: number, payload: string) => `${arrivalMs}\n${payload}`;

/**
 * The transform's own quarantine records near an hour (`errors/transform/`, by arrival hour):
 * Firehose names its error objects by delivery time, at most a buffer interval and the retries
 * after the arrival, so the record is in the object's hour or the one before.
 */
class TransformReasons {
  readonly #hours = new Map<number, Promise<Map<string, TransformQuarantineRecord>>>();

  constructor(private readonly store: OpsObjectStore) {}

  async lookup(objectHourMs: number, record: ErrorRecord): Promise<TransformQuarantineRecord | undefined> {
    if (record.arrivalTimestamp === undefined) return undefined;
    for (const hour of [objectHourMs, objectHourMs - HOUR_MS]) {
      const found = (await this.#hour(hour)).get(transformKey(record.arrivalTimestamp, record.rawData));
      if (found) return found;
    }
    return undefined;
  }

  #hour(hourMs: number): Promise<Map<string, TransformQuarantineRecord>> {
    let loaded = this.#hours.get(hourMs);
    if (!loaded) {
      loaded = (async () => {
        const records = new Map<string, TransformQuarantineRecord>();
        const prefix = quarantinePartitionPrefix(TRANSFORM_QUARANTINE_PREFIX, partitionOf(hourMs));
        for await (const key of this.store.keys(prefix))
          for (const line of (await this.store.get(key)).toString('utf8').split('\n')) {
            if (line.trim() === '') continue;
            const record = JSON.parse(line) as TransformQuarantineRecord;
            records.set(transformKey(record.received_at_ms, record.payload), record);
          }
        return records;
      })();
      this.#hours.set(hourMs, loaded);
    }
    return loaded;
  }
}

/**
 * The quarantine columns of a Firehose error record, as the view `quarantine` gives them
 * (shared/src/contracts/quarantine.ts): a record of a batch Firehose gave up on has its error code
 * as the reason and no device; a ProcessingFailed one has the reason and device the transform
 * recorded (Firehose keeps only `Lambda.ProcessingFailedStatus` and the original data).
 */
const columnsOf = async (
  reasons: TransformReasons,
  objectHourMs: number,
  record: ErrorRecord,
): Promise<QuarantineColumns> => {
  if (record.errorCode !== undefined && record.errorCode !== FIREHOSE_PROCESSING_FAILED_CODE)
    return { reason: record.errorCode, deviceId: null };
  const own = await reasons.lookup(objectHourMs, record);
  return own ? { reason: own.reason, deviceId: own.device_id } : { reason: undefined, deviceId: null };
};

export class RedriveError extends Error {
  override name = 'RedriveError';
}

/** PutRecords with retries of only the refused entries, backing off; throws when entries stay refused. */
export const putAll = async (hub: OpsHub, entries: HubEntry[]): Promise<void> => {
  const chunks: HubEntry[][] = [];
  let chunk: HubEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey);
    if (chunk.length === PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  for (let pending of chunks) {
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const result = await hub.putRecords(pending);
      if (!result.FailedRecordCount) break;
      if (attempt === MAX_ATTEMPTS)
        throw new RedriveError(`${result.FailedRecordCount} records still refused after ${attempt} attempts`);
      pending = pending.filter((_, index) => result.Records?.[index]?.ErrorCode !== undefined);
      await hub.sleep(Math.min(100 * 2 ** attempt, 5000));
    }
  }
};

export interface RedriveOptions {
  store: OpsObjectStore;
  hub: OpsHub;
  /** Default `errors/processing-failed/`. */
  prefix?: string;
  /** Only error objects of these arrival hours (`2026-11-25T06`), both included. */
  from?: string;
  to?: string;
  /** Only records of these reasons (the view quarantine's `reason`: a rejection reason or an AWS error code). */
  reasons?: readonly string[];
  /** Only records of these devices (the view's `device_id`). */
  devices?: readonly string[];
  dryRun?: boolean;
  now: () => number;
}

export interface RedriveSummary {
  objects: number;
  /** Objects skipped because a marker says they were re-driven already. */
  alreadyRedriven: number;
  outOfRange: number;
  records: number;
  /** Records of the objects in range that the filters left out. */
  notSelected: number;
  /** Records skipped because a filtered run re-drove them already. */
  alreadyRedrivenRecords: number;
  /** ProcessingFailed records without the transform's record of their reason (and device). */
  unknownReason: number;
  dryRun: boolean;
}

/**
 * Re-drives Firehose error objects: each object's records are put into the hub (so the fixed
 * transform runs again and the lake, reports and warehouse follow as for new data), then a marker
 * is written with a conditional put so no later run re-drives that object again. With filters
 * (reasons, devices: the view quarantine's columns) only the matching records are put, and each
 * gets a marker of its own; a later unfiltered run re-drives the rest and marks the object. Records are put
 * before the marker: a crash in between re-drives the object again, and reports and the warehouse
 * de-duplicate on `event_id`.
 */
export const redrive = async (options: RedriveOptions): Promise<RedriveSummary> => {
  const { store, hub } = options;
  const prefix = options.prefix ?? PROCESSING_FAILED_PREFIX;
  if (!prefix.startsWith('errors/') || prefix.startsWith(REDRIVEN_PREFIX))
    throw new RangeError(`--prefix must be under errors/ and not ${REDRIVEN_PREFIX}`);
  const from = options.from === undefined ? -Infinity : parseHour(options.from, '--from');
  const to = options.to === undefined ? Infinity : parseHour(options.to, '--to');
  const summary: RedriveSummary = {
    objects: 0,
    alreadyRedriven: 0,
    outOfRange: 0,
    records: 0,
    notSelected: 0,
    alreadyRedrivenRecords: 0,
    unknownReason: 0,
    dryRun: options.dryRun ?? false,
  };
  const reasons = new TransformReasons(store);
  const filtered = options.reasons !== undefined || options.devices !== undefined;
  const selects = ({ reason, deviceId }: QuarantineColumns) =>
    (options.reasons === undefined || (reason !== undefined && options.reasons.includes(reason))) &&
    (options.devices === undefined || (deviceId !== null && options.devices.includes(deviceId)));
  for await (const key of store.keys(prefix)) {
    const hour = hourOfKey(key);
    if (hour === undefined || hour < from || hour > to) {
      summary.outOfRange += 1;
      continue;
    }
    const marker = markerKeyOf(key);
    if (await store.exists(marker)) {
      summary.alreadyRedriven += 1;
      continue;
    }
    const done = new Set<string>();
    for await (const recordMarker of store.keys(recordMarkersOf(key)))
      done.add(recordMarker.slice(recordMarkersOf(key).length));
    const selected: ErrorRecord[] = [];
    for (const record of parseErrorObject(await store.get(key))) {
      const columns = await columnsOf(reasons, hour, record);
      if (columns.reason === undefined) summary.unknownReason += 1;
      if (!selects(columns)) summary.notSelected += 1;
      else if (done.has(String(record.line))) summary.alreadyRedrivenRecords += 1;
      else selected.push(record);
    }
    if (selected.length === 0 && filtered) continue;
    summary.objects += 1;
    summary.records += selected.length;
    if (summary.dryRun) continue;
    // Any partition key spreads the load; a hash of the data keeps a record's shard stable across runs.
    await putAll(
      hub,
      selected.map(({ data }) => ({
        Data: data,
        PartitionKey: createHash('md5').update(data).digest('hex'),
      })),
    );
    const redrivenAt = new Date(options.now()).toISOString();
    // A filtered run marks each record it re-drove; an unfiltered one re-drove all the rest and
    // marks the object.
    if (filtered)
      for (const { line } of selected)
        await store.putIfAbsent(
          `${recordMarkersOf(key)}${line}`,
          `${JSON.stringify({ errorObject: key, line, redrivenAt })}\n`,
        );
    else
      await store.putIfAbsent(
        marker,
        `${JSON.stringify({ errorObject: key, records: selected.length, redrivenAt })}\n`,
      );
  }
  return summary;
};
