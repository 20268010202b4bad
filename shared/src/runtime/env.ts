import { z } from 'zod';

/**
 * The stage that runs offline (`sls invoke local --stage local`, the local cloud): no AWS account.
 * Its functions run their own entries in `local/src/functions/` (files stand in for S3, a warehouse
 * URL may carry its password), so runtime code never compares with it; the deployment-parameter
 * rules and the local cloud name it.
 */
export const LOCAL_STAGE = 'local';

/**
 * The one spelling of "not set" of every optional deployment parameter and the variable it becomes:
 * osls refuses an empty `--param key=` value, and CloudFormation conditions compare with it.
 */
export const NONE = 'none';

/** Raised at cold start when the function's configuration is incomplete: fail loudly, never guess. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * Reads and validates environment variables once, at init. Every problem is reported in one error,
 * so a misconfigured deployment shows all its gaps at the first invocation.
 *
 * @example const config = readEnvironment({ MAX_RECORD_BYTES: z.coerce.number().int().positive() });
 */
export const readEnvironment = <Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.output<z.ZodObject<Shape>> => {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigurationError(`Invalid environment: ${problems}`);
  }
  return result.data;
};
