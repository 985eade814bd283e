import { z } from 'zod';
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
  /**
   * API Gateway resources (distinct paths, {@link routeResources}) the service's route table may
   * create on the shared API: its fair share of the API's "Resources per API" quota, so one service
   * cannot take the room of another. The platform's config checks that the budgets of all services
   * and the platform's own resources fit the quota.
   */
  readonly resourceBudget: number;
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

// ---------------------------------------------------------------------------------------------
// The declaration's schema: one total check shared by the receiver, `npm run routes` and ServiceApi
// ---------------------------------------------------------------------------------------------

/**
 * Largest `Declaration` the receiver accepts, in characters of its JSON. The receiver stores the
 * table twice in one DynamoDB item (desired and last applied) next to pending answers, and an item
 * holds at most 400 KB: 100,000 characters keeps a wide margin.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export const MAX_DECLARATION_CHARS = 100_000;

/** Most routes one declaration may hold (7 methods on each of 300 resources would be 2,100). */
export const MAX_ROUTES = 1_000;

/**
 * Longest route path. API Gateway refuses a method ARN
 * (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`) over 1,600 bytes when
 * authorization is on; 1,000 characters leaves room for the rest of the ARN (a 128-character stage
 * name included).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const MAX_ROUTE_PATH_CHARS = 1_000;

/** Most query string parameters in one route's cache key (our bound: each adds a cache dimension). */
export const MAX_CACHE_QUERY_KEYS = 20;

/**
 * A literal path part. API Gateway's CreateResource (and CDK's `Resource` check) accept letters,
 * digits and `._-` (CDK adds `:` and `$`, which would need encoding in a URL); `.` and `..` alone
 * are refused because clients and proxies normalise them away (RFC 3986, section 5.2.4), so such a
 * route could never be reached as declared.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#setup-method-resources
 */
const LITERAL_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
/** A path variable `{name}` or a greedy `{name+}` (API Gateway's proxy resource). */
const VARIABLE_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})(\+?)\}$/;
/**
 * A query string name in a cache key (`method.request.querystring.{name}`): RFC 3986 unreserved
 * characters only, so the name needs no encoding in the URL and no quoting in the OpenAPI body.
 */
const QUERY_KEY = /^[A-Za-z0-9._~-]{1,128}$/;
/**
 * A function ARN, unqualified or with a version or alias: a Lambda function name has at most 64
 * characters of letters, digits, `-` and `_`, a qualifier at most 128.
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_RequestSyntax
 */
const FUNCTION_ARN_SHAPE =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?$/;

/**
 * What API Gateway and the URL rules refuse in a route path, one sentence each; empty when the path
 * is valid. `/` then segments: literals of letters, digits and `._-` (never `.` or `..`), a variable
 * `{name}`, or a greedy `{name+}` as the last segment only; no variable name twice in one path (API
 * Gateway refuses duplicate path parameters); at most {@link MAX_ROUTE_PATH_CHARS} characters.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html
 */
export function routePathProblems(path: string): string[] {
  if (path.length > MAX_ROUTE_PATH_CHARS) {
    return [`is ${path.length} characters long, more than ${MAX_ROUTE_PATH_CHARS}`];
  }
  if (!path.startsWith('/')) return ['must start with "/"'];
  const segments = path.split('/').slice(1);
  const problems: string[] = [];
  const names = new Set<string>();
  segments.forEach((segment, i) => {
    const at = `segment ${i + 1} ${JSON.stringify(segment)}`;
    if (segment === '') {
      problems.push(`${at}: empty (a "//" or a trailing "/")`);
      return;
    }
    if (segment === '.' || segment === '..') {
      problems.push(`${at}: "." and ".." are removed from URLs by clients and proxies (RFC 3986)`);
      return;
    }
    const variable = VARIABLE_SEGMENT.exec(segment);
    if (variable) {
      if (variable[2] === '+' && i !== segments.length - 1) {
        problems.push(`${at}: a greedy {name+} may only be the last segment`);
      }
      if (names.has(variable[1])) {
        problems.push(`${at}: path variable "${variable[1]}" appears twice in the path`);
      }
      names.add(variable[1]);
      return;
    }
    if (!LITERAL_SEGMENT.test(segment)) {
      problems.push(
        `${at}: use 1-128 letters, digits and "._-", a {variable} or a greedy {proxy+} as the last segment`,
      );
    }
  });
  return problems;
}

const routeCacheSchema = z.strictObject({
  ttlSeconds: z.number().int().min(1).max(3600),
  queryKeys: z
    .array(
      z.string().regex(QUERY_KEY, {
        error: 'must be a query string name of 1-128 letters, digits and "._~-"',
      }),
    )
    .max(MAX_CACHE_QUERY_KEYS)
    .refine((keys) => new Set(keys).size === keys.length, { error: 'lists a name twice' })
    .optional(),
});

const declaredRouteSchema = z.strictObject({
  method: z.enum(ROUTE_METHODS),
  path: z.string().superRefine((path, ctx) => {
    for (const problem of routePathProblems(path)) ctx.addIssue({ code: 'custom', message: problem });
  }),
  functionArn: z.string().regex(FUNCTION_ARN_SHAPE, {
    error:
      'must be a Lambda function ARN (arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}])',
  }),
  authorization: z.enum(ROUTE_AUTHORIZATIONS as readonly [RouteAuthorization, ...RouteAuthorization[]]),
  cache: routeCacheSchema.optional(),
});

/**
 * The schema of a {@link RoutesDeclaration}: every field typed and bounded, unknown fields refused.
 * Registration-dependent rules (base path, allowed authorizations, caching, own functions, resource
 * budget) are the receiver's; this is what holds for any service.
 */
export const routesDeclarationSchema = z.strictObject({
  version: z.literal(ROUTES_DECLARATION_VERSION),
  routes: z.array(declaredRouteSchema).max(MAX_ROUTES),
});

/**
 * Parses the `Declaration` property: any value whatsoever gives either a well-typed declaration or
 * the problems, one line each, naming the field (`Declaration.routes[2].cache.queryKeys`), what is
 * wrong and (shortened) what was received. Never throws.
 */
export function parseRoutesDeclaration(
  raw: unknown,
): { readonly declaration: RoutesDeclaration } | { readonly problems: readonly string[] } {
  if (typeof raw !== 'string') {
    return { problems: [`Declaration: expected the JSON text of the route table, got ${describe(raw)}`] };
  }
  if (raw.length > MAX_DECLARATION_CHARS) {
    return {
      problems: [
        `Declaration: ${raw.length} characters, more than ${MAX_DECLARATION_CHARS}: split the service or declare fewer routes`,
      ],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { problems: [`Declaration: not JSON (${(error as Error).message.slice(0, 200)})`] };
  }
  const result = routesDeclarationSchema.safeParse(value, { reportInput: true });
  if (result.success) return { declaration: result.data };
  return { problems: result.error.issues.map(issueLine) };
}

/**
 * The problems of a route table that is already a value (one stored before, or built in code), in
 * the words of {@link parseRoutesDeclaration}; empty when every route is well typed.
 */
export function routeTableProblems(routes: unknown): string[] {
  const result = routesDeclarationSchema.shape.routes.safeParse(routes, { reportInput: true });
  return result.success
    ? []
    : result.error.issues.map((issue) => issueLine({ ...issue, path: ['routes', ...issue.path] }));
}

function issueLine(issue: z.core.$ZodIssue): string {
  const where = `Declaration${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
  const got = 'input' in issue && issue.code !== 'custom' ? `, got ${describe(issue.input)}` : '';
  if (issue.code === 'invalid_value' && issue.input === 'OPTIONS') {
    return `${where}: OPTIONS is the platform's: it answers every preflight from the platform CORS policy; remove the route`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}${got}`;
    case 'invalid_value':
      return `${where}: expected ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'unrecognized_keys':
      return `${where}: unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`;
    case 'too_big':
      return `${where}: at most ${issue.maximum}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}${got}`;
    case 'too_small':
      return `${where}: at least ${issue.minimum}${got}`;
    default:
      return `${where}: ${issue.message}${got}`;
  }
}

/** A received value, shortened for a message: hostile input never makes a long reason. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The API Gateway resources a route table creates: every distinct path and each of its parents
 * below the root (`/orders/{id}` creates `/orders` and `/orders/{id}`). What a service's
 * {@link ServiceRegistration.resourceBudget} counts.
 */
export function routeResources(routes: readonly Pick<DeclaredRoute, 'path'>[]): string[] {
  const resources = new Set<string>();
  for (const { path } of routes) {
    const segments = path.split('/').slice(1);
    for (let i = 1; i <= segments.length; i++) resources.add(`/${segments.slice(0, i).join('/')}`);
  }
  return [...resources].sort();
}
