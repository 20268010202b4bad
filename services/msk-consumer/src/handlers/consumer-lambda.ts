import { deployedLambda } from '@pipeline/shared/runtime/lambda';
import { createConsumerHandler, MskEventSchema, type ConsumerDependencies } from './consumer-handler';

/**
 * The deployed handler: the bare one in the deployed middy chain, parsing the deployed schema. The
 * ports are the caller's: the SDK-backed ones in AWS (`consumer.ts`), files on the local stage
 * (wired in `local/`, never bundled).
 */
export const createConsumerLambda = (dependencies: ConsumerDependencies) =>
  deployedLambda(createConsumerHandler(dependencies), {
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    schema: MskEventSchema,
  });
