import { metricKind } from '../src/contracts/metric-names';
import { METRICS_NAMESPACE } from '../src/serverless/provider';
import { dashboardBodyMetrics } from '../src/serverless/cloudwatch-dashboard';
import { RESOURCE_WILDCARD_ALLOWANCES, type ResourceWildcardAllowance } from './resource-wildcards';
import { allowStatements, resourcesOfType, wildcardActions } from './template';
import type { CfnResource, CfnTemplate } from './template';

/**
 * Security and reliability rules every packaged stack of the pipeline must pass. Each function
 * returns findings (`<rule>: <logical id>: <what is wrong>`), empty when the template complies.
 * Apart from the IAM rules, pass the template through `resolveConditions` first, so the rules
 * see what CloudFormation would deploy with the params it was packaged with.
 */

type Cfn = Record<string, unknown>;

const isRecord = (value: unknown): value is Cfn =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const props = (resource: CfnResource): Cfn => resource.Properties ?? {};

const isTrue = (value: unknown): boolean => value === true || value === 'true';

/** The logical id a `Ref` or `Fn::GetAtt` points at, else undefined. */
export const referencedId = (value: unknown): string | undefined => {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
};

const refersTo = (value: unknown, logicalId: string): boolean => referencedId(value) === logicalId;

const typeOf = (template: CfnTemplate, logicalId: string | undefined): string | undefined =>
  logicalId === undefined ? undefined : template.Resources[logicalId]?.Type;

// ---------------------------------------------------------------------------------------------
// IAM
// ---------------------------------------------------------------------------------------------

/** Allow statements with a wildcard action (`s3:*`, `s3:Get*`, `*`) or a `NotAction`. */
export const auditWildcardActions = (template: CfnTemplate): string[] =>
  wildcardActions(template).map(
    ({ owner, sid, action }) => `wildcard-action: ${owner}${sid ? `/${sid}` : ''}: ${action}`,
  );

/** The text of a resource when it is a string or an `Fn::Sub`/`Fn::Join` template; a Ref/GetAtt names one resource. */
const resourceText = (resource: unknown): string | undefined => {
  if (typeof resource === 'string') return resource;
  if (!isRecord(resource)) return undefined;
  const sub = resource['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  const join = resource['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map((part) => (typeof part === 'string' ? part : '${ref}')).join(join[0]);
  }
  return undefined;
};

/**
 * Whether an IAM resource covers every resource of its service or type: `*`, `arn:...:*`, or a
 * resource part that is only a type and a wildcard (`key/*`, `table/*`). Prefix wildcards below a
 * named resource (`<bucket>/raw/*`, `log-group:<name>:*`) are scoped and pass.
 */
export const isUnscopedResource = (resource: unknown): boolean => {
  const text = resourceText(resource);
  if (text === undefined) return false;
  if (text === '*') return true;
  // Placeholders such as ${AWS::Partition} contain colons of their own.
  const parts = text.replace(/\$\{[^}]*\}/g, 'x').split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const id = parts.slice(5).join(':');
  // S3 ARNs start with the bucket name, not a resource type: `<bucket>/*` is one bucket's objects.
  if (parts[2] === 's3') return id.startsWith('*');
  return id === '*' || /^[A-Za-z-]+[/:]\*$/.test(id);
};

const conditionKeys = (statement: Cfn): string[] =>
  isRecord(statement.Condition)
    ? Object.values(statement.Condition).flatMap((operator) =>
        isRecord(operator) ? Object.keys(operator) : [],
      )
    : [];

/**
 * Allow statements granting an action on an unscoped resource, unless the action is in the
 * allow-list and the statement carries the condition keys the allow-list requires.
 */
export const auditResourceWildcards = (
  template: CfnTemplate,
  allowances: Readonly<Record<string, ResourceWildcardAllowance>> = RESOURCE_WILDCARD_ALLOWANCES,
): string[] =>
  allowStatements(template).flatMap(({ owner, sid, actions, resources, statement }) => {
    if (!resources.some(isUnscopedResource)) return [];
    const where = `${owner}${sid ? `/${sid}` : ''}`;
    const keys = conditionKeys(statement);
    return actions.flatMap((action) => {
      const allowance = allowances[action];
      if (!allowance)
        return [`resource-wildcard: ${where}: ${action} on an unscoped resource is not allow-listed`];
      const missing = (allowance.requiredConditionKeys ?? []).filter((key) => !keys.includes(key));
      return missing.length > 0
        ? [
            `resource-wildcard: ${where}: ${action} on an unscoped resource lacks condition ${missing.join(', ')}`,
          ]
        : [];
    });
  });

/** The allow-listed actions a template actually grants on unscoped resources. */
export const usedResourceWildcards = (template: CfnTemplate): string[] =>
  allowStatements(template).flatMap(({ actions, resources }) =>
    resources.some(isUnscopedResource) ? actions : [],
  );

// ---------------------------------------------------------------------------------------------
// Encryption at rest, buckets
// ---------------------------------------------------------------------------------------------

const streamIsEncrypted = (template: CfnTemplate, logicalId: string | undefined): boolean => {
  if (logicalId === undefined) return false;
  const stream = template.Resources[logicalId];
  return stream?.Type === 'AWS::Kinesis::Stream' && isRecord(props(stream).StreamEncryption)
    ? (props(stream).StreamEncryption as Cfn).EncryptionType === 'KMS'
    : false;
};

/** Whether a topic policy of the template lets CloudWatch (alarms) publish to the topic `id`. */
const cloudWatchPublishesTo = (template: CfnTemplate, id: string): boolean =>
  resourcesOfType(template, 'AWS::SNS::TopicPolicy').some(({ resource }) => {
    const p = props(resource);
    if (!list(p.Topics).some((topic) => refersTo(topic, id))) return false;
    const document = isRecord(p.PolicyDocument) ? p.PolicyDocument : {};
    return list(document.Statement).some(
      (statement) =>
        isRecord(statement) &&
        statement.Effect === 'Allow' &&
        isRecord(statement.Principal) &&
        list(statement.Principal.Service).includes('cloudwatch.amazonaws.com') &&
        list(statement.Action).includes('sns:Publish'),
    );
  });

/** Buckets, streams, queues, topics, delivery streams and Athena results without encryption at rest. */
export const auditEncryptionAtRest = (template: CfnTemplate): string[] =>
  Object.entries(template.Resources).flatMap(([id, resource]) => {
    const p = props(resource);
    const finding = (what: string) => [`encryption: ${id}: ${what}`];
    switch (resource.Type) {
      case 'AWS::S3::Bucket': {
        const rules = list((p.BucketEncryption as Cfn | undefined)?.ServerSideEncryptionConfiguration);
        const ok = rules.some((rule) => {
          const algorithm =
            isRecord(rule) && isRecord(rule.ServerSideEncryptionByDefault)
              ? rule.ServerSideEncryptionByDefault.SSEAlgorithm
              : undefined;
          return algorithm === 'AES256' || algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse';
        });
        return ok ? [] : finding('bucket without default encryption');
      }
      case 'AWS::Kinesis::Stream':
        return streamIsEncrypted(template, id) ? [] : finding('stream without KMS StreamEncryption');
      case 'AWS::SQS::Queue':
        return isTrue(p.SqsManagedSseEnabled) || p.KmsMasterKeyId !== undefined
          ? []
          : finding('queue without SSE-SQS or KMS');
      case 'AWS::SNS::Topic':
        // CloudWatch cannot publish to a topic under the AWS-managed key (its key policy grants
        // CloudWatch nothing and cannot be changed): an alarm topic may go without SSE.
        // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        return p.KmsMasterKeyId !== undefined || cloudWatchPublishesTo(template, id)
          ? []
          : finding('topic without KmsMasterKeyId');
      case 'AWS::KinesisFirehose::DeliveryStream': {
        if (isRecord(p.DeliveryStreamEncryptionConfigurationInput)) return [];
        // https://docs.aws.amazon.com/firehose/latest/dev/encryption.html: with a Kinesis stream as
        // source, Firehose keeps no data at rest and relies on the stream's server-side encryption.
        const source = (p.KinesisStreamSourceConfiguration as Cfn | undefined)?.KinesisStreamARN;
        if (
          p.DeliveryStreamType === 'KinesisStreamAsSource' &&
          streamIsEncrypted(template, referencedId(source))
        ) {
          return [];
        }
        return finding('delivery stream neither encrypted nor reading an encrypted stream of this stack');
      }
      case 'AWS::Athena::WorkGroup': {
        const result = (p.WorkGroupConfiguration as Cfn | undefined)?.ResultConfiguration as Cfn | undefined;
        return isRecord(result?.EncryptionConfiguration) ? [] : finding('query results not encrypted');
      }
      default:
        return [];
    }
  });

const isTlsDenial = (statement: unknown): boolean => {
  if (!isRecord(statement) || statement.Effect !== 'Deny') return false;
  const principal = statement.Principal;
  const everyone = principal === '*' || (isRecord(principal) && principal.AWS === '*');
  const actions = list(statement.Action);
  const condition = isRecord(statement.Condition) ? statement.Condition.Bool : undefined;
  const insecure = isRecord(condition) ? condition['aws:SecureTransport'] : undefined;
  const resources = JSON.stringify(statement.Resource ?? '');
  return (
    everyone &&
    (actions.includes('s3:*') || actions.includes('*')) &&
    (insecure === false || insecure === 'false') &&
    resources.includes('/*') &&
    list(statement.Resource).length >= 2
  );
};

/** Buckets without a full public access block or without a bucket policy denying plain HTTP. */
export const auditBuckets = (template: CfnTemplate): string[] => {
  const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy');
  return resourcesOfType(template, 'AWS::S3::Bucket').flatMap(({ logicalId, resource }) => {
    const findings: string[] = [];
    const block = props(resource).PublicAccessBlockConfiguration;
    const flags = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];
    if (!isRecord(block) || !flags.every((flag) => isTrue(block[flag]))) {
      findings.push(`public-access: ${logicalId}: not all four public access blocks are on`);
    }
    const tlsOnly = policies.some(({ resource: policy }) => {
      const p = props(policy);
      const document = p.PolicyDocument;
      return (
        refersTo(p.Bucket, logicalId) && isRecord(document) && list(document.Statement).some(isTlsDenial)
      );
    });
    if (!tlsOnly) findings.push(`tls-only: ${logicalId}: no bucket policy denies aws:SecureTransport=false`);
    return findings;
  });
};

// ---------------------------------------------------------------------------------------------
// Failure paths and partial batch responses
// ---------------------------------------------------------------------------------------------

type SourceKind = 'sqs' | 'kinesis' | 'dynamodb' | 'kafka' | 'unknown';

/** What an event source mapping reads from. */
export const eventSourceKind = (template: CfnTemplate, mapping: CfnResource): SourceKind => {
  const p = props(mapping);
  if (p.Topics !== undefined || p.SelfManagedEventSource !== undefined) return 'kafka';
  const type = typeOf(template, referencedId(p.EventSourceArn));
  if (type === 'AWS::SQS::Queue') return 'sqs';
  if (type === 'AWS::Kinesis::Stream' || type === 'AWS::Kinesis::StreamConsumer') return 'kinesis';
  if (type === 'AWS::DynamoDB::Table') return 'dynamodb';
  if (type === 'AWS::MSK::Cluster' || type === 'AWS::MSK::ServerlessCluster') return 'kafka';
  const arn = resourceText(p.EventSourceArn);
  const service = arn?.match(/^arn:[^:]*:([a-z]+):/)?.[1];
  if (service === 'sqs' || service === 'kinesis' || service === 'dynamodb') return service;
  if (service === 'kafka') return 'kafka';
  return 'unknown';
};

const onFailureDestination = (p: Cfn): unknown => {
  const config = p.DestinationConfig;
  const onFailure = isRecord(config) ? config.OnFailure : undefined;
  return isRecord(onFailure) ? onFailure.Destination : undefined;
};

const LAMBDA_ASYNC_PRINCIPALS = [
  'events.amazonaws.com',
  's3.amazonaws.com',
  'sns.amazonaws.com',
  'iot.amazonaws.com',
  'scheduler.amazonaws.com',
];

/**
 * Asynchronous paths without a place for what fails: event source mappings without an on-failure
 * destination (streams, Kafka) or whose queue has no redrive policy, EventBridge targets without a
 * dead-letter queue, asynchronously invoked functions without an on-failure destination or DLQ,
 * IoT rules without an error action, Firehose S3 destinations without an error prefix, SNS
 * subscriptions without a redrive policy.
 */
export const auditFailureDestinations = (template: CfnTemplate): string[] => {
  const findings: string[] = [];
  const add = (id: string, what: string) => findings.push(`failure-destination: ${id}: ${what}`);
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const kind = eventSourceKind(template, resource);
    if (kind === 'sqs') {
      const queue = template.Resources[referencedId(props(resource).EventSourceArn) ?? ''];
      const redrive = queue ? props(queue).RedrivePolicy : undefined;
      if (!isRecord(redrive) || redrive.deadLetterTargetArn === undefined)
        add(logicalId, 'source queue has no DLQ');
    } else if (kind === 'unknown') {
      add(logicalId, 'unrecognised event source');
    } else if (onFailureDestination(props(resource)) === undefined) {
      add(logicalId, `${kind} mapping without an on-failure destination`);
    }
  }
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::Events::Rule')) {
    list(props(resource).Targets).forEach((target, index) => {
      if (!isRecord(target) || !isRecord(target.DeadLetterConfig)) {
        add(logicalId, `target ${isRecord(target) ? String(target.Id) : index} without DeadLetterConfig`);
      }
    });
  }
  const asyncFunctions = new Set(
    resourcesOfType(template, 'AWS::Lambda::Permission')
      .filter(({ resource }) => LAMBDA_ASYNC_PRINCIPALS.includes(String(props(resource).Principal)))
      .map(({ resource }) => referencedId(props(resource).FunctionName))
      .filter((id): id is string => id !== undefined),
  );
  const invokeConfigs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
  for (const id of asyncFunctions) {
    const fn = template.Resources[id];
    const dlq = fn ? (props(fn).DeadLetterConfig as Cfn | undefined)?.TargetArn : undefined;
    const destination = invokeConfigs.some(
      ({ resource }) => refersTo(props(resource).FunctionName, id) && onFailureDestination(props(resource)),
    );
    if (dlq === undefined && !destination)
      add(id, 'invoked asynchronously without an on-failure destination or DLQ');
  }
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::IoT::TopicRule')) {
    if (!isRecord((props(resource).TopicRulePayload as Cfn | undefined)?.ErrorAction)) {
      add(logicalId, 'IoT rule without ErrorAction');
    }
  }
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')) {
    const destination = props(resource).ExtendedS3DestinationConfiguration;
    if (!isRecord(destination) || typeof destination.ErrorOutputPrefix !== 'string') {
      add(logicalId, 'delivery stream without an S3 ErrorOutputPrefix');
    }
  }
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    if (props(resource).RedrivePolicy === undefined) add(logicalId, 'subscription without RedrivePolicy');
  }
  return findings;
};

/**
 * Stream and queue mappings (Kinesis, DynamoDB, SQS) that do not report partial batch failures.
 * Kafka mappings are exempt: Lambda documents `ReportBatchItemFailures` for Kinesis, DynamoDB
 * and SQS only (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html); their failure
 * path is the on-failure destination checked above.
 */
export const auditPartialBatchResponses = (template: CfnTemplate): string[] =>
  resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').flatMap(({ logicalId, resource }) => {
    const kind = eventSourceKind(template, resource);
    if (kind === 'kafka') return [];
    return list(props(resource).FunctionResponseTypes).includes('ReportBatchItemFailures')
      ? []
      : [`partial-batch: ${logicalId}: ${kind} mapping without ReportBatchItemFailures`];
  });

// ---------------------------------------------------------------------------------------------
// Logs, alarms, secrets
// ---------------------------------------------------------------------------------------------

/** Log groups without retention, and functions whose log group the stack does not declare. */
export const auditLogRetention = (template: CfnTemplate): string[] => {
  const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');
  const findings = groups
    .filter(({ resource }) => props(resource).RetentionInDays === undefined)
    .map(({ logicalId }) => `log-retention: ${logicalId}: no RetentionInDays`);
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const p = props(resource);
    const custom = isRecord(p.LoggingConfig) ? p.LoggingConfig.LogGroup : undefined;
    const name = custom ?? `/aws/lambda/${String(p.FunctionName)}`;
    const declared = groups.some(
      ({ logicalId: groupId, resource: group }) =>
        props(group).LogGroupName === name || refersTo(custom, groupId),
    );
    if (!declared)
      findings.push(`log-retention: ${logicalId}: its log group ${String(name)} is not in the stack`);
  }
  return findings;
};

const alarmsOn = (
  template: CfnTemplate,
  namespace: string,
  metric: string,
  dimension: string,
  target: string,
) =>
  resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(({ resource }) => {
    const p = props(resource);
    return (
      p.Namespace === namespace &&
      p.MetricName === metric &&
      list(p.Dimensions).some((d) => isRecord(d) && d.Name === dimension && refersTo(d.Value, target))
    );
  });

/** The logical ids of queues that receive what failed elsewhere (DLQs and on-failure destinations). */
export const deadLetterQueues = (template: CfnTemplate): string[] => {
  const ids = new Set<string>();
  const addRef = (value: unknown) => {
    const id = referencedId(value);
    if (typeOf(template, id) === 'AWS::SQS::Queue') ids.add(id!);
  };
  for (const [, resource] of Object.entries(template.Resources)) {
    const p = props(resource);
    if (resource.Type === 'AWS::SQS::Queue' && isRecord(p.RedrivePolicy))
      addRef(p.RedrivePolicy.deadLetterTargetArn);
    if (
      resource.Type === 'AWS::Lambda::EventSourceMapping' ||
      resource.Type === 'AWS::Lambda::EventInvokeConfig'
    ) {
      addRef(onFailureDestination(p));
    }
    if (resource.Type === 'AWS::Lambda::Function' && isRecord(p.DeadLetterConfig))
      addRef(p.DeadLetterConfig.TargetArn);
    if (resource.Type === 'AWS::Events::Rule') {
      for (const target of list(p.Targets)) {
        if (isRecord(target) && isRecord(target.DeadLetterConfig)) addRef(target.DeadLetterConfig.Arn);
      }
    }
  }
  return [...ids].sort();
};

/**
 * Missing alarms: DLQ depth (ApproximateNumberOfMessagesVisible) on every DLQ, iterator age on
 * every stream (GetRecords.IteratorAgeMilliseconds) and on every stream mapping's function (Lambda
 * IteratorAge), and Firehose data freshness, S3 delivery success and (with a processor) Lambda
 * processing success on every delivery stream.
 */
export const auditAlarms = (template: CfnTemplate): string[] => {
  const findings: string[] = [];
  const need = (namespace: string, metric: string, dimension: string, target: string) => {
    if (alarmsOn(template, namespace, metric, dimension, target).length === 0) {
      findings.push(`alarm: ${target}: no ${namespace} ${metric} alarm`);
    }
  };
  for (const queue of deadLetterQueues(template)) {
    need('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue);
  }
  for (const { logicalId } of resourcesOfType(template, 'AWS::Kinesis::Stream')) {
    need('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', logicalId);
  }
  for (const { resource } of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const kind = eventSourceKind(template, resource);
    const fn = referencedId(props(resource).FunctionName);
    if ((kind === 'kinesis' || kind === 'dynamodb') && fn)
      need('AWS/Lambda', 'IteratorAge', 'FunctionName', fn);
  }
  for (const { logicalId, resource } of resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')) {
    need('AWS/Firehose', 'DeliveryToS3.DataFreshness', 'DeliveryStreamName', logicalId);
    need('AWS/Firehose', 'DeliveryToS3.Success', 'DeliveryStreamName', logicalId);
    const processing = (props(resource).ExtendedS3DestinationConfiguration as Cfn | undefined)
      ?.ProcessingConfiguration;
    if (isRecord(processing) && isTrue(processing.Enabled)) {
      need('AWS/Firehose', 'ExecuteProcessing.Success', 'DeliveryStreamName', logicalId);
    }
  }
  for (const { logicalId } of resourcesOfType(template, 'AWS::Lambda::Function')) {
    need('AWS/Lambda', 'Errors', 'FunctionName', logicalId);
    need('AWS/Lambda', 'Throttles', 'FunctionName', logicalId);
  }
  return findings;
};

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export const headingAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** The sections of a Markdown document by anchor: each heading's text up to the next heading. */
const sectionsOf = (markdown: string): Map<string, string> => {
  const sections = new Map<string, string>();
  let current: string | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      current = headingAnchor(heading[1]!);
      sections.set(current, '');
    } else if (current !== undefined) {
      sections.set(current, `${sections.get(current)!}${line}\n`);
    }
  }
  return sections;
};

const RUNBOOK_LINK = /docs\/OPERATIONS\.md#([\w-]+)/;
const RUNBOOK_PARTS = ['**Means:**', '**Look:**', '**Act:**'];

/**
 * Alarms whose description does not link a runbook section of docs/OPERATIONS.md (given as
 * `operations`), or whose section does not say what the alarm means, where to look first and what
 * to do.
 */
export const auditAlarmRunbooks = (template: CfnTemplate, operations: string): string[] => {
  const sections = sectionsOf(operations);
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(({ logicalId, resource }) => {
    const description = props(resource).AlarmDescription;
    const anchor = typeof description === 'string' ? RUNBOOK_LINK.exec(description)?.[1] : undefined;
    if (anchor === undefined)
      return [`runbook: ${logicalId}: the description links no docs/OPERATIONS.md# section`];
    const section = sections.get(anchor);
    if (section === undefined) return [`runbook: ${logicalId}: docs/OPERATIONS.md has no section #${anchor}`];
    const missing = RUNBOOK_PARTS.filter((part) => !section.includes(part));
    return missing.length > 0
      ? [`runbook: ${logicalId}: section #${anchor} lacks ${missing.join(', ')}`]
      : [];
  });
};

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
const isSecretReference = (value: unknown): boolean =>
  value === '' ||
  value === 'none' ||
  (typeof value === 'string' && /^arn:[^:]+:secretsmanager:/.test(value)) ||
  (isRecord(value) && referencedId(value) !== undefined);

/**
 * Credentials in plain configuration: function environment values that are URLs with a
 * password, secret-named variables that hold anything but a Secrets Manager ARN, literal
 * `*Password` properties, and mapping credentials (`SourceAccessConfigurations`) that are not
 * Secrets Manager secrets.
 */
export const auditSecrets = (template: CfnTemplate): string[] => {
  const findings: string[] = [];
  const walk = (id: string, value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(id, item, `${path}[${index}]`));
    else if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (/Password$/.test(key) && typeof item === 'string') {
          findings.push(`secret: ${id}: ${path}.${key} is a literal password`);
        }
        walk(id, item, `${path}.${key}`);
      }
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = props(resource);
    walk(id, p, 'Properties');
    if (resource.Type === 'AWS::Lambda::Function') {
      const variables = isRecord(p.Environment) ? p.Environment.Variables : undefined;
      for (const [name, value] of Object.entries(isRecord(variables) ? variables : {})) {
        if (typeof value === 'string' && URL_WITH_PASSWORD.test(value)) {
          findings.push(`secret: ${id}: ${name} is a URL with a password`);
        } else if (SECRET_NAME.test(name) && !isSecretReference(value)) {
          findings.push(`secret: ${id}: ${name} holds a value, not a Secrets Manager ARN`);
        }
      }
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      for (const access of list(p.SourceAccessConfigurations)) {
        if (!isRecord(access)) continue;
        const type = String(access.Type);
        if (/AUTH$/.test(type) && !isSecretReference(access.URI)) {
          findings.push(`secret: ${id}: ${type} credentials are not a Secrets Manager secret`);
        }
      }
    }
  }
  return findings;
};

/** Every rule above. IAM rules read both branches of conditions; pass a resolved template for the rest. */
export const auditTemplate = (template: CfnTemplate): string[] => [
  ...auditWildcardActions(template),
  ...auditResourceWildcards(template),
  ...auditEncryptionAtRest(template),
  ...auditBuckets(template),
  ...auditFailureDestinations(template),
  ...auditPartialBatchResponses(template),
  ...auditLogRetention(template),
  ...auditAlarms(template),
  ...auditSecrets(template),
];

interface WatchedMetric {
  namespace: unknown;
  name: unknown;
  dimensions: Record<string, unknown>;
}

const dimensionMap = (dimensions: unknown): Record<string, unknown> =>
  Object.fromEntries(
    list(dimensions).flatMap((d) => (isRecord(d) && typeof d.Name === 'string' ? [[d.Name, d.Value]] : [])),
  );

/** The metrics alarms (single or metric math) and dashboards of a template watch. */
export const watchedMetrics = (template: CfnTemplate): { owner: string; metric: WatchedMetric }[] =>
  Object.entries(template.Resources).flatMap(([owner, resource]) => {
    const p = props(resource);
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const single =
        p.MetricName === undefined
          ? []
          : [{ namespace: p.Namespace, name: p.MetricName, dimensions: dimensionMap(p.Dimensions) }];
      const math = list(p.Metrics).flatMap((query) => {
        const metric = isRecord(query) && isRecord(query.MetricStat) ? query.MetricStat.Metric : undefined;
        return isRecord(metric)
          ? [
              {
                namespace: metric.Namespace,
                name: metric.MetricName,
                dimensions: dimensionMap(metric.Dimensions),
              },
            ]
          : [];
      });
      return [...single, ...math].map((metric) => ({ owner, metric }));
    }
    if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      const body = p.DashboardBody;
      const text = typeof body === 'string' ? body : isRecord(body) ? body['Fn::Sub'] : undefined;
      if (typeof text !== 'string')
        return [{ owner, metric: { namespace: 'unreadable body', name: '', dimensions: {} } }];
      return dashboardBodyMetrics(text).map((metric) => ({ owner, metric }));
    }
    return [];
  });

/**
 * Alarm and dashboard metrics of the pipeline's namespace that no service publishes under those
 * dimensions (runtime/metric-names.ts): a `service` that publishes the name, and a `reason` only on
 * a by-reason count.
 */
export const auditPipelineMetrics = (template: CfnTemplate): string[] =>
  watchedMetrics(template).flatMap(({ owner, metric: { namespace, name, dimensions } }) => {
    if (namespace === 'unreadable body')
      return [`metric: ${owner}: dashboard body is not a string or Fn::Sub`];
    if (namespace !== METRICS_NAMESPACE) return [];
    const { service, reason, ...rest } = dimensions;
    const kind = metricKind(String(service), String(name));
    if (kind === undefined) return [`metric: ${owner}: ${String(service)} publishes no ${String(name)}`];
    if (Object.keys(rest).length > 0)
      return [`metric: ${owner}: ${String(name)} has no dimension ${Object.keys(rest).join(', ')}`];
    if (reason !== undefined && kind !== 'byReason')
      return [`metric: ${owner}: ${String(name)} has no reason dimension`];
    return [];
  });
