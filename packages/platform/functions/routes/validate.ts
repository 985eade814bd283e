import {
  type DeclaredRoute,
  type NameScope,
  parseRoutesDeclaration,
  type RoutesDeclaration,
  routeResources,
  routeTableProblems,
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

const FUNCTION_ARN =
  /^arn:aws[\w-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9$_-]+)?$/;

/**
 * THE check of a service's `Declaration`: the receiver refuses what it returns problems for, and
 * `npm run routes` prints REFUSED for the same problems (one function, so the two cannot drift).
 * Any value whatsoever gives either the declaration with no problem, or the problems, one line each.
 *
 * @param registry every registration, see {@link validateRoutes}
 */
export function validateDeclaration(
  scope: NameScope,
  location: Location,
  registration: ServiceRegistration,
  raw: unknown,
  registry: ReadonlyMap<string, ServiceRegistration>,
): { readonly declaration?: RoutesDeclaration; readonly problems: readonly string[] } {
  const parsed = parseRoutesDeclaration(raw);
  if ('problems' in parsed) return { problems: parsed.problems };
  const { routes } = parsed.declaration;
  const problems = validateRoutes(scope, location, registration, routes, registry);
  const budget = budgetProblem(routes, registration);
  if (budget) problems.push(budget);
  return problems.length > 0 ? { problems } : { declaration: parsed.declaration, problems: [] };
}

/**
 * Parses the `Declaration` property. Returns the declaration, or the problems (each naming the
 * field) when it is not a well-formed {@link RoutesDeclaration}.
 */
export function parseDeclaration(raw: unknown): RoutesDeclaration | string[] {
  const parsed = parseRoutesDeclaration(raw);
  return 'problems' in parsed ? [...parsed.problems] : parsed.declaration;
}

/** `GET /orders/{id}`: how messages name a route. */
export function routeLabel(route: Pick<DeclaredRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** What of a registration {@link validateRoutes} checks a table against (the budget aside). */
export type RouteRules = Pick<
  ServiceRegistration,
  'service' | 'basePath' | 'allowedAuthorizations' | 'cachingAllowed'
>;

/**
 * Checks a service's route table against its registration. Returns one line per problem, each
 * naming the route and the rule it breaks; empty when the table may be applied. Total: a table of
 * the wrong shape (one stored before a rule existed) gives problems, never an exception.
 *
 * Every message speaks of this service only: its base path, its authorizations, its functions.
 * The resource budget is checked on a new declaration only ({@link validateDeclaration}): a budget
 * that shrinks because the registry grew never takes live routes off the stage.
 *
 * @param registry every registration, so a function named with another (longer) service's prefix
 *   (`…-fn-orders-api-*` when `orders-api` is registered) is not taken for one of `orders`.
 */
export function validateRoutes(
  scope: NameScope,
  location: Location,
  registration: RouteRules,
  routes: readonly DeclaredRoute[],
  registry: ReadonlyMap<string, unknown>,
): string[] {
  const shape = routeTableProblems(routes);
  if (shape.length > 0) return shape;
  const problems: string[] = [];
  const seen = new Set<string>();
  routes.forEach((route, i) => {
    const fail = (rule: string) => problems.push(`route "${routeLabel(route)}" (routes[${i}]): ${rule}`);
    for (const rule of [
      basePathRule(route, registration),
      authorizationRule(route, registration),
      cacheRule(route, registration),
      functionRule(route, scope, location, registration, registry),
    ]) {
      if (rule) fail(rule);
    }
    const key = routeLabel(route);
    if (seen.has(key)) fail('declared more than once');
    seen.add(key);
  });
  problems.push(...variableConflicts(routes));
  return problems;
}

function basePathRule(route: DeclaredRoute, registration: RouteRules): string | undefined {
  const base = `/${registration.basePath}`;
  if (route.path === base || route.path.startsWith(`${base}/`)) return undefined;
  return `path must be ${base} or below it (the base path the registry gives service "${registration.service}")`;
}

function authorizationRule(route: DeclaredRoute, registration: RouteRules): string | undefined {
  if (registration.allowedAuthorizations.includes(route.authorization)) return undefined;
  return `authorization "${route.authorization}" is not allowed for service "${registration.service}" (allowed: ${registration.allowedAuthorizations.join(', ')})`;
}

function cacheRule(route: DeclaredRoute, registration: RouteRules): string | undefined {
  if (!route.cache) return undefined;
  if (!registration.cachingAllowed) {
    return `cache is not allowed for service "${registration.service}" (the environment has no stage cache)`;
  }
  // A cached POST would answer from the cache without running the handler.
  if (route.method !== 'GET') return `only GET routes may be cached, not ${route.method}`;
  return undefined;
}

function functionRule(
  route: DeclaredRoute,
  scope: NameScope,
  location: Location,
  registration: RouteRules,
  registry: ReadonlyMap<string, unknown>,
): string | undefined {
  const arn = FUNCTION_ARN.exec(route.functionArn);
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable through validateRoutes, whose declaration schema (the contract's) refused every functionArn this pattern does not match
  if (!arn) return `functionArn "${route.functionArn}" is not a Lambda function ARN`;
  if (arn[1] !== location.region || arn[2] !== location.account) {
    return `functionArn "${route.functionArn}" must be in account ${location.account}, Region ${location.region} (the shared API's)`;
  }
  const own = functionPrefix(scope, registration.service);
  const longer = [...registry.keys()]
    .map((s) => functionPrefix(scope, s))
    .filter((p) => p.length > own.length && p.startsWith(own));
  if (!arn[3].startsWith(own) || longer.some((p) => arn[3].startsWith(p))) {
    return `functionArn "${route.functionArn}" must name one of the service's functions (${own}*)`;
  }
  return undefined;
}

/**
 * The table's API Gateway resources against the service's own budget: a refusal names this
 * service's use and budget only, never another service's, and never depends on what others use
 * (the config keeps the budgets' sum within the API's quota).
 */
export function budgetProblem(
  routes: readonly DeclaredRoute[],
  registration: Pick<ServiceRegistration, 'service' | 'resourceBudget'>,
): string | undefined {
  const used = routeResources(routes).length;
  if (used <= registration.resourceBudget) return undefined;
  return `the routes need ${used} API Gateway resources (distinct paths), more than the budget of ${registration.resourceBudget} the registry gives service "${registration.service}" (services[].resourceBudget): declare fewer distinct paths, or ask the platform team for a larger budget`;
}

function functionPrefix(scope: NameScope, service: string): string {
  // Stryker disable next-line Regex: a service name pattern ends in its only `*` (every segment before it is checked), so dropping "the last *" and "the first *" are the same
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
