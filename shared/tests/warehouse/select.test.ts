import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import {
  readSelectedRows,
  selectStatement,
  WarehouseError,
  type SelectParameter,
  type SelectRequest,
} from '../../src/warehouse';
import { RedshiftDataWarehouse } from '../../src/warehouse/adapters';

const request: SelectRequest = {
  sql: `SELECT window_start, SUM(event_count) AS events, ':not_a_parameter' AS label, CAST(site AS TEXT)::text AS site
FROM realtime_device_window
WHERE window_start >= :since AND window_start < :until AND device_id <> :since_label -- :comment
GROUP BY window_start, site`,
  parameters: {
    since: { type: 'timestamp', value: '2026-03-01 10:00:00.000' },
    until: { type: 'timestamp', value: '2026-03-01 11:00:00.000' },
    since_label: { type: 'string', value: 'x' },
  },
  columns: [
    { name: 'window_start', type: 'timestamp' },
    { name: 'events', type: 'bigint' },
    { name: 'label', type: 'string' },
    { name: 'site', type: 'string' },
  ],
  orderBy: [{ column: 'window_start' }, { column: 'events', descending: true }],
  maxRows: 50,
};

describe('select statements', () => {
  it('binds each named parameter once, typed, and skips literals, comments and :: casts', () => {
    const bound: [string, SelectParameter][] = [];
    const sql = selectStatement(request, 'postgres', (name, parameter) => {
      bound.push([name, parameter]);
      return `$${bound.length}`;
    });
    expect(bound.map(([name]) => name)).toEqual(['since', 'until', 'since_label']);
    expect(sql).toContain(
      'WHERE window_start >= CAST($1 AS TIMESTAMP) AND window_start < CAST($2 AS TIMESTAMP)',
    );
    expect(sql).toContain('device_id <> CAST($3 AS TEXT) -- :comment');
    expect(sql).toContain("':not_a_parameter' AS label");
    expect(sql).toContain('::text AS site');
  });

  it('reads each column in the warehouse convention, orders outside the subquery and asks for one row more', () => {
    const sql = selectStatement(request, 'redshift', (name) => `:${name}`);
    expect(sql).toMatch(
      /^SELECT to_char\(selected\."window_start", 'YYYY-MM-DD HH24:MI:SS\.MS'\) AS "window_start", CAST\(selected\."events" AS BIGINT\) AS "events", selected\."label" AS "label", selected\."site" AS "site"\nFROM \(\n/,
    );
    expect(sql).toContain('CAST(:since AS TIMESTAMP)');
    expect(sql).toContain('CAST(:since_label AS VARCHAR(1024))');
    expect(sql).toMatch(
      /\) AS selected\nORDER BY selected\."window_start", selected\."events" DESC\nLIMIT 51$/,
    );
  });

  it.each([
    ['a write', { ...request, sql: 'DELETE FROM realtime_alert' }, /single SELECT/],
    ['two statements', { ...request, sql: 'SELECT 1 AS a; DROP TABLE x' }, /single SELECT/],
    ['an undeclared parameter', { ...request, parameters: {} }, /undeclared parameters since, until/],
    [
      'an unused parameter',
      { ...request, parameters: { ...request.parameters, extra: { type: 'int', value: 1 } } },
      /unused parameters extra/,
    ],
    ['an order by an unread column', { ...request, orderBy: [{ column: 'site_id' }] }, /orders by site_id/],
    ['a column declared twice', { ...request, columns: [...request.columns, request.columns[0]!] }, /twice/],
    [
      'a column that is not an identifier',
      { ...request, columns: [{ name: 'A b', type: 'string' }] },
      /identifier/,
    ],
    ['no column', { ...request, columns: [] }, /at least one column/],
    ['a row limit out of range', { ...request, maxRows: 0 }, /maxRows/],
  ] as [string, SelectRequest, RegExp][])('rejects %s before any SQL runs', (_, bad, message) => {
    expect(() => selectStatement(bad, 'postgres', () => '$1')).toThrow(WarehouseError);
    expect(() => selectStatement(bad, 'postgres', () => '$1')).toThrow(message);
  });

  it('converts driver values (numeric strings, numbers, nulls) and rejects what does not fit', () => {
    expect(readSelectedRows(request, [['2026-03-01 10:00:00.000', '12', 'a', null]])).toEqual([
      { window_start: '2026-03-01 10:00:00.000', events: 12, label: 'a', site: null },
    ]);
    expect(() => readSelectedRows(request, [[new Date(), 1, 'a', 'b']])).toThrow(/expected text/);
    expect(() => readSelectedRows(request, [['t', '1.5', 'a', 'b']])).toThrow(/not a bigint/);
    expect(() => readSelectedRows(request, [['t', '9007199254740993', 'a', 'b']])).toThrow(/not a bigint/);
  });

  it('fails instead of cutting a result above maxRows', () => {
    const rows = Array.from({ length: 51 }, () => ['t', 1, 'a', 'b']);
    expect(() => readSelectedRows(request, rows)).toThrow(/more than 50 rows/);
    expect(readSelectedRows(request, rows.slice(1))).toHaveLength(50);
  });
});

describe('select on the Redshift Data API warehouse', () => {
  const redshift = mockClient(RedshiftDataClient);
  const warehouse = () =>
    new RedshiftDataWarehouse({
      client: new RedshiftDataClient({ region: 'us-east-1' }),
      target: { workgroupName: 'report-runner-dev', database: 'dev' },
      sleep: async () => undefined,
    });

  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'select-1' });
    redshift
      .on(DescribeStatementCommand, { Id: 'select-1' })
      .resolves({ Id: 'select-1', Status: 'FINISHED', HasResultSet: true });
  });

  it('runs one parameterised statement and reads every result page', async () => {
    redshift
      .on(GetStatementResultCommand, { Id: 'select-1' })
      .resolvesOnce({
        Records: [
          [
            { stringValue: '2026-03-01 10:00:00.000' },
            { longValue: 12 },
            { stringValue: 'a' },
            { isNull: true },
          ],
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Records: [
          [
            { stringValue: '2026-03-01 10:01:00.000' },
            { stringValue: '7' },
            { stringValue: 'b' },
            { stringValue: 'x' },
          ],
        ],
      });

    expect(await warehouse().select(request)).toEqual([
      { window_start: '2026-03-01 10:00:00.000', events: 12, label: 'a', site: null },
      { window_start: '2026-03-01 10:01:00.000', events: 7, label: 'b', site: 'x' },
    ]);
    const input = redshift.commandCalls(ExecuteStatementCommand)[0]!.args[0].input;
    expect(input).toEqual(
      expect.objectContaining({
        WorkgroupName: 'report-runner-dev',
        Database: 'dev',
        Parameters: [
          { name: 'since', value: '2026-03-01 10:00:00.000' },
          { name: 'until', value: '2026-03-01 11:00:00.000' },
          { name: 'since_label', value: 'x' },
        ],
      }),
    );
    expect(input.Sql).toContain('CAST(:since AS TIMESTAMP)');
    expect(redshift.commandCalls(GetStatementResultCommand).map(({ args }) => args[0].input)).toEqual([
      { Id: 'select-1' },
      { Id: 'select-1', NextToken: 'page-2' },
    ]);
  });

  it('surfaces a failed statement as a WarehouseError', async () => {
    redshift.on(DescribeStatementCommand, { Id: 'select-1' }).resolves({
      Id: 'select-1',
      Status: 'FAILED',
      Error: 'ERROR: relation "realtime_alert" does not exist',
    });
    await expect(warehouse().select(request)).rejects.toThrow(/FAILED: ERROR: relation "realtime_alert"/);
    expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(0);
  });
});
