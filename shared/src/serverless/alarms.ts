/**
 * CloudWatch alarms with one notification target for the whole stage: ingest-transform creates the
 * stage's alarm topic (or takes an existing one as `alarmTopicArn`), outputs its ARN, which
 * serverless-compose passes to the other services as their `alarmTopicArn`, and publishes it as
 * the stage parameter `/pipeline/<stage>/alarm-topic-arn`, which a service deployed on its own
 * reads (stage-parameters.ts). Every alarm's description links its runbook section in
 * docs/OPERATIONS.md.
 */
import { ARN } from '../contracts/arn';
import { METRICS_NAMESPACE } from './provider';
import { denyInsecureTransport } from './iam';
import { ifThen, ref, sub } from './intrinsics';
import {
  arnOf,
  NONE,
  noneOr,
  rule,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from './params';
import { fromStageParameter, orSsmReference } from './stage-parameters';

/**
 * Params every service whose alarms notify the stage's topic understands; spread into
 * `params.default`. Default: what ingest-transform published for the stage; `none` silences them.
 */
export const alarmParams = {
  alarmTopicArn: fromStageParameter('alarmTopicArn'),
} as const;

/** Rules of {@link alarmParams}: CloudWatch takes only an ARN as an alarm action. */
export const alarmParamRules: ParamRules = {
  alarmTopicArn: orSsmReference(noneOr(arnOf(ARN.snsTopic))),
};

/**
 * The template parameter holding `alarmTopicArn` (add {@link alarmTemplateParameters} to
 * `custom.templateParameters`). "Is there a topic" is a Condition, and CloudFormation refuses a
 * dynamic reference in Conditions (cfn-lint E1052) while a condition may compare a parameter
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html);
 * read from Parameter Store, the parameter is of type AWS::SSM::Parameter::Value<String>, resolved
 * before any condition or resource (templateParameterFor).
 */
export const ALARM_TOPIC_PARAMETER = 'AlarmTopicArn';

/** `custom.templateParameters` entry of {@link ALARM_TOPIC_PARAMETER}. */
export const alarmTemplateParameters = {
  [ALARM_TOPIC_PARAMETER]: {
    param: 'alarmTopicArn',
    description: "The SNS topic the stack's alarms notify (the stage's alarm topic), or none",
  },
};

/** An address SNS accepts for the `email` protocol (one address, no display name). */
const email: ParamCheck = rule('one email address', (value) =>
  /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(value) ? undefined : 'must be one email address',
);

/**
 * Params of the service that owns the stage's alarm topic (ingest-transform). `alarmTopicArn`
 * none: it creates the topic; it never reads the stage parameter it publishes.
 */
export const alarmTopicParams = {
  alarmTopicArn: NONE,
  // none: no subscription. SNS mails a confirmation link first; nothing arrives until it is clicked.
  alarmEmail: NONE,
} as const;

/** Rules of {@link alarmTopicParams}. */
export const alarmTopicParamRules: ParamRules = {
  alarmTopicArn: noneOr(arnOf(ARN.snsTopic)),
  alarmEmail: noneOr(email),
};

/** Descriptions of {@link alarmParams} and {@link alarmTopicParams}. */
export const alarmParamDescriptions: ParamDescriptions = {
  alarmTopicArn:
    "The SNS topic every alarm of the stage notifies: ingest-transform creates it unless given one, the others read what it published; none silences the service's alarms",
  alarmEmail:
    'An address subscribed to the alarm topic (SNS mails a confirmation link first); none: nobody is mailed',
};

/** The logical id of the stage's alarm topic. */
export const ALARM_TOPIC = 'AlarmTopic';
const CREATES_ALARM_TOPIC = 'CreatesAlarmTopic';
const HAS_ALARM_EMAIL = 'HasAlarmEmail';

/** `resources.Conditions` of the service that owns the alarm topic. */
export const alarmTopicConditions = {
  [CREATES_ALARM_TOPIC]: { 'Fn::Equals': ['${param:alarmTopicArn}', NONE] },
  [HAS_ALARM_EMAIL]: {
    'Fn::And': [
      { Condition: CREATES_ALARM_TOPIC },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:alarmEmail}', NONE] }] },
    ],
  },
};

/** The stage's alarm topic ARN: the created topic, or the `alarmTopicArn` given instead. */
export const alarmTopicArn = ifThen(CREATES_ALARM_TOPIC, ref(ALARM_TOPIC), '${param:alarmTopicArn}');

/** Alarm actions of the service that owns the alarm topic: always its topic. */
export const ownTopicActions = [alarmTopicArn];

/**
 * The stage's alarm topic, its policy and the optional email subscription.
 *
 * No server-side encryption: CloudWatch can publish to an encrypted topic only when the key policy
 * grants `cloudwatch.amazonaws.com` `kms:Decrypt` and `kms:GenerateDataKey*`, and the policy of the
 * AWS-managed key `alias/aws/sns` cannot be changed, so alarms would change state and notify no one
 * ("Enable compatibility between event sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 * A customer managed key costs money while idle; alarm notifications carry alarm state, not data.
 */
export const alarmTopicResources = () => ({
  [ALARM_TOPIC]: {
    Type: 'AWS::SNS::Topic',
    Condition: CREATES_ALARM_TOPIC,
    Properties: {
      TopicName: '${self:service}-${sls:stage}-alarms',
      DisplayName: 'Pipeline alarms',
    },
  },
  AlarmTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Condition: CREATES_ALARM_TOPIC,
    Properties: {
      Topics: [ref(ALARM_TOPIC)],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            // Only this account's alarms (confused deputy).
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: ref(ALARM_TOPIC),
            Condition: {
              StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
              ArnLike: {
                'aws:SourceArn': sub(
                  'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
                ),
              },
            },
          },
          denyInsecureTransport('sns:Publish', ref(ALARM_TOPIC)),
        ],
      },
    },
  },
  AlarmEmailSubscription: {
    Type: 'AWS::SNS::Subscription',
    Condition: HAS_ALARM_EMAIL,
    Properties: { TopicArn: ref(ALARM_TOPIC), Protocol: 'email', Endpoint: '${param:alarmEmail}' },
  },
});

/** The condition name {@link alarm} uses; add {@link alarmConditions} to `resources.Conditions`. */
export const HAS_ALARM_TOPIC = 'HasAlarmTopic';

/** `resources.Conditions` entries the alarms need (over {@link ALARM_TOPIC_PARAMETER}). */
export const alarmConditions = {
  [HAS_ALARM_TOPIC]: { 'Fn::Not': [{ 'Fn::Equals': [ref(ALARM_TOPIC_PARAMETER), NONE] }] },
};

/** The alarm's runbook: `docs/OPERATIONS.md#<anchor>`, appended to its description. */
const withRunbook = (description: string, runbook: string) =>
  `${description} (runbook: docs/OPERATIONS.md#${runbook})`;

/** What every alarm says and whom it notifies. */
interface AlarmCommon {
  description: string;
  /** The anchor of the alarm's runbook section in docs/OPERATIONS.md. */
  runbook: string;
  /** Alarm and OK actions; default: the `alarmTopicArn` param (its template parameter) unless none. */
  actions?: unknown;
  comparison:
    | 'GreaterThanOrEqualToThreshold'
    | 'GreaterThanThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  threshold: number | string;
  /** Seconds per datapoint; default 300. */
  period?: number;
  /** Datapoints that must breach in a row; default 1. */
  evaluationPeriods?: number;
  /** Idle resources publish no datapoints: `notBreaching` unless missing data is itself a failure. */
  treatMissingData?: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
}

const paramTopicActions = () => ifThen(HAS_ALARM_TOPIC, [ref(ALARM_TOPIC_PARAMETER)]);

const commonProperties = ({
  description,
  runbook,
  actions = paramTopicActions(),
  comparison,
  threshold,
  evaluationPeriods = 1,
  treatMissingData = 'notBreaching',
}: AlarmCommon) => ({
  AlarmDescription: withRunbook(description, runbook),
  EvaluationPeriods: evaluationPeriods,
  Threshold: threshold,
  ComparisonOperator: comparison,
  TreatMissingData: treatMissingData,
  AlarmActions: actions,
  OKActions: actions,
});

export interface AlarmOptions extends AlarmCommon {
  namespace: string;
  metricName: string;
  /** Dimension name to value (a string or an intrinsic such as `{ Ref: 'Stream' }`). */
  dimensions: Record<string, unknown>;
  statistic: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount';
}

/** An `AWS::CloudWatch::Alarm` on one metric. */
export const alarm = ({
  namespace,
  metricName,
  dimensions,
  statistic,
  period = 300,
  ...common
}: AlarmOptions): { Type: string; Properties: Record<string, unknown> } => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    Namespace: namespace,
    MetricName: metricName,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    Statistic: statistic,
    Period: period,
    ...commonProperties(common),
  },
});

/** One metric of a {@link mathAlarm}. */
export interface MathInput {
  namespace: string;
  metricName: string;
  dimensions: Record<string, unknown>;
  statistic: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount';
}

export interface MathAlarmOptions extends AlarmCommon {
  /** Metric-math expression over the ids of `inputs` (lower-case first letter, as CloudWatch requires). */
  expression: string;
  inputs: Record<string, MathInput>;
}

/**
 * An alarm on a metric-math expression. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html:
 * the watched expression is the one item with `ReturnData: true`; the inputs return none.
 */
export const mathAlarm = ({ expression, inputs, period = 300, ...common }: MathAlarmOptions) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    Metrics: [
      ...Object.entries(inputs).map(([Id, { namespace, metricName, dimensions, statistic }]) => ({
        Id,
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: metricName,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: period,
          Stat: statistic,
        },
      })),
      { Id: 'watched', Expression: expression, Label: common.description, ReturnData: true },
    ],
    ...commonProperties(common),
  },
});

/** A custom metric of the pipeline's namespace, by its publishing service. */
export const pipelineMetric = (
  service: string,
  metricName: string,
): Pick<MathInput, 'namespace' | 'metricName' | 'dimensions'> => ({
  namespace: METRICS_NAMESPACE,
  metricName,
  dimensions: { service },
});

/** Alarm when a dead-letter (or on-failure) queue holds any message. */
export const deadLetterQueueAlarm = (
  queueLogicalId: string,
  what: string,
  runbook: string,
  actions?: unknown,
) =>
  alarm({
    description: what,
    runbook,
    actions,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } },
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  });

/** The runbook anchors of {@link functionAlarms}. */
export const FUNCTION_RUNBOOK = { errors: 'function-errors', throttles: 'function-throttles' } as const;

/**
 * `<Name>ErrorsAlarm` and `<Name>ThrottlesAlarm` for the function `<Name>LambdaFunction` (osls's
 * logical id). https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html: `Errors`
 * counts invocations that end in a function error (timeouts included), `Throttles` invocation
 * requests refused for lack of concurrency; both by `FunctionName`, read with the Sum statistic.
 */
export const functionAlarms = (name: string, what: string, actions?: unknown) => {
  const dimensions = { FunctionName: ref(`${name}LambdaFunction`) };
  return {
    [`${name}ErrorsAlarm`]: alarm({
      description: `${what} fails invocations (errors, timeouts, out of memory)`,
      runbook: FUNCTION_RUNBOOK.errors,
      actions,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions,
      statistic: 'Sum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    }),
    // Event sources retry throttled invocations: alarm when throttling lasts two periods.
    [`${name}ThrottlesAlarm`]: alarm({
      description: `${what} is throttled: invocations wait for concurrency`,
      runbook: FUNCTION_RUNBOOK.throttles,
      actions,
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions,
      statistic: 'Sum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 2,
    }),
  };
};
