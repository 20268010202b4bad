/**
 * Deployment-parameter rules of the warehouse targets report-runner and analytics-sink share: one
 * name and one rule per setting in both services.
 */
import { ARN } from '../contracts/arn';
import { urlHasPassword } from '../warehouse/adapters/pg-connection';
import { LOCAL_STAGE } from '../runtime/env';
import {
  allOf,
  arnOf,
  given,
  NONE,
  noneOr,
  paramIs,
  when,
  type ParamCheck,
  type ParamContext,
  type ParamRules,
} from './params';

const usesRedshiftServerless = paramIs('warehouse', 'redshift-serverless');
const usesPostgres = paramIs('warehouse', 'postgres');
const deployed = ({ stage }: ParamContext) => stage !== LOCAL_STAGE;

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
const workgroupName: ParamCheck = (value) =>
  /^[a-z0-9-]{3,64}$/.test(value) ? undefined : 'must be a workgroup name (3-64 of a-z, 0-9, -)';

/**
 * `warehouse=redshift-serverless`: the Data API needs the workgroup's name, IAM its ARN (which ends
 * in the workgroup id, not the name), so both must be given; `none` would become `Resource: none`.
 */
export const redshiftServerlessParamRules: ParamRules = {
  redshiftWorkgroupName: when(usesRedshiftServerless, allOf(given, workgroupName)),
  redshiftWorkgroupArn: when(usesRedshiftServerless, allOf(given, arnOf(ARN.redshiftWorkgroup))),
};

/**
 * `warehouse=postgres` (see `pgConnectionSettings`): outside stage `local` the credentials come from
 * a Secrets Manager secret, or the URL names a database without a password that the function can
 * reach; a password in the URL is refused at cold start, so it is refused here first.
 */
export const postgresParamRules: ParamRules = {
  warehouseUrl: when(
    (context) => usesPostgres(context) && deployed(context),
    (value) => {
      if (value === NONE) return undefined;
      if (!POSTGRES_URL.test(value)) return 'must be a postgres:// URL, or none';
      return urlHasPassword(value)
        ? `must not carry a password outside stage ${LOCAL_STAGE}: put the whole URL in a Secrets Manager secret (warehouseUrlSecretArn)`
        : undefined;
    },
  ),
  warehouseUrlSecretArn: allOf(noneOr(arnOf(ARN.secret)), (value, context) => {
    const url = context.params.warehouseUrl;
    const urlServes = typeof url === 'string' && url !== NONE && deployableUrl(url);
    return value === NONE && usesPostgres(context) && deployed(context) && !urlServes
      ? `must be set with warehouse=postgres outside stage ${LOCAL_STAGE} (a Secrets Manager secret holding the whole connection URL), unless warehouseUrl names a database the function can reach without a password`
      : undefined;
  }),
};
