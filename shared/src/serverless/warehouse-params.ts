/**
 * Deployment-parameter rules of the warehouse targets report-runner and analytics-sink share: one
 * name and one rule per setting in both services.
 */
import { ARN } from '../contracts/arn';
import { urlHasPassword } from '../warehouse/connection-url';
import { LOCAL_STAGE } from '../runtime/env';
import {
  allOf,
  arnOf,
  condition,
  given,
  NONE,
  noneOr,
  paramIs,
  rule,
  when,
  type ParamCheck,
  type ParamContext,
  type ParamDescriptions,
  type ParamRules,
} from './params';

const usesRedshiftServerless = paramIs('warehouse', 'redshift-serverless');
const usesPostgres = paramIs('warehouse', 'postgres');
const deployed = ({ stage }: ParamContext) => stage !== LOCAL_STAGE;
const usesPostgresDeployed = condition(
  `warehouse=postgres outside stage ${LOCAL_STAGE}`,
  (context) => usesPostgres(context) && deployed(context),
);

// A Lambda function reaches no database on its own loopback interface.
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
};

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** A `postgres://` URL a deployed function could use: no password, not its own loopback. */
const deployableUrl = (url: string): boolean =>
  POSTGRES_URL.test(url) && !urlHasPassword(url) && !LOOPBACK_HOST.test(hostOf(url) ?? '');

/** Workgroup names: 3-64 of `a-z 0-9 -`. https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_CreateWorkgroup.html */
const workgroupName: ParamCheck = rule('workgroup name (3-64 of a-z, 0-9, -)', (value) =>
  /^[a-z0-9-]{3,64}$/.test(value) ? undefined : 'must be a workgroup name (3-64 of a-z, 0-9, -)',
);

/**
 * `warehouse=redshift-serverless`: the Data API needs the workgroup's name, IAM its ARN (which ends
 * in the workgroup id, not the name), so both must be given; `none` would become `Resource: none`.
 */
export const redshiftServerlessParamRules: ParamRules = {
  redshiftWorkgroupName: when(usesRedshiftServerless, allOf(given, workgroupName)),
  redshiftWorkgroupArn: when(usesRedshiftServerless, allOf(given, arnOf(ARN.redshiftWorkgroup))),
};

/**
 * A Redshift standard identifier (a database, a user), which Redshift folds to lower case.
 * https://docs.aws.amazon.com/redshift/latest/dg/r_names.html
 */
export const redshiftIdentifier: ParamCheck = rule(
  'Redshift identifier (1-127 of letters, digits, _, $; not starting with a digit or $)',
  (value) =>
    /^[A-Za-z_][A-Za-z0-9_$]{0,126}$/.test(value)
      ? undefined
      : 'must be a Redshift identifier (1-127 of letters, digits, _ and $, not starting with a digit or $)',
);

/** The Redshift database of either Redshift target (a created namespace's or an existing one's). */
export const redshiftDatabaseParamRules: ParamRules = { redshiftDatabase: redshiftIdentifier };

/**
 * `warehouse=postgres` (see `pgConnectionSettings`): outside stage `local` the credentials come from
 * a Secrets Manager secret, or the URL names a database without a password that the function can
 * reach; a password in the URL is refused at cold start, so it is refused here first.
 */
export const postgresParamRules: ParamRules = {
  warehouseUrl: when(
    usesPostgresDeployed,
    rule('postgres:// URL without a password, or none', (value) => {
      if (value === NONE) return undefined;
      if (!POSTGRES_URL.test(value)) return 'must be a postgres:// URL, or none';
      return urlHasPassword(value)
        ? `must not carry a password outside stage ${LOCAL_STAGE}: put the whole URL in a Secrets Manager secret (warehouseUrlSecretArn)`
        : undefined;
    }),
  ),
  warehouseUrlSecretArn: allOf(
    noneOr(arnOf(ARN.secret)),
    rule(
      `required with ${usesPostgresDeployed.summary}, unless warehouseUrl reaches a database without a password`,
      (value, context) => {
        const url = context.params.warehouseUrl;
        const urlServes = typeof url === 'string' && url !== NONE && deployableUrl(url);
        return value === NONE && usesPostgresDeployed(context) && !urlServes
          ? `must be set with warehouse=postgres outside stage ${LOCAL_STAGE} (a Secrets Manager secret holding the whole connection URL), unless warehouseUrl names a database the function can reach without a password`
          : undefined;
      },
    ),
  ),
};

/** Descriptions of the warehouse parameters report-runner and analytics-sink share. */
export const warehouseParamDescriptions: ParamDescriptions = {
  warehouse: 'Where the reports and the real-time rows are loaded: one warehouse for the stage',
  redshiftDatabase: 'The database of the Redshift target',
  redshiftWorkgroupName: 'An existing Redshift Serverless workgroup, for the Data API',
  redshiftWorkgroupArn: 'Its ARN (ending in the workgroup id), which scopes the IAM grants',
  warehouseUrl: 'With warehouse=postgres: a postgres:// URL without a password',
  warehouseUrlSecretArn:
    'With warehouse=postgres: a Secrets Manager secret holding the whole URL, password included; wins over warehouseUrl',
};
