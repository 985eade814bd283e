import { ROUTE_METHODS, type RouteMethod, routePathProblems } from '@shared-lambda-infra/contract';

/** A route string split into its method and path segments. */
export interface ParsedRoute {
  /** The route as written, for messages. */
  readonly route: string;
  /** The HTTP method, checked against {@link ROUTE_METHODS} (OPTIONS is the shared preflight's). */
  readonly method: RouteMethod;
  /** `/orders/{id}` (no trailing slash). */
  readonly path: string;
  /** `['orders', '{id}']`. */
  readonly segments: readonly string[];
}

/** Parses `'GET /orders/{id}'`, or throws an error that shows the expected form. */
export function parseRoute(route: string): ParsedRoute {
  const match = /^(\S+) (\/\S*)$/.exec(route);
  const form = 'expected "METHOD /path", e.g. "GET /orders/{id}"';
  if (!match) throw new Error(`route "${route}" is malformed: ${form}`);
  const method = match[1];
  if (!(ROUTE_METHODS as readonly string[]).includes(method)) {
    const hint =
      method === 'OPTIONS'
        ? 'OPTIONS is answered by the shared CORS preflight on every resource'
        : `use one of ${ROUTE_METHODS.join(', ')} (uppercase)`;
    throw new Error(`route "${route}" has an unknown method "${method}": ${hint}`);
  }
  const path = match[2].replace(/\/+$/, '');
  const segments = path.split('/').slice(1);
  // The contract's rules: the same the platform's receiver applies to the declaration.
  const problems = path === '' ? [] : routePathProblems(path);
  if (problems.length > 0) {
    throw new Error(`route "${route}" has an invalid path: ${problems.join('; ')}`);
  }
  return { route, method: method as RouteMethod, path: path || '/', segments };
}

/** Throws unless `parsed` lies at or below `/{basePath}`. */
export function assertUnderBasePath(parsed: ParsedRoute, basePath: string, service: string): void {
  if (parsed.segments[0] !== basePath) {
    throw new Error(
      `route "${parsed.route}" is outside the base path of service "${service}": its routes must start with "/${basePath}", e.g. "${parsed.method} /${basePath}${parsed.path === '/' ? '' : parsed.path}"`,
    );
  }
}

/** What a route was registered with, for collision checks. */
export interface RouteEntry {
  /** The route it was registered under; duplicates and sibling variables are found by its path. */
  readonly parsed: ParsedRoute;
  /** Authorization of the method (`jwt`, `none`, `iam`). */
  readonly authorization: string;
  /** Stable identity of the integration target (its construct path). */
  readonly target: string;
}

/** The routes of one service: rejects duplicates and sibling variables API Gateway refuses. */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];
  // Parent path → the variable segment registered under it.
  private readonly variables = new Map<string, { segment: string; route: string }>();

  /** Adds a route, or throws when it collides with one already added. */
  public add(entry: RouteEntry): void {
    const { parsed } = entry;
    const same = this.entries.find((e) => e.parsed.path === parsed.path && e.parsed.method === parsed.method);
    if (same) {
      throw new Error(
        `route "${parsed.route}" is defined twice: each method and path may have one handler; remove one of the two addRoute calls`,
      );
    }
    const clash = this.entries.find(
      (e) => e.parsed.path === parsed.path && (e.parsed.method === 'ANY') !== (parsed.method === 'ANY'),
    );
    if (clash) {
      throw new Error(
        `route "${parsed.route}" overlaps "${clash.parsed.route}": ANY already answers every method of a path; use specific methods or ANY alone`,
      );
    }
    parsed.segments.forEach((segment, i) => {
      if (!segment.startsWith('{')) return;
      const parent = `/${parsed.segments.slice(0, i).join('/')}`;
      const existing = this.variables.get(parent);
      if (existing && existing.segment !== segment) {
        throw new Error(
          `route "${parsed.route}" uses "${segment}" where "${existing.route}" uses "${existing.segment}": API Gateway allows one variable per level under ${parent}; use the same name in both routes`,
        );
      }
      if (!existing) this.variables.set(parent, { segment, route: parsed.route });
    });
    this.entries.push(entry);
  }

  /** The routes added so far. */
  public get routes(): readonly RouteEntry[] {
    return this.entries;
  }
}
