import { endOfQuotedOrComment } from '@pipeline/shared/warehouse';
import { QueryEngineError } from './errors';
import type { QueryParameter } from './ports';

/**
 * Functions report SQL may call: built into both Trino (Athena engine v3) and DuckDB with the same
 * results on the lake's types. The SQL test fails on anything else, so a report that runs locally
 * also runs in Athena.
 *
 * Traps that are deliberately absent: `count_if` (DuckDB returns NULL for no rows, Trino 0: use
 * `count(CASE WHEN ... THEN 1 END)`), `date_diff` (DuckDB counts unit boundaries crossed, Trino
 * whole units elapsed: subtract `to_unixtime` values instead), `approx_percentile`/`arbitrary`
 * (non-deterministic or engine-specific).
 */
export const PORTABLE_FUNCTIONS: readonly string[] = [
  'avg',
  'count',
  'min',
  'max',
  'sum',
  'round',
  'coalesce',
  'nullif',
  'abs',
  'lower',
  'upper',
];

/**
 * Trino functions DuckDB lacks, available to report SQL because the local engine defines a
 * Trino-compatible macro for each (local/src/engines/trino-compat.ts).
 */
export const TRINO_FUNCTIONS_WITH_DUCKDB_MACROS: readonly string[] = [
  'to_unixtime',
  'from_unixtime',
  'approx_distinct',
];

/** Types report SQL may CAST to: the same name and meaning in both engines. */
export const PORTABLE_CAST_TYPES: readonly string[] = [
  'DOUBLE',
  'DECIMAL',
  'BIGINT',
  'INTEGER',
  'VARCHAR',
  'DATE',
  'TIMESTAMP',
  'BOOLEAN',
];

/** The clause a `?` placeholder stands in, named as an error message names it. */
export type ParameterClause =
  | 'WHERE clause'
  | 'SELECT list'
  | 'FROM clause'
  | 'JOIN condition'
  | 'GROUP BY clause'
  | 'HAVING clause'
  | 'ORDER BY clause'
  | 'LIMIT clause'
  | 'WINDOW clause'
  | 'WITH clause'
  | 'VALUES list'
  | 'aggregate FILTER'
  | 'statement';

/** Where one `?` placeholder stands: the clause of its own query block, and its line and column (from 1). */
export interface ParameterPlacement {
  clause: ParameterClause;
  line: number;
  column: number;
}

// The keywords that open a clause of a query block. A parenthesis whose first word is SELECT,
// WITH or VALUES is a query block of its own (a CTE, a subquery); any other parenthesis belongs
// to the clause around it, so `WHERE x IN (?, ?)` and `WHERE (a = ? OR b = ?)` stay in the WHERE
// clause. WITH and VALUES open a clause only as a block's first word (not in
// `TIMESTAMP WITH TIME ZONE`).
const CLAUSE_KEYWORDS: Readonly<Record<string, ParameterClause>> = {
  SELECT: 'SELECT list',
  FROM: 'FROM clause',
  JOIN: 'FROM clause',
  ON: 'JOIN condition',
  USING: 'JOIN condition',
  WHERE: 'WHERE clause',
  GROUP: 'GROUP BY clause',
  HAVING: 'HAVING clause',
  ORDER: 'ORDER BY clause',
  LIMIT: 'LIMIT clause',
  OFFSET: 'LIMIT clause',
  FETCH: 'LIMIT clause',
  WINDOW: 'WINDOW clause',
  UNION: 'statement',
  INTERSECT: 'statement',
  EXCEPT: 'statement',
};
const BLOCK_STARTS: Readonly<Record<string, ParameterClause>> = {
  SELECT: 'SELECT list',
  WITH: 'WITH clause',
  VALUES: 'VALUES list',
};
// Clause keywords that open no clause after these words: `IS DISTINCT FROM`, `WITHIN GROUP`.
const NOT_A_CLAUSE_AFTER: Readonly<Record<string, string>> = { FROM: 'DISTINCT', GROUP: 'WITHIN' };
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

interface Level {
  clause: ParameterClause;
  /** The parenthesis (or the statement) is a query block, not part of an expression. */
  query: boolean;
  /** No word has been read in it yet. */
  empty: boolean;
}

/**
 * Every `?` placeholder of `sql` (outside string literals, quoted identifiers and comments), with
 * the clause it stands in. The clause is that of the placeholder's own query block: a `?` in the
 * WHERE of a CTE or of a subquery is in a WHERE clause, a `?` in the select list of a subquery
 * inside a WHERE is not. Inside an expression's parentheses (a function call, `OVER (...)`), a
 * WHERE opens an aggregate FILTER, not a WHERE clause.
 */
export const parameterPlacements = (sql: string): ParameterPlacement[] =>
  placeholders(sql).map(({ clause, index }) => {
    const before = sql.slice(0, index).split('\n');
    return { clause, line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
  });

type Placeholder = Readonly<{ clause: ParameterClause; index: number }>;

/** Scans already made, by SQL text: the reports are a handful of texts run over and over. */
const scanned = new Map<string, readonly Placeholder[]>();
const SCANS_KEPT = 256;

/** Every `?` placeholder of `sql` with its clause and its offset in `sql`. */
const placeholders = (sql: string): readonly Placeholder[] => {
  let found = scanned.get(sql);
  if (!found) {
    found = scanPlaceholders(sql);
    if (scanned.size >= SCANS_KEPT) scanned.clear();
    scanned.set(sql, found);
  }
  return found;
};

const scanPlaceholders = (sql: string): Placeholder[] => {
  const levels: Level[] = [{ clause: 'statement', query: true, empty: true }];
  const found: Placeholder[] = [];
  let previous = '';
  for (let i = 0; i < sql.length; i += 1) {
    const skipped = endOfQuotedOrComment(sql, i);
    if (skipped > i) {
      i = skipped;
      continue;
    }
    const level = levels[levels.length - 1]!;
    const char = sql[i]!;
    if (char === '?') {
      found.push({ clause: level.clause, index: i });
    } else if (char === '(') {
      levels.push({ clause: level.clause, query: false, empty: true });
    } else if (char === ')') {
      if (levels.length > 1) levels.pop();
    } else if (/[A-Za-z_]/.test(char) && !/[A-Za-z0-9_$]/.test(sql[i - 1] ?? ' ')) {
      WORD.lastIndex = i;
      const word = (WORD.exec(sql)?.[0] ?? char).toUpperCase();
      i += word.length - 1;
      const start = BLOCK_STARTS[word];
      if (start && (level.empty || word === 'SELECT')) {
        level.query = true;
        level.clause = start;
      } else if (level.query && NOT_A_CLAUSE_AFTER[word] !== previous) {
        level.clause = CLAUSE_KEYWORDS[word] ?? level.clause;
      } else if (word === 'WHERE') {
        level.clause = 'aggregate FILTER';
      }
      level.empty = false;
      previous = word;
    }
  }
  return found;
};

/**
 * The `?` placeholders Athena would refuse: "Currently, ? parameters can be placed only in the
 * WHERE clause. Syntax like SELECT ? FROM table is not supported." ("Use parameterized queries",
 * Athena user guide, https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html).
 * The guide documents the WHERE clause only, so a `?` in HAVING or in a join's ON counts as
 * misplaced too.
 */
export const misplacedParameters = (sql: string): ParameterPlacement[] =>
  parameterPlacements(sql).filter(({ clause }) => clause !== 'WHERE clause');

/** The error for misplaced parameters, in the `line L:C: ...` form of Athena's query errors. */
export const misplacedParametersMessage = (misplaced: readonly ParameterPlacement[]): string =>
  misplaced
    .map(
      ({ clause, line, column }) =>
        `line ${line}:${column}: a ? parameter in the ${clause}: ? parameters can be placed only in the WHERE clause`,
    )
    .join('; ');

/**
 * A parameter as Athena's `ExecutionParameters` want it: a SQL literal Athena binds to the `?` of
 * the prepared query, so strings are quoted and their quotes doubled.
 * https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
 */
export const executionParameter = (value: QueryParameter): string => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new QueryEngineError(`parameter ${value} is not a finite number`, false);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
};

/**
 * The query Athena runs for `sql` and its execution parameters: each `?` placeholder replaced by
 * its value's literal ("EXECUTE my_select2 USING 2012 ... is equivalent to: SELECT * FROM ...
 * WHERE year = 2012", https://docs.aws.amazon.com/athena/latest/ug/sql-execute.html). A local
 * engine runs this text, so it plans with the values known, as Athena does. Numbers are
 * parenthesised: after a minus, `-?` must not become a `--` comment.
 */
export const inlineParameters = (sql: string, parameters: readonly QueryParameter[]): string => {
  const found = placeholders(sql);
  if (found.length !== parameters.length)
    throw new QueryEngineError(
      `${found.length} ? placeholders for ${parameters.length} parameter${parameters.length === 1 ? '' : 's'}`,
      false,
    );
  let text = '';
  let from = 0;
  found.forEach(({ index }, position) => {
    const value = parameters[position]!;
    const literal = executionParameter(value);
    text += sql.slice(from, index) + (typeof value === 'number' ? `(${literal})` : literal);
    from = index + 1;
  });
  return text + sql.slice(from);
};
