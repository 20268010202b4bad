import {
  checkSchemaGate,
  compareSchemaContracts,
  currentSchemaContract,
  type SchemaContract,
} from '../../src';
import { readReleasedSchema, writtenMigrations } from '../../schema/released';

const released = readReleasedSchema();

/** The released contract with a scripted change applied. */
const changed = (change: (contract: SchemaContract) => void): SchemaContract => {
  const contract = structuredClone(released);
  change(contract);
  return contract;
};

const column = (contract: SchemaContract, name: string) => {
  const found = contract.columns.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
};
const metric = (contract: SchemaContract, name: string) => {
  const found = contract.metrics.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
};

describe('the schema gate', () => {
  it('passes the current schema against the released snapshot', () => {
    const { problems } = checkSchemaGate(released, currentSchemaContract(), writtenMigrations());
    expect(problems).toEqual([]);
  });

  it.each<[string, (contract: SchemaContract) => void]>([
    ['a renamed column', (contract) => (column(contract, 'firmware').name = 'firmware_version')],
    [
      'a removed column',
      (contract) => contract.columns.splice(contract.columns.indexOf(column(contract, 'owner')), 1),
    ],
    ['a changed column type', (contract) => (column(contract, 'kafka_partition').type = 'bigint')],
    ['an optional column made required', (contract) => (column(contract, 'site').optional = false)],
    [
      'a new required column',
      (contract) => contract.columns.push({ name: 'tenant', type: 'string', optional: false }),
    ],
    ['reordered columns', (contract) => contract.columns.reverse()],
    ['a narrowed metric range', (contract) => (metric(contract, 'humidity').max = 90)],
    ['a changed metric unit', (contract) => (metric(contract, 'pressure').unit = 'Pa')],
    ['a removed metric', (contract) => contract.metrics.pop()],
    ['changed id inputs', (contract) => contract.eventId.positionalMetrics.reverse()],
    ['a changed id rule', (contract) => (contract.eventId.probe = '0'.repeat(32))],
  ])('fails on %s without a version bump and a written migration', (_name, change) => {
    const breaking = changed(change);
    expect(checkSchemaGate(released, breaking, writtenMigrations()).problems).toEqual([
      expect.stringMatching(/^breaking change without a version bump/),
    ]);

    const bumped = { ...breaking, version: released.version + 1 };
    expect(checkSchemaGate(released, bumped, []).problems).toEqual([
      expect.stringMatching(
        new RegExp(`without a written migration \\(docs/schema-migrations/v${bumped.version}\\.md\\)`),
      ),
    ]);
    expect(checkSchemaGate(released, bumped, [bumped.version]).problems).toEqual([]);
  });

  it('lets compatible changes through without a bump: a new optional column or metric, a widened range', () => {
    const compatible = changed((contract) => {
      contract.columns.splice(14, 0, { name: 'co2_ppm', type: 'double', optional: true });
      contract.metrics.push({ name: 'co2_ppm', unit: 'ppm', min: 0, max: 10_000 });
      metric(contract, 'temperature').min = -80;
      column(contract, 'firmware').optional = true;
      column(contract, 'source').optional = true;
    });
    const { changes, problems } = checkSchemaGate(released, compatible, []);
    expect(problems).toEqual([]);
    expect(changes).toEqual([
      { kind: 'compatible', subject: 'column source', detail: 'now optional' },
      { kind: 'compatible', subject: 'column co2_ppm', detail: 'added (double, optional)' },
      {
        kind: 'compatible',
        subject: 'metric temperature',
        detail: 'range widened from [-60, 150] to [-80, 150]',
      },
      { kind: 'compatible', subject: 'metric co2_ppm', detail: 'added (ppm, 0 to 10000)' },
    ]);
  });

  it('names a removed column next to an added one of the same type as a probable rename', () => {
    const renamed = changed((contract) => (column(contract, 'model').name = 'hardware_model'));
    expect(compareSchemaContracts(released, renamed)).toContainEqual({
      kind: 'breaking',
      subject: 'column model',
      detail: expect.stringMatching(/^removed \(renamed to hardware_model\?\)/),
    });
  });

  it('refuses a version below the released one', () => {
    const older = changed((contract) => (contract.version = released.version - 1));
    expect(checkSchemaGate(released, older, []).problems).toEqual([
      `schema version ${older.version} is below the released ${released.version}`,
    ]);
  });
});
