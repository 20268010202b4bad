/**
 * Evaluates the CloudFormation intrinsics the consumer's IAM policy builds ARNs with (`Ref`,
 * `Fn::GetAtt`, `Fn::Sub`, `Fn::Split`, `Fn::Select`, `Fn::Join`, `Fn::Base64`), so a test can assert the ARN a
 * statement will really grant on. Resources resolve to `<LogicalId>` / `<LogicalId>.<Attribute>`.
 */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

export const evaluate = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(evaluate);
  if (typeof value !== 'object' || value === null) return value;
  const [key, args] = Object.entries(value)[0] ?? [];
  switch (key) {
    case 'Ref':
      return PSEUDO[args as string] ?? `<${String(args)}>`;
    case 'Fn::GetAtt':
      return `<${(args as string[]).join('.')}>`;
    case 'Fn::Split': {
      const [separator, text] = args as [string, unknown];
      return String(evaluate(text)).split(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args as [number, unknown];
      return (evaluate(list) as unknown[])[index];
    }
    case 'Fn::Base64':
      return Buffer.from(String(evaluate(args)), 'utf8').toString('base64');
    case 'Fn::Join': {
      const [separator, list] = args as [string, unknown[]];
      return (evaluate(list) as unknown[]).join(separator);
    }
    case 'Fn::Sub': {
      const [text, variables = {}] = (Array.isArray(args) ? args : [args]) as [
        string,
        Record<string, unknown>?,
      ];
      return text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
        if (name in variables) return String(evaluate(variables[name]));
        if (name in PSEUDO) return PSEUDO[name]!;
        return `<${name}>`;
      });
    }
    default:
      return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, evaluate(item)]));
  }
};
