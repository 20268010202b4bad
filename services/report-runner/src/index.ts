// report-runner's public surface (package.json `exports`): what the local cloud (its DuckDB query
// engine and bucket folders implement the ports below), the smoke test, benchmarks and other
// workspaces may use. Everything else under src/ is this service's own and may change freely.
export {
  createRunnerHandler,
  RunnerEventSchema,
  type RunnerHandlerDependencies,
} from './handlers/runner-handler';
export { createRunnerLambda } from './handlers/runner-lambda';
export { runnerOptionsFromEnvironment, type RunnerOptions } from './settings';
export {
  lakeObjectCreatedPattern,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  RUNNER_TIMEOUT_SECONDS,
} from './trigger';
export { RerunMessageSchema, type RerunMessage } from './messages';
export { loadReports, reportsDirectory, stageReports } from './reports';
export { LAKE_RELATION, type ReportDefinition } from './domain/report-definition';
export { reportQuery } from './domain/run-reports';
export { reportOutputKeys } from './domain/layout';
export { QueryEngineError } from './domain/errors';
export {
  inlineParameters,
  misplacedParameters,
  misplacedParametersMessage,
  PORTABLE_FUNCTIONS,
  TRINO_FUNCTIONS_WITH_DUCKDB_MACROS,
} from './domain/portable-sql';
export type {
  ObjectReader,
  ObjectStore,
  PutOptions,
  QueryColumn,
  QueryEngine,
  QueryParameter,
  QueryRequest,
  QueryResult,
  ResultRow,
} from './domain/ports';
export { errorPrefixCounts, type ErrorObjects } from './books/error-prefix';
export { engineLakeRowCounts } from './books/lake-rows';
export { reportManifests } from './books/report-manifests';
