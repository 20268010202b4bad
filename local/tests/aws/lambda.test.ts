import { ManualClock } from '../../src/aws/clock';
import { IdGenerator, LOCAL_ENVIRONMENT, uuidFrom } from '../../src/aws/environment';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES, LambdaInvoker } from '../../src/aws/lambda/invoke';
import { clockAt, T0 } from './support';

describe('simulated clock', () => {
  it('moves only when told to, and never backwards', () => {
    const clock = new ManualClock(T0);
    expect(clock.advance(1500)).toBe(T0 + 1500);
    expect(clock.advanceTo(T0)).toBe(T0 + 1500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });
});

describe('deterministic ids', () => {
  it('are UUID-shaped and repeat across runs for the same namespace', () => {
    const first = new IdGenerator('firehose');
    const second = new IdGenerator('firehose');
    expect([first.next(), first.next()]).toEqual([second.next(), second.next()]);
    expect(uuidFrom('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFrom('a')).not.toBe(uuidFrom('b'));
  });
});

describe('synchronous Lambda invocation', () => {
  const invoker = (clock = clockAt()) =>
    new LambdaInvoker({ functionName: 'fn', timeoutSeconds: 30 }, LOCAL_ENVIRONMENT, clock);

  it('hands the handler its own JSON copy of the event and a Lambda context', async () => {
    const clock = clockAt();
    const event = { nested: { value: 1 }, when: new Date(T0) };
    const outcome = await invoker(clock).invoke(async (received: typeof event, context) => {
      received.nested.value = 2;
      clock.advance(10_000);
      return {
        type: typeof received.when,
        arn: context.invokedFunctionArn,
        remaining: context.getRemainingTimeInMillis(),
      };
    }, event);

    expect(event.nested.value).toBe(1);
    expect(outcome).toEqual({
      ok: true,
      response: {
        type: 'string',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
        remaining: 20_000,
      },
      requestBytes: expect.any(Number),
      responseBytes: expect.any(Number),
    });
  });

  it('hands a built event over as it is, still measuring it on its JSON, and copies the response', async () => {
    const event = { records: [{ data: 'YQ==', at: 1.5 }] };
    const returned = { state: { count: 1 } };
    let received: unknown;
    const outcome = await invoker().invokeBuilt(async (got: typeof event) => {
      received = got;
      return returned;
    }, event);

    expect(received).toBe(event);
    expect(outcome).toEqual({
      ok: true,
      response: returned,
      requestBytes: Buffer.byteLength(JSON.stringify(event)),
      responseBytes: Buffer.byteLength(JSON.stringify(returned)),
    });
    expect((outcome as { response: unknown }).response).not.toBe(returned);
  });

  it('refuses a built event above 6 MB without calling the handler', async () => {
    const handler = jest.fn();
    // 'é' is 2 bytes of UTF-8: under the limit in characters, over it in bytes.
    const outcome = await invoker().invokeBuilt(handler, {
      data: 'é'.repeat(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES / 2),
    });
    expect(outcome).toMatchObject({ ok: false, kind: 'request-too-large' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a request above 6 MB without calling the handler', async () => {
    const handler = jest.fn();
    const outcome = await invoker().invoke(handler, { data: 'x'.repeat(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) });
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'request-too-large',
      errorType: 'RequestEntityTooLargeException',
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('fails an invocation whose response is above 6 MB', async () => {
    const outcome = await invoker().invoke(
      async () => ({ data: 'x'.repeat(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) }),
      {},
    );
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'response-too-large',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('turns a thrown error into a function error', async () => {
    const outcome = await invoker().invoke(async () => {
      throw new TypeError('bad input');
    }, {});
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'function-error',
      errorType: 'TypeError',
      errorMessage: 'bad input',
    });
  });
});
