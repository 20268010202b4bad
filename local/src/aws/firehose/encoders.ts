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
  /** A buffer that keeps its records elsewhere than in memory until encoded (optional). */
  openBuffer?(): RecordBuffer;
  close?(): Promise<void>;
}

/** The records of one S3 buffer until they become an object. */
export interface RecordBuffer {
  readonly count: number;
  append(record: Buffer): void;
  /** The object's body; the buffer is spent afterwards. */
  encode(): Promise<Uint8Array>;
}

/** Records held in memory and encoded in one go: for encoders without a buffer of their own. */
export class MemoryRecordBuffer implements RecordBuffer {
  readonly #records: Buffer[] = [];

  constructor(private readonly encoder: RecordEncoder) {}

  get count(): number {
    return this.#records.length;
  }

  append(record: Buffer): void {
    this.#records.push(record);
  }

  encode(): Promise<Uint8Array> {
    return this.encoder.encode(this.#records);
  }
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
