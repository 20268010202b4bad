import { transformQuarantineObjects, type TransformQuarantine } from '@pipeline/ingest-transform';
import type { TransformQuarantineRecord } from '@pipeline/shared';
import { writeObjectFiles } from '../cloud/cloud-dir';

/**
 * ingest-transform's quarantine on the `local` stage (`sls invoke local --stage local`, wired by
 * `local/src/functions/ingest-transform.ts`): the same objects as the deployed S3 adapter writes, as
 * files of the local cloud's bucket folder (`$LOCAL_ROOT` or `.local/`), laid out as `npm start`
 * lays buckets out.
 */
export class LocalTransformQuarantine implements TransformQuarantine {
  constructor(private readonly options: { dir: string; bucket: string }) {}

  put(records: readonly TransformQuarantineRecord[]): Promise<void> {
    return writeObjectFiles(this.options.dir, this.options.bucket, transformQuarantineObjects(records));
  }
}
