import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError, NONE } from '../../runtime/env';
import { urlHasPassword } from '../connection-url';

/**
 * Where the Postgres warehouse's connection URL comes from: the URL itself (without a password,
 * unless the caller allows one: the `local` stage's entry in `local/`), or a Secrets Manager secret whose `SecretString` is the whole
 * URL (`postgres://user:password@host:5432/db?sslmode=require`).
 */
export type PgConnectionSettings = { url: string } | { secretArn: string };

/** A connection URL, or a function resolving it (once) from Secrets Manager. */
export type PgConnection = string | (() => Promise<string>);

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

const given = (value: string | undefined): string | undefined =>
  value && value !== NONE ? value : undefined;

export interface PgConnectionPolicy {
  /**
   * `refused` (the default, every deployed function): Lambda environment variables are plain
   * configuration, so a password belongs in a secret. `allowed`: only the `local` stage's entries
   * (`local/src/functions/`, never bundled for AWS), whose URL names a database on the machine.
   */
  passwordInUrl?: 'refused' | 'allowed';
}

/**
 * Reads the warehouse connection variables once, at cold start. `WAREHOUSE_URL_SECRET_ARN` wins
 * over `WAREHOUSE_URL`. A `WAREHOUSE_URL` with a password is refused (whatever `STAGE` says), even
 * next to a secret, unless `policy` allows it.
 *
 * @throws ConfigurationError when neither is set, the ARN is malformed, or the URL holds a password.
 */
export const pgConnectionSettings = (
  variables: {
    WAREHOUSE_URL?: string | undefined;
    WAREHOUSE_URL_SECRET_ARN?: string | undefined;
    STAGE?: string | undefined;
  },
  { passwordInUrl = 'refused' }: PgConnectionPolicy = {},
): PgConnectionSettings => {
  const url = given(variables.WAREHOUSE_URL);
  const secretArn = given(variables.WAREHOUSE_URL_SECRET_ARN);
  if (url && passwordInUrl === 'refused' && urlHasPassword(url)) {
    throw new ConfigurationError(
      `Invalid environment: WAREHOUSE_URL carries a password, refused in stage ${variables.STAGE ?? '(unset)'}: put the URL in a Secrets Manager secret and pass its ARN as warehouseUrlSecretArn (WAREHOUSE_URL_SECRET_ARN)`,
    );
  }
  if (secretArn) {
    if (!SECRET_ARN.test(secretArn)) {
      throw new ConfigurationError(
        'Invalid environment: WAREHOUSE_URL_SECRET_ARN must be a Secrets Manager secret ARN',
      );
    }
    return { secretArn };
  }
  if (!url) {
    throw new ConfigurationError(
      'Invalid environment: WAREHOUSE_URL is required with WAREHOUSE=postgres (or WAREHOUSE_URL_SECRET_ARN)',
    );
  }
  return { url };
};

// Errors that retrying will not fix: the deployment is wrong (missing secret, grant or KMS key).
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html#API_GetSecretValue_Errors
const CONFIGURATION_FAULTS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidRequestException',
  'InvalidParameterException',
]);

const readSecretUrl = async (client: SecretsManagerClient, secretArn: string): Promise<string> => {
  let secret;
  try {
    secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (!CONFIGURATION_FAULTS.has(name)) throw error;
    const reason = name === 'ResourceNotFoundException' ? 'not found' : `not readable (${name})`;
    throw new ConfigurationError(`Warehouse URL secret ${secretArn} ${reason}`, { cause: error });
  }
  const url = secret.SecretString?.trim();
  // The value is never echoed: it is a credential.
  if (!url || !POSTGRES_URL.test(url)) {
    throw new ConfigurationError(
      `Warehouse URL secret ${secretArn} must hold a postgres:// connection URL as its SecretString`,
    );
  }
  return url;
};

/**
 * The URL from the secret, read once per container: the first call fetches it (the fetch starts
 * right away, during the function's init), later calls get the cached value. A failed read is not
 * cached, so the next invocation tries again. A rotated secret reaches new containers only.
 */
export const secretPgConnection = (
  secretArn: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): (() => Promise<string>) => {
  let pending: Promise<string> | undefined;
  const resolve = () =>
    (pending ??= readSecretUrl(client, secretArn).catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
  // Prefetch at cold start; a failure surfaces (and is retried) on first use.
  resolve().catch(() => undefined);
  return resolve;
};

/** The {@link PgConnection} for validated settings: the URL, or its secret resolved once. */
export const createPgConnection = (
  settings: PgConnectionSettings,
  client?: SecretsManagerClient,
): PgConnection => ('url' in settings ? settings.url : secretPgConnection(settings.secretArn, client));
