import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { lambdaContext } from '../testing/lambda-context';
import { EVENT_REJECTED_MESSAGE, EventSchemaError } from '../src/runtime';
import { deployedLambda } from '../src/runtime/lambda';

// Powertools writes through the global console in dev mode, where these tests read it; dev mode
// turns metrics off unless told otherwise. Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=on-demand in
// an on-demand container (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html),
// the only kind where Powertools counts a cold start.
Object.assign(process.env, {
  POWERTOOLS_DEV: 'true',
  POWERTOOLS_METRICS_DISABLED: 'false',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
});

type Line = Record<string, unknown>;

/** The structured lines written during `run`: log entries and EMF metric documents (`_aws`). */
const capture = async (run: () => Promise<unknown>): Promise<{ logs: Line[]; metrics: Line[] }> => {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(String(args[0]))),
  );
  try {
    await run().catch(() => undefined);
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  const parsed = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Line);
  return {
    logs: parsed.filter((line) => !('_aws' in line)),
    metrics: parsed.filter((line) => '_aws' in line),
  };
};

const tools = () => ({
  logger: new Logger({ serviceName: 'chain-test', logLevel: 'INFO' }),
  metrics: new Metrics({ namespace: 'ChainTest', serviceName: 'chain-test' }),
});
const metricNames = (documents: Line[]) =>
  documents.flatMap((document) =>
    (document._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics.flatMap(
      ({ Metrics }) => Metrics.map(({ Name }) => Name),
    ),
  );

describe('the deployed middy chain', () => {
  it('logs with the invocation context, and keys added in one invocation never reach the next', async () => {
    const { logger, metrics } = tools();
    let invocation = 0;
    const handler = deployedLambda(
      async () => {
        invocation += 1;
        if (invocation === 1) logger.appendKeys({ batch: 'first' });
        logger.info(`invocation ${invocation}`);
        metrics.addMetric('Handled', 'Count', 1);
      },
      { logger, metrics },
    );
    const { logs } = await capture(async () => {
      await handler({}, lambdaContext());
      await handler({}, lambdaContext());
    });
    const [first, second] = logs.filter(({ message }) => String(message).startsWith('invocation'));
    expect(first).toMatchObject({ batch: 'first', function_request_id: lambdaContext().awsRequestId });
    expect(second).toMatchObject({ function_request_id: lambdaContext().awsRequestId });
    expect(second).not.toHaveProperty('batch');
  });

  it('flushes the metrics after each invocation, with the cold-start metric at the first unless told not to', async () => {
    for (const captureColdStartMetric of [true, false]) {
      const { logger, metrics } = tools();
      const handler = deployedLambda(async () => void metrics.addMetric('Handled', 'Count', 1), {
        logger,
        metrics,
        captureColdStartMetric,
      });
      const first = await capture(() => handler({}, lambdaContext()));
      const second = await capture(() => handler({}, lambdaContext()));
      expect(metricNames(first.metrics).sort()).toEqual(
        captureColdStartMetric ? ['ColdStart', 'Handled'] : ['Handled'],
      );
      expect(metricNames(second.metrics)).toEqual(['Handled']);
    }
  });

  it('gives the handler the event parsed with the schema, and fails an event that breaks it, logged with its request id', async () => {
    const { logger, metrics } = tools();
    const seen: unknown[] = [];
    const handler = deployedLambda(async (event: { size: number }) => void seen.push(event), {
      logger,
      metrics,
      schema: z.object({ size: z.coerce.number() }),
    });
    await capture(() => handler({ size: '3' } as never, lambdaContext()));
    expect(seen).toEqual([{ size: 3 }]);

    let failure: unknown;
    const { logs } = await capture(() =>
      handler({ size: 'three' } as never, lambdaContext()).catch((error: unknown) => {
        failure = error;
      }),
    );
    expect(failure).toBeInstanceOf(EventSchemaError);
    expect(seen).toHaveLength(1);
    expect(logs.find(({ message }) => message === EVENT_REJECTED_MESSAGE)).toMatchObject({
      level: 'ERROR',
      function_request_id: lambdaContext().awsRequestId,
      issues: [expect.objectContaining({ path: 'size' })],
    });
  });
});
