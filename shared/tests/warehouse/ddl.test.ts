import {
  addColumnStatement,
  canonicalWarehouseTable,
  createTableStatement,
  missingColumns,
  validateTable,
  WarehouseDefinitionError,
  type WarehouseTable,
} from '../../src/warehouse';
import { CANONICAL_COLUMNS, glueColumns } from '../../src';

const table: WarehouseTable = {
  name: 'report_data_quality',
  columns: [
    { name: 'dt', type: 'date', nullable: true },
    { name: 'hour', type: 'string', nullable: true },
    { name: 'records', type: 'bigint', nullable: false },
    { name: 'max_lateness_seconds', type: 'double', nullable: true },
  ],
  keyColumns: ['dt', 'hour'],
};

describe('warehouse DDL', () => {
  it('derives the telemetry table from the canonical record: same columns, order and types as Glue', () => {
    const telemetry = canonicalWarehouseTable();
    expect(telemetry.columns.map(({ name, type }) => ({ Name: name, Type: type }))).toEqual(
      glueColumns().map(({ Name, Type }) => ({ Name, Type })),
    );
    expect(telemetry.columns.map(({ name }) => name)).toEqual(Object.keys(CANONICAL_COLUMNS));
    expect(telemetry.keyColumns).toEqual(['event_id']);
    // Nullability follows the zod schema.
    expect(telemetry.columns.find(({ name }) => name === 'device_id')?.nullable).toBe(false);
    expect(telemetry.columns.find(({ name }) => name === 'site')?.nullable).toBe(true);
  });

  it('writes Postgres DDL with the key as primary key and NOT NULL on keys', () => {
    expect(createTableStatement(table, 'postgres')).toBe(
      [
        'CREATE TABLE IF NOT EXISTS "report_data_quality" (',
        '  "dt" DATE NOT NULL,',
        '  "hour" TEXT NOT NULL,',
        '  "records" BIGINT NOT NULL,',
        '  "max_lateness_seconds" DOUBLE PRECISION,',
        '  PRIMARY KEY ("dt", "hour")',
        ')',
      ].join('\n'),
    );
  });

  it('writes Redshift DDL with bounded VARCHARs and the key as sort key', () => {
    const ddl = createTableStatement(table, 'redshift');
    expect(ddl).toContain('"hour" VARCHAR(1024) NOT NULL');
    expect(ddl.endsWith(') SORTKEY ("dt", "hour")')).toBe(true);
  });

  it('refuses identifiers that would need quoting rules, unknown types and keys that are not columns', () => {
    expect(() => validateTable({ ...table, name: 'Report; DROP' })).toThrow(WarehouseDefinitionError);
    expect(() =>
      validateTable({
        ...table,
        columns: [...table.columns, { name: 'x', type: 'money' as never, nullable: true }],
      }),
    ).toThrow(/unknown type/);
    expect(() => validateTable({ ...table, keyColumns: ['device_id'] })).toThrow(
      /key column "device_id" is not a column/,
    );
    expect(() => validateTable({ ...table, columns: [...table.columns, table.columns[0]!] })).toThrow(
      /declared twice/,
    );
  });
});

describe('warehouse schema evolution DDL', () => {
  it('finds the columns an existing table lacks, in definition order; none for a table not created yet', () => {
    expect(missingColumns(table, ['dt', 'hour'])).toEqual([table.columns[2], table.columns[3]]);
    expect(missingColumns(table, ['dt', 'hour', 'records', 'max_lateness_seconds'])).toEqual([]);
    expect(missingColumns(table, [])).toEqual([]);
  });

  it('refuses to add a key column to an existing table', () => {
    expect(() => missingColumns(table, ['dt', 'records'])).toThrow(WarehouseDefinitionError);
  });

  it('adds a column as nullable, idempotently on Postgres, plainly on Redshift (no IF NOT EXISTS there)', () => {
    const records = table.columns[2]!;
    expect(addColumnStatement(table, records, 'postgres')).toBe(
      'ALTER TABLE "report_data_quality" ADD COLUMN IF NOT EXISTS "records" BIGINT',
    );
    expect(addColumnStatement(table, records, 'redshift')).toBe(
      'ALTER TABLE "report_data_quality" ADD COLUMN "records" BIGINT',
    );
  });
});
