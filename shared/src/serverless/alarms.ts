/**
 * CloudWatch alarms with one optional notification target for the whole pipeline: the
 * `alarmTopicArn` param (an SNS topic ARN; `none`: alarms change state without notifying).
 * Runbooks for each alarm: docs/OPERATIONS.md#runbooks.
 */
import { ARN } from '../contracts/arn';
import { ifThen } from './intrinsics';
import { arnOf, NONE, noneOr, type ParamRules } from './params';

/** Params every service with alarms understands; spread into `params.default`. */
export const alarmParams = {
  alarmTopicArn: NONE,
} as const;

/** Rules of {@link alarmParams}: CloudWatch takes only an ARN as an alarm action. */
export const alarmParamRules: ParamRules = {
  alarmTopicArn: noneOr(arnOf(ARN.snsTopic)),
};

/** The condition name {@link alarm} uses; add {@link alarmConditions} to `resources.Conditions`. */
export const HAS_ALARM_TOPIC = 'HasAlarmTopic';

/** `resources.Conditions` entries the alarms need. */
export const alarmConditions = {
  [HAS_ALARM_TOPIC]: { 'Fn::Not': [{ 'Fn::Equals': ['${param:alarmTopicArn}', NONE] }] },
};

export interface AlarmOptions {
  description: string;
  namespace: string;
  metricName: string;
  /** Dimension name to value (a string or an intrinsic such as `{ Ref: 'Stream' }`). */
  dimensions: Record<string, unknown>;
  statistic: 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount';
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

/** An `AWS::CloudWatch::Alarm` that notifies the `alarmTopicArn` topic when it is set. */
export const alarm = ({
  description,
  namespace,
  metricName,
  dimensions,
  statistic,
  comparison,
  threshold,
  period = 300,
  evaluationPeriods = 1,
  treatMissingData = 'notBreaching',
}: AlarmOptions): { Type: string; Properties: Record<string, unknown> } => {
  const actions = ifThen(HAS_ALARM_TOPIC, ['${param:alarmTopicArn}']);
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: evaluationPeriods,
      Threshold: threshold,
      ComparisonOperator: comparison,
      TreatMissingData: treatMissingData,
      AlarmActions: actions,
      OKActions: actions,
    },
  };
};

/** Alarm when a dead-letter (or on-failure) queue holds any message. */
export const deadLetterQueueAlarm = (queueLogicalId: string, what: string) =>
  alarm({
    description: `${what} (runbook: docs/OPERATIONS.md#runbooks)`,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } },
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  });
