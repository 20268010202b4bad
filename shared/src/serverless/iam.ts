/**
 * IAM policy pieces the services' roles are written with, so a statement reads as its Sid, actions
 * and resource. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

/** A statement allowing `actions` on `resource`; `extra` adds keys, e.g. a `Condition`. */
export const allow = (
  sid: string,
  actions: string[],
  resource: unknown,
  extra: Record<string, unknown> = {},
) => ({ Sid: sid, Effect: 'Allow', Action: actions, Resource: resource, ...extra });

/**
 * A statement denying `action` on `resource` to every request made without TLS
 * (`aws:SecureTransport`), as AWS Security Hub control S3.5 asks of buckets and the topics do too.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport
 */
export const denyInsecureTransport = (action: string, resource: unknown) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: action,
  Resource: resource,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/** A role's inline policy (an entry of `AWS::IAM::Role` `Policies`). */
export const inlinePolicy = (name: string, statements: unknown[]) => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});
