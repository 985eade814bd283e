import type { DeclaredRoute, RouteAuthorization, ServiceRegistration } from '@shared-lambda-infra/contract';
import type { CorsSettings, PlatformRoute, PlatformSettings } from './interface';

/**
 * Composes the whole shared API as ONE OpenAPI 2.0 (swagger) body with API Gateway extensions,
 * applied with `PutRestApi mode=overwrite`. A pure function of the desired state: the same input
 * always gives the same body (keys and paths sorted), so an unchanged state hashes the same.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
 */

/** One service's routes as they are composed: its registration and its validated table. */
export interface ServiceRoutes {
  /** The registry entry (throttling comes from here); composing needs no resource budget. */
  readonly registration: Omit<ServiceRegistration, 'resourceBudget'>;
  /** The routes to serve. */
  readonly routes: readonly DeclaredRoute[];
}

/** A per-method stage setting the reconciler maintains with UpdateStage. */
export interface MethodSettingSpec {
  /** Resource path, e.g. `/orders/{id}`. */
  readonly path: string;
  /** HTTP method, e.g. `GET` (or `ANY`). */
  readonly method: string;
  /** The owning service's throttling. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Cache TTL when the route is cached. */
  readonly cacheTtlSeconds?: number;
  /** Whether cached responses are encrypted (the platform's cache setting), when cached. */
  readonly cacheEncrypted?: boolean;
}

/** What {@link composeApi} returns. */
export interface ComposedApi {
  /** The OpenAPI document. */
  readonly body: Record<string, unknown>;
  /** Every resource path the API will have, the root included, sorted. */
  readonly resources: readonly string[];
  /** Per-method stage settings (throttling, caching) of every service route. */
  readonly methodSettings: readonly MethodSettingSpec[];
}

const SECURITY: Record<Exclude<RouteAuthorization, 'none'>, string> = { jwt: 'jwt', iam: 'sigv4' };
const CORS_HEADER = 'Access-Control-Allow-Origin';

/** Builds the body, the resource list and the per-method settings of the whole API. */
export function composeApi(settings: PlatformSettings, services: readonly ServiceRoutes[]): ComposedApi {
  const paths: Record<string, Record<string, unknown>> = {};
  const methodSettings: MethodSettingSpec[] = [];
  const cachingOn = settings.caching?.enabled === true;
  const sorted = [...services].sort((a, b) => compare(a.registration.service, b.registration.service));
  for (const { registration, routes } of sorted) {
    for (const route of routes) {
      const cache = cachingOn ? route.cache : undefined;
      pathItem(paths, route.path)[
        route.method === 'ANY' ? 'x-amazon-apigateway-any-method' : route.method.toLowerCase()
      ] = operation(
        settings,
        route.path,
        route.authorization,
        lambdaIntegration(settings, route.functionArn, route.path, cache?.queryKeys, !!cache),
        cache,
      );
      methodSettings.push({
        path: route.path,
        method: route.method,
        throttle: registration.throttle,
        ...(cache
          ? { cacheTtlSeconds: cache.ttlSeconds, cacheEncrypted: settings.caching?.encrypted ?? true }
          : {}),
      });
    }
  }
  for (const route of settings.routes ?? []) {
    pathItem(paths, route.path)[
      route.method === 'ANY' ? 'x-amazon-apigateway-any-method' : route.method.toLowerCase()
    ] = operation(settings, route.path, route.authorization, platformIntegration(settings, route));
  }
  const cors = corsOn(settings.cors);
  if (cors) {
    for (const path of Object.keys(paths)) paths[path].options = preflight(path, cors);
  }
  const body: Record<string, unknown> = {
    swagger: '2.0',
    info: { title: settings.apiName, version: '1' },
    paths: sortKeys(paths),
    securityDefinitions: securityDefinitions(settings),
  };
  if (cors) body['x-amazon-apigateway-gateway-responses'] = gatewayResponses(settings, cors);
  if (settings.binaryMediaTypes?.length)
    body['x-amazon-apigateway-binary-media-types'] = [...settings.binaryMediaTypes];
  if (settings.resourcePolicy) body['x-amazon-apigateway-policy'] = settings.resourcePolicy;
  if (settings.vpcEndpointIds?.length) {
    body['x-amazon-apigateway-endpoint-configuration'] = { vpcEndpointIds: [...settings.vpcEndpointIds] };
  }
  methodSettings.sort((a, b) => compare(a.path, b.path) || compare(a.method, b.method));
  return { body, resources: resourcesOf(Object.keys(paths)), methodSettings };
}

/** Every resource a set of method paths creates: each prefix of each path, and the root. */
export function resourcesOf(methodPaths: readonly string[]): string[] {
  const all = new Set<string>(['/']);
  for (const path of methodPaths) {
    const segments = path.split('/').slice(1);
    for (let i = 1; i <= segments.length; i++) all.add(`/${segments.slice(0, i).join('/')}`);
  }
  return [...all].sort(compare);
}

function pathItem(paths: Record<string, Record<string, unknown>>, path: string): Record<string, unknown> {
  paths[path] ??= {};
  return paths[path];
}

function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\+?\}/g)].map((m) => m[1]);
}

function operation(
  settings: PlatformSettings,
  path: string,
  authorization: RouteAuthorization,
  integration: Record<string, unknown>,
  cache?: DeclaredRoute['cache'],
): Record<string, unknown> {
  const parameters: Array<Record<string, unknown>> = pathParameters(path).map((name) => ({
    name,
    in: 'path',
    required: true,
    type: 'string',
  }));
  if (cache) {
    parameters.push({ name: 'Authorization', in: 'header', required: false, type: 'string' });
    for (const q of cache.queryKeys ?? [])
      parameters.push({ name: q, in: 'query', required: false, type: 'string' });
  }
  const op: Record<string, unknown> = { responses: {}, 'x-amazon-apigateway-integration': integration };
  if (parameters.length > 0) op.parameters = parameters;
  if (authorization !== 'none') {
    const scheme =
      authorization === 'jwt' && !settings.jwtAuthorizer && settings.cognitoAuthorizer
        ? 'cognito'
        : SECURITY[authorization];
    op.security = [{ [scheme]: [] }];
  }
  return op;
}

function lambdaUri(settings: PlatformSettings, functionArn: string): string {
  return `arn:${partition(settings.region)}:apigateway:${settings.region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`;
}

function lambdaIntegration(
  settings: PlatformSettings,
  functionArn: string,
  path: string,
  queryKeys: readonly string[] | undefined,
  cached: boolean,
): Record<string, unknown> {
  const integration: Record<string, unknown> = {
    type: 'aws_proxy',
    httpMethod: 'POST',
    uri: lambdaUri(settings, functionArn),
    passthroughBehavior: 'when_no_match',
  };
  if (cached) {
    // The Authorization header is part of every cached route's key: one caller's response is never
    // served to another, even when the authorizer lets both through.
    integration.cacheKeyParameters = [
      'method.request.header.Authorization',
      ...pathParameters(path).map((p) => `method.request.path.${p}`),
      ...(queryKeys ?? []).map((q) => `method.request.querystring.${q}`),
    ];
    integration.cacheNamespace = path;
  }
  return integration;
}

function platformIntegration(settings: PlatformSettings, route: PlatformRoute): Record<string, unknown> {
  if (route.integration.type === 'lambda') {
    return lambdaIntegration(settings, route.integration.functionArn, route.path, undefined, false);
  }
  return {
    type: 'mock',
    passthroughBehavior: 'when_no_match',
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    responses: {
      default: {
        statusCode: String(route.integration.statusCode),
        responseTemplates: { 'application/json': route.integration.body },
      },
    },
  };
}

function corsOn(cors: CorsSettings | undefined): CorsSettings | undefined {
  return cors && cors.allowOrigins.length > 0 ? cors : undefined;
}

function quoted(value: string): string {
  return `'${value}'`;
}

/**
 * The OPTIONS mock every routed resource gets. With several allowed origins a static header cannot
 * list them all, so the response template echoes the request's Origin when it is allowed.
 */
function preflight(path: string, cors: CorsSettings): Record<string, unknown> {
  const headers: Record<string, string> = {
    'Access-Control-Allow-Methods': quoted([...cors.allowMethods].join(',')),
    'Access-Control-Allow-Headers': quoted([...cors.allowHeaders].join(',')),
    'Access-Control-Max-Age': quoted(String(cors.maxAgeSeconds)),
  };
  if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = quoted('true');
  const single = cors.allowOrigins.length === 1;
  // The static value is the first origin; the template below swaps in any other allowed one.
  headers[CORS_HEADER] = quoted(cors.allowOrigins[0]);
  const params = pathParameters(path).map((name) => ({ name, in: 'path', required: true, type: 'string' }));
  const responseTemplate = single
    ? ''
    : [
        '#set($origin = $input.params().header.get("Origin"))',
        `#if(${cors.allowOrigins.map((o) => `$origin == "${o}"`).join(' || ')})`,
        `#set($context.responseOverride.header.${CORS_HEADER} = $origin)`,
        '#end',
      ].join('\n');
  return {
    ...(params.length ? { parameters: params } : {}),
    responses: {
      '204': {
        description: 'CORS preflight',
        headers: Object.fromEntries(Object.keys(headers).map((h) => [h, { type: 'string' }])),
      },
    },
    'x-amazon-apigateway-integration': {
      type: 'mock',
      passthroughBehavior: 'when_no_match',
      requestTemplates: { 'application/json': '{"statusCode": 204}' },
      responses: {
        default: {
          statusCode: '204',
          responseParameters: Object.fromEntries(
            Object.entries(headers).map(([h, v]) => [`method.response.header.${h}`, v]),
          ),
          responseTemplates: { 'application/json': responseTemplate },
        },
      },
    },
  };
}

function gatewayResponses(settings: PlatformSettings, cors: CorsSettings): Record<string, unknown> {
  const types = settings.gatewayResponses ?? ['DEFAULT_4XX', 'DEFAULT_5XX'];
  const parameters: Record<string, string> = {
    // Gateway responses have no template logic to echo an origin: the first allowed origin it is.
    [`gatewayresponse.header.${CORS_HEADER}`]: quoted(cors.allowOrigins[0]),
    'gatewayresponse.header.Access-Control-Allow-Headers': quoted([...cors.allowHeaders].join(',')),
    'gatewayresponse.header.Access-Control-Allow-Methods': quoted([...cors.allowMethods].join(',')),
  };
  if (cors.allowCredentials)
    parameters['gatewayresponse.header.Access-Control-Allow-Credentials'] = quoted('true');
  return Object.fromEntries([...types].sort(compare).map((t) => [t, { responseParameters: parameters }]));
}

function securityDefinitions(settings: PlatformSettings): Record<string, unknown> {
  const defs: Record<string, unknown> = {
    sigv4: {
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    },
  };
  const jwt = settings.jwtAuthorizer;
  if (jwt) {
    defs.jwt = {
      type: 'apiKey',
      name: jwt.identityHeader,
      in: 'header',
      'x-amazon-apigateway-authtype': 'custom',
      'x-amazon-apigateway-authorizer': {
        type: 'token',
        authorizerUri: lambdaUri(settings, jwt.functionArn),
        authorizerResultTtlInSeconds: jwt.resultsCacheTtlSeconds,
      },
    };
  }
  const cognito = settings.cognitoAuthorizer;
  if (cognito) {
    defs.cognito = {
      type: 'apiKey',
      name: cognito.identityHeader ?? 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'cognito_user_pools',
      'x-amazon-apigateway-authorizer': {
        type: 'cognito_user_pools',
        providerARNs: [...cognito.providerArns],
      },
    };
  }
  return defs;
}

function partition(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The resource paths of each owner (service, or `platform`) that the API would hold. */
export function resourcesByOwner(
  settings: PlatformSettings,
  services: readonly ServiceRoutes[],
): Map<string, number> {
  const owners = new Map<string, number>();
  for (const { registration, routes } of services) {
    owners.set(registration.service, resourcesOf(routes.map((r) => r.path)).length - 1);
  }
  owners.set('platform', resourcesOf((settings.routes ?? []).map((r) => r.path)).length - 1);
  return owners;
}
