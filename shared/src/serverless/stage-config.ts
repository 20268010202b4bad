/**
 * Per-stage settings in one file per stage, `config/<stage>.yml` at the repository root, read by
 * every service and by `npm run preflight`, so a setting several services use (the warehouse, the
 * alarm topic, the log level) is written once per stage:
 *
 * ```yaml
 * region: eu-west-1          # optional: where every service of the stage deploys
 * params:                    # every service that declares one of these names takes its value
 *   logLevel: INFO
 *   warehouse: none
 * services:                  # values for one service only (names several services use differently)
 *   ingest-transform:
 *     streamMode: PROVISIONED
 * ```
 *
 * The file becomes osls's own per-stage parameter set, `params.<stage>` of each service's config
 * (https://github.com/oss-serverless/osls/blob/main/docs/guides/parameters.md): `--param` (and so
 * compose's `params`) wins over it, and it wins over `params.default`. A stage without a file
 * deploys with the defaults.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';

/** The folder of the stage files: `<repo>/config`. */
export const STAGE_CONFIG_DIR = path.resolve(__dirname, '..', '..', '..', 'config');

/** One stage file, values as strings (what `--param` would pass). */
export interface StageConfig {
  stage: string;
  file: string;
  region?: string;
  /** Values for every service that declares the name. */
  params: Record<string, string>;
  /** Values for one service, by service name. */
  services: Record<string, Record<string, string>>;
}

export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// osls passes every parameter as a string; YAML reads `4` and `true` as a number and a boolean.
const stringValues = (file: string, where: string, value: unknown): Record<string, string> => {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new StageConfigError(`${file}: ${where} must be a map of name: value`);
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        if (String(item) === '') {
          throw new StageConfigError(`${file}: ${where}.${name} is empty; write none to turn it off`);
        }
        return [name, String(item)];
      }
      throw new StageConfigError(`${file}: ${where}.${name} must be a single value`);
    }),
  );
};

/** Parses one stage file's text. */
export const parseStageConfig = (stage: string, file: string, text: string): StageConfig => {
  const document: unknown = load(text) ?? {};
  if (!isRecord(document)) throw new StageConfigError(`${file}: must be a map`);
  const unknownKeys = Object.keys(document).filter((key) => !['region', 'params', 'services'].includes(key));
  if (unknownKeys.length > 0) {
    throw new StageConfigError(`${file}: unknown key ${unknownKeys.join(', ')} (region, params, services)`);
  }
  const { region, params, services } = document;
  if (region !== undefined && typeof region !== 'string') {
    throw new StageConfigError(`${file}: region must be a region name such as eu-west-1`);
  }
  if (services !== undefined && services !== null && !isRecord(services)) {
    throw new StageConfigError(`${file}: services must be a map of service name to its values`);
  }
  return {
    stage,
    file,
    ...(region === undefined ? {} : { region }),
    params: stringValues(file, 'params', params),
    services: Object.fromEntries(
      Object.entries(services ?? {}).map(([service, values]) => [
        service,
        stringValues(file, `services.${service}`, values),
      ]),
    ),
  };
};

/** Every `config/<stage>.yml` of `dir`, by stage. */
export const readStageConfigs = (dir = STAGE_CONFIG_DIR): Record<string, StageConfig> => {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.yml'))
      .map((name) => {
        const stage = name.slice(0, -'.yml'.length);
        const file = path.join(dir, name);
        return [
          stage,
          parseStageConfig(stage, path.relative(path.dirname(dir), file), readFileSync(file, 'utf8')),
        ];
      }),
  );
};

/** The values a stage file gives one service: the shared ones, then its own section. */
export const stageValuesFor = (config: StageConfig, service: string): Record<string, string> => ({
  ...config.params,
  ...config.services[service],
});

type ParamSets = Record<string, Record<string, unknown>> & { default: Record<string, unknown> };

/**
 * A service's `params`: its own sets (`default`, and e.g. `local`) plus one set per stage file. A
 * service's own stage set wins over the file's (the `local` stage's handler paths stay its own).
 * A name in the file's section for this service that the service does not declare is refused: a
 * typo would otherwise deploy the default without a word.
 *
 * @example params: withStageConfigs('report-runner', { default: { logLevel: 'INFO' } })
 */
export const withStageConfigs = <T extends ParamSets>(
  service: string,
  own: T,
  configs: Record<string, StageConfig> = readStageConfigs(),
): T => {
  const sets: Record<string, Record<string, unknown>> = { ...own };
  for (const config of Object.values(configs)) {
    const undeclared = Object.keys(config.services[service] ?? {}).filter((name) => !(name in own.default));
    if (undeclared.length > 0) {
      throw new StageConfigError(
        `${config.file}: services.${service} has no parameter ${undeclared.join(', ')}`,
      );
    }
    const values = Object.fromEntries(
      Object.entries(stageValuesFor(config, service)).filter(([name]) => name in own.default),
    );
    sets[config.stage] = { ...values, ...own[config.stage] };
  }
  return sets as T;
};

/**
 * `provider.region`: `--region` (a service deployed alone), then the stage file's `region`, then
 * the environment (`AWS_REGION`, as the AWS CLI and CloudShell set it, then `AWS_DEFAULT_REGION`),
 * then us-east-1. osls itself reads only `--region` and `provider.region`
 * (osls lib/plugins/aws/provider.js getRegion), and compose refuses `--region` and passes its own
 * environment to each service (@osls/compose components/framework/index.js), so the environment and
 * the stage file are how a compose deploy picks its region. An unset `${env:}` or a missing file
 * resolves to nothing, and osls moves to the next source after the comma.
 */
export const PROVIDER_REGION =
  "${opt:region, file(../../config/${sls:stage}.yml):region, env:AWS_REGION, env:AWS_DEFAULT_REGION, 'us-east-1'}";
