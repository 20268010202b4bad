/**
 * Short forms of the CloudFormation intrinsic functions and trust policy the services'
 * `serverless.ts` files write, so each is spelt one way. They return plain objects that osls copies
 * into the template unchanged.
 */

/** `Fn::GetAtt` of a resource's `Arn` attribute. */
export const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** `Ref` of a resource, parameter or pseudo parameter (`AWS::AccountId`, `AWS::NoValue`). */
export const ref = (logicalId: string) => ({ Ref: logicalId });

/** `Fn::Sub` of a template; `variables` names values the template uses beyond the stack's own. */
export const sub = (template: string, variables?: Record<string, unknown>) => ({
  'Fn::Sub': variables ? [template, variables] : template,
});

/**
 * `Fn::If`: `then` where the stack's `condition` holds, else `otherwise`. The default,
 * `AWS::NoValue`, drops the property or list item, so a statement or setting exists only with it.
 */
export const ifThen = (condition: string, then: unknown, otherwise: unknown = ref('AWS::NoValue')) => ({
  'Fn::If': [condition, then, otherwise],
});

/**
 * A role's trust policy: the AWS service principal (or principals) may assume it. `extra` adds keys
 * to the statement, e.g. a `Condition` against the confused deputy.
 */
export const assumedBy = (service: string | string[], extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', ...extra }],
});
