import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, ResourceProperties, SpecDatabase } from '@aws-cdk/service-spec-types';
import { branches, isIntrinsic, isNoValue } from './template';
import type { CfnTemplate } from './template';

let spec: Promise<SpecDatabase> | undefined;

/**
 * The CloudFormation resource specifications of `@aws-cdk/aws-service-spec` (every resource type,
 * its properties, property types and attributes). Loaded once per module registry, i.e. once per
 * jest test file, in about half a second; later calls return the same promise.
 */
export const loadResourceSpec = (): Promise<SpecDatabase> => (spec ??= loadAwsServiceSpec());

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const NUMERIC = /^-?\d+(\.\d+)?$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const kind = (value: unknown): string =>
  Array.isArray(value)
    ? 'a list'
    : value === null
      ? 'null'
      : isRecord(value)
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

const isCustom = (type: string): boolean =>
  type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

const specOf = (db: SpecDatabase, type: string): Resource | undefined =>
  db.lookup('resource', 'cloudFormationType', 'equals', type)[0];

const hasNoValueBranch = (value: unknown): boolean => {
  if (isNoValue(value)) return true;
  if (isRecord(value) && Array.isArray(value['Fn::If']) && Object.keys(value).length === 1) {
    const [, whenTrue, whenFalse] = value['Fn::If'] as unknown[];
    return hasNoValueBranch(whenTrue) || hasNoValueBranch(whenFalse);
  }
  return false;
};

const checkProperties = (
  db: SpecDatabase,
  properties: Record<string, unknown>,
  specs: ResourceProperties,
  path: string,
): string[] => {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const property = specs[name];
    if (!property) {
      const near = Object.keys(specs).find((known) => known.toLowerCase() === name.toLowerCase());
      problems.push(`${path}: unknown property ${name}${near ? ` (did you mean ${near}?)` : ''}`);
      continue;
    }
    problems.push(
      ...checkValue(db, value, [property.type, ...(property.previousTypes ?? [])], `${path}.${name}`),
    );
  }
  for (const [name, property] of Object.entries(specs)) {
    if (!property.required) continue;
    const value = properties[name];
    if (value === undefined || isNoValue(value)) problems.push(`${path}: missing required property ${name}`);
    else if (hasNoValueBranch(value))
      problems.push(`${path}: required property ${name} is AWS::NoValue under some condition`);
  }
  return problems;
};

const checkType = (db: SpecDatabase, value: unknown, type: PropertyType, path: string): string[] => {
  switch (type.type) {
    case 'string':
    case 'date-time':
      // CloudFormation turns numbers and booleans into strings where a string is expected.
      return ['string', 'number', 'boolean'].includes(typeof value)
        ? []
        : [`${path}: expected a string, got ${kind(value)}`];
    case 'number':
    case 'integer':
      return typeof value === 'number' || (typeof value === 'string' && NUMERIC.test(value))
        ? []
        : [`${path}: expected a number, got ${kind(value)}`];
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false'
        ? []
        : [`${path}: expected a boolean, got ${kind(value)}`];
    case 'json':
    case 'null':
      return [];
    case 'tag':
      return isRecord(value) && 'Key' in value && 'Value' in value && Object.keys(value).length === 2
        ? []
        : [`${path}: expected a tag { Key, Value }, got ${JSON.stringify(value)}`];
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((element, index) => checkValue(db, element, [type.element], `${path}[${index}]`))
        : [`${path}: expected a list, got ${kind(value)}`];
    case 'map':
      return isRecord(value)
        ? Object.entries(value).flatMap(([key, element]) =>
            checkValue(db, element, [type.element], `${path}.${key}`),
          )
        : [`${path}: expected a map, got ${kind(value)}`];
    case 'union':
      return bestOf(type.types.map((member) => checkType(db, value, member, path)));
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference.$ref);
      return isRecord(value)
        ? checkProperties(db, value, definition.properties, path)
        : [`${path}: expected an object (${definition.name}), got ${kind(value)}`];
    }
  }
};

const bestOf = (candidates: string[][]): string[] =>
  candidates.find((problems) => problems.length === 0) ??
  candidates.reduce((best, problems) => (problems.length < best.length ? problems : best));

// Every branch of an Fn::If must fit; other intrinsics are resolved at deploy time and not checked.
const checkValue = (db: SpecDatabase, value: unknown, types: PropertyType[], path: string): string[] =>
  branches(value)
    .filter((branch) => !isIntrinsic(branch))
    .flatMap((branch) => bestOf(types.map((type) => checkType(db, branch, type, path))));

/**
 * Checks every resource against the CloudFormation resource specifications: unknown resource
 * types, unknown resource attributes (`Type`, `Properties`, `DependsOn`...), unknown properties
 * and missing required properties, recursively through nested property types, plus the shape of
 * each value (object, list, map, string, number, boolean). Intrinsics (`Ref`, `Fn::*`) are not
 * checked, except that both branches of an `Fn::If` are; `AWS::NoValue` counts as absent.
 * Custom resources are skipped.
 *
 * @returns human-readable problems such as
 *   `DeliveryStream (AWS::KinesisFirehose::DeliveryStream).ExtendedS3DestinationConfiguration: unknown property Prefx`;
 *   empty when the template conforms.
 */
export const validateResourceProperties = async (template: CfnTemplate): Promise<string[]> => {
  const db = await loadResourceSpec();
  return Object.entries(template.Resources).flatMap(([logicalId, resource]) => {
    const where = `${logicalId} (${resource.Type})`;
    const problems = Object.keys(resource)
      .filter((key) => !RESOURCE_ATTRIBUTES.has(key))
      .map((key) => `${where}: unknown resource attribute ${key}`);
    if (isCustom(resource.Type)) return problems;
    const resourceSpec = specOf(db, resource.Type);
    if (!resourceSpec) return [...problems, `${where}: unknown resource type`];
    const properties = resource.Properties ?? {};
    if (isIntrinsic(properties)) return problems;
    return [...problems, ...checkProperties(db, properties, resourceSpec.properties, where)];
  });
};

const SUB_VARIABLE = /\$\{([^!}][^}]*)\}/g;

/**
 * Checks the references inside a template, which `sls package` does not: every `Ref` and
 * `Fn::Sub` variable names a resource, parameter or pseudo parameter; every `Fn::GetAtt` names a
 * resource and an attribute its type has; every `Fn::If`, `Condition` and `DependsOn` names
 * something that exists.
 *
 * @returns human-readable problems; empty when every reference resolves.
 */
export const validateReferences = async (template: CfnTemplate): Promise<string[]> => {
  const db = await loadResourceSpec();
  const resources = template.Resources;
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const problems: string[] = [];

  const checkRef = (target: string, where: string, locals: Set<string>) => {
    if (
      !(target in resources) &&
      !(target in (template.Parameters ?? {})) &&
      !PSEUDO_PARAMETERS.has(target) &&
      !locals.has(target)
    ) {
      problems.push(`${where}: Ref to unknown ${target}`);
    }
  };
  const checkGetAtt = (logicalId: string, attribute: unknown, where: string) => {
    const target = resources[logicalId];
    if (!target) {
      problems.push(`${where}: Fn::GetAtt on unknown resource ${logicalId}`);
      return;
    }
    if (typeof attribute !== 'string' || isCustom(target.Type)) return;
    const attributes = specOf(db, target.Type)?.attributes;
    if (attributes && !(attribute in attributes)) {
      problems.push(
        `${where}: ${target.Type} has no attribute ${attribute} (it has ${Object.keys(attributes).join(', ') || 'none'})`,
      );
    }
  };
  const checkCondition = (name: unknown, where: string) => {
    if (typeof name !== 'string' || !conditions.has(name))
      problems.push(`${where}: unknown condition ${String(name)}`);
  };

  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item) => walk(item, where));
      return;
    }
    if (!isRecord(value)) return;
    if (isIntrinsic(value)) {
      const [key] = Object.keys(value);
      const args = value[key!];
      if (key === 'Ref' && typeof args === 'string') checkRef(args, where, new Set());
      if (key === 'Condition') checkCondition(args, where);
      if (key === 'Fn::If' && Array.isArray(args)) checkCondition(args[0], where);
      if (key === 'Fn::GetAtt') {
        const [logicalId, attribute] =
          typeof args === 'string'
            ? [args.split('.')[0], args.split('.').slice(1).join('.')]
            : (args as unknown[]);
        if (typeof logicalId === 'string') checkGetAtt(logicalId, attribute, where);
      }
      if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(args) ? args : [args, {}];
        const locals = new Set(isRecord(variables) ? Object.keys(variables) : []);
        for (const [, name = ''] of typeof text === 'string' ? text.matchAll(SUB_VARIABLE) : []) {
          const [head = '', ...rest] = name.split('.');
          if (locals.has(name) || PSEUDO_PARAMETERS.has(name)) continue;
          if (rest.length > 0) checkGetAtt(head, rest.join('.'), where);
          else checkRef(name, where, locals);
        }
        walk(variables, where);
        return;
      }
    }
    Object.values(value).forEach((item) => walk(item, where));
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    const where = `${logicalId} (${resource.Type})`;
    if (resource.Condition !== undefined) checkCondition(resource.Condition, where);
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const target of dependsOn)
      if (!(target in resources)) problems.push(`${where}: DependsOn unknown resource ${target}`);
    walk(resource.Properties, where);
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined) checkCondition(output.Condition, `Output ${name}`);
    walk(output.Value, `Output ${name}`);
  }
  for (const [name, expression] of Object.entries(template.Conditions ?? {}))
    walk(expression, `Condition ${name}`);
  return problems;
};
