import type { AWS } from 'osls';

/** The CloudWatch namespace every service publishes its metrics to. */
export const METRICS_NAMESPACE = 'IngestionPipeline';

/**
 * Provider settings every service spreads in, so runtime, architecture, log retention and tags
 * cannot drift between services. Values a deployer may change are `${param:...}` with defaults in
 * `serviceParams`.
 */
export const providerDefaults = (service: string): AWS['provider'] => ({
  name: 'aws',
  runtime: 'nodejs22.x',
  // Graviton: about 20% cheaper per GB-second than x86 and as fast for JSON-heavy Node code.
  architecture: 'arm64',
  stage: "${opt:stage, 'dev'}",
  region: "${opt:region, 'us-east-1'}" as NonNullable<AWS['provider']['region']>,
  memorySize: 512,
  timeout: 60,
  logRetentionInDays: '${param:logRetentionInDays}' as unknown as 30,
  versionFunctions: false,
  deploymentBucket: { blockPublicAccess: true, serverSideEncryption: 'AES256' },
  environment: {
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: '${param:logLevel}',
    NODE_OPTIONS: '--enable-source-maps',
    STAGE: '${sls:stage}',
  },
  stackTags: { project: 'serverless-ingestion-pipeline', service, stage: '${sls:stage}' },
  tags: { project: 'serverless-ingestion-pipeline', service },
});

/**
 * serverless-esbuild settings: one minified CommonJS bundle per function (osls `invoke local`
 * cannot load ESM handlers). The AWS SDK is bundled on purpose: the version we test is the version
 * that runs, independent of the SDK the Lambda runtime happens to ship (see docs/BENCHMARKS.md for
 * the effect on bundle size).
 */
export const esbuildDefaults = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  target: 'node22',
  platform: 'node',
  format: 'cjs',
  keepNames: true,
  exclude: [],
  packager: 'npm',
} as const;

/** Parameters every service understands, with defaults; compose or `--param` override them. */
export const commonParams = {
  logLevel: 'INFO',
  logRetentionInDays: '30',
} as const;
