import { UnresolvedDynamicReferenceError } from '../src/serverless';

/** A CloudFormation resource as `sls package` writes it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

/** A CloudFormation stack output. */
export interface CfnOutput {
  Value: unknown;
  Description?: string;
  Condition?: string;
  Export?: { Name: unknown };
}

/** The parts of a CloudFormation template the harness reads. */
export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

/** A resource together with its logical id. */
export interface NamedResource {
  logicalId: string;
  resource: CfnResource;
}

/** One `Effect: Allow` statement of an identity policy, with its actions and resources as lists. */
export interface AllowStatement {
  /** Logical id of the role or policy resource that holds the statement. */
  owner: string;
  /** `PolicyName` of the inline policy, for role policies and AWS::IAM::Policy. */
  policyName?: unknown;
  sid?: string;
  /** `Action` as a list (intrinsics are rendered as JSON). */
  actions: string[];
  /** `NotAction` as a list: an Allow with NotAction grants everything else. */
  notActions: string[];
  /** `Resource` as a list; strings or intrinsics. */
  resources: unknown[];
  statement: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a value is a CloudFormation intrinsic (`Ref`, `Fn::*`, or a `Condition` reference):
 * an object with a single such key.
 */
export const isIntrinsic = (value: unknown): value is Record<string, unknown> => {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]!.startsWith('Fn::'));
};

/** Whether a value is `{ Ref: 'AWS::NoValue' }`, which removes the property it is assigned to. */
export const isNoValue = (value: unknown): boolean => isRecord(value) && value.Ref === 'AWS::NoValue';

/**
 * The values a property can take after CloudFormation evaluates `Fn::If`: both branches of every
 * (nested) `Fn::If`, without `AWS::NoValue`. Any other value is returned as is.
 */
export const branches = (value: unknown): unknown[] => {
  if (isNoValue(value)) return [];
  if (isRecord(value) && Array.isArray(value['Fn::If']) && Object.keys(value).length === 1) {
    const [, whenTrue, whenFalse] = value['Fn::If'] as unknown[];
    return [...branches(whenTrue), ...branches(whenFalse)];
  }
  return [value];
};

const asList = (value: unknown): unknown[] => {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(branches) : branches(value);
};

const asStrings = (value: unknown): string[] =>
  asList(value).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));

/**
 * The value at a property path such as `ExtendedS3DestinationConfiguration.Processors[0].Type`
 * (dots for keys, brackets for list indexes), or undefined when any step is missing.
 */
export const valueAt = (value: unknown, path: string): unknown =>
  path
    .split(/\.|\[(\d+)\]/)
    .filter((step) => step !== undefined && step !== '')
    .reduce<unknown>((current, step) => {
      if (Array.isArray(current) && /^\d+$/.test(step)) return current[Number(step)];
      return isRecord(current) ? current[step] : undefined;
    }, value);

/** All resources of a CloudFormation type, e.g. `AWS::Lambda::Function`, in template order. */
export const resourcesOfType = (template: CfnTemplate, type: string): NamedResource[] =>
  Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => ({ logicalId, resource }));

/** The resource with this logical id; throws with the known ids when it does not exist. */
export const resource = (template: CfnTemplate, logicalId: string): CfnResource => {
  const found = template.Resources[logicalId];
  if (!found) {
    throw new Error(
      `No resource ${logicalId}; the template has ${Object.keys(template.Resources).join(', ')}`,
    );
  }
  return found;
};

/** The `Properties` of the resource with this logical id (an empty object when it has none). */
export const propertiesOf = (template: CfnTemplate, logicalId: string): Record<string, unknown> =>
  resource(template, logicalId).Properties ?? {};

const statementsOf = (document: unknown): Record<string, unknown>[] =>
  branches(document).flatMap((doc) => (isRecord(doc) ? asList(doc.Statement).filter(isRecord) : []));

const identityPolicies = (
  template: CfnTemplate,
): { owner: string; policyName?: unknown; document: unknown }[] =>
  Object.entries(template.Resources).flatMap(([owner, { Type, Properties = {} }]) => {
    switch (Type) {
      case 'AWS::IAM::Role':
        return asList(Properties.Policies)
          .filter(isRecord)
          .map((policy) => ({ owner, policyName: policy.PolicyName, document: policy.PolicyDocument }));
      case 'AWS::IAM::Policy':
        return [{ owner, policyName: Properties.PolicyName, document: Properties.PolicyDocument }];
      case 'AWS::IAM::ManagedPolicy':
        return [{ owner, policyName: Properties.ManagedPolicyName, document: Properties.PolicyDocument }];
      default:
        return [];
    }
  });

/**
 * Every `Effect: Allow` statement of every AWS::IAM::Role inline policy, AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy (both branches of an `Fn::If` count). Trust policies are not included.
 */
export const allowStatements = (template: CfnTemplate): AllowStatement[] =>
  identityPolicies(template).flatMap(({ owner, policyName, document }) =>
    statementsOf(document)
      .filter((statement) => statement.Effect === 'Allow')
      .map((statement) => ({
        owner,
        ...(policyName === undefined ? {} : { policyName }),
        ...(typeof statement.Sid === 'string' ? { sid: statement.Sid } : {}),
        actions: asStrings(statement.Action),
        notActions: asStrings(statement.NotAction),
        resources: asList(statement.Resource),
        statement,
      })),
  );

/**
 * Allow grants broader than their names suggest: every action containing `*` (`s3:*`,
 * `s3:Get*`, `*`) and every `NotAction`, as `{ owner, action }`.
 */
export const wildcardActions = (template: CfnTemplate): { owner: string; sid?: string; action: string }[] =>
  allowStatements(template).flatMap(({ owner, sid, actions, notActions }) => [
    ...actions
      .filter((action) => action.includes('*'))
      .map((action) => ({ owner, ...(sid ? { sid } : {}), action })),
    ...notActions.map((action) => ({ owner, ...(sid ? { sid } : {}), action: `NotAction ${action}` })),
  ]);

/** Each alarm's `AlarmActions` and `OKActions`, by logical id: whom it notifies. */
export const alarmActionsOf = (
  template: CfnTemplate,
): Record<string, { AlarmActions?: unknown; OKActions?: unknown }> =>
  Object.fromEntries(
    resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(({ logicalId, resource }) => [
      logicalId,
      {
        ...(resource.Properties?.AlarmActions !== undefined
          ? { AlarmActions: resource.Properties.AlarmActions }
          : {}),
        ...(resource.Properties?.OKActions !== undefined ? { OKActions: resource.Properties.OKActions } : {}),
      },
    ]),
  );

const SSM_PARAMETER_TYPE = 'AWS::SSM::Parameter::Value<String>';

/**
 * The value of a template parameter as a stack operation without parameter values (osls passes
 * none) sees it: its Default; for an AWS::SSM::Parameter::Value<String> parameter the value
 * Parameter Store holds under that name, read before anything else, and a missing name fails the
 * operation. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html
 * `undefined` when the template does not declare `name` (a pseudo parameter or a resource).
 */
const templateParameterValue = (
  template: Pick<CfnTemplate, 'Parameters'>,
  name: string,
  parameterStore: Readonly<Record<string, string>>,
): string | undefined => {
  const declared = template.Parameters?.[name];
  if (!isRecord(declared) || declared.Default === undefined) return undefined;
  const fallback = String(declared.Default);
  if (declared.Type !== SSM_PARAMETER_TYPE) return fallback;
  const stored = parameterStore[fallback];
  if (stored === undefined) throw new UnresolvedDynamicReferenceError(fallback);
  return stored;
};

const evaluateCondition = (
  expression: unknown,
  conditions: Record<string, unknown>,
  seen: string[],
  parameter: (name: string) => string | undefined,
): boolean => {
  if (typeof expression === 'boolean') return expression;
  if (!isRecord(expression)) throw new Error(`Cannot evaluate condition ${JSON.stringify(expression)}`);
  const [key] = Object.keys(expression);
  const args = expression[key!];
  const list = Array.isArray(args) ? args : [];
  const byName = (name: unknown): boolean => {
    if (typeof name !== 'string' || !(name in conditions))
      throw new Error(`Unknown condition ${String(name)}`);
    if (seen.includes(name)) throw new Error(`Circular condition ${[...seen, name].join(' -> ')}`);
    return evaluateCondition(conditions[name], conditions, [...seen, name], parameter);
  };
  // Conditions may compare template parameters (conditions-section-structure.html).
  const operand = (item: unknown): unknown =>
    isRecord(item) && typeof item.Ref === 'string' && Object.keys(item).length === 1
      ? (parameter(item.Ref) ?? item)
      : item;
  switch (key) {
    case 'Condition':
      return byName(args);
    case 'Fn::Not':
      return !evaluateCondition(list[0], conditions, seen, parameter);
    case 'Fn::And':
      return list.every((item) => evaluateCondition(item, conditions, seen, parameter));
    case 'Fn::Or':
      return list.some((item) => evaluateCondition(item, conditions, seen, parameter));
    case 'Fn::Equals': {
      const [left, right] = list.map(operand);
      if (isIntrinsic(left) || isIntrinsic(right)) {
        throw new Error(
          `Cannot evaluate ${JSON.stringify(expression)} offline: it depends on a deploy-time value`,
        );
      }
      return String(left) === String(right);
    }
    default:
      throw new Error(`Cannot evaluate condition ${JSON.stringify(expression)}`);
  }
};

/**
 * The truth value of every template condition. `sls` has already substituted `${param:...}`, so
 * conditions over params are plain `Fn::Equals` of literals; a `Ref` to a template parameter takes
 * its value as a deploy without parameter values would (its Default; for an SSM-typed one, what
 * `parameterStore` holds under that name, failing like CloudFormation when it holds nothing). A
 * condition on any other deploy-time value (`AWS::Region`) throws.
 */
export const evaluateConditions = (
  template: CfnTemplate,
  parameterStore: Readonly<Record<string, string>> = {},
): Record<string, boolean> => {
  const conditions = template.Conditions ?? {};
  const parameter = (name: string) => templateParameterValue(template, name, parameterStore);
  return Object.fromEntries(
    Object.entries(conditions).map(([name, expression]) => [
      name,
      evaluateCondition(expression, conditions, [name], parameter),
    ]),
  );
};

const NO_VALUE = Symbol('AWS::NoValue');

const resolveIfs = (value: unknown, truth: Record<string, boolean>): unknown => {
  if (isNoValue(value)) return NO_VALUE;
  if (Array.isArray(value)) {
    return value.map((item) => resolveIfs(item, truth)).filter((item) => item !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  if (Array.isArray(value['Fn::If']) && Object.keys(value).length === 1) {
    const [name, whenTrue, whenFalse] = value['Fn::If'] as unknown[];
    if (typeof name !== 'string' || !(name in truth))
      throw new Error(`Fn::If on unknown condition ${String(name)}`);
    return resolveIfs(truth[name] ? whenTrue : whenFalse, truth);
  }
  return Object.fromEntries(
    Object.entries(value)
      .map(([key, item]) => [key, resolveIfs(item, truth)] as const)
      .filter(([, item]) => item !== NO_VALUE),
  );
};

/**
 * The template as CloudFormation would deploy it with these params: conditions evaluated,
 * resources and outputs whose condition is false removed, every `Fn::If` replaced by its chosen
 * branch and `AWS::NoValue` properties dropped. Use it to assert what a param switch really does.
 * `parameterStore` is the stage's Parameter Store, for SSM-typed template parameters.
 */
export const resolveConditions = (
  template: CfnTemplate,
  parameterStore: Readonly<Record<string, string>> = {},
): CfnTemplate => {
  const truth = evaluateConditions(template, parameterStore);
  const kept = <T extends { Condition?: string }>(entries: Record<string, T> = {}): Record<string, T> =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([, entry]) => entry.Condition === undefined || truth[entry.Condition])
        .map(([key, entry]) => [key, resolveIfs(entry, truth) as T]),
    );
  return { ...template, Resources: kept(template.Resources), Outputs: kept(template.Outputs) };
};

/**
 * The template with every `Ref` to one of its parameters replaced by the value a deploy without
 * parameter values gives it (its Default; for an SSM-typed one, what `parameterStore` holds, or
 * the failure CloudFormation reports), in resources and outputs.
 */
export const resolveTemplateParameters = (
  template: CfnTemplate,
  parameterStore: Readonly<Record<string, string>> = {},
): CfnTemplate => {
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(substitute);
    if (!isRecord(value)) return value;
    if (typeof value.Ref === 'string' && Object.keys(value).length === 1) {
      return templateParameterValue(template, value.Ref, parameterStore) ?? value;
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item)]));
  };
  return {
    ...template,
    Resources: substitute(template.Resources) as CfnTemplate['Resources'],
    ...(template.Outputs ? { Outputs: substitute(template.Outputs) as CfnTemplate['Outputs'] } : {}),
  };
};

/**
 * A value with every string `Fn::Sub` replaced by the text CloudFormation would produce:
 * `${Name}` takes `variables[Name]` (pseudo parameters such as `AWS::Region`, logical ids), and
 * `${!Literal}` is written as the literal `${Literal}`, CloudFormation's escape
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html).
 * A variable missing from `variables` throws, so a typo cannot pass as text.
 */
export const resolveSubs = (value: unknown, variables: Record<string, string>): unknown => {
  if (Array.isArray(value)) return value.map((item) => resolveSubs(item, variables));
  if (!isRecord(value)) return value;
  const text = value['Fn::Sub'];
  if (typeof text === 'string' && Object.keys(value).length === 1) {
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_, escape: string, name: string) => {
      if (escape) return `\${${name}}`;
      const resolved = variables[name];
      if (resolved === undefined) throw new Error(`Fn::Sub names \${${name}}, which has no value here`);
      return resolved;
    });
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveSubs(item, variables)]));
};
