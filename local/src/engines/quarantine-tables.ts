import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  QUARANTINE_TABLES,
  QUARANTINE_VIEW,
  quarantineViewSelect,
  type GlueType,
  type QuarantineBucket,
  type QuarantineTable,
} from '@pipeline/shared';
import { DUCKDB_TYPES } from './duckdb-types';

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Splits `a:t1,b:array<x>` at the top-level commas. */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '<') depth += 1;
    else if (char === '>') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
};

/** The DuckDB type of a Glue (Hive) column type, nested `struct<>` and `array<>` included. */
export const duckDbTypeOf = (glueType: string): string => {
  const type = glueType.trim();
  const nested = /^(struct|array)<(.*)>$/.exec(type);
  if (nested?.[1] === 'array') return `${duckDbTypeOf(nested[2] ?? '')}[]`;
  if (nested?.[1] === 'struct')
    return `STRUCT(${splitTopLevel(nested[2] ?? '')
      .map((field) => {
        const colon = field.indexOf(':');
        return `"${field.slice(0, colon).trim()}" ${duckDbTypeOf(field.slice(colon + 1))}`;
      })
      .join(', ')})`;
  const scalar = DUCKDB_TYPES[type as GlueType];
  if (!scalar) throw new RangeError(`no DuckDB type for Glue type ${glueType}`);
  return scalar;
};

/** The folders of the local buckets the quarantine tables read. */
export type QuarantineFolders = Readonly<Record<QuarantineBucket, string | undefined>>;

// An object of an hour partition, as partition projection reads it: `dt=.../hour=.../<name>`, hidden
// and `_`-prefixed files skipped (as Athena skips them).
const PARTITION_FILE = /^dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[^._/][^/]*$/;

const listUnder = async (folder: string): Promise<string[]> => {
  try {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name))
      .filter((file) => PARTITION_FILE.test(path.relative(folder, file).split(path.sep).join('/')))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
};

/** A source table's objects: the hour partitions under its prefix (Firehose: under each error type). */
export const quarantineFiles = async (table: QuarantineTable, bucketDir: string | undefined) => {
  if (bucketDir === undefined) return [];
  const roots = (table.errorOutputTypes ?? ['']).map((type) => path.join(bucketDir, table.prefix, type));
  return (await Promise.all(roots.map(listUnder))).flat();
};

/**
 * A source table as Athena reads its Glue table: the JSON SerDe over JSON lines with the table's
 * columns, `dt` and `hour` (strings) from the folder names. No object yet is an empty table.
 */
export const quarantineTableSql = (table: QuarantineTable, files: readonly string[]): string => {
  // Firehose's error output type is a partition of the Glue table (enum projection): the path level
  // between the prefix and dt=.
  const typePartition = table.errorOutputTypes
    ? [['error_output_type', `regexp_extract(filename, ${quote(`/${table.prefix}([^/]+)/dt=`)}, 1)`] as const]
    : [];
  const columns = [
    ...table.columns.map(({ name, glueType }) => [name, duckDbTypeOf(glueType), `"${name}"`] as const),
    ...typePartition.map(([name, expression]) => [name, 'VARCHAR', expression] as const),
    ['dt', 'VARCHAR', '"dt"'] as const,
    ['hour', 'VARCHAR', '"hour"'] as const,
  ];
  if (files.length === 0)
    return `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${columns
      .map(([name, type]) => `CAST(NULL AS ${type}) AS "${name}"`)
      .join(', ')} WHERE false`;
  const struct = `{${table.columns.map(({ name, glueType }) => `${quote(name)}: ${quote(duckDbTypeOf(glueType))}`).join(', ')}}`;
  return (
    `CREATE OR REPLACE VIEW "${table.name}" AS SELECT ${columns.map(([name, , expression]) => `${expression} AS "${name}"`).join(', ')} ` +
    `FROM read_json([${files.map(quote).join(', ')}], format = 'newline_delimited', columns = ${struct}, ` +
    `hive_partitioning = true, hive_types_autocast = false, filename = true)`
  );
};

/**
 * The statements creating every source table and the `quarantine` view over them, over the files
 * `visible` keeps (see `DuckDbQueryEngineOptions.visible`).
 */
export const quarantineSql = async (
  folders: QuarantineFolders,
  visible: (file: string) => boolean = () => true,
): Promise<string[]> => {
  const statements: string[] = [];
  for (const table of QUARANTINE_TABLES)
    statements.push(
      quarantineTableSql(table, (await quarantineFiles(table, folders[table.bucket])).filter(visible)),
    );
  statements.push(`CREATE OR REPLACE VIEW "${QUARANTINE_VIEW}" AS ${quarantineViewSelect()}`);
  return statements;
};
