import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The service's structured (JSON) logger.
 *
 * Handlers never pass the raw event to it: API Gateway events carry the caller's
 * `Authorization` header, and a bearer token in CloudWatch Logs is a credential anyone with
 * log access could replay. For the same reason nothing here calls `logEventIfEnabled`, so
 * setting `POWERTOOLS_LOGGER_LOG_EVENT=true` on the function cannot turn event logging on.
 */
export const logger = new Logger({ serviceName: 'orders' });
