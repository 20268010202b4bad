import {
  canonicalColumnType,
  isCanonicalColumn,
  validateTable,
  WAREHOUSE_COLUMN_TYPES,
  type WarehouseColumn,
  type WarehouseColumnType,
  type WarehouseTable,
} from '@pipeline/shared/warehouse';
import { ReportDefinitionError } from './errors';
import { misplacedParameters, misplacedParametersMessage, parameterPlacements } from './portable-sql';
import { REPORT_PARAMETER_NAMES } from './report-parameters';

/**
 * The partition columns every report carries and is replaced by in the warehouse. The runner adds
 * them to every row (the partition it ran): a query cannot select them from an empty hour, and
 * Athena takes `?` parameters only in WHERE clauses, so `SELECT CAST(? AS DATE) AS dt` is no way.
 */
export const SCOPE_COLUMNS = ['dt', 'hour'] as const;

/** The relation report SQL reads the lake from; engines bind it to their table or view. */
export const LAKE_RELATION = 'telemetry';

/** The relation report SQL joins the device registry from (the Glue table / DuckDB view). */
export const REGISTRY_RELATION = 'device_registry';

/** The relation report SQL joins the configured anomaly bounds from: `metric`, `low`, `high`. */
export const ANOMALY_THRESHOLDS_RELATION = 'anomaly_thresholds';

/** A SQL report: its header, parsed, and its query. */
export interface ReportDefinition {
  name: string;
  description: string;
  /** What one output row is, in words (the grain), as the header states it. */
  output: string;
  /** Warehouse table with the output columns in order and the key. */
  table: WarehouseTable;
  /** Parameter names in the order of the query's `?` placeholders. */
  parameters: readonly string[];
  sql: string;
}

/** The columns a report's query returns, in order: its table's columns but the scope columns. */
export const queryColumns = (report: ReportDefinition): WarehouseColumn[] =>
  report.table.columns.filter(({ name }) => !(SCOPE_COLUMNS as readonly string[]).includes(name));

const HEADER_KEYS = [
  'name',
  'description',
  'output',
  'warehouse_table',
  'key_columns',
  'parameters',
  'columns',
] as const;
type HeaderKey = (typeof HEADER_KEYS)[number];

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const list = (value: string): string[] =>
  value
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * Reads the leading `-- key: value` comment block, which ends at the first blank or non-comment
 * line. A line `--   more text` (two or more spaces) continues the previous key; for `columns`
 * each continuation line is one column (several may share a line, separated by commas).
 */
const parseHeader = (text: string): { header: Map<HeaderKey, string[]>; body: string } => {
  const lines = text.split(/\r?\n/);
  const header = new Map<HeaderKey, string[]>();
  let current: HeaderKey | undefined;
  let index = 0;
  for (; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      // A blank line ends the header: comments after it belong to the query.
      if (header.size > 0) break;
      continue;
    }
    if (!line.startsWith('--')) break;
    const content = line.slice(2);
    const entry = /^ ([a-z_]+):\s*(.*)$/.exec(content);
    if (entry) {
      const key = entry[1] as HeaderKey;
      if (!HEADER_KEYS.includes(key)) throw new ReportDefinitionError(`unknown header key "${key}"`);
      if (header.has(key)) throw new ReportDefinitionError(`header key "${key}" appears twice`);
      current = key;
      header.set(key, entry[2] ? [entry[2].trim()] : []);
    } else if (/^ {2,}\S/.test(content) && current) {
      header.get(current)?.push(content.trim());
    } else if (content.trim() !== '') {
      throw new ReportDefinitionError(`cannot read header line "${line}"`);
    }
  }
  return { header, body: lines.slice(index).join('\n').trim() };
};

/**
 * Counts `?` placeholders outside string literals, quoted identifiers and comments: the number
 * of parameters the engine will bind.
 */
export const countPlaceholders = (sql: string): number => parameterPlacements(sql).length;

const parseColumn = (line: string): WarehouseColumn => {
  const [name = '', type, ...rest] = line.split(/\s+/);
  if (rest.length > 0) throw new ReportDefinitionError(`column "${line}": expected "name [type]"`);
  if (isCanonicalColumn(name)) {
    // Columns of the lake record take their type from the shared schema; restating it must agree.
    const canonical = canonicalColumnType(name);
    if (type !== undefined && type !== canonical) {
      throw new ReportDefinitionError(`column ${name} is ${canonical} in the lake record, not ${type}`);
    }
    return { name, type: canonical, nullable: true };
  }
  if (type === undefined)
    throw new ReportDefinitionError(`column ${name} needs a type (${WAREHOUSE_COLUMN_TYPES.join(', ')})`);
  if (!WAREHOUSE_COLUMN_TYPES.includes(type as WarehouseColumnType)) {
    throw new ReportDefinitionError(
      `column ${name} has unknown type ${type} (${WAREHOUSE_COLUMN_TYPES.join(', ')})`,
    );
  }
  return { name, type: type as WarehouseColumnType, nullable: true };
};

/**
 * Parses a report file. `file` is its base name: the header's `name` must equal it, so the
 * output prefix, the file and the header cannot disagree.
 */
export const parseReportDefinition = (file: string, text: string): ReportDefinition => {
  try {
    const { header, body } = parseHeader(text);
    const missing = HEADER_KEYS.filter((key) => !header.get(key)?.length);
    if (missing.length > 0) throw new ReportDefinitionError(`header lacks ${missing.join(', ')}`);
    const value = (key: HeaderKey) => (header.get(key) ?? []).join(' ');

    const name = value('name');
    if (!NAME.test(name)) throw new ReportDefinitionError(`name "${name}" is not a lower-case identifier`);
    if (`${name}.sql` !== file)
      throw new ReportDefinitionError(`name "${name}" does not match the file name`);

    const parameters = list(value('parameters'));
    const unknown = parameters.filter((parameter) => !REPORT_PARAMETER_NAMES.includes(parameter));
    if (unknown.length > 0) {
      throw new ReportDefinitionError(
        `unknown parameters ${unknown.join(', ')} (known: ${REPORT_PARAMETER_NAMES.join(', ')})`,
      );
    }
    const placeholders = countPlaceholders(body);
    if (placeholders !== parameters.length) {
      throw new ReportDefinitionError(
        `the query has ${placeholders} ? placeholders but the header lists ${parameters.length} parameters`,
      );
    }
    const misplaced = misplacedParameters(body);
    if (misplaced.length > 0) throw new ReportDefinitionError(misplacedParametersMessage(misplaced));

    const columns = (header.get('columns') ?? [])
      .flatMap((line) => line.split(','))
      .map((c) => c.trim())
      .filter(Boolean)
      .map(parseColumn);
    const keyColumns = list(value('key_columns'));
    for (const scope of SCOPE_COLUMNS) {
      if (!keyColumns.includes(scope))
        throw new ReportDefinitionError(`key_columns must include ${scope} (the partition)`);
    }
    const table = validateTable({ name: value('warehouse_table'), columns, keyColumns });
    if (
      columns[0]?.name !== 'dt' ||
      columns[0].type !== 'date' ||
      columns[1]?.name !== 'hour' ||
      columns[1].type !== 'string'
    ) {
      throw new ReportDefinitionError('the first two columns must be "dt date" and "hour string"');
    }
    if (!/\bORDER\s+BY\b/i.test(body)) {
      throw new ReportDefinitionError(
        'the query needs an ORDER BY: outputs must be byte-identical on re-runs',
      );
    }
    return { name, description: value('description'), output: value('output'), table, parameters, sql: body };
  } catch (error) {
    if (error instanceof Error) error.message = `${file}: ${error.message}`;
    throw error;
  }
};

/**
 * The SQL with the relation `name` bound to `relation` (e.g. `"pipeline_dev"."telemetry"` in
 * Athena). `relation` is configuration, never input; only `FROM <name>` / `JOIN <name>` are
 * rewritten.
 */
export const bindRelation = (sql: string, name: string, relation: string): string =>
  relation === name
    ? sql
    : sql.replace(new RegExp(`\\b(FROM|JOIN)(\\s+)${name}\\b`, 'gi'), `$1$2${relation}`);

/** The SQL with the lake relation bound to `relation` (see {@link bindRelation}). */
export const bindLakeRelation = (sql: string, relation: string): string =>
  bindRelation(sql, LAKE_RELATION, relation);

/** Parses every report file and checks that names and warehouse tables are unique. */
export const parseReportCatalog = (files: readonly { file: string; text: string }[]): ReportDefinition[] => {
  const reports = files
    .map(({ file, text }) => parseReportDefinition(file, text))
    .sort((a, b) => a.name.localeCompare(b.name));
  const tables = new Set<string>();
  for (const report of reports) {
    if (tables.has(report.table.name))
      throw new ReportDefinitionError(`warehouse table ${report.table.name} is used twice`);
    tables.add(report.table.name);
  }
  if (reports.length === 0) throw new ReportDefinitionError('no report files');
  return reports;
};
