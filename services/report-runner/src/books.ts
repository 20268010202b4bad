import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { readEnvironment } from '@pipeline/shared/runtime';
import type { StageSources } from '@pipeline/shared/books';
import { z } from 'zod';
import { AthenaQueryEngine } from './adapters/athena-query-engine';
import { S3ObjectStore } from './adapters/s3-object-store';
import { cloudWatchStageMetrics } from './books/cloudwatch-metrics';
import { errorPrefixCounts } from './books/error-prefix';
import { engineLakeRowCounts } from './books/lake-rows';
import { reportManifests } from './books/report-manifests';
import type { BooksHandlerDependencies } from './handlers/books-handler';
import { loadReports } from './reports';

const name = z.string().min(1);
const count = z.coerce.number().int().nonnegative();

/** The books function's settings: the stage's resources and the tolerance (serverless.ts). */
export const booksSettingsFromEnvironment = (env: NodeJS.ProcessEnv = process.env) =>
  readEnvironment(
    {
      HUB_STREAM_NAME: name,
      DELIVERY_STREAM_NAME: name,
      INGEST_BUCKET: name,
      REPORTS_BUCKET: name,
      ATHENA_WORKGROUP: name,
      GLUE_DATABASE: name,
      GLUE_TABLE: name,
      BOOKS_EDGE_LAG_SECONDS: count,
      BOOKS_ABSOLUTE_TOLERANCE: count,
    },
    env,
  );

/** The AWS books sources: CloudWatch, the lake through Athena, the error prefix and the reports in S3. */
export const awsStageSources = (
  clients: { cloudWatch: CloudWatchClient; athena: AthenaClient; s3: S3Client },
  names: {
    ingestBucket: string;
    reportsBucket: string;
    workGroup: string;
    database: string;
    table: string;
  },
): StageSources => {
  const ingest = new S3ObjectStore(clients.s3, names.ingestBucket);
  const reports = new S3ObjectStore(clients.s3, names.reportsBucket);
  return {
    metrics: cloudWatchStageMetrics(clients.cloudWatch),
    lake: engineLakeRowCounts(
      new AthenaQueryEngine({ client: clients.athena, workGroup: names.workGroup, database: names.database }),
      names.table,
    ),
    quarantine: errorPrefixCounts({
      list: (prefix) => ingest.list(prefix),
      read: (key) => ingest.bytes(key),
    }),
    reports: reportManifests(
      { exists: async (key) => (await reports.get(key)) !== undefined },
      loadReports().map((report) => report.name),
    ),
  };
};

/** The books function's AWS wiring, from the environment. */
export const createBooksDependencies = (
  env: NodeJS.ProcessEnv = process.env,
): Omit<BooksHandlerDependencies, 'logger' | 'metrics'> => {
  const settings = booksSettingsFromEnvironment(env);
  return {
    sources: awsStageSources(
      { cloudWatch: new CloudWatchClient({}), athena: new AthenaClient({}), s3: new S3Client({}) },
      {
        ingestBucket: settings.INGEST_BUCKET,
        reportsBucket: settings.REPORTS_BUCKET,
        workGroup: settings.ATHENA_WORKGROUP,
        database: settings.GLUE_DATABASE,
        table: settings.GLUE_TABLE,
      },
    ),
    resources: { hubStreamName: settings.HUB_STREAM_NAME, deliveryStreamName: settings.DELIVERY_STREAM_NAME },
    tolerance: {
      edgeLagSeconds: settings.BOOKS_EDGE_LAG_SECONDS,
      absolute: settings.BOOKS_ABSOLUTE_TOLERANCE,
    },
  };
};
