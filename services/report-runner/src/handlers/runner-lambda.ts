import { deployedLambda } from '@pipeline/shared/runtime/lambda';
import { createRunnerHandler, RunnerEventSchema, type RunnerHandlerDependencies } from './runner-handler';

/**
 * The deployed handler: the bare one in the deployed middy chain, parsing the deployed schema. The
 * dependencies are the caller's: AWS adapters (`runner.ts`), or DuckDB, a folder and PGlite on the
 * local stage (wired in `local/`, never bundled).
 */
export const createRunnerLambda = (dependencies: RunnerHandlerDependencies) =>
  deployedLambda(createRunnerHandler(dependencies), {
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    schema: RunnerEventSchema,
  });
