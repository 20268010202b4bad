import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { glueColumns, type GlueType } from '@pipeline/shared';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordEncoder } from './encoders';

// The Glue column types the lake uses, as DuckDB types and as the JSON values Firehose's Hive JSON
// deserializer accepts for them.
const DUCKDB_TYPES: Record<GlueType, string> = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  double: 'DOUBLE',
  int: 'INTEGER',
  bigint: 'BIGINT',
};

// The Glue table's TimestampFormats: ISO-8601 UTC with milliseconds (yyyy-MM-dd'T'HH:mm:ss.SSSZZ).
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
  #connection: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;

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

  async encode(records: readonly Buffer[]): Promise<Uint8Array> {
    const { connection } = await this.#connect();
    await mkdir(this.#scratchDir, { recursive: true });
    const base = join(this.#scratchDir, randomUUID());
    const input = `${base}.jsonl`;
    const output = `${base}.parquet`;
    try {
      await writeFile(input, records.map((record) => record.toString('utf8').trim()).join('\n'));
      const columns = this.#columns
        .map(({ Name, Type }) => `${quoteIdentifier(Name)}: '${DUCKDB_TYPES[Type]}'`)
        .join(', ');
      const names = this.#columns.map(({ Name }) => quoteIdentifier(Name)).join(', ');
      await connection.run(
        `COPY (SELECT ${names} FROM read_json(${quoteLiteral(input)}, format = 'newline_delimited', columns = {${columns}})) ` +
          `TO ${quoteLiteral(output)} (FORMAT parquet, COMPRESSION snappy)`,
      );
      return await readFile(output);
    } finally {
      await Promise.all([rm(input, { force: true }), rm(output, { force: true })]);
    }
  }

  async close(): Promise<void> {
    const opened = this.#connection;
    this.#connection = undefined;
    if (!opened) return;
    const { instance, connection } = await opened;
    connection.closeSync();
    instance.closeSync();
  }

  #connect() {
    this.#connection ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:');
      return { instance, connection: await instance.connect() };
    })();
    return this.#connection;
  }
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;
