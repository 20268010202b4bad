import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  quarantineObjects,
  type HubRecord,
  type HubWriter,
  type HubWriteStats,
  type Quarantine,
  type QuarantinedRecord,
} from '@pipeline/msk-consumer';
import {
  chunkForPutRecords,
  PUT_RECORDS_LIMITS,
  type PutRecordsLimits,
} from '@pipeline/msk-consumer/adapters';
import { writeObjectFiles } from '../cloud/cloud-dir';

/**
 * msk-consumer's ports on the `local` stage (`sls invoke local --stage local`, wired by
 * `local/src/functions/msk-consumer.ts`): plain files in the local cloud's folder, `$LOCAL_ROOT` or
 * `.local/` at the repository root, laid out as `npm start` lays it out (one folder per bucket).
 * `npm start` itself injects the deployed adapters with its simulated clients instead.
 *
 *   hub/<stream>.ndjson         one line per record: {"partitionKey","data" (base64),"approximateArrivalTimestamp"}
 *   <bucket>/errors/msk/...     quarantine objects, same keys as in S3
 */
/** Appends records to `hub/<stream>.ndjson`, enforcing the PutRecords limits as Kinesis would. */
export class LocalHubWriter implements HubWriter {
  constructor(
    private readonly options: {
      dir: string;
      streamName: string;
      limits?: PutRecordsLimits;
      now?: () => number;
    },
  ) {}

  async put(records: readonly HubRecord[]): Promise<HubWriteStats> {
    const chunks = chunkForPutRecords(records, this.options.limits ?? PUT_RECORDS_LIMITS);
    if (chunks.length === 0) return { requests: 0, retriedEntries: 0 };
    const file = path.join(this.options.dir, 'hub', `${this.options.streamName}.ndjson`);
    await mkdir(path.dirname(file), { recursive: true });
    const approximateArrivalTimestamp = (this.options.now ?? Date.now)();
    const lines = records.map(({ partitionKey, data }) =>
      JSON.stringify({
        partitionKey,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp,
      }),
    );
    await appendFile(file, `${lines.join('\n')}\n`);
    return { requests: chunks.length, retriedEntries: 0 };
  }
}

/** Writes quarantine objects to `<bucket>/<key>`, the bucket's folder in the local cloud. */
export class LocalQuarantine implements Quarantine {
  constructor(private readonly options: { dir: string; bucket: string }) {}

  put(records: readonly QuarantinedRecord[]): Promise<void> {
    return writeObjectFiles(this.options.dir, this.options.bucket, quarantineObjects(records));
  }
}
