import {
  assertSegment,
  type DeclaredRoute,
  Parameters,
  ROUTES_DECLARATION_VERSION,
  ROUTES_RESOURCE_TYPE,
  ROUTES_SERVICE_TIMEOUT_SECONDS,
  type RouteAuthorization,
  type RouteCache,
  type RouteMethod,
  type RoutesDeclaration,
  routesStackName,
  serviceFunctionNamePattern,
  stableHash,
} from '@shared-lambda-infra/contract';
import { ArnFormat, CfnRule, CustomResource, Duration, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { assertUnderBasePath, parseRoute, RouteTable } from './private/routes';
import { ServicePlatform } from './service-platform';

export type { RouteAuthorization, RouteCache, RouteMethod } from '@shared-lambda-infra/contract';

/** Options of {@link ServiceApi.addRoute}. */
export interface RouteOptions {
  /**
   * How callers authenticate:
   * - `'jwt'`: the platform's shared JWT authorizer (a bearer token from a trusted issuer).
   * - `'none'`: anyone who can reach the API (only when the platform registry allows the service
   *   public routes, `allowPublicRoutes`).
   * - `'iam'`: SigV4-signed requests from AWS principals allowed `execute-api:Invoke`.
   * @default 'jwt'
   */
  readonly authorization?: RouteAuthorization;
  /**
   * Cache GET responses on the shared stage for `ttlSeconds` (1-3600). The platform puts the
   * `Authorization` header, the path variables and the query string in the cache key, so one
   * caller's response is never served to another. Only when the platform has a cache cluster
   * (the registry's `cachingAllowed`); otherwise the deploy fails with that reason.
   * @default - not cached
   */
  readonly cache?: RouteCache;
}

/** One route of the service, as declared: what the platform serves, and what `localdev` runs. */
export interface ServiceRoute {
  /** The route as written to {@link ServiceApi.addRoute}, normalised: `'GET /orders/{id}'`. */
  readonly route: string;
  /** HTTP method (`ANY` answers every method). */
  readonly method: RouteMethod;
  /** Resource path on the shared API, starting with the base path, e.g. `/orders/{id}`. */
  readonly path: string;
  /** The function that serves it (Lambda proxy integration). */
  readonly handler: lambda.IFunction;
  /** How callers authenticate. */
  readonly authorization: RouteAuthorization;
  /**
   * Response caching on the shared stage.
   * @default - not cached
   */
  readonly cache?: RouteCache;
}

/** Props of {@link ServiceApi}. */
export interface ServiceApiProps {
  /**
   * The base path the service owns on the shared API, without slashes, as registered in the
   * platform's service registry (`services[].basePath`). Routes are checked against it at synth
   * time, and a CloudFormation rule refuses to deploy when it differs from the path the platform
   * published for the service.
   * @default - the service name
   */
  readonly basePath?: string;
}

const CACHE_TTL = { min: 1, max: 3600 } as const;

/**
 * The service's routes on the platform's shared REST API, declared rather than built.
 *
 * `addRoute('GET /orders/{id}', fn)` adds the route to ONE `Custom::SharedApiRoutes` resource whose
 * `Declaration` is the service's complete route table (contract `RoutesDeclaration`), plus a Lambda
 * permission for API Gateway scoped to this API, stage, method and path. The stack holds no API
 * Gateway resource: the platform's receiver checks the table against the service registry (base
 * path, allowed authorization types, caching, own functions) and its reconciler applies every
 * service's table to the shared API in one serialised writer, with the platform's CORS preflights
 * and the service's registry throttling. The deploy completes once the routes are live (or fails
 * with the reason), within {@link ROUTES_SERVICE_TIMEOUT_SECONDS}.
 *
 * Only the service's routes stack (`{project}-{env}-{service}-api`, ServiceStack's default name)
 * may hold it: the platform identifies the service by that stack name.
 *
 * @example
 * const api = new ServiceApi(stack, 'Api');
 * api.addRoute('GET /orders', list);
 * api.addRoute('GET /orders/{id}', get, { cache: { ttlSeconds: 60 } });
 * api.addRoute('POST /orders', create, { authorization: 'iam' });
 */
export class ServiceApi extends Construct {
  /** The base path, without slashes. */
  public readonly basePath: string;
  /** Id of the shared REST API (a deploy-time token). */
  public readonly restApiId: string;
  /** The `Custom::SharedApiRoutes` resource that declares the route table. */
  public readonly declaration: CustomResource;

  private readonly platform: ServicePlatform;
  private readonly routeTable = new RouteTable();
  private readonly declared: ServiceRoute[] = [];

  constructor(scope: Construct, id: string, props: ServiceApiProps = {}) {
    super(scope, id);
    this.platform = ServicePlatform.of(this);
    this.assertRoutesStack();
    this.basePath = checkBasePath(props.basePath ?? this.platform.service);
    this.restApiId = this.platform.restApiId;
    this.addBasePathRule();
    this.declaration = this.createDeclaration();
  }

  /** Every route added so far, in the order added. */
  public get routes(): readonly ServiceRoute[] {
    return [...this.declared];
  }

  /**
   * Routes `route` (`'METHOD /path'`, under the base path) to `handler`.
   *
   * Throws when the route is malformed, outside the base path, defined twice, names a path
   * variable differently from another route at the same level (`{id}` vs `{orderId}`), asks
   * for a cache on a method other than GET or with a TTL outside 1-3600 seconds, or routes to a
   * function that is not the service's own where that is known at synth (a name without the
   * service's prefix, or one CloudFormation will generate): the platform's receiver would refuse it.
   */
  public addRoute(route: string, handler: lambda.IFunction, options: RouteOptions = {}): ServiceRoute {
    const parsed = parseRoute(route);
    assertUnderBasePath(parsed, this.basePath, this.platform.service);
    this.assertOwnFunction(parsed.route, handler);
    const authorization = checkAuthorization(options.authorization ?? 'jwt');
    if (options.cache) checkCache(parsed.route, parsed.method, options.cache);
    this.routeTable.add({ parsed, authorization, target: handler.node.path });

    const declared: ServiceRoute = {
      route: `${parsed.method} ${parsed.path}`,
      method: parsed.method,
      path: parsed.path,
      handler,
      authorization,
      ...(options.cache ? { cache: { ttlSeconds: options.cache.ttlSeconds } } : {}),
    };
    this.declared.push(declared);
    // Scoped to this API, stage, method and path; console test invocations get no permission.
    // The id carries a hash of the route so two routes to one function get two permissions.
    handler.addPermission(`Invoke${parsed.method}${stableHash(parsed.path)}`, {
      scope: this,
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: this.executeApiArn(parsed.method, parsed.segments),
    });
    return declared;
  }

  /**
   * The receiver accepts only functions named `{project}-{env}-fn-{service}-*` (what ServiceFunction
   * names them): a literal name of another service, or a name CloudFormation generates from the
   * stack (a `lambda.Function` without `functionName`), fails the deploy, so it fails the synth.
   * A name only known at deploy time (a parameter, an import) is left to the receiver.
   */
  private assertOwnFunction(route: string, handler: lambda.IFunction): void {
    const prefix = serviceFunctionNamePattern(this.platform.nameScope, this.platform.service).replace(
      /\*$/,
      '',
    );
    const own = `the functions of service "${this.platform.service}" (named ${prefix}*, as ServiceFunction names them)`;
    const name = handler.functionName;
    if (!Token.isUnresolved(name)) {
      if (!name.startsWith(prefix)) {
        throw new Error(
          `route "${route}" targets function "${name}", which is not one of ${own}: the platform refuses a route to another service's function; route to a ServiceFunction of this service`,
        );
      }
      return;
    }
    const cfn = handler.node.defaultChild as lambda.CfnFunction | undefined;
    // An L2 function's name is a lazy token that resolves to nothing when CloudFormation names it.
    const given =
      cfn?.cfnResourceType === 'AWS::Lambda::Function' ? Stack.of(cfn).resolve(cfn.functionName) : '';
    if (given === undefined) {
      throw new Error(
        `route "${route}" targets ${handler.node.path}, whose name CloudFormation will generate from the stack name, so it cannot be one of ${own}: the platform would refuse it; use a ServiceFunction`,
      );
    }
  }

  private assertRoutesStack(): void {
    const stack = Stack.of(this);
    const expected = routesStackName(this.platform.nameScope, this.platform.service);
    if (stack.stackName !== expected) {
      throw new Error(
        `ServiceApi ${this.node.path} is in stack "${stack.stackName}", but the platform accepts the routes of service "${this.platform.service}" only from its routes stack "${expected}" (it identifies the service by that name): create ServiceApi in the ServiceStack with the default stackIdentifier ('api')`,
      );
    }
  }

  /** `arn:…:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path with variables as *}`. */
  private executeApiArn(method: string, segments: readonly string[]): string {
    const path = segments.map((s) => (s.startsWith('{') ? '*' : s)).join('/');
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.restApiId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      resourceName: `${this.platform.stageName}/${method === 'ANY' ? '*' : method}/${path}`,
    });
  }

  private createDeclaration(): CustomResource {
    const stack = Stack.of(this);
    return new CustomResource(this, 'Routes', {
      resourceType: ROUTES_RESOURCE_TYPE,
      serviceToken: this.platform.value(Parameters.routesServiceToken),
      serviceTimeout: Duration.seconds(ROUTES_SERVICE_TIMEOUT_SECONDS),
      properties: {
        // Lazy: routes are added after the constructor runs. toJsonString keeps the function ARNs
        // as CloudFormation references inside the JSON string.
        Declaration: Lazy.string({ produce: () => stack.toJsonString(this.declarationOf()) }),
      },
    });
  }

  /** The contract declaration: routes sorted by path and method, so the JSON is stable. */
  private declarationOf(): RoutesDeclaration {
    const routes: DeclaredRoute[] = [...this.declared]
      .sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)))
      .map((r) => ({
        method: r.method,
        path: r.path,
        functionArn: r.handler.functionArn,
        authorization: r.authorization,
        ...(r.cache ? { cache: r.cache } : {}),
      }));
    return { version: ROUTES_DECLARATION_VERSION, routes };
  }

  private addBasePathRule(): void {
    const published = this.platform.serviceValue(Parameters.serviceBasePath);
    new CfnRule(this, 'BasePathRule', {
      assertions: [
        {
          assert: Fn.conditionEquals(published, this.basePath),
          assertDescription: `The platform registry gives service "${this.platform.service}" another base path than "${this.basePath}" (${Parameters.serviceBasePath.path(this.platform.nameScope, this.platform.service)}): pass the registered one as ServiceApi's basePath`,
        },
      ],
    });
  }
}

function checkBasePath(basePath: string): string {
  try {
    return assertSegment('base path', basePath);
  } catch {
    throw new Error(
      `base path "${basePath}" is not valid: write the one segment registered for the service, without slashes, e.g. "orders"`,
    );
  }
}

function checkAuthorization(authorization: RouteAuthorization): RouteAuthorization {
  if (authorization === 'jwt' || authorization === 'none' || authorization === 'iam') return authorization;
  throw new Error(
    `authorization ${JSON.stringify(authorization)} is not known: use 'jwt' (the default), 'none' or 'iam'`,
  );
}

function checkCache(route: string, method: RouteMethod, cache: RouteCache): void {
  if (method !== 'GET') {
    throw new Error(
      `route "${route}" asks for a cache, but only GET routes may be cached: a cached ${method} would answer from the cache without running the handler`,
    );
  }
  const ttl = cache.ttlSeconds;
  if (!Number.isInteger(ttl) || ttl < CACHE_TTL.min || ttl > CACHE_TTL.max) {
    throw new Error(
      `route "${route}" has cache.ttlSeconds ${ttl}: use a whole number of seconds from ${CACHE_TTL.min} to ${CACHE_TTL.max} (API Gateway's limit)`,
    );
  }
}
