/** A failure of the query engine; `transient` ones (throttling, capacity) are worth a retry. */
export class QueryEngineError extends Error {
  override name = 'QueryEngineError';

  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A report file that does not follow the authoring rules (header, parameters, placeholders). */
export class ReportDefinitionError extends Error {
  override name = 'ReportDefinitionError';
}

/** A query returned columns other than its header declares: the SQL and its header drifted. */
export class ReportOutputError extends Error {
  override name = 'ReportOutputError';
}

/** True for errors a later retry may fix (engine throttling, warehouse unavailable). */
export const isTransient = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'transient' in error && error.transient === true;
