import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLogger, deployedLambda } from '@pipeline/shared/runtime/lambda';
import { registrySettingsFromEnvironment } from '@pipeline/shared/registry';
import { createRegistryCache, type RegistrySourceFactory } from '@pipeline/shared/registry/adapters';
import { S3Client } from '@aws-sdk/client-s3';
import { S3TransformQuarantine } from '../adapters/transform-quarantine';
import { quarantineFromEnvironment, settingsFromEnvironment } from '../settings';
import {
  createTransformHandler,
  FirehoseTransformEventSchema,
  WITHOUT_REGISTRY,
  type TransformDependencies,
  type TransformQuarantine,
} from './transform-handler';

/** The deployed handler: the bare one in the deployed middy chain, parsing the deployed schema. */
export const createTransformLambda = (dependencies: TransformDependencies) =>
  deployedLambda(createTransformHandler(dependencies), {
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    schema: FirehoseTransformEventSchema,
  });

export interface TransformWiring {
  /** Where the registry object is read: S3 by default; a file on the local stage (wired in `local/`). */
  registrySource?: RegistrySourceFactory;
  /** Where rejections are kept: S3 by default; the local cloud's folder on the local stage. */
  quarantine?: (settings: { bucket: string }) => TransformQuarantine;
}

/** The deployed quarantine: the objects in the ingest bucket through S3. */
const s3Quarantine = ({ bucket }: { bucket: string }): TransformQuarantine =>
  new S3TransformQuarantine({ client: new S3Client({}), bucket });

/**
 * The function configured from its environment, once per container (at import of the handler
 * module): its settings, and one device registry cache per container, so the registry is loaded at
 * the first batch, not per record. Rejections are kept with their reasons (the quarantine) when the
 * environment names a bucket.
 */
export const transformLambdaFromEnvironment = ({
  registrySource,
  quarantine = s3Quarantine,
}: TransformWiring = {}) => {
  const logger = createLogger();
  const metrics = new Metrics();
  const registrySettings = registrySettingsFromEnvironment();
  const quarantineSettings = quarantineFromEnvironment();
  if (registrySettings === undefined)
    logger.warn('no device registry configured (REGISTRY_KEY is none): records are flagged registered=false');
  return createTransformLambda({
    settings: settingsFromEnvironment(),
    logger,
    metrics,
    registry:
      registrySettings &&
      createRegistryCache(registrySettings, logger, {
        withoutRegistry: WITHOUT_REGISTRY,
        ...(registrySource ? { source: registrySource(registrySettings) } : {}),
      }),
    quarantine: quarantineSettings && quarantine(quarantineSettings),
  });
};
