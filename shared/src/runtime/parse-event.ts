import type { z } from 'zod';

/** The stable log message of a rejected event: search for it (and `issues`) in CloudWatch Logs. */
export const EVENT_REJECTED_MESSAGE = 'event rejected by schema';

/** At most this many issues are logged and put in the error message; `issueCount` says how many there were. */
export const MAX_REPORTED_ISSUES = 20;

/** Where an event broke its schema and how: no input value, only its place and the rule it broke. */
export interface SchemaIssue {
  /** Dot-separated path into the event, e.g. `records.telemetry-0.3.headers.0.trace.1`. */
  path: string;
  message: string;
  code: string;
}

type ZodIssue = z.core.$ZodIssue;

const pathOf = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]): string =>
  [...prefix, ...path].map(String).join('.');

const collect = (issues: readonly ZodIssue[], prefix: readonly PropertyKey[], into: SchemaIssue[]): void => {
  for (const issue of issues) {
    // A union reports "Invalid input" at its own path; what each option missed is the useful part.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      for (const option of issue.errors) collect(option, [...prefix, ...issue.path], into);
      continue;
    }
    into.push({ path: pathOf(prefix, issue.path), message: issue.message, code: issue.code });
  }
};

/**
 * The issues of a failed parse as paths, messages and codes. Zod's issues can carry the offending
 * input (`input`, with `reportInput`) and its messages name only the expected type or limit, so
 * copying just these three fields keeps payload data out of the logs; a schema's custom messages
 * must not quote values either.
 */
export const schemaIssues = (error: z.core.$ZodError): SchemaIssue[] => {
  const issues: SchemaIssue[] = [];
  collect(error.issues, [], issues);
  return issues;
};

/** An event that does not have the shape the function was deployed for. */
export class EventSchemaError extends Error {
  override name = 'EventSchemaError';

  constructor(
    readonly issues: readonly SchemaIssue[],
    readonly issueCount: number,
  ) {
    const shown = issues.map(({ path, message }) => `${path || '(event)'}: ${message}`).join('; ');
    const more = issueCount > issues.length ? ` (and ${issueCount - issues.length} more)` : '';
    super(`${EVENT_REJECTED_MESSAGE}: ${shown}${more}`);
  }
}

/** The part of a Powertools `Logger` that {@link parseEvent} uses. */
export interface ErrorLogger {
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * Parses an invocation's event with the function's schema. On failure it logs, at ERROR with
 * {@link EVENT_REJECTED_MESSAGE}, where the event broke the schema (`issues`: path, message and
 * code, never values) and throws {@link EventSchemaError}, so the invocation fails as before and
 * the event source mapping retries the batch or sends it to its on-failure destination.
 */
export const parseEvent = <TSchema extends z.ZodType>(
  schema: TSchema,
  event: unknown,
  logger: ErrorLogger,
): z.output<TSchema> => {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const all = schemaIssues(result.error);
  const issues = all.slice(0, MAX_REPORTED_ISSUES);
  logger.error(EVENT_REJECTED_MESSAGE, { issueCount: all.length, issues });
  throw new EventSchemaError(issues, all.length);
};

/**
 * Middy middleware: {@link parseEvent} before the handler, replacing the event with the parsed one.
 * Use it after `injectLambdaContext`, so the rejection is logged with the request id. Typed
 * structurally (a `before` taking `{ event }`), so shared needs no middy dependency.
 */
export const eventParser = <TSchema extends z.ZodType>({
  schema,
  logger,
}: {
  schema: TSchema;
  logger: ErrorLogger;
}): { before: (request: { event: unknown }) => void } => ({
  before: (request) => {
    request.event = parseEvent(schema, request.event, logger);
  },
});
