import { QueryEngineError } from '../../src/domain/errors';
import {
  inlineParameters,
  misplacedParameters,
  misplacedParametersMessage,
  parameterPlacements,
} from '../../src/domain/portable-sql';

const clauses = (sql: string) => parameterPlacements(sql).map(({ clause }) => clause);

// Athena: "Currently, ? parameters can be placed only in the WHERE clause. Syntax like
// SELECT ? FROM table is not supported." and "Question mark parameters cannot be placed in double
// or single quotes" ("Use parameterized queries", Athena user guide,
// https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html).
describe('where a ? parameter stands', () => {
  it('accepts ? in the WHERE clause of the query, of a CTE and of a subquery', () => {
    const sql = `WITH hour_rows AS (SELECT * FROM telemetry WHERE dt = ? AND hour = ?)
      SELECT device_id FROM hour_rows
      WHERE battery < ? AND device_id IN (SELECT device_id FROM device_registry WHERE owner = ?)
        AND (site = ? OR site IN (?, ?)) AND CASE WHEN temperature > ? THEN 1 ELSE 0 END = 1
        AND ingest_time IS DISTINCT FROM ? AND CAST(? AS DOUBLE) < temperature`;
    expect(misplacedParameters(sql)).toEqual([]);
    expect(parameterPlacements(sql)).toHaveLength(10);
  });

  it('refuses ? in a select list, a cast of the select list, a CTE constant and a CASE of the select list', () => {
    expect(clauses('SELECT ? FROM telemetry')).toEqual(['SELECT list']);
    expect(clauses('SELECT CAST(? AS DATE) AS dt, count(*) FROM telemetry WHERE dt = ?')).toEqual([
      'SELECT list',
      'WHERE clause',
    ]);
    expect(clauses("WITH t AS (SELECT 'x' AS metric, CAST(? AS DOUBLE) AS low) SELECT * FROM t")).toEqual([
      'SELECT list',
    ]);
    expect(clauses('SELECT count(CASE WHEN lateness > ? THEN 1 END) FROM records')).toEqual(['SELECT list']);
    expect(clauses('SELECT x FROM t WHERE x IN (SELECT ? FROM u)')).toEqual(['SELECT list']);
  });

  it('refuses ? in HAVING, a join condition, GROUP BY, ORDER BY, LIMIT and an aggregate FILTER', () => {
    expect(
      clauses(
        'SELECT a, count(*) FILTER (WHERE b > ?) FROM t JOIN u ON t.a = u.a AND u.b = ? ' +
          'GROUP BY a, ? HAVING count(*) > ? ORDER BY ? LIMIT ?',
      ),
    ).toEqual([
      'aggregate FILTER',
      'JOIN condition',
      'GROUP BY clause',
      'HAVING clause',
      'ORDER BY clause',
      'LIMIT clause',
    ]);
  });

  it('does not count ? inside quotes or comments, and keeps the clause across them', () => {
    const sql = `SELECT '?' AS q, "a?" FROM t -- why?
      WHERE /* ? ) ( SELECT */ a = ? AND b = 'it''s ?'`;
    expect(parameterPlacements(sql)).toEqual([{ clause: 'WHERE clause', line: 2, column: 36 }]);
  });

  it('ends the WHERE clause where the next clause or the subquery ends', () => {
    expect(
      clauses('SELECT * FROM (SELECT a FROM t WHERE a = ?) s WHERE s.a > ? UNION ALL SELECT ? FROM u'),
    ).toEqual(['WHERE clause', 'WHERE clause', 'SELECT list']);
    expect(clauses('SELECT CAST(ts AS TIMESTAMP WITH TIME ZONE) FROM t WHERE a = ?')).toEqual([
      'WHERE clause',
    ]);
  });

  it('says where the misplaced parameter is, in the form of an Athena query error', () => {
    expect(misplacedParametersMessage(misplacedParameters('SELECT\n  ? AS x FROM t WHERE a = ?'))).toBe(
      'line 2:3: a ? parameter in the SELECT list: ? parameters can be placed only in the WHERE clause',
    );
  });
});

// Athena substitutes execution parameters as literals: "EXECUTE my_select2 USING 2012 ... is
// equivalent to: SELECT * FROM ... WHERE year = 2012"
// (https://docs.aws.amazon.com/athena/latest/ug/sql-execute.html).
describe('the query Athena runs for its parameters', () => {
  it('puts each literal where its ? stood, skipping quotes and comments', () => {
    expect(
      inlineParameters(`SELECT '?' AS "a?" FROM t -- ?\nWHERE dt = ? AND x -? > 0 /* ? */ AND s = ?`, [
        '2026-03-01',
        -1.5,
        "it's",
      ]),
    ).toBe(
      `SELECT '?' AS "a?" FROM t -- ?\nWHERE dt = '2026-03-01' AND x -(-1.5) > 0 /* ? */ AND s = 'it''s'`,
    );
  });

  it('refuses a count of parameters other than the placeholders, and a number without a literal', () => {
    expect(() => inlineParameters('SELECT 1 FROM t WHERE a = ? AND b = ?', [1])).toThrow(
      new QueryEngineError('2 ? placeholders for 1 parameter', false),
    );
    expect(() => inlineParameters('SELECT 1 FROM t WHERE a = ?', [Number.NaN])).toThrow(
      /parameter NaN is not a finite number/,
    );
  });
});
