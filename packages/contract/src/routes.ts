import { type NameScope, resourceName, serviceStackName } from './naming';

/**
 * Shared API v2: services declare their routes, one platform reconciler applies them.
 *
 * A service stack holds exactly one custom resource of type {@link ROUTES_RESOURCE_TYPE} whose
 * `Declaration` property is the JSON of a {@link RoutesDeclaration}: the service's complete route
 * table. Nothing else of the service touches the shared API. The platform's receiver (service token:
 * the `routesServiceToken` contract parameter) works out which service sent it from the request's
 * `StackId` alone ({@link serviceFromRoutesStackName}), checks it against the platform registry
 * ({@link ServiceRegistration}), stores it durably and queues it for the single reconciler, which
 * answers CloudFormation once the routes are live (or with the reason they cannot be).
 *
 * @see docs/redeploys.md
 */
export const ROUTES_RESOURCE_TYPE = 'Custom::SharedApiRoutes';

/** Version of the {@link RoutesDeclaration} format. Bump when a field changes meaning. */
export const ROUTES_DECLARATION_VERSION = 1;

/** How callers of a route authenticate: the platform's JWT authorizer, nobody, or SigV4 (IAM). */
export type RouteAuthorization = 'jwt' | 'none' | 'iam';

/** Every {@link RouteAuthorization}, in documentation order. */
export const ROUTE_AUTHORIZATIONS: readonly RouteAuthorization[] = ['jwt', 'none', 'iam'];

/** HTTP methods a route may declare (`OPTIONS` is the platform's: it generates every preflight). */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'ANY'] as const;

/** One of {@link ROUTE_METHODS}. */
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** Per-route response caching on the shared stage. */
export interface RouteCache {
  /** Seconds a response stays cached, 1-3600. */
  readonly ttlSeconds: number;
  /**
   * Query string parameters that select a different response (part of the cache key, with the
   * `Authorization` header and the path variables).
   * @default - none: the query string does not vary the cached response
   */
  readonly queryKeys?: readonly string[];
}

/** One route of a service, as declared. */
export interface DeclaredRoute {
  /** HTTP method. */
  readonly method: RouteMethod;
  /**
   * Full resource path on the shared API, starting with the service's base path, e.g.
   * `/orders/{id}`. Path variables are `{name}`; a greedy `{name+}` only as the last segment.
   */
  readonly path: string;
  /** ARN of the Lambda function (unqualified, or with an alias/version) that serves the route. */
  readonly functionArn: string;
  /** How callers authenticate. */
  readonly authorization: RouteAuthorization;
  /**
   * Cache responses of this route. The platform puts the `Authorization` header, the path
   * variables and the query string in the cache key, so one caller's response is never served to
   * another.
   * @default - not cached
   */
  readonly cache?: RouteCache;
}

/** A service's complete route table: the `Declaration` property of the routes resource, as JSON. */
export interface RoutesDeclaration {
  /** {@link ROUTES_DECLARATION_VERSION}. */
  readonly version: number;
  /** Every route of the service; an empty list removes them all. */
  readonly routes: readonly DeclaredRoute[];
}

/** Properties of a {@link ROUTES_RESOURCE_TYPE} custom resource (besides `ServiceToken`). */
export interface RoutesResourceProperties {
  /** `JSON.stringify(RoutesDeclaration)` (with the function ARNs as CloudFormation tokens). */
  readonly Declaration: string;
}

/**
 * The physical id the receiver answers with: constant per service, so an update never replaces the
 * resource and a removal never depends on a cleanup-phase Delete.
 */
export function routesPhysicalId(scope: NameScope, service: string): string {
  return `${scope.project}-${scope.env}-routes-${service}`;
}

/**
 * The stack identifier (last name segment) of the one stack of a service that may declare routes:
 * `{project}-{env}-{service}-api`.
 */
export const ROUTES_STACK_IDENTIFIER = 'api';

/** The name of the stack that may hold a service's routes declaration. */
export function routesStackName(scope: NameScope, service: string): string {
  return serviceStackName(scope, service, ROUTES_STACK_IDENTIFIER);
}

/**
 * The service a routes request comes from, read from the request's CloudFormation `StackId`
 * (`arn:{partition}:cloudformation:{region}:{account}:stack/{stackName}/{uuid}`), or `undefined`
 * when the stack is not `{project}-{env}-{service}-api` of a service in `registered`.
 *
 * The match is exact against the registered names, never a parse of the stack name, so a service
 * whose name is another's prefix (`orders`, `orders-api`) cannot pass for it.
 */
export function serviceFromRoutesStackName(
  scope: NameScope,
  stackId: string,
  registered: Iterable<string>,
): string | undefined {
  const match = /^arn:[\w-]+:cloudformation:[\w-]+:\d{12}:stack\/([A-Za-z][A-Za-z0-9-]*)\/[\w-]+$/.exec(
    stackId,
  );
  if (!match) return undefined;
  const stackName = match[1];
  for (const service of registered) {
    if (routesStackName(scope, service) === stackName) return service;
  }
  return undefined;
}

/**
 * What the platform registry says about one service, published as JSON in the
 * `serviceRegistration` contract parameter (`/{project}/{env}/services/{service}/registration`).
 * The receiver and the reconciler take base path, throttling and the allowed authorization types
 * from here, never from the service's own template.
 */
export interface ServiceRegistration {
  /** Registered service name. */
  readonly service: string;
  /** The one path segment the service owns, without slashes. */
  readonly basePath: string;
  /** Method throttling applied to every route of the service. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Authorization types the service's routes may use (`none` only when the registry allows public routes). */
  readonly allowedAuthorizations: readonly RouteAuthorization[];
  /** Whether routes may opt in to stage caching (false when the environment has no cache cluster). */
  readonly cachingAllowed: boolean;
}

/**
 * Name of the platform's routes receiver function (the `routesServiceToken`): the one function a
 * service's CloudFormation execution role may invoke, e.g. `shared-lambda-infra-dev-fn-routes-receiver`.
 */
export function routesReceiverFunctionName(scope: NameScope): string {
  return resourceName('lambdaFunction', { ...scope, resourceType: 'fn', identifier: 'routes-receiver' });
}

/**
 * Seconds CloudFormation waits for the routes resource (its `ServiceTimeout`): the reconciler answers
 * once the routes are live, which can take several CreateDeployment slots (1 per 5 s per account)
 * when many services deploy at once.
 */
export const ROUTES_SERVICE_TIMEOUT_SECONDS = 900;
