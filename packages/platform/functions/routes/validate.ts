import {
  type DeclaredRoute,
  type NameScope,
  ROUTE_METHODS,
  ROUTES_DECLARATION_VERSION,
  type RoutesDeclaration,
  type ServiceRegistration,
  serviceFunctionNamePattern,
} from '@shared-lambda-infra/contract';

/** Where the functions run: service functions must live in the same account and Region. */
export interface Location {
  /** Region, e.g. `eu-west-1`. */
  readonly region: string;
  /** Account id. */
  readonly account: string;
}

const SEGMENT = /^([A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})$/;
const FUNCTION_ARN =
  /^arn:aws[\w-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9$_-]+)?$/;

/**
 * Parses the `Declaration` property. Returns the declaration, or the problems (each naming the
 * field) when it is not a well-formed {@link RoutesDeclaration}.
 */
export function parseDeclaration(raw: unknown): RoutesDeclaration | string[] {
  if (typeof raw !== 'string') return ['Declaration: expected the JSON of the route table, got no string'];
  let value: { version?: unknown; routes?: unknown };
  try {
    value = JSON.parse(raw) as typeof value;
  } catch (error) {
    return [`Declaration: not JSON (${(error as Error).message})`];
  }
  if (value.version !== ROUTES_DECLARATION_VERSION) {
    return [
      `Declaration.version: expected ${ROUTES_DECLARATION_VERSION}, got ${JSON.stringify(value.version)}`,
    ];
  }
  if (!Array.isArray(value.routes)) return ['Declaration.routes: expected a list of routes'];
  const problems: string[] = [];
  value.routes.forEach((r: Partial<DeclaredRoute>, i: number) => {
    for (const field of ['method', 'path', 'functionArn', 'authorization'] as const) {
      if (typeof r?.[field] !== 'string')
        problems.push(`Declaration.routes[${i}].${field}: expected a string`);
    }
  });
  return problems.length > 0 ? problems : (value as RoutesDeclaration);
}

/** `GET /orders/{id}`: how messages name a route. */
export function routeLabel(route: Pick<DeclaredRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/**
 * Checks a service's route table against its registration. Returns one line per problem, each
 * naming the route and the rule it breaks; empty when the table may be applied.
 *
 * @param registry every registration, so a function named with another (longer) service's prefix
 *   (`…-fn-orders-api-*` when `orders-api` is registered) is not taken for one of `orders`.
 */
export function validateRoutes(
  scope: NameScope,
  location: Location,
  registration: ServiceRegistration,
  routes: readonly DeclaredRoute[],
  registry: ReadonlyMap<string, ServiceRegistration>,
): string[] {
  const problems: string[] = [];
  const base = `/${registration.basePath}`;
  const seen = new Set<string>();
  const own = functionPrefix(scope, registration.service);
  const longerPrefixes = [...registry.keys()]
    .map((s) => functionPrefix(scope, s))
    .filter((p) => p.length > own.length && p.startsWith(own));
  routes.forEach((route, i) => {
    const where = `route "${routeLabel(route)}" (routes[${i}])`;
    const fail = (rule: string) => problems.push(`${where}: ${rule}`);
    if (!(ROUTE_METHODS as readonly string[]).includes(route.method)) {
      fail(
        (route.method as string) === 'OPTIONS'
          ? "OPTIONS is the platform's: it answers every preflight from the platform CORS policy; remove the route"
          : `method must be one of ${ROUTE_METHODS.join(', ')}`,
      );
    }
    const segments = route.path.split('/').slice(1);
    if (!route.path.startsWith('/') || segments.some((s) => !SEGMENT.test(s))) {
      fail('path must be "/" then segments of letters, digits, "._-" or a {variable}');
    } else if (segments.slice(0, -1).some((s) => s.endsWith('+}'))) {
      fail('a greedy {variable+} may only be the last segment');
    }
    if (route.path !== base && !route.path.startsWith(`${base}/`)) {
      fail(
        `path must be ${base} or below it (the base path the registry gives service "${registration.service}")`,
      );
    }
    if (!registration.allowedAuthorizations.includes(route.authorization)) {
      fail(
        `authorization "${route.authorization}" is not allowed for service "${registration.service}" (allowed: ${registration.allowedAuthorizations.join(', ')})`,
      );
    }
    if (route.cache) {
      if (!registration.cachingAllowed) {
        fail(
          `cache is not allowed for service "${registration.service}" (the environment has no stage cache)`,
        );
      } else if (
        !Number.isInteger(route.cache.ttlSeconds) ||
        route.cache.ttlSeconds < 1 ||
        route.cache.ttlSeconds > 3600
      ) {
        fail(`cache.ttlSeconds must be an integer from 1 to 3600, got ${route.cache.ttlSeconds}`);
      }
    }
    const arn = FUNCTION_ARN.exec(route.functionArn);
    if (!arn) {
      fail(`functionArn "${route.functionArn}" is not a Lambda function ARN`);
    } else if (arn[1] !== location.region || arn[2] !== location.account) {
      fail(
        `functionArn "${route.functionArn}" must be in account ${location.account}, Region ${location.region} (the shared API's)`,
      );
    } else if (!arn[3].startsWith(own) || longerPrefixes.some((p) => arn[3].startsWith(p))) {
      fail(`functionArn "${route.functionArn}" must name one of the service's functions (${own}*)`);
    }
    const key = routeLabel(route);
    if (seen.has(key)) fail('declared more than once');
    seen.add(key);
  });
  problems.push(...variableConflicts(routes));
  return problems;
}

function functionPrefix(scope: NameScope, service: string): string {
  return serviceFunctionNamePattern(scope, service).replace(/\*$/, '');
}

/**
 * API Gateway allows one variable name per position (`/orders/{id}` and `/orders/{orderId}/items`
 * cannot both exist); every other route at that position is reported.
 */
export function variableConflicts(routes: readonly Pick<DeclaredRoute, 'method' | 'path'>[]): string[] {
  const variableAt = new Map<string, { name: string; route: string }>();
  const problems: string[] = [];
  for (const route of routes) {
    const segments = route.path.split('/').slice(1);
    for (let i = 0; i < segments.length; i++) {
      if (!segments[i].startsWith('{')) continue;
      const parent = `/${segments.slice(0, i).join('/')}`;
      const first = variableAt.get(parent);
      if (!first) {
        variableAt.set(parent, { name: segments[i], route: routeLabel(route) });
      } else if (first.name !== segments[i]) {
        problems.push(
          `route "${routeLabel(route)}": path variable ${segments[i]} conflicts with ${first.name} of route "${first.route}" under ${parent} (API Gateway allows one variable name per position)`,
        );
        break;
      }
    }
  }
  return problems;
}
