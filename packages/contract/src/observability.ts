import { assertEnvironmentName } from './environments';
import { assertProjectName, assertServiceName, type NameScope, resourceName } from './naming';

/**
 * Per-service signals of the shared REST API, and the names that cross from the platform (which
 * publishes them and alarms on them) to the service repositories (which graph them and add their
 * own alarms to the service's topic).
 *
 * The stage writes one JSON access log line per request ({@link ACCESS_LOG_FIELDS}). CloudWatch
 * Logs adds {@link ACCESS_LOG_BASE_PATH_FIELD} to every line at ingestion (a log transformer: the
 * first segment of `resourcePath`), and metric filters publish {@link SERVICE_API_METRICS} under
 * {@link serviceApiMetricsNamespace} with one dimension, {@link SERVICE_API_METRIC_DIMENSION}: the
 * service's base path.
 *
 * @see docs/observability.md
 */

/**
 * The stage's access log format: field name to API Gateway `$context` variable, one JSON object a
 * line, every value a string (API Gateway substitutes `-` for a value it does not have, which would
 * not be valid JSON unquoted). `errorType` is the gateway response type (`THROTTLED`,
 * `UNAUTHORIZED`, `ACCESS_DENIED`, ...), which tells throttles and authorizer denials apart from the
 * service's own 4XX.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  principalId: '$context.authorizer.principalId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  authorizerError: '$context.authorizer.error',
  errorType: '$context.error.responseType',
} as const;

/** A field of the access log line, as the stage writes it. */
export type AccessLogField = keyof typeof ACCESS_LOG_FIELDS;

/**
 * The field CloudWatch Logs adds to every access log line at ingestion: the first segment of
 * `resourcePath` (the API resource the request matched, never the raw request path), which is the
 * base path of the service that owns the route. `health` for the platform's `/health`.
 */
export const ACCESS_LOG_BASE_PATH_FIELD = 'basePath';

/**
 * The base path a resource path belongs to, as the log transformer computes it: the first segment
 * of `/{basePath}/...`; the value unchanged when it has no first segment (`/`, or `-` when API
 * Gateway matched no resource).
 */
export function basePathOfResourcePath(resourcePath: string): string {
  const match = /^\/([^/]+)/.exec(resourcePath);
  return match ? (match[1] as string) : resourcePath;
}

/** The dimension of every per-service gateway metric: the service's base path. */
export const SERVICE_API_METRIC_DIMENSION = 'BasePath';

/** Names of the per-service gateway metrics, by what they count. */
export const SERVICE_API_METRICS = {
  /** Every request that matched a resource of the service (count). */
  requests: 'Requests',
  /** Responses with a 4XX status, throttles and authorizer denials included (count). */
  clientErrors: '4XXError',
  /** Responses with a 5XX status (count). */
  serverErrors: '5XXError',
  /** Responses with status 429: stage, service or account throttling (count). */
  throttled: 'Throttled',
  /** Requests an authorizer refused: gateway responses `UNAUTHORIZED` (401) and `ACCESS_DENIED` (403) (count). */
  authorizerDenied: 'AuthorizerDenied',
  /** Milliseconds from the request's arrival to the response (`responseLatency`); use percentiles. */
  latency: 'Latency',
  /** Milliseconds the Lambda integration took (`integrationLatency`); use percentiles. */
  integrationLatency: 'IntegrationLatency',
} as const;

/** One of the names of {@link SERVICE_API_METRICS}. */
export type ServiceApiMetric = (typeof SERVICE_API_METRICS)[keyof typeof SERVICE_API_METRICS];

/**
 * Namespace of the per-service gateway metrics, `{project}/{env}/ServiceApi`, e.g.
 * `shared-lambda-infra/dev/ServiceApi`.
 */
export function serviceApiMetricsNamespace(scope: NameScope): string {
  return `${assertProjectName(scope.project)}/${assertEnvironmentName(scope.env)}/ServiceApi`;
}

/**
 * The platform's alarm topic of one service, e.g. `shared-lambda-infra-dev-alarm-orders`. Outside
 * the names the service's execution role may manage (`{project}-{env}-topic-{service}-*` and
 * `{project}-{env}-{service}-*`): the service publishes to it through its alarms and cannot change
 * who is subscribed.
 */
export function serviceAlarmTopicName(scope: NameScope, service: string): string {
  return resourceName('snsTopic', {
    ...scope,
    resourceType: 'alarm',
    identifier: assertServiceName(service),
  });
}

/**
 * The name of a platform alarm on a service's gateway signals, e.g.
 * `shared-lambda-infra-dev-alarm-api-orders-5xx-rate`: `api` is a reserved service name, so no
 * service's execution role may change these alarms.
 */
export function serviceGatewayAlarmName(scope: NameScope, service: string, identifier: string): string {
  return resourceName('cloudWatchAlarm', {
    ...scope,
    resourceType: 'alarm',
    identifier: `api-${assertServiceName(service)}-${identifier}`,
  });
}
