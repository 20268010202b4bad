import { FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES } from '@pipeline/shared';
import type { Context } from 'aws-lambda';
import type { Clock } from '../clock';
import { IdGenerator, type AwsEnvironment } from '../environment';

// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a synchronous invocation
// carries at most 6 MB of request and 6 MB of response, measured on the serialised JSON; every
// event source below invokes this way. Held to 6,000,000 bytes, the smaller reading of "6 MB"
// (FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES), so a local run fails at least where AWS would.
export const LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES = FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES;

/**
 * A Lambda handler as the simulators call it: the deployed handler (or its bare factory output),
 * given the exact event AWS would send and a Lambda `Context`.
 */
export type LambdaHandler<TEvent, TResult = unknown> = (
  event: TEvent,
  context: Context,
) => Promise<TResult> | TResult;

/** The Serverless Framework's default function timeout (Lambda's own default is 3 s). */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 6;

export interface FunctionSettings {
  functionName: string;
  /** Seconds; used for `getRemainingTimeInMillis`. Default DEFAULT_FUNCTION_TIMEOUT_SECONDS. */
  timeoutSeconds?: number;
  memorySizeMb?: number;
}

export type InvokeFailureKind = 'request-too-large' | 'function-error' | 'response-too-large';

export type InvokeOutcome =
  | { ok: true; response: unknown; requestBytes: number; responseBytes: number }
  | { ok: false; kind: InvokeFailureKind; errorType: string; errorMessage: string; requestBytes: number };

export const functionArn = (environment: AwsEnvironment, functionName: string): string =>
  `arn:aws:lambda:${environment.region}:${environment.accountId}:function:${functionName}`;

/**
 * Invokes a handler the way Lambda's synchronous Invoke does: the event crosses a JSON wire (the
 * handler gets its own copy and never shares objects with the simulator), both payloads are held
 * to the 6 MB limit, and a thrown error is a function error, not a crash of the simulator.
 */
export class LambdaInvoker {
  readonly arn: string;
  readonly #requestIds: IdGenerator;

  constructor(
    private readonly settings: FunctionSettings,
    private readonly environment: AwsEnvironment,
    private readonly clock: Clock,
  ) {
    this.arn = functionArn(environment, settings.functionName);
    this.#requestIds = new IdGenerator(`lambda:${this.arn}`);
  }

  get functionName(): string {
    return this.settings.functionName;
  }

  async invoke<TEvent>(handler: LambdaHandler<TEvent>, event: TEvent): Promise<InvokeOutcome> {
    const request = JSON.stringify(event);
    return this.#run(handler, request, () => JSON.parse(request) as TEvent);
  }

  /**
   * `invoke` for an event the caller built for this one invocation out of plain JSON values (no
   * `undefined`, no Dates or Buffers, no object it keeps or hands to another invocation): such an
   * event is already what the handler would get from parsing its JSON, so the handler gets it as
   * it is and the copy is skipped. Its size is still measured on its JSON, against the same limit.
   */
  async invokeBuilt<TEvent>(handler: LambdaHandler<TEvent>, event: TEvent): Promise<InvokeOutcome> {
    return this.#run(handler, JSON.stringify(event), () => event);
  }

  async #run<TEvent>(
    handler: LambdaHandler<TEvent>,
    request: string,
    handlerCopy: () => TEvent,
  ): Promise<InvokeOutcome> {
    const requestBytes = Buffer.byteLength(request);
    if (requestBytes > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) {
      return {
        ok: false,
        kind: 'request-too-large',
        errorType: 'RequestEntityTooLargeException',
        errorMessage: `Request must be smaller than ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`,
        requestBytes,
      };
    }
    let result: unknown;
    try {
      result = await handler(handlerCopy(), this.#context());
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return { ok: false, kind: 'function-error', errorType: name, errorMessage: message, requestBytes };
    }
    const response = result === undefined ? 'null' : JSON.stringify(result);
    const responseBytes = Buffer.byteLength(response);
    if (responseBytes > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES) {
      return {
        ok: false,
        kind: 'response-too-large',
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES} bytes).`,
        requestBytes,
      };
    }
    return { ok: true, response: JSON.parse(response) as unknown, requestBytes, responseBytes };
  }

  #context(): Context {
    const {
      functionName,
      timeoutSeconds = DEFAULT_FUNCTION_TIMEOUT_SECONDS,
      memorySizeMb = 1024,
    } = this.settings;
    const deadline = this.clock.now() + timeoutSeconds * 1000;
    const requestId = this.#requestIds.next();
    const day = new Date(this.clock.now()).toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(memorySizeMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${day}/[$LATEST]${requestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.clock.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }
}
