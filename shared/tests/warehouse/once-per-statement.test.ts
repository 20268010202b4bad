import { oncePerStatement } from '../../src/warehouse';

/** A run whose calls are recorded and settled by the test, one at a time. */
const controlledRun = () => {
  const calls: { statement: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  const run = (statement: string) =>
    new Promise<void>((resolve, reject) => calls.push({ statement, resolve, reject }));
  return { calls, run };
};

describe('oncePerStatement', () => {
  it('gives concurrent callers of one statement a single shared run', async () => {
    const { calls, run } = controlledRun();
    const ensure = oncePerStatement(run);
    const first = ensure('CREATE TABLE a (x INT)');
    const second = ensure('CREATE TABLE a (x INT)');
    expect(calls.map(({ statement }) => statement)).toEqual(['CREATE TABLE a (x INT)']);
    calls[0]!.resolve();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    await ensure('CREATE TABLE a (x INT)');
    expect(calls).toHaveLength(1);
  });

  it('hands a failure to every waiting caller and runs the statement again for the next one', async () => {
    const { calls, run } = controlledRun();
    const ensure = oncePerStatement(run);
    const first = ensure('CREATE VIEW v AS SELECT 1');
    const second = ensure('CREATE VIEW v AS SELECT 1');
    const failure = new Error('connection reset');
    calls[0]!.reject(failure);
    await expect(first).rejects.toBe(failure);
    await expect(second).rejects.toBe(failure);

    const retry = ensure('CREATE VIEW v AS SELECT 1');
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    await expect(retry).resolves.toBeUndefined();
    await ensure('CREATE VIEW v AS SELECT 1');
    expect(calls).toHaveLength(2);
  });

  it('runs different statements independently', async () => {
    const { calls, run } = controlledRun();
    const ensure = oncePerStatement(run);
    const table = ensure('CREATE TABLE a (x INT)');
    const view = ensure('CREATE VIEW v AS SELECT 1');
    expect(calls.map(({ statement }) => statement)).toEqual([
      'CREATE TABLE a (x INT)',
      'CREATE VIEW v AS SELECT 1',
    ]);
    calls[0]!.reject(new Error('permission denied'));
    calls[1]!.resolve();
    await expect(table).rejects.toThrow('permission denied');
    await expect(view).resolves.toBeUndefined();
    await ensure('CREATE VIEW v AS SELECT 1');
    expect(calls).toHaveLength(2);
  });
});
