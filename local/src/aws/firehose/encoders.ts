import { gzipSync } from 'node:zlib';

/**
 * How a delivery stream turns a buffer of transformed records into one S3 object: JSON
 * (concatenated as returned by the transform, optionally GZIP-compressed) or Parquet through record
 * format conversion (see ParquetEncoder).
 */
export interface RecordEncoder {
  /** The destination's CompressionFormat; error output objects use it too. */
  readonly compression: 'UNCOMPRESSED' | 'GZIP';
  /** Appended to object names (`.gz` for GZIP, as Firehose does). */
  readonly extension: string;
  /** For format conversion: why a record cannot be converted, or undefined when it can. */
  check?(record: Buffer): string | undefined;
  encode(records: readonly Buffer[]): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Firehose's default S3 output: records concatenated without delimiters, optionally gzipped. */
export class JsonEncoder implements RecordEncoder {
  readonly compression: 'UNCOMPRESSED' | 'GZIP';
  readonly extension: string;

  constructor({ gzip }: { gzip: boolean }) {
    this.compression = gzip ? 'GZIP' : 'UNCOMPRESSED';
    this.extension = gzip ? '.gz' : '';
  }

  async encode(records: readonly Buffer[]): Promise<Uint8Array> {
    const body = Buffer.concat(records);
    return this.compression === 'GZIP' ? gzipSync(body) : body;
  }
}
