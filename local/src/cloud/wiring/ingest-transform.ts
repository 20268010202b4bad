import path from 'node:path';
import {
  createTransformHandler,
  FirehoseTransformEventSchema,
  WITHOUT_REGISTRY,
  settingsFromEnvironment,
} from '@pipeline/ingest-transform';
import { S3TransformQuarantine } from '@pipeline/ingest-transform/adapters';
import { DeliveryStream } from '../../aws/firehose/DeliveryStream';
import { JsonEncoder, type RecordEncoder } from '../../aws/firehose/encoders';
import { ParquetEncoder } from '../../aws/firehose/ParquetEncoder';
import { faultyTransform } from '../faults';
import { LOCAL_RESOURCES } from '../layout';
import { localRegistry } from '../registry';
import { lambdaRuntime } from '../runtime';
import { num, type WiringContext } from './context';
import { localS3Client, type SharedResources } from './shared-resources';

export interface IngestTransformParts {
  firehose: DeliveryStream;
}

/**
 * ingest-transform: the Firehose delivery stream reads the hub, invokes the real transform (its
 * device registry and quarantine in the local ingest bucket) and writes the lake, Parquet or
 * JSON+GZIP, with the buffering hints and retries of the service's parameters.
 */
export const wireIngestTransform = (
  context: WiringContext,
  { store, hub }: SharedResources,
): IngestTransformParts => {
  const { clock, faults, layout, settings } = context;
  const service = context.service('ingest-transform');
  const { params } = service;
  const environment = service.environment('transform');
  const runtime = service.runtime();
  const transform = lambdaRuntime(
    createTransformHandler({
      settings: settingsFromEnvironment(environment),
      ...runtime,
      registry: localRegistry(environment, layout.root, runtime.logger, clock, WITHOUT_REGISTRY),
      quarantine: new S3TransformQuarantine({
        client: localS3Client(store),
        bucket: environment.QUARANTINE_BUCKET as string,
      }),
    }),
    { ...runtime, schema: FirehoseTransformEventSchema },
  );
  const encoder: RecordEncoder =
    settings.format === 'parquet'
      ? new ParquetEncoder({ scratchDir: path.join(layout.root, '.tmp', 'parquet') })
      : new JsonEncoder({ gzip: true });
  context.closers.push(() => encoder.close?.());
  const timeoutSeconds = service.timeoutSeconds('transform');
  const firehose = new DeliveryStream({
    name: LOCAL_RESOURCES.deliveryStream,
    source: hub,
    clock,
    processor: {
      handler: faults
        ? faultyTransform(faults, transform, {
            attempts: num(params.processorRetries, 'processorRetries') + 1,
            timeoutSeconds,
          })
        : transform,
      functionName: LOCAL_RESOURCES.functions.transform,
      timeoutSeconds,
      bufferSizeMB: num(params.processorBufferSizeMB, 'processorBufferSizeMB'),
      bufferIntervalSeconds: num(params.processorBufferIntervalSeconds, 'processorBufferIntervalSeconds'),
      numberOfRetries: num(params.processorRetries, 'processorRetries'),
    },
    destination: {
      store,
      bucket: LOCAL_RESOURCES.ingestBucket,
      encoder,
      bufferSizeMB: num(params.s3BufferSizeMB, 's3BufferSizeMB'),
      bufferIntervalSeconds: num(params.s3BufferIntervalSeconds, 's3BufferIntervalSeconds'),
      dataCatalogTable: {
        databaseName: LOCAL_RESOURCES.glueDatabase,
        tableName: LOCAL_RESOURCES.glueTable,
      },
    },
  });
  return { firehose };
};
