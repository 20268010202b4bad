import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per function, created at module scope. The service name comes from
 * POWERTOOLS_SERVICE_NAME and the level from POWERTOOLS_LOG_LEVEL (set by the shared provider
 * defaults); handlers attach it with `injectLambdaContext({ resetKeys: true })` so keys added
 * during one invocation never leak into the next.
 */
export const createLogger = (serviceName?: string): Logger => new Logger(serviceName ? { serviceName } : {});
