/**
 * Firehose's custom S3 prefix expressions: `!{partitionKeyFromLambda:NAME}`,
 * `!{timestamp:FORMAT}` (the arrival time of the oldest record in the object, UTC),
 * `!{firehose:error-output-type}` and `!{firehose:random-string}`.
 * https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html
 */
const EXPRESSION = /!\{([A-Za-z]+):([^}]*)\}/g;

export class PrefixError extends Error {
  override readonly name = 'PrefixError';
}

/** The Lambda partition keys a prefix uses, in order of appearance. */
export const lambdaPartitionKeysOf = (template: string): string[] =>
  [...template.matchAll(EXPRESSION)]
    .filter(([, namespace]) => namespace === 'partitionKeyFromLambda')
    .map(([, , name]) => name as string);

/**
 * Fills in the Lambda partition keys only: the result identifies the partition a record belongs to
 * (one buffer per partition); time and error-type expressions stay for `resolvePrefix`.
 */
export const applyPartitionKeys = (template: string, partitionKeys: Record<string, string>): string =>
  template.replace(EXPRESSION, (expression, namespace: string, name: string) => {
    if (namespace === 'partitionKeyFromQuery')
      throw new PrefixError('partitionKeyFromQuery (inline jq parsing) is not simulated');
    if (namespace !== 'partitionKeyFromLambda') return expression;
    const value = partitionKeys[name];
    if (value === undefined) throw new PrefixError(`partition key ${name} is missing`);
    return value;
  });

// Java DateTimeFormatter patterns the pipeline uses: letters y M d H m s, and 'quoted' literals.
const formatTimestamp = (pattern: string, epochMs: number): string => {
  const iso = new Date(epochMs).toISOString();
  const fields: Record<string, string> = {
    yyyy: iso.slice(0, 4),
    MM: iso.slice(5, 7),
    dd: iso.slice(8, 10),
    HH: iso.slice(11, 13),
    mm: iso.slice(14, 16),
    ss: iso.slice(17, 19),
  };
  return pattern.replace(
    /'([^']*)'|yyyy|MM|dd|HH|mm|ss|[A-Za-z]/g,
    (token: string, literal: string | undefined) => {
      if (literal !== undefined) return literal;
      const value = fields[token];
      if (value === undefined) throw new PrefixError(`timestamp pattern letter ${token} is not supported`);
      return value;
    },
  );
};

export const resolvePrefix = (
  template: string,
  context: { oldestArrival: number; errorOutputType?: string; randomString: string },
): string =>
  template.replace(EXPRESSION, (_expression, namespace: string, value: string) => {
    switch (namespace) {
      case 'timestamp':
        return formatTimestamp(value, context.oldestArrival);
      case 'firehose':
        if (value === 'random-string') return context.randomString;
        if (value === 'error-output-type' && context.errorOutputType) return context.errorOutputType;
        throw new PrefixError(`!{firehose:${value}} cannot be used here`);
      default:
        throw new PrefixError(`unresolved prefix expression !{${namespace}:${value}}`);
    }
  });

/** `yyyy-MM-dd-HH-mm-ss` as in Firehose object names. */
export const objectNameTimestamp = (epochMs: number): string =>
  formatTimestamp('yyyy-MM-dd-HH-mm-ss', epochMs);
