import type { z } from 'zod';
import { CANONICAL_COLUMNS, SCHEMA_VERSION, type GlueType } from './canonical-record';
import { eventIdFor, POSITIONAL_ID_METRICS } from './event-id';
import { METRIC_NAMES, METRICS } from './metrics';

/**
 * What a released schema promises its readers and writers: the canonical record's columns, the
 * metrics a raw reading may carry (with unit and accepted range) and the event id rule. A committed
 * snapshot of the released contract (`shared/schema/released.json`) is compared with the current
 * one by the schema gate test; docs/SCHEMA.md explains the rules.
 */
export interface SchemaContract {
  /** `SCHEMA_VERSION`: bumped only by a breaking change, which also needs a written migration. */
  version: number;
  /** Canonical record columns, in order. `optional`: a record may omit it or hold null. */
  columns: { name: string; type: GlueType; optional: boolean }[];
  /** Metrics a raw reading may carry, in order, with the range a value must lie in. */
  metrics: { name: string; unit: string; min: number; max: number }[];
  eventId: {
    /** Metrics hashed positionally (`POSITIONAL_ID_METRICS`). */
    positionalMetrics: string[];
    /** The id of a fixed reading: changes when the id rule itself changes. */
    probe: string;
  };
}

const accepts = (schema: z.ZodType, value: unknown): boolean => schema.safeParse(value).success;

/** The contract of the schema as the code declares it now. */
export const currentSchemaContract = (): SchemaContract => ({
  version: SCHEMA_VERSION,
  columns: Object.entries(CANONICAL_COLUMNS).map(([name, column]) => ({
    name,
    type: column.glueType,
    optional: accepts(column.schema as z.ZodType, undefined) || accepts(column.schema as z.ZodType, null),
  })),
  metrics: METRIC_NAMES.map((name) => ({
    name,
    unit: METRICS[name].unit,
    min: METRICS[name].min,
    max: METRICS[name].max,
  })),
  eventId: {
    positionalMetrics: [...POSITIONAL_ID_METRICS],
    probe: eventIdFor('schema-probe', 1_700_000_000_000, {
      temperature: 1,
      humidity: 2,
      pressure: 3,
      battery: 4,
    }),
  },
});

/** One difference between a released contract and the current one. */
export interface SchemaChange {
  /** Compatible: every released reader and writer keeps working. Breaking: some do not. */
  kind: 'compatible' | 'breaking';
  /** `column <name>`, `metric <name>` or `event id`. */
  subject: string;
  detail: string;
}

const byName = <T extends { name: string }>(items: readonly T[]): Map<string, T> =>
  new Map(items.map((item) => [item.name, item]));

const compareColumns = (released: SchemaContract, current: SchemaContract): SchemaChange[] => {
  const changes: SchemaChange[] = [];
  const now = byName(current.columns);
  const before = byName(released.columns);
  const added = current.columns.filter(({ name }) => !before.has(name));
  for (const column of released.columns) {
    const subject = `column ${column.name}`;
    const next = now.get(column.name);
    if (!next) {
      const renamed = added.find(({ type }) => type === column.type);
      changes.push({
        kind: 'breaking',
        subject,
        detail: renamed
          ? `removed (renamed to ${renamed.name}?): lake files, Glue, views and warehouse tables still have it`
          : 'removed: lake files, Glue, views and warehouse tables still have it',
      });
      continue;
    }
    if (next.type !== column.type)
      changes.push({
        kind: 'breaking',
        subject,
        detail: `type changed from ${column.type} to ${next.type}: files already written keep the old type`,
      });
    if (column.optional && !next.optional)
      changes.push({
        kind: 'breaking',
        subject,
        detail: 'now required: records written before, or by a stage deployed earlier, lack it',
      });
    else if (!column.optional && next.optional)
      changes.push({ kind: 'compatible', subject, detail: 'now optional' });
  }
  for (const column of added)
    changes.push(
      column.optional
        ? { kind: 'compatible', subject: `column ${column.name}`, detail: `added (${column.type}, optional)` }
        : {
            kind: 'breaking',
            subject: `column ${column.name}`,
            detail: `added as required (${column.type}): records written before it lack it`,
          },
    );
  // Athena reads Parquet by name, so a column may be inserted anywhere; the columns already
  // released keep their relative order so that a reader by position (a CSV export, `SELECT *`
  // into a positional INSERT) is not silently shifted.
  // https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html
  const kept = current.columns.map(({ name }) => name).filter((name) => before.has(name));
  const order = released.columns.map(({ name }) => name).filter((name) => now.has(name));
  if (kept.join() !== order.join())
    changes.push({ kind: 'breaking', subject: 'columns', detail: 'released columns were reordered' });
  return changes;
};

const compareMetrics = (released: SchemaContract, current: SchemaContract): SchemaChange[] => {
  const changes: SchemaChange[] = [];
  const now = byName(current.metrics);
  for (const metric of released.metrics) {
    const subject = `metric ${metric.name}`;
    const next = now.get(metric.name);
    if (!next) {
      changes.push({ kind: 'breaking', subject, detail: 'removed: devices sending it would be rejected' });
      continue;
    }
    if (next.unit !== metric.unit)
      changes.push({
        kind: 'breaking',
        subject,
        detail: `unit changed from ${metric.unit} to ${next.unit}: stored values would mix units`,
      });
    if (next.min > metric.min || next.max < metric.max)
      changes.push({
        kind: 'breaking',
        subject,
        detail: `range narrowed from [${metric.min}, ${metric.max}] to [${next.min}, ${next.max}]: readings accepted before (and their replays) would be rejected`,
      });
    else if (next.min < metric.min || next.max > metric.max)
      changes.push({
        kind: 'compatible',
        subject,
        detail: `range widened from [${metric.min}, ${metric.max}] to [${next.min}, ${next.max}]`,
      });
  }
  const before = byName(released.metrics);
  for (const metric of current.metrics)
    if (!before.has(metric.name))
      changes.push({
        kind: 'compatible',
        subject: `metric ${metric.name}`,
        detail: `added (${metric.unit}, ${metric.min} to ${metric.max})`,
      });
  return changes;
};

/** Every difference between the released contract and the current one, classified. */
export const compareSchemaContracts = (released: SchemaContract, current: SchemaContract): SchemaChange[] => {
  const changes = [...compareColumns(released, current), ...compareMetrics(released, current)];
  const { eventId: before } = released;
  const { eventId: now } = current;
  if (before.positionalMetrics.join() !== now.positionalMetrics.join() || before.probe !== now.probe)
    changes.push({
      kind: 'breaking',
      subject: 'event id',
      detail: 'the id inputs changed: re-delivered readings would no longer be recognised as duplicates',
    });
  return changes;
};

/** The gate's verdict: the classified changes, and what stops them from shipping. */
export interface SchemaGateResult {
  changes: SchemaChange[];
  problems: string[];
}

/**
 * The schema gate: compatible changes pass; a breaking change passes only with a version above the
 * released one and a written migration for that version (`migrations` lists the versions that
 * have one).
 */
export const checkSchemaGate = (
  released: SchemaContract,
  current: SchemaContract,
  migrations: readonly number[],
): SchemaGateResult => {
  const changes = compareSchemaContracts(released, current);
  const problems: string[] = [];
  if (current.version < released.version)
    problems.push(`schema version ${current.version} is below the released ${released.version}`);
  const breaking = changes.filter(({ kind }) => kind === 'breaking');
  if (breaking.length > 0) {
    const list = breaking.map(({ subject, detail }) => `${subject}: ${detail}`).join('; ');
    if (current.version <= released.version)
      problems.push(`breaking change without a version bump (SCHEMA_VERSION > ${released.version}): ${list}`);
    else if (!migrations.includes(current.version))
      problems.push(
        `breaking change to version ${current.version} without a written migration (docs/schema-migrations/v${current.version}.md): ${list}`,
      );
  }
  return { changes, problems };
};
