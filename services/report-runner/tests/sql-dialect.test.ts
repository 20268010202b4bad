import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from 'node-sql-parser';
import { TRINO_COMPAT_MACROS } from '@pipeline/local/engines';
import {
  PORTABLE_CAST_TYPES,
  PORTABLE_FUNCTIONS,
  TRINO_FUNCTIONS_WITH_DUCKDB_MACROS,
} from '../src/domain/portable-sql';

const SQL_DIR = path.join(__dirname, '..', 'sql');
const files = readdirSync(SQL_DIR).filter((file) => file.endsWith('.sql'));

interface Calls {
  functions: Set<string>;
  casts: Set<string>;
}

/** Collects function, aggregate and cast names from node-sql-parser's AST. */
const collect = (node: unknown, calls: Calls): Calls => {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, calls);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'aggr_func' && typeof record.name === 'string')
      calls.functions.add(record.name.toLowerCase());
    if (record.type === 'function') {
      const parts = (record.name as { name?: { value: string }[] } | undefined)?.name ?? [];
      calls.functions.add(
        parts
          .map(({ value }) => value)
          .join('.')
          .toLowerCase(),
      );
    }
    if (record.type === 'cast') {
      for (const target of (record.target as { dataType: string }[] | undefined) ?? [])
        calls.casts.add(target.dataType.toUpperCase());
    }
    for (const value of Object.values(record)) collect(value, calls);
  }
  return calls;
};

const parse = (sql: string) => new Parser().astify(sql, { database: 'trino' });

// node-sql-parser's names for the clauses of a query block (`on` is a join's condition).
const CLAUSE_KEYS = new Set(['columns', 'from', 'on', 'where', 'groupby', 'having', 'orderby', 'limit']);

/** The clause each `?` placeholder stands in: the innermost clause of its own query block. */
const placeholderClauses = (node: unknown, clause = 'statement', found: string[] = []): string[] => {
  if (Array.isArray(node)) {
    for (const child of node) placeholderClauses(child, clause, found);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'origin' && record.value === '?') found.push(clause);
    for (const [key, value] of Object.entries(record))
      placeholderClauses(value, CLAUSE_KEYS.has(key) ? key : clause, found);
  }
  return found;
};

describe('report SQL dialect', () => {
  it('has report files', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s parses as Trino SQL and uses only functions both engines run', (file) => {
    const sql = readFileSync(path.join(SQL_DIR, file), 'utf8');
    const ast = parse(sql);
    expect(Array.isArray(ast) ? ast.length : 1).toBe(1);
    const { functions, casts } = collect(ast, { functions: new Set(), casts: new Set() });
    const allowed = new Set([...PORTABLE_FUNCTIONS, ...TRINO_FUNCTIONS_WITH_DUCKDB_MACROS]);
    expect([...functions].filter((name) => !allowed.has(name))).toEqual([]);
    expect([...casts].filter((type) => !PORTABLE_CAST_TYPES.includes(type))).toEqual([]);
  });

  // Athena: "Currently, ? parameters can be placed only in the WHERE clause. Syntax like
  // SELECT ? FROM table is not supported." ("Use parameterized queries", Athena user guide,
  // https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html). A WHERE
  // of a CTE or subquery is a WHERE clause; HAVING and JOIN ... ON are not documented, so not used.
  it.each(files)('%s places every ? parameter in a WHERE clause, as Athena requires', (file) => {
    const clauses = placeholderClauses(parse(readFileSync(path.join(SQL_DIR, file), 'utf8')));
    expect(clauses.length).toBeGreaterThan(0);
    expect(clauses.filter((clause) => clause !== 'where')).toEqual([]);
  });

  it('finds the clause of a ? in a CTE, a join condition, a subquery and a select list', () => {
    expect(
      placeholderClauses(
        parse(
          'WITH a AS (SELECT CAST(? AS DOUBLE) AS x FROM t WHERE y = ?) SELECT x FROM a JOIN b ON a.x = ? ' +
            'WHERE z IN (SELECT ? FROM c WHERE d = ?) GROUP BY x HAVING count(*) > ? ORDER BY x',
        ),
      ),
    ).toEqual(['columns', 'where', 'on', 'columns', 'where', 'having']);
  });

  it('rejects a query with a function outside the portable set', () => {
    const { functions } = collect(
      parse("SELECT date_diff('second', a, b), count_if(x > 1) FROM t WHERE dt = ?"),
      {
        functions: new Set(),
        casts: new Set(),
      },
    );
    expect([...functions].filter((name) => !PORTABLE_FUNCTIONS.includes(name))).toEqual([
      'date_diff',
      'count_if',
    ]);
  });

  it('gives every Trino-only function allowed in reports a DuckDB macro', () => {
    expect(Object.keys(TRINO_COMPAT_MACROS).sort()).toEqual([...TRINO_FUNCTIONS_WITH_DUCKDB_MACROS].sort());
  });
});
