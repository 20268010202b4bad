/**
 * How AWS IoT Core decides whether a connected device may do something, for the policies this
 * project deploys: explicit Deny wins, else any matching Allow. Thing policy variables resolve
 * from the connection; a variable that cannot be resolved (no thing attached to the certificate)
 * leaves its statement unmatched, which denies
 * (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-examples.html). Policy
 * resources use `*` and `?` as wildcards, while MQTT's `+` and `#` are plain characters there
 * (https://docs.aws.amazon.com/iot/latest/developerguide/pub-sub-policy.html).
 */

export interface IotRequest {
  /** `iot:Connect`, `iot:Publish`, ... */
  action: string;
  /** The resource ARN: `...:client/<clientId>`, `...:topic/<topic>`. */
  resource: string;
  /** The thing attached to the authenticating certificate whose name is the client id, if any. */
  thingName?: string;
}

type Statement = Record<string, unknown>;

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const wildcard = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('')}$`,
  ).test(value);

const resolveVariables = (text: string, request: IotRequest): string | undefined => {
  let unresolved = false;
  const resolved = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'iot:Connection.Thing.ThingName' && request.thingName !== undefined)
      return request.thingName;
    unresolved = true;
    return '';
  });
  return unresolved ? undefined : resolved;
};

// https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html:
// iot:Connection.Thing.IsAttached is true when the certificate is attached to the thing named by
// the client id. Other condition keys are not modelled: they throw rather than pass silently.
const conditionHolds = (condition: unknown, request: IotRequest): boolean =>
  Object.entries((condition ?? {}) as Record<string, Record<string, unknown>>).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      if (operator !== 'Bool' || key !== 'iot:Connection.Thing.IsAttached')
        throw new Error(`condition ${operator} ${key} is not modelled`);
      return list(expected)
        .map(String)
        .includes(String(request.thingName !== undefined));
    }),
  );

const applies = (statement: Statement, request: IotRequest): boolean =>
  list(statement.Action).some((action) => wildcard(String(action), request.action)) &&
  list(statement.Resource).some((resource) => {
    const resolved = resolveVariables(String(resource), request);
    return resolved !== undefined && wildcard(resolved, request.resource);
  }) &&
  conditionHolds(statement.Condition, request);

/** Whether a policy document (intrinsics already resolved) allows the request. */
export const iotPolicyAllows = (document: { Statement: unknown }, request: IotRequest): boolean => {
  const statements = list(document.Statement) as Statement[];
  const matching = statements.filter((statement) => applies(statement, request));
  return (
    !matching.some(({ Effect }) => Effect === 'Deny') && matching.some(({ Effect }) => Effect === 'Allow')
  );
};
