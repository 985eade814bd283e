import {
  assertSegment,
  Parameters,
  REDEPLOY_RESOURCE_TYPE,
  type RedeployPhase,
  type RedeployResourceProperties,
} from '@shared-lambda-infra/contract';
import { ArnFormat, Aws, CfnRule, CustomResource, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { preflightResponseTemplate } from './private/cors';
import { assertUnderBasePath, parseRoute, RouteTable } from './private/routes';
import { ServicePlatform } from './service-platform';

/** How callers of a route authenticate. */
export type RouteAuthorization = 'jwt' | 'none' | 'iam';

/** Options of {@link ServiceApi.addRoute}. */
export interface RouteOptions {
  /**
   * How callers authenticate:
   * - `'jwt'`: the platform's shared JWT authorizer (a bearer token from a trusted issuer).
   * - `'none'`: anyone who can reach the API.
   * - `'iam'`: SigV4-signed requests from AWS principals allowed `execute-api:Invoke`.
   * @default 'jwt'
   */
  readonly authorization?: RouteAuthorization;
}

/** One route of a {@link ServiceApi}, as declared. */
export interface ServiceRoute {
  /** The route as declared, `'GET /orders/{id}'`. */
  readonly route: string;
  /** The HTTP method, `'GET'` (or `'ANY'`). */
  readonly method: string;
  /** The path, `'/orders/{id}'`. */
  readonly path: string;
  /** The function that answers it. */
  readonly handler: lambda.IFunction;
  /** How callers authenticate. */
  readonly authorization: RouteAuthorization;
  /**
   * Response caching of the route.
   * @default - not cached
   */
  readonly cache?: { readonly ttlSeconds: number };
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

/**
 * The service's routes on the platform's shared REST API.
 *
 * `addRoute('GET /orders/{id}', fn)` creates the resources under the service's base resource, a
 * method with a Lambda proxy integration, the shared JWT authorizer (or none / IAM), a CORS
 * preflight on each resource from the platform's CORS policy, and a Lambda permission scoped to
 * this API, stage, method and path. Two custom resources around the methods make the platform
 * redeploy the shared stage whenever the routes change (see `@shared-lambda-infra/contract`
 * `redeploy.ts`), with the service's throttling.
 *
 * @example
 * const api = new ServiceApi(stack, 'Api');
 * api.addRoute('GET /orders', list);
 * api.addRoute('POST /orders', create, { authorization: 'iam' });
 */
export class ServiceApi extends Construct {
  /** The shared REST API (imported). */
  public readonly restApi: apigateway.IRestApi;
  /** The service's base resource, `/{basePath}` (imported). */
  public readonly baseResource: apigateway.IResource;
  /** The base path, without slashes. */
  public readonly basePath: string;
  /** The methods added, by route (`GET /orders/{id}`). */
  public readonly methods: ReadonlyMap<string, apigateway.Method>;

  private readonly platform: ServicePlatform;
  private readonly routeTable = new RouteTable();
  private readonly methodsByRoute = new Map<string, apigateway.Method>();
  private readonly declared: ServiceRoute[] = [];
  private readonly before: CustomResource;
  private readonly after: CustomResource;

  constructor(scope: Construct, id: string, props: ServiceApiProps = {}) {
    super(scope, id);
    this.platform = ServicePlatform.of(this);
    this.basePath = checkBasePath(props.basePath ?? this.platform.service);
    this.methods = this.methodsByRoute;
    this.restApi = this.importRestApi();
    this.baseResource = apigateway.Resource.fromResourceAttributes(this, 'BaseResource', {
      restApi: this.restApi,
      resourceId: this.platform.serviceValue(Parameters.serviceBaseResourceId),
      path: `/${this.basePath}`,
    });
    this.addBasePathRule();
    this.before = this.createRedeploy('before');
    this.after = this.createRedeploy('after');
  }

  /**
   * Routes `route` (`'METHOD /path'`, under the base path) to `handler`.
   *
   * Throws when the route is malformed, outside the base path, defined twice, or names a path
   * variable differently from another route at the same level (`{id}` vs `{orderId}`).
   */
  public addRoute(route: string, handler: lambda.IFunction, options: RouteOptions = {}): apigateway.Method {
    const parsed = parseRoute(route);
    assertUnderBasePath(parsed, this.basePath, this.platform.service);
    const authorization = options.authorization ?? 'jwt';
    this.routeTable.add({ parsed, authorization, target: handler.node.path });

    const resource = this.resourceFor(parsed.segments.slice(1));
    const method = resource.addMethod(
      parsed.method,
      new apigateway.Integration({
        type: apigateway.IntegrationType.AWS_PROXY,
        integrationHttpMethod: 'POST',
        uri: `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}:lambda:path/2015-03-31/functions/${handler.functionArn}/invocations`,
      }),
      this.authorizationOptions(authorization),
    );
    // Not LambdaIntegration: its permission needs the imported API's stage as an L2 `Stage`.
    // Scoped to this API, stage, method and path; console test invocations get no permission.
    handler.addPermission('ApiPermission', {
      scope: method,
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: this.executeApiArn(parsed.method, parsed.segments),
    });
    method.node.addDependency(this.before);
    this.after.node.addDependency(method);
    this.methodsByRoute.set(`${parsed.method} ${parsed.path}`, method);
    this.declared.push({
      route: `${parsed.method} ${parsed.path}`,
      method: parsed.method,
      path: parsed.path,
      handler,
      authorization,
    });
    return method;
  }

  /** The routes added so far, in the order they were added. */
  public get routes(): readonly ServiceRoute[] {
    return this.declared;
  }

  private importRestApi(): apigateway.IRestApi {
    // By id alone: a service never touches the root resource, and reading its parameter would
    // add one the template does not use.
    return apigateway.RestApi.fromRestApiId(this, 'RestApi', this.platform.restApiId);
  }

  /** `arn:…:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path with variables as *}`. */
  private executeApiArn(method: string, segments: readonly string[]): string {
    const path = segments.map((s) => (s.startsWith('{') ? '*' : s)).join('/');
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.restApi.restApiId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      resourceName: `${this.platform.stageName}/${method === 'ANY' ? '*' : method}/${path}`,
    });
  }

  private resourceFor(segments: readonly string[]): apigateway.IResource {
    let resource = this.baseResource;
    for (const segment of segments) {
      const existing = resource.getResource(segment);
      if (existing) {
        resource = existing;
        continue;
      }
      resource = resource.addResource(segment);
    }
    this.addPreflight(resource);
    return resource;
  }

  private authorizationOptions(authorization: RouteAuthorization): apigateway.MethodOptions {
    switch (authorization) {
      case 'none':
        return { authorizationType: apigateway.AuthorizationType.NONE };
      case 'iam':
        return { authorizationType: apigateway.AuthorizationType.IAM };
      case 'jwt':
        return {
          authorizationType: apigateway.AuthorizationType.CUSTOM,
          authorizer: {
            authorizerId: this.platform.authorizerId,
            authorizationType: apigateway.AuthorizationType.CUSTOM,
          },
        };
      default:
        throw new Error(
          `authorization ${JSON.stringify(authorization)} is not known: use 'jwt' (the default), 'none' or 'iam'`,
        );
    }
  }

  private addPreflight(resource: apigateway.IResource): void {
    if (resource.node.tryFindChild('OPTIONS')) return;
    const join = (list: string[]) => Fn.join(',', list);
    const header = (name: string) => `method.response.header.${name}`;
    const method = resource.addMethod(
      'OPTIONS',
      new apigateway.MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 204}' },
        integrationResponses: [
          {
            statusCode: '204',
            responseParameters: {
              [header('Access-Control-Allow-Headers')]:
                `'${join(this.platform.list(Parameters.corsAllowHeaders))}'`,
              [header('Access-Control-Allow-Methods')]:
                `'${join(this.platform.list(Parameters.corsAllowMethods))}'`,
              [header('Vary')]: "'Origin'",
            },
            responseTemplates: {
              'application/json': preflightResponseTemplate(
                join(this.platform.list(Parameters.corsAllowOrigins)),
              ),
            },
          },
        ],
      }),
      {
        // Browsers send preflights without credentials; an authorizer would reject every one.
        authorizationType: apigateway.AuthorizationType.NONE,
        methodResponses: [
          {
            statusCode: '204',
            responseParameters: {
              [header('Access-Control-Allow-Headers')]: true,
              [header('Access-Control-Allow-Methods')]: true,
              [header('Access-Control-Allow-Origin')]: true,
              [header('Vary')]: true,
            },
          },
        ],
      },
    );
    method.node.addDependency(this.before);
    this.after.node.addDependency(method);
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

  private createRedeploy(phase: RedeployPhase): CustomResource {
    const properties: RedeployResourceProperties = {
      RestApiId: this.restApi.restApiId,
      StageName: this.platform.stageName,
      ServiceName: this.platform.service,
      Phase: phase,
      BasePath: this.basePath,
      Throttle: this.platform.serviceValue(Parameters.serviceThrottle),
      // Lazy: routes are added after the constructor runs.
      RoutesFingerprint: Lazy.string({ produce: () => this.routeTable.fingerprint(this.basePath) }),
    };
    return new CustomResource(this, phase === 'before' ? 'RedeployBefore' : 'RedeployAfter', {
      resourceType: REDEPLOY_RESOURCE_TYPE,
      serviceToken: this.platform.value(Parameters.redeployServiceToken),
      properties: { ...properties },
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
