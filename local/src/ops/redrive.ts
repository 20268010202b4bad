import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { hourOfKey, parseHour } from './hours';
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

export const markerKeyOf = (errorKey: string): string =>
  `${REDRIVEN_PREFIX}${errorKey.slice('errors/'.length)}`;

/**
 * The records of one Firehose error object: JSON lines, GZIP-compressed when the destination is,
 * each with the original record as base64 `rawData`.
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html#data-transformation-failure-handling
 */
export const parseErrorObject = (body: Buffer): Buffer[] => {
  const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
  const records: Buffer[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { rawData?: unknown };
    if (typeof record.rawData !== 'string') throw new Error('error record without rawData');
    records.push(Buffer.from(record.rawData, 'base64'));
  }
  return records;
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
  dryRun?: boolean;
  now: () => number;
}

export interface RedriveSummary {
  objects: number;
  /** Objects skipped because a marker says they were re-driven already. */
  alreadyRedriven: number;
  outOfRange: number;
  records: number;
  dryRun: boolean;
}

/**
 * Re-drives Firehose error objects: each object's records are put into the hub (so the fixed
 * transform runs again and the lake, reports and warehouse follow as for new data), then a marker
 * is written with a conditional put so no later run re-drives that object again. Records are put
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
    dryRun: options.dryRun ?? false,
  };
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
    const records = parseErrorObject(await store.get(key));
    summary.objects += 1;
    summary.records += records.length;
    if (summary.dryRun) continue;
    // Any partition key spreads the load; a hash of the data keeps a record's shard stable across runs.
    await putAll(
      hub,
      records.map((data) => ({ Data: data, PartitionKey: createHash('md5').update(data).digest('hex') })),
    );
    await store.putIfAbsent(
      marker,
      `${JSON.stringify({ errorObject: key, records: records.length, redrivenAt: new Date(options.now()).toISOString() })}\n`,
    );
  }
  return summary;
};
