import type { AWS } from 'osls';
import {
  LOG_RETENTION_DAYS,
  oneOf,
  rule,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from './params';
import { PROVIDER_REGION } from './stage-config';
import { METRICS_NAMESPACE } from '../contracts/metric-names';

export { METRICS_NAMESPACE };

/**
 * Provider settings every service spreads in, so runtime, architecture, log retention and tags
 * cannot drift between services. Values a deployer may change are `${param:...}` with defaults in
 * `serviceParams`.
 */
export const providerDefaults = (service: string): AWS['provider'] => ({
  name: 'aws',
  runtime: 'nodejs24.x',
  // Graviton: about 20% cheaper per GB-second than x86 and as fast for JSON-heavy Node code.
  architecture: 'arm64',
  stage: "${opt:stage, 'dev'}",
  region: PROVIDER_REGION as NonNullable<AWS['provider']['region']>,
  memorySize: 512,
  timeout: 60,
  logRetentionInDays: '${param:logRetentionInDays}' as unknown as 30,
  versionFunctions: false,
  deploymentBucket: { blockPublicAccess: true, serverSideEncryption: 'AES256' },
  environment: {
    POWERTOOLS_SERVICE_NAME: service,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: '${param:logLevel}',
    STAGE: '${sls:stage}',
  },
  stackTags: { project: 'serverless-ingestion-pipeline', service, stage: '${sls:stage}' },
  tags: { project: 'serverless-ingestion-pipeline', service },
});

/**
 * serverless-esbuild settings: one minified CommonJS bundle per function (osls `invoke local`
 * cannot load ESM handlers), measured by `npm run bench:bundles` (docs/BENCHMARKS.md):
 *
 * - The AWS SDK v3 is bundled, from its ESM builds (`mainFields`) so unused commands are
 *   tree-shaken: the version we test is the version that runs, and the bundled clients start
 *   13-17 ms faster than the runtime's own copy. It costs about 160 KB of zip per SDK-using
 *   function, which takes report-runner's zip (Athena, S3, Redshift Data, Secrets Manager, the
 *   dashboard renderer) to about 340 KB, over the 300 KB budget: accepted for the faster start.
 * - No source map in the zip: a linked map tripled the zip and, with `--enable-source-maps`, added
 *   10-16 ms to every cold start. `keepNames` keeps function names in stack traces; to map a
 *   minified position, package the same commit with `sourcemap: 'linked'`.
 * - `plugins` (a path relative to the service folder, `services/<name>/`) keeps only zod's English
 *   locale: the others were half of every bundle (see esbuild-plugins.cjs).
 */
export const esbuildDefaults = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'node24',
  platform: 'node',
  format: 'cjs',
  keepNames: true,
  mainFields: ['module', 'main'],
  exclude: [],
  plugins: '../../shared/src/serverless/esbuild-plugins.cjs',
  packager: 'npm',
} as const;

/** Parameters every service understands, with defaults; compose or `--param` override them. */
export const commonParams = {
  logLevel: 'INFO',
  logRetentionInDays: '30',
} as const;

/**
 * Rules of {@link commonParams}. Powertools' log levels:
 * https://docs.aws.amazon.com/powertools/typescript/latest/core/logger/#log-levels
 */
export const commonParamRules: ParamRules = {
  logLevel: oneOf('TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'),
  logRetentionInDays: oneOf(...LOG_RETENTION_DAYS),
};

/** Descriptions of {@link commonParams}. */
export const commonParamDescriptions: ParamDescriptions = {
  logLevel: "The functions' Powertools log level",
  logRetentionInDays: "Days CloudWatch Logs keeps the functions' logs",
};

/**
 * A function's handler as osls names it, `<module path>.<export>`; the local stage points it at
 * the same handler wired by local/ (https://www.serverless.com/framework/docs/providers/aws/guide/functions).
 */
export const handlerEntry: ParamCheck = rule('<module path>.<export>', (value) =>
  /^[\w./-]+\.[A-Za-z_$][\w$]*$/.test(value) ? undefined : 'must be <module path>.<export>',
);

/** The build folder of esbuild (`custom.esbuild.outputWorkFolder`): `.esbuild`, or one under it. */
export const buildParamRules: ParamRules = {
  esbuildWorkFolder: rule('.esbuild or a folder under it', (value) =>
    /^\.esbuild(?:\/[\w-]+)*$/.test(value) ? undefined : 'must be .esbuild or a folder under it',
  ),
};
