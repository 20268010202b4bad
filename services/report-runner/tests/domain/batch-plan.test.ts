import { partitionsOfPreviousDay, planBatch, type IncomingMessage } from '../../src/domain/batch-plan';

const created = (messageId: string, ...keys: string[]): IncomingMessage => ({
  messageId,
  intent: { kind: 'objects', objects: keys.map((key) => ({ bucket: 'ingest', key })) },
});
const hour10 = (name: string) => `raw/dt=2026-03-01/hour=10/${name}`;

describe('planning a batch', () => {
  it('coalesces many objects of one hour partition into one run that every message waits on', () => {
    const plan = planBatch(
      [
        created('m1', hour10('a.parquet')),
        created('m2', hour10('b.parquet')),
        created('m3', hour10('a.parquet')),
      ],
      {
        bucket: 'ingest',
      },
    );
    expect(plan.runs).toEqual([
      {
        id: 'dt=2026-03-01/hour=10',
        partition: { dt: '2026-03-01', hour: '10' },
        trigger: 'object-created',
        sources: [
          's3://ingest/raw/dt=2026-03-01/hour=10/a.parquet',
          's3://ingest/raw/dt=2026-03-01/hour=10/b.parquet',
        ],
        messageIds: ['m1', 'm2', 'm3'],
      },
    ]);
    expect([...plan.decisions.values()]).toEqual([
      { kind: 'run', runIds: ['dt=2026-03-01/hour=10'] },
      { kind: 'run', runIds: ['dt=2026-03-01/hour=10'] },
      { kind: 'run', runIds: ['dt=2026-03-01/hour=10'] },
    ]);
  });

  it('gives each partition its own run, in a stable order, whatever the message order', () => {
    const messages = [
      created('m1', 'raw/dt=2026-03-02/hour=00/x'),
      created('m2', hour10('y')),
      created('m3', 'raw/dt=2026-03-01/hour=23/z'),
    ];
    const forward = planBatch(messages);
    const backward = planBatch([...messages].reverse());
    expect(forward.runs.map(({ id }) => id)).toEqual([
      'dt=2026-03-01/hour=10',
      'dt=2026-03-01/hour=23',
      'dt=2026-03-02/hour=00',
    ]);
    expect(backward.runs.map(({ id, sources }) => [id, sources])).toEqual(
      forward.runs.map(({ id, sources }) => [id, sources]),
    );
  });

  it('lets one classic notification with two partitions wait on both runs', () => {
    const plan = planBatch([created('m1', hour10('a'), 'raw/dt=2026-03-01/hour=11/b')]);
    expect(plan.decisions.get('m1')).toEqual({
      kind: 'run',
      runIds: ['dt=2026-03-01/hour=10', 'dt=2026-03-01/hour=11'],
    });
  });

  it('rejects keys outside raw/dt=YYYY-MM-DD/hour=HH/ and objects of another bucket, with the reason', () => {
    const plan = planBatch(
      [
        created('outside', 'raw/_temporary/x'),
        created('bad-date', 'raw/dt=2026-02-30/hour=10/x'),
        {
          messageId: 'foreign',
          intent: { kind: 'objects', objects: [{ bucket: 'other', key: hour10('x') }] },
        },
      ],
      { bucket: 'ingest' },
    );
    expect(plan.runs).toEqual([]);
    expect(plan.decisions.get('outside')).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'key_outside_layout' }),
    );
    expect(plan.decisions.get('bad-date')).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'key_outside_layout' }),
    );
    expect(plan.decisions.get('foreign')).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'unexpected_bucket' }),
    );
  });

  it('joins a re-run request to the objects of the same hour, which then decide the trigger', () => {
    const rerun: IncomingMessage = {
      messageId: 'r1',
      intent: { kind: 'rerun', partition: { dt: '2026-03-01', hour: '10' }, reason: 'backfill' },
    };
    expect(planBatch([rerun]).runs[0]).toEqual(expect.objectContaining({ trigger: 'rerun', sources: [] }));
    expect(planBatch([rerun, created('m1', hour10('a'))]).runs).toEqual([
      expect.objectContaining({ trigger: 'object-created', messageIds: ['r1', 'm1'] }),
    ]);
  });

  it('passes ignored and rejected messages through', () => {
    const plan = planBatch([
      { messageId: 'i', intent: { kind: 'ignore', reason: 's3:TestEvent' } },
      { messageId: 'j', intent: { kind: 'reject', reason: 'invalid_json', detail: 'x' } },
    ]);
    expect(plan.runs).toEqual([]);
    expect(plan.decisions.get('i')).toEqual({ kind: 'ignore', reason: 's3:TestEvent' });
    expect(plan.decisions.get('j')).toEqual({ kind: 'reject', reason: 'invalid_json', detail: 'x' });
  });
});

describe('the daily re-run', () => {
  it('covers the 24 UTC hours of the previous day, across month ends', () => {
    const partitions = partitionsOfPreviousDay(new Date('2026-03-01T02:30:00Z'));
    expect(partitions).toHaveLength(24);
    expect(partitions[0]).toEqual({ dt: '2026-02-28', hour: '00' });
    expect(partitions[23]).toEqual({ dt: '2026-02-28', hour: '23' });
    expect(partitionsOfPreviousDay(new Date('2026-03-01T02:30:00Z'), 2)[0]).toEqual({
      dt: '2026-02-27',
      hour: '00',
    });
  });
});
