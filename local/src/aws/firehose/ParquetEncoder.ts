import { glueColumns, type GlueType } from '@pipeline/shared';
import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DUCKDB_TYPES } from '../../engines/duckdb-types';
import { ReusedDuckDb } from '../../engines/reused-duckdb';
import type { RecordBuffer, RecordEncoder } from './encoders';

// The JSON values Firehose's Hive JSON deserializer accepts for each Glue column type of the lake
// (`fits`). The Glue table's TimestampFormats: ISO-8601 UTC with milliseconds (yyyy-MM-dd'T'HH:mm:ss.SSSZZ).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INT_RANGE = 2 ** 31;

const fits = (type: GlueType, value: unknown): boolean => {
  if (value === null || value === undefined) return true;
  switch (type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'int':
      return Number.isInteger(value) && Math.abs(value as number) < INT_RANGE;
    case 'bigint':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
  }
};

export interface ParquetEncoderOptions {
  /** Glue columns of the table the conversion uses; default the lake table (`glueColumns()`). */
  columns?: { Name: string; Type: GlueType }[];
  /** Scratch folder for DuckDB's input and output files; default the OS temp folder. */
  scratchDir?: string;
}

/**
 * Record format conversion to Parquet (Snappy), as Firehose does with a Glue table's schema: each
 * transformed record must be one JSON object whose fields fit the column types (unknown fields are
 * ignored, missing ones are null); DuckDB writes the file.
 * https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html
 */
export class ParquetEncoder implements RecordEncoder {
  readonly compression = 'UNCOMPRESSED';
  readonly extension = '';
  readonly #columns: { Name: string; Type: GlueType }[];
  readonly #scratchDir: string;
  readonly #duckdb = new ReusedDuckDb({ config: { threads: '1' } });

  constructor(options: ParquetEncoderOptions = {}) {
    this.#columns = options.columns ?? glueColumns();
    this.#scratchDir = options.scratchDir ?? join(tmpdir(), 'pipeline-local-parquet');
  }

  check(record: Buffer): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(record.toString('utf8'));
    } catch (error) {
      return `Data does not match the schema. ${(error as Error).message}`;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return `Data does not match the schema. Data is not JSONObject but ${Array.isArray(value) ? 'JSONArray' : typeof value}`;
    }
    const row = value as Record<string, unknown>;
    for (const { Name, Type } of this.#columns) {
      if (!fits(Type, row[Name]))
        return `Data does not match the schema. Column ${Name} (${Type}) cannot hold ${JSON.stringify(row[Name])}`;
    }
    return undefined;
  }

  /**
   * A buffer whose records go to a JSON-lines file in the scratch folder as they arrive (in
   * chunks), so an S3 buffer of up to 128 MB costs no memory while it fills; encoding converts the
   * file.
   */
  openBuffer(): RecordBuffer {
    mkdirSync(this.#scratchDir, { recursive: true });
    return new JsonLinesFile(join(this.#scratchDir, randomUUID()), (input, output) =>
      this.#convert(input, output),
    );
  }

  async encode(records: readonly Buffer[]): Promise<Uint8Array> {
    const buffer = this.openBuffer();
    for (const record of records) buffer.append(record);
    return buffer.encode();
  }

  async close(): Promise<void> {
    await this.#duckdb.close();
  }

  /**
   * Converts on the encoder's DuckDB instance, re-opened when the process has grown too much:
   * DuckDB keeps the memory of a conversion (hundreds of MB for a 128 MB buffer) until its instance
   * closes (see `ReusedDuckDb`). One thread: as fast for this scan-and-write (the file is read
   * sequentially), with about 70 MB less peak memory than two.
   */
  async #convert(input: string, output: string): Promise<void> {
    const columns = this.#columns
      .map(({ Name, Type }) => `${quoteIdentifier(Name)}: '${DUCKDB_TYPES[Type]}'`)
      .join(', ');
    const names = this.#columns.map(({ Name }) => quoteIdentifier(Name)).join(', ');
    await this.#duckdb.use((connection) =>
      connection.run(
        `COPY (SELECT ${names} FROM read_json(${quoteLiteral(input)}, format = 'newline_delimited', columns = {${columns}})) ` +
          `TO ${quoteLiteral(output)} (FORMAT parquet, COMPRESSION snappy)`,
      ),
    );
  }
}

const NEWLINE = Buffer.from('\n');
const isJsonWhitespace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * One record as a line: `toString('utf8').trim()`, without the string. Records that reach the
 * encoder parsed as JSON objects, so their ends can only be JSON whitespace; anything else (invalid
 * UTF-8, other whitespace) takes the string path and comes out exactly as before.
 */
const line = (record: Buffer): Buffer => {
  let start = 0;
  let end = record.length;
  while (start < end && isJsonWhitespace(record[start])) start += 1;
  while (end > start && isJsonWhitespace(record[end - 1])) end -= 1;
  const first = record[start];
  const last = record[end - 1];
  const plain = first === 0x7b && last === 0x7d && isUtf8(record);
  return plain ? record.subarray(start, end) : Buffer.from(record.toString('utf8').trim());
};

const STAGING_BYTES = 256 * 1024;

/**
 * Records appended as lines of `<base>.jsonl`. Lines are copied into a staging buffer of the file's
 * own, written when full: keeping the records themselves would pin the shared chunks they were
 * decoded into (a partition receiving a few late records a second would hold every chunk).
 */
class JsonLinesFile implements RecordBuffer {
  #count = 0;
  #fd: number | undefined;
  readonly #staging = Buffer.allocUnsafe(STAGING_BYTES);
  #used = 0;

  constructor(
    private readonly base: string,
    private readonly convert: (input: string, output: string) => Promise<void>,
  ) {}

  get count(): number {
    return this.#count;
  }

  append(record: Buffer): void {
    const text = line(record);
    if (this.#count > 0) this.#put(NEWLINE);
    this.#put(text);
    this.#count += 1;
  }

  async encode(): Promise<Uint8Array> {
    const input = `${this.base}.jsonl`;
    const output = `${this.base}.parquet`;
    try {
      this.#flush();
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = undefined;
      // DuckDB reads an empty file as no rows, like the string of no records it was given before.
      if (this.#count === 0) writeFileSync(input, '');
      await this.convert(input, output);
      return await readFile(output);
    } finally {
      await Promise.all([rm(input, { force: true }), rm(output, { force: true })]);
    }
  }

  #put(bytes: Buffer): void {
    if (this.#used + bytes.length > STAGING_BYTES) this.#flush();
    if (bytes.length > STAGING_BYTES) {
      this.#write(bytes);
      return;
    }
    bytes.copy(this.#staging, this.#used);
    this.#used += bytes.length;
  }

  #flush(): void {
    if (this.#used === 0) return;
    this.#write(this.#staging.subarray(0, this.#used));
    this.#used = 0;
  }

  #write(bytes: Buffer): void {
    this.#fd ??= openSync(`${this.base}.jsonl`, 'w');
    for (let offset = 0; offset < bytes.length;)
      offset += writeSync(this.#fd, bytes, offset, bytes.length - offset);
  }
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;
