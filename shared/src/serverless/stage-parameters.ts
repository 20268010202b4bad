/**
 * Values one stack publishes for the other stacks of its stage, so that a service deployed alone
 * (`sls deploy` in its own folder) gets the real value at deploy time instead of a stand-in. The
 * producing stack writes each value to SSM Parameter Store as `/pipeline/<stage>/<key>`; the
 * consuming services default the parameter to an ssm dynamic reference of that name, which
 * CloudFormation resolves while it creates or updates the stack and which fails the operation when
 * the producer has not been deployed. Compose still passes the outputs themselves (they also order
 * its deploys), so both ways reach the same value.
 *
 * Why Parameter Store and not `Fn::ImportValue`: an export locks the producer's output (CloudFormation
 * refuses to change or delete it while a stack imports it), so the stacks could no longer be
 * updated or removed independently. Why not a fixed bucket name: naming an existing bucket replaces
 * it, with its data. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html
 */

import { rule, type ParamCheck } from './params';

/** The values published per stage: parameter name in the consuming services, key and producer. */
export const STAGE_PARAMETERS = {
  ingestBucketName: { key: 'ingest-bucket-name', producer: 'ingest-transform', what: 'ingest bucket name' },
  ingestBucketArn: { key: 'ingest-bucket-arn', producer: 'ingest-transform', what: 'ingest bucket ARN' },
  realtimeBucketArn: {
    key: 'realtime-bucket-arn',
    producer: 'analytics-sink',
    what: 'real-time bucket ARN',
  },
  // The topic the stage's alarms notify: the one ingest-transform creates, or the one it was given.
  alarmTopicArn: { key: 'alarm-topic-arn', producer: 'ingest-transform', what: 'alarm topic ARN' },
} as const;

export type StageParameter = keyof typeof STAGE_PARAMETERS;

/** `/pipeline/<stage>/<key>`; `${sls:stage}` (resolved by osls) unless a stage is given. */
export const stageParameterName = (name: StageParameter, stage = '${sls:stage}'): string =>
  `/pipeline/${stage}/${STAGE_PARAMETERS[name].key}`;

/**
 * The dynamic reference that reads the stage's value. Without a version CloudFormation reads the
 * latest one on each create and update (it does not follow later changes until the next update).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html
 */
export const fromStageParameter = (name: StageParameter): string =>
  `{{resolve:ssm:${stageParameterName(name)}}}`;

/**
 * The producer's `AWS::SSM::Parameter`. Type String: an `ssm` dynamic reference reads only String
 * and StringList parameters. Standard tier: free, up to 4 KB. No function reads it (CloudFormation
 * resolves it with the deploying principal's ssm:GetParameters), so no role is granted anything.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html
 */
export const stageParameterResource = (name: StageParameter, value: unknown) => ({
  Type: 'AWS::SSM::Parameter',
  Properties: {
    Name: stageParameterName(name),
    Type: 'String',
    Tier: 'Standard',
    Value: value,
    Description: `The ${STAGE_PARAMETERS[name].what} of stage \${sls:stage}, published by ${STAGE_PARAMETERS[name].producer} for the services deployed on their own`,
  },
});

// {{resolve:ssm:name}} or {{resolve:ssm:name:version}}; a name of a-zA-Z0-9_.-/ (cfn-lint E1050).
// CloudFormation leaves a reference with spaces inside the braces, or ending in a backslash,
// unresolved. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
const SSM_REFERENCE = /^\{\{resolve:ssm:([a-zA-Z0-9_.\-/]+)(?::(\d+))?\}\}$/;
const SSM_REFERENCES = /\{\{resolve:ssm:([a-zA-Z0-9_.\-/]+)(?::(\d+))?\}\}/g;

/** The parameter a whole value reads, when the value is one well-formed `ssm` dynamic reference. */
export const ssmReferenceOf = (value: string): { name: string; version?: number } | undefined => {
  const match = SSM_REFERENCE.exec(value);
  if (!match) return undefined;
  return { name: match[1] as string, ...(match[2] ? { version: Number(match[2]) } : {}) };
};

/**
 * `check`, or a well-formed `ssm` dynamic reference: the value another stack of the stage
 * published, known only at deploy time. Only for parameters used in resource properties and
 * outputs: CloudFormation refuses a dynamic reference in Conditions (cfn-lint E1052), where a
 * parameter compared with `none` ends up.
 */
export const orSsmReference = (check: ParamCheck): ParamCheck =>
  rule(`${check.summary}, or an SSM dynamic reference`, (value, context) => {
    if (ssmReferenceOf(value)) return undefined;
    const problem = check(value, context);
    return problem && `${problem}, or an ssm dynamic reference ({{resolve:ssm:<name>}})`;
  });

/** CloudFormation resolves at most this many dynamic references in one template. */
export const MAX_DYNAMIC_REFERENCES = 60;

/** The dynamic references in a template (or any value), each occurrence counted. */
export const dynamicReferencesIn = (value: unknown): string[] =>
  JSON.stringify(value ?? null).match(/\{\{resolve:[^}]*\}\}/g) ?? [];

/**
 * A template parameter holding a value used inside a JSON-typed property. AWS documents dynamic
 * references for resource properties but not inside JSON-typed ones such as an EventBridge rule's
 * EventPattern, and one such property is known to keep the literal text
 * (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/874): a silently
 * literal bucket name would match no event. A parameter of type AWS::SSM::Parameter::Value<String>
 * is resolved before any resource is touched and can be `Ref`erenced anywhere; it fails the stack
 * operation when the parameter does not exist.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
 */
export const templateParameterFor = (value: string, description: string) => {
  const reference = ssmReferenceOf(value);
  return reference && reference.version === undefined
    ? {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: reference.name,
        Description: `${description} (from SSM Parameter Store)`,
      }
    : { Type: 'String', Default: value, Description: description };
};

/** A dynamic reference whose parameter the store does not hold: CloudFormation fails the operation. */
export class UnresolvedDynamicReferenceError extends Error {
  override name = 'UnresolvedDynamicReferenceError';
  constructor(readonly parameter: string) {
    super(
      `SSM parameter ${parameter} does not exist: deploy the stack that publishes it first (README "Deploy")`,
    );
  }
}

/**
 * `value` with every `ssm` dynamic reference replaced by the store's value, also inside longer
 * strings (an IAM resource ARN), as CloudFormation resolves resource properties at deploy time.
 */
export const resolveDynamicReferences = <T>(value: T, store: Readonly<Record<string, string>>): T => {
  const resolve = (item: unknown): unknown => {
    if (typeof item === 'string') {
      return item.replace(SSM_REFERENCES, (_match, name: string) => {
        const resolved = store[name];
        if (resolved === undefined) throw new UnresolvedDynamicReferenceError(name);
        return resolved;
      });
    }
    if (Array.isArray(item)) return item.map(resolve);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, resolve(child)]));
    }
    return item;
  };
  return resolve(value) as T;
};
