import { eventIdFor } from '@pipeline/shared';
import { fingerprintOf } from '../src/domain/dedup-memory';
import { processWindowInvocation, type InvocationOutcome } from '../src/domain/process-window';
import { toWindowInvocation } from '../src/handlers/window-event';
import { forwarded, reading, windowEvent, type RecordSpec, type WindowEventSpec } from './events';
import { sinkSettings } from './settings';

// No poison record may block a shard or lose a window. Lambda carries the tumbling-window state in
// the function's response and hands it to the next invocation: the Node.js runtime serialises the
// response with JSON.stringify (aws/aws-lambda-nodejs-runtime-interface-client, RAPIDClient), so
// a non-finite number in the state arrives as `null`. Delivery is at least once and a failed
// invocation is retried with the same state.
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
const settings = sinkSettings();
const LAYOUT = '1|temperature,humidity,pressure,battery|kinesis,msk';

/** One invocation as Lambda makes it: the event, and so the state, crossed a JSON wire. */
const invokeOverJson = (spec: WindowEventSpec): InvocationOutcome =>
  processWindowInvocation(
    toWindowInvocation(JSON.parse(JSON.stringify(windowEvent(spec))) as ReturnType<typeof windowEvent>),
    settings,
  );

/** Runs batches then the final invocation, each state passed on through JSON; returns every outcome. */
const runWindow = (batches: RecordSpec[][], first: Record<string, unknown> = {}): InvocationOutcome[] => {
  const outcomes: InvocationOutcome[] = [];
  let state: Record<string, unknown> = first;
  for (const records of batches) {
    const outcome = invokeOverJson({ records, state });
    outcomes.push(outcome);
    state = JSON.parse(JSON.stringify(outcome.state)) as Record<string, unknown>;
  }
  outcomes.push(invokeOverJson({ records: [], state, final: true }));
  return outcomes;
};

const good = (n: number, deviceId: string, second: number, temperature: number): RecordSpec => ({
  n,
  arrivedAfter: second + 0.5,
  payload: reading(deviceId, `2026-11-25T08:00:${String(second).padStart(2, '0')}Z`, { temperature }),
});

/** Extreme but finite: two of them overflow a double sum (1e308 + 1e308 = Infinity). */
const EXTREME = 1e308;

describe('poison readings cannot block a shard or lose a window', () => {
  it('rejects canonical records beyond the physical ranges (counted), so no sum overflows', () => {
    const outcomes = runWindow([
      [
        good(1, 'dev-0001', 1, 21.5),
        {
          n: 2,
          arrivedAfter: 2,
          payload: forwarded('dev-0666', '2026-11-25T08:00:01.000Z', { temperature: EXTREME }, 1),
        },
        {
          n: 3,
          arrivedAfter: 3,
          payload: forwarded('dev-0666', '2026-11-25T08:00:02.000Z', { temperature: EXTREME }, 2),
        },
        {
          n: 4,
          arrivedAfter: 4,
          payload: forwarded('dev-0666', '2026-11-25T08:00:03.000Z', { pressure: -EXTREME }, 3),
        },
      ],
      [good(5, 'dev-0001', 10, 22.5), good(6, 'dev-0002', 11, 19)],
    ]);
    for (const outcome of outcomes) {
      // What the sink returns is exactly what the next invocation will read.
      expect(JSON.parse(JSON.stringify(outcome.state))).toEqual(outcome.state);
    }
    expect(outcomes[0]?.summary).toMatchObject({ counted: 1, rejected: { invalid_metrics: 3 } });
    // The shared normalisation refuses them first (metrics.<name>); the window's own guard would say <name>.
    expect(outcomes[0]?.rejections[0]).toMatchObject({
      reason: 'invalid_metrics',
      detail: expect.stringMatching(/^(metrics\.)?temperature: must be a number from -60 to 150 °C$/),
    });
    const rows = new Map(outcomes.at(-1)?.flush?.rows.map((row) => [row.device_id, row]));
    expect([...rows.keys()].sort()).toEqual(['dev-0001', 'dev-0002']);
    expect(rows.get('dev-0001')).toMatchObject({
      event_count: 2,
      temperature_sum: 44,
      temperature_max: 22.5,
    });
  });

  it('rejects raw readings with extreme or non-numeric values, whatever form they take', () => {
    const [first] = runWindow([
      [
        {
          n: 1,
          arrivedAfter: 1,
          payload: reading('dev-0666', '2026-11-25T08:00:01Z', { temperature: EXTREME }),
        },
        {
          n: 2,
          arrivedAfter: 2,
          payload: reading('dev-0666', '2026-11-25T08:00:02Z', { temperature: '1e400' }),
        },
        { n: 3, arrivedAfter: 3, payload: reading('dev-0666', '2026-11-25T08:00:03Z', { humidity: 'NaN' }) },
        {
          n: 4,
          arrivedAfter: 4,
          payload: reading('dev-0666', '2026-11-25T08:00:04Z', { battery: -EXTREME }),
        },
        good(5, 'dev-0001', 5, 20),
      ],
    ]);
    expect(first?.summary).toMatchObject({ counted: 1, rejected: { invalid_metrics: 4 } });
  });
});

describe('a window state that cannot be read does not block the shard', () => {
  const goodTuple = [1, 0, 0, 1000, 1000, 1, 0, [1, 21.5, 21.5, 21.5], 0, 0, 0];
  // What a version without the input guard returned: 1e308 + 1e308 serialised as null.
  const overflowed = [2, 0, 0, 1000, 2000, 0, 2, [2, null, EXTREME, EXTREME], 0, 0, 0];

  it('discards only the unreadable devices, says which, and keeps every other device of the window', () => {
    const state = { l: LAYOUT, s: '49657', d: { 'dev-0001': goodTuple, 'dev-0666': overflowed }, f: {} };
    const [batch, final] = runWindow([[good(7, 'dev-0001', 20, 23.5)]], state);
    expect(batch?.discarded).toEqual({
      reason: 'unreadable aggregate for dev-0666',
      devices: ['dev-0666'],
      readings: 2,
      restarted: false,
    });
    expect(final?.flush?.rows).toEqual([
      expect.objectContaining({ device_id: 'dev-0001', event_count: 2, temperature_sum: 45 }),
    ]);
  });

  it.each([
    ['another format (a rollback)', { l: `2|temperature|kinesis`, s: '1', d: { 'dev-0001': [1] }, f: {} }],
    ['unknown fields', { l: LAYOUT, s: '1', d: { 'dev-0001': goodTuple }, f: {}, extra: 1 }],
    ['aggregates without a segment', { l: LAYOUT, d: { 'dev-0001': goodTuple }, f: {} }],
  ])('restarts the window state on the shard when the whole state is unreadable: %s', (_name, state) => {
    const [batch, final] = runWindow([[good(7, 'dev-0002', 20, 23.5)]], state);
    expect(batch?.discarded).toMatchObject({ devices: ['dev-0001'], restarted: true });
    expect(batch?.discarded?.reason).toEqual(expect.any(String));
    expect(final?.flush?.rows).toEqual([expect.objectContaining({ device_id: 'dev-0002', event_count: 1 })]);
  });

  it('forgets the ids of a discarded device, so a redelivered copy of its readings is counted again', () => {
    const state = {
      l: LAYOUT,
      s: '49657',
      d: { 'dev-0666': overflowed },
      // The id of the reading below was counted into the aggregate that is now unreadable.
      f: {
        'dev-0666': fingerprintOf(
          eventIdFor('dev-0666', Date.parse('2026-11-25T08:00:20Z'), { temperature: 23.5 }),
        ),
      },
    };
    const [, final] = runWindow([[good(7, 'dev-0666', 20, 23.5)]], state);
    expect(final?.flush?.rows).toEqual([expect.objectContaining({ device_id: 'dev-0666', event_count: 1 })]);
  });
});
