import {
  ACCESS_LOG_FIELDS,
  type ContractParameter,
  EMPTY_LIST_VALUE,
  Parameters,
  ROUTES_SERVICE_TIMEOUT_SECONDS,
  resourceName,
  sharedRestApiName,
} from '@shared-lambda-infra/contract';
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import {
  PLATFORM_SETTINGS_VERSION,
  type PlatformRoute,
  type PlatformSettings,
  SETTINGS_RESOURCE_TYPE,
} from '../../functions/routes/interface';
import { acknowledge, acknowledgeLogGroup } from '../compliance';
import { apiAccessPolicy } from '../constructs/api-access-policy';
import { ApiMonitoring } from '../constructs/api-monitoring';
import { ContractValue } from '../constructs/contract-parameter';
import { JwtAuthorizer } from '../constructs/jwt-authorizer';
import { RoutesReconciler } from '../constructs/routes-reconciler';
import { ServiceApiMetrics } from '../constructs/service-api-metrics';
import type { ObservabilityStack } from './observability-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends PlatformStackProps {
  /** Where API alarms go and API widgets join. */
  readonly observability: ObservabilityStack;
}

/**
 * The stage's access log: one JSON object per request, the fields of the contract's
 * `ACCESS_LOG_FIELDS` (what `shared-lambda dev` prints too). `status` is what the 429 metric filter
 * reads, `errorType` tells throttles and authorizer denials apart, `authorizerError` says why an
 * authorizer refused or failed, `principalId` who was allowed; the log group's transformer adds
 * `basePath` for the per-service metrics (ServiceApiMetrics).
 */
export const ACCESS_LOG_FORMAT = apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));

// Gateway responses API Gateway itself produces; a browser can read them (and so see why a call
// failed) only when they carry the CORS headers, which the reconciler adds from the CORS policy.
const CORS_GATEWAY_RESPONSES = ['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED'] as const;

/**
 * `GET /health`: a platform-owned mock route, because API Gateway refuses to deploy an API with no
 * method, and the platform deploys before any service has declared one.
 */
export const HEALTH_ROUTE: PlatformRoute = {
  method: 'GET',
  path: '/health',
  authorization: 'none',
  integration: { type: 'mock', statusCode: 200, body: '{"status":"ok"}' },
};

/**
 * The shared REST API stack (`{project}-{env}-api`): one REST API (REGIONAL, or PRIVATE when limited
 * to VPC endpoints) and its single stage, the shared JWT authorizer's function, the routes
 * machinery of shared API v2 (receiver, desired-state table, FIFO queue, reconciler, drift repair;
 * see `RoutesReconciler`), the platform-settings resource, alarms and dashboard widgets, and the
 * contract values services declare their routes with.
 *
 * ## Who owns what on the API
 * The reconciler owns the API's definition: resources, methods, integrations, authorizers, CORS
 * preflights and gateway responses, all composed into one OpenAPI body from the desired state of
 * every service and from this stack's `Custom::SharedApiSettings` resource, and put with
 * `PutRestApi mode=overwrite`. CloudFormation owns the API's existence, its stage settings (logs,
 * tracing, cache cluster, throttling defaults), the domain and the web ACL. The API is created from
 * a minimal body (`GET /health`, so the first Deployment has a method) in `merge` mode, so a later
 * CloudFormation update of the API never removes the services' routes; the settings resource
 * depends on the stage and changes whenever the API config does, so every platform change is
 * followed by a full reconcile and a fresh deployment.
 *
 * Registering a service adds nothing to this stack: a service's registry entry is published by its
 * own `access-{service}` stack, and its routes by its own service stack. The one exception is the
 * per-service metric filters ({@link ServiceApiMetrics}): a set of them serves up to 900 base paths,
 * and a registry that outgrows a set changes their patterns here (docs/observability.md).
 */
export class ApiStack extends PlatformStack {
  /** The shared REST API. */
  public readonly restApi: apigateway.SpecRestApi;
  /** The API's only stage. */
  public readonly stage: apigateway.Stage;
  /** The stage name (`api.stageName`, else the environment name), a plain string. */
  public readonly stageName: string;
  /** The API name from the naming convention, a plain string (the `ApiName` metric dimension). */
  public readonly apiName: string;
  /** The stage's access log group. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The stage's execution (ERROR-level) log group, created before API Gateway would create it. */
  public readonly executionLogGroup: logs.LogGroup;
  /** The shared JWT authorizer; absent when `api.authorizer` is not configured. */
  public readonly jwtAuthorizer?: JwtAuthorizer;
  /** The custom domain; absent when `api.domain` is not configured. */
  public readonly domainName?: apigateway.DomainName;
  /** Receiver, desired state, queue and reconciler of shared API v2. */
  public readonly routes: RoutesReconciler;
  /** The `Custom::SharedApiSettings` resource that hands the API settings to the reconciler. */
  public readonly settings: CustomResource;
  /** Alarms and widgets. */
  public readonly monitoring: ApiMonitoring;
  /** Per-service gateway metrics from the access log (one `BasePath` dimension value per service). */
  public readonly serviceMetrics: ServiceApiMetrics;

  constructor(scope: Construct, props: ApiStackProps) {
    super(scope, 'api', props);
    this.stageName = this.config.api.stageName ?? this.config.environment;
    this.apiName = sharedRestApiName(this.nameScope);

    this.accessLogGroup = this.createAccessLogGroup();
    this.restApi = this.createRestApi();
    this.stage = this.restApi.deploymentStage;
    this.executionLogGroup = this.createExecutionLogGroup();
    this.jwtAuthorizer = this.createJwtAuthorizer();
    this.domainName = this.createDomain();
    this.associateWebAcl();
    this.routes = this.createRoutesReconciler(props.observability);
    this.settings = this.createSettings();
    this.monitoring = this.createMonitoring(props.observability);
    this.serviceMetrics = new ServiceApiMetrics(this, 'ServiceMetrics', {
      nameScope: this.nameScope,
      accessLogGroup: this.accessLogGroup,
      basePaths: this.config.services.map((s) => s.basePath),
    });
    this.publishContract();
    this.acknowledgeFindings();
  }

  private get accessLogRetentionDays(): number {
    return this.config.api.accessLogRetentionDays ?? this.config.observability.logRetentionDays;
  }

  private createAccessLogGroup(): logs.LogGroup {
    const group = new logs.LogGroup(this, 'AccessLogs', {
      retention: this.accessLogRetentionDays as logs.RetentionDays,
      removalPolicy: this.dataRemovalPolicy,
    });
    return group;
  }

  private createRestApi(): apigateway.SpecRestApi {
    const { api } = this.config;
    const restApi = new apigateway.SpecRestApi(this, 'RestApi', {
      restApiName: this.apiName,
      description: `Shared REST API of ${this.config.project} (${this.config.environment}); services declare /{basePath}, the routes reconciler applies.`,
      apiDefinition: apigateway.ApiDefinition.fromInline(this.initialDefinition()),
      // Merge, never overwrite: an update of this resource must leave the reconciler's routes alone.
      mode: apigateway.RestApiMode.MERGE,
      endpointConfiguration: this.endpointConfiguration,
      policy: apiAccessPolicy(api.access),
      // API Gateway writes execution and access logs with ONE role per account and region (the
      // `AWS::ApiGateway::Account` setting), not per API. The platform sets it because logging needs
      // it, and it is the same managed-policy role whichever stack wrote it last (two environments in
      // one account both write it: harmless). It is RETAINED on stack deletion: deleting the role
      // would silently break logging for every other API in the account and region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deploy: true,
      deployOptions: {
        stageName: this.stageName,
        description: 'Stage of the shared REST API; the routes reconciler points it at each new deployment.',
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: ACCESS_LOG_FORMAT,
        tracingEnabled: api.tracing,
        throttlingRateLimit: api.throttle.rateLimit,
        throttlingBurstLimit: api.throttle.burstLimit,
        // ERROR-level execution logs explain 5XXs and authorizer failures at low volume. Data
        // tracing stays off: it would log full requests, bearer tokens included.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        // Per-method detailed metrics are billed as custom metrics per route; API-level ones are free.
        metricsEnabled: false,
        cacheClusterEnabled: api.cache !== undefined,
        cacheClusterSize: api.cache?.sizeGb,
        // Never stage-wide: a route opts in (ServiceApi `cache`), and the reconciler sets its method
        // settings with the Authorization header, path and query in the cache key.
        cachingEnabled: false,
        // Set even while nothing is cached: Control Tower's CT.APIGATEWAY.PR.3 asks every stage for
        // it, and the reconciler's per-route cache settings inherit it.
        cacheDataEncrypted: api.cache?.encrypted ?? true,
      },
    });
    return restApi;
  }

  /**
   * The body the API is created with: `GET /health` alone (API Gateway deploys no API without a
   * method). The reconciler replaces the whole definition at its first apply.
   */
  private initialDefinition(): Record<string, unknown> {
    const integration = HEALTH_ROUTE.integration as { statusCode: number; body: string };
    return {
      openapi: '3.0.1',
      info: { title: this.apiName, version: '1' },
      paths: {
        [HEALTH_ROUTE.path]: {
          [HEALTH_ROUTE.method.toLowerCase()]: {
            responses: { [String(integration.statusCode)]: { description: 'The API is up.' } },
            'x-amazon-apigateway-integration': {
              type: 'mock',
              passthroughBehavior: 'never',
              requestTemplates: { 'application/json': `{"statusCode": ${integration.statusCode}}` },
              responses: {
                default: {
                  statusCode: String(integration.statusCode),
                  responseTemplates: { 'application/json': integration.body },
                },
              },
            },
          },
        },
      },
    };
  }

  /**
   * API Gateway creates `API-Gateway-Execution-Logs_{apiId}/{stage}` itself, with no retention, the
   * first time it writes an execution log. Creating it first (the stage depends on it) gives it a
   * retention and a removal policy.
   */
  private createExecutionLogGroup(): logs.LogGroup {
    const group = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${this.stageName}`,
      retention: this.accessLogRetentionDays as logs.RetentionDays,
      removalPolicy: this.dataRemovalPolicy,
    });
    this.stage.node.addDependency(group);
    return group;
  }

  private createJwtAuthorizer(): JwtAuthorizer | undefined {
    const { authorizer } = this.config.api;
    if (!authorizer) return undefined;
    return new JwtAuthorizer(this, 'JwtAuthorizer', {
      restApi: this.restApi,
      issuers: authorizer.issuers,
      identityHeader: authorizer.identityHeader,
      resultsCacheTtl: Duration.seconds(authorizer.resultsCacheTtlSeconds),
      // A plain name: the dashboard in the observability stack names the function's metrics with it.
      functionName: this.authorizerFunctionName,
      logRetention: this.config.observability.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: this.dataRemovalPolicy,
    });
  }

  private get authorizerFunctionName(): string | undefined {
    if (!this.config.api.authorizer) return undefined;
    return resourceName('lambdaFunction', {
      ...this.nameScope,
      resourceType: 'fn',
      identifier: 'api-authorizer',
    });
  }

  /**
   * REGIONAL, except in `vpcEndpoints` access mode: `aws:SourceVpce` is only present on requests that
   * arrive through an `execute-api` interface endpoint, and those reach PRIVATE APIs only, so a
   * resource policy on VPC endpoints is meaningful only for a PRIVATE API (which also takes the API
   * off the public internet). CAUTION: changing the endpoint type updates the API in place, but every
   * client must then call through the VPC endpoints.
   */
  private get endpointConfiguration(): apigateway.EndpointConfiguration {
    const { access } = this.config.api;
    // Unset keeps the property out of the template (AWS's default: ipv4 for a regional API,
    // dualstack for a private one). Changing it updates the API in place and takes effect at once.
    const ipAddressType = this.ipAddressType;
    if (access.mode === 'vpcEndpoints') {
      return {
        types: [apigateway.EndpointType.PRIVATE],
        ipAddressType,
        vpcEndpoints: access.vpcEndpointIds.map((id, i) =>
          ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `ApiVpcEndpoint${i}`, {
            vpcEndpointId: id,
            port: 443,
          }),
        ),
      };
    }
    return { types: [apigateway.EndpointType.REGIONAL], ipAddressType };
  }

  private get ipAddressType(): apigateway.IpAddressType | undefined {
    switch (this.config.api.ipAddressType) {
      case 'ipv4':
        return apigateway.IpAddressType.IPV4;
      case 'dualstack':
        return apigateway.IpAddressType.DUAL_STACK;
      default:
        return undefined;
    }
  }

  private createDomain(): apigateway.DomainName | undefined {
    const { domain } = this.config.api;
    if (!domain) return undefined;
    const domainName = new apigateway.DomainName(this, 'DomainName', {
      domainName: domain.name,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
    });
    if (this.config.api.ipAddressType) {
      // L1: DomainNameProps has no IP address type. The domain takes the API's, so a client that
      // resolves the custom name reaches the API over the same protocols as the execute-api name.
      (domainName.node.defaultChild as apigateway.CfnDomainName).endpointConfiguration = {
        types: [apigateway.EndpointType.REGIONAL],
        ipAddressType: this.config.api.ipAddressType,
      };
    }
    new apigateway.BasePathMapping(this, 'BasePathMapping', {
      domainName,
      restApi: this.restApi,
      stage: this.stage,
    });
    return domainName;
  }

  private associateWebAcl(): void {
    const { wafWebAclArn } = this.config.api;
    if (!wafWebAclArn) return;
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.stage.stageArn,
      webAclArn: wafWebAclArn,
    });
  }

  private createRoutesReconciler(observability: ObservabilityStack): RoutesReconciler {
    return new RoutesReconciler(this, 'Routes', {
      nameScope: this.nameScope,
      restApiId: this.restApi.restApiId,
      stageName: this.stageName,
      alarmTopic: observability.alarmTopic,
      logRetention: this.config.observability.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: this.dataRemovalPolicy,
    });
  }

  /** Everything the reconciler needs to know about the API, from this environment's config. */
  private platformSettings(): PlatformSettings {
    const { api } = this.config;
    const policy = apiAccessPolicy(api.access);
    return {
      version: PLATFORM_SETTINGS_VERSION,
      restApiId: this.restApi.restApiId,
      stageName: this.stageName,
      region: this.region,
      account: this.account,
      apiName: this.apiName,
      ...(api.cors.allowOrigins.length > 0
        ? {
            cors: {
              allowOrigins: [...api.cors.allowOrigins],
              allowMethods: [...api.cors.allowMethods],
              allowHeaders: [...api.cors.allowHeaders],
              allowCredentials: api.cors.allowCredentials,
              maxAgeSeconds: api.cors.maxAgeSeconds,
            },
          }
        : {}),
      ...(this.jwtAuthorizer
        ? {
            jwtAuthorizer: {
              functionArn: this.jwtAuthorizer.function.functionArn,
              identityHeader: this.jwtAuthorizer.identityHeader,
              resultsCacheTtlSeconds: this.jwtAuthorizer.resultsCacheTtlSeconds,
            },
          }
        : {}),
      ...(api.cognitoUserPoolArns
        ? {
            cognitoAuthorizer: {
              providerArns: [...api.cognitoUserPoolArns],
              identityHeader: api.authorizer?.identityHeader ?? 'Authorization',
            },
          }
        : {}),
      routes: [HEALTH_ROUTE],
      gatewayResponses: [...CORS_GATEWAY_RESPONSES],
      // In the API definition the reconciler puts, not on the CloudFormation RestApi: its
      // overwrite would otherwise remove them.
      ...(api.binaryMediaTypes.length > 0 ? { binaryMediaTypes: [...api.binaryMediaTypes] } : {}),
      ...(policy ? { resourcePolicy: policy.toJSON() as Record<string, unknown> } : {}),
      ...(api.access.mode === 'vpcEndpoints' ? { vpcEndpointIds: [...api.access.vpcEndpointIds] } : {}),
      caching: { enabled: api.cache !== undefined, encrypted: api.cache?.encrypted ?? true },
      quotas: { resourcesPerApi: api.quotas.resourcesPerApi },
      throttle: { rateLimit: api.throttle.rateLimit, burstLimit: api.throttle.burstLimit },
    };
  }

  /**
   * The platform's settings, handed to the receiver like a service's declaration: a CORS, authorizer
   * or cache change updates this resource, and the reconcile it queues reaches every route with no
   * service deploy. It depends on the stage, so the reconciler finds the stage it patches.
   */
  private createSettings(): CustomResource {
    const settings = new CustomResource(this, 'Settings', {
      resourceType: SETTINGS_RESOURCE_TYPE,
      serviceToken: this.routes.serviceToken,
      serviceTimeout: Duration.seconds(ROUTES_SERVICE_TIMEOUT_SECONDS),
      properties: { Settings: this.toJsonString(this.platformSettings()) },
    });
    settings.node.addDependency(this.stage);
    return settings;
  }

  private createMonitoring(observability: ObservabilityStack): ApiMonitoring {
    return new ApiMonitoring(this, 'Monitoring', {
      nameScope: this.nameScope,
      apiName: this.apiName,
      stageName: this.stageName,
      thresholds: this.config.api.alarms,
      alarmTopic: observability.alarmTopic,
      dashboard: observability.dashboard,
      accessLogGroup: this.accessLogGroup,
      authorizerFunctionName: this.authorizerFunctionName,
      cache: this.config.api.cache !== undefined,
      routes: this.routes,
    });
  }

  private publishContract(): void {
    const scope = this.nameScope;
    const { cors, domain } = this.config.api;
    const put = (id: string, parameter: ContractParameter, value: string | string[]) =>
      new ContractValue(this, id, { scope, parameter, value });
    // SSM rejects an empty StringList: an empty list is published as the single contract value `none`.
    const list = (values: readonly string[]) => (values.length > 0 ? [...values] : [EMPTY_LIST_VALUE]);

    put('RestApiId', Parameters.restApiId, this.restApi.restApiId);
    put('RootResourceId', Parameters.rootResourceId, this.restApi.restApiRootResourceId);
    put('StageName', Parameters.stageName, this.stageName);
    put('InvokeUrl', Parameters.invokeUrl, domain ? `https://${domain.name}/` : this.restApi.url);
    put('CorsAllowOrigins', Parameters.corsAllowOrigins, list(cors.allowOrigins));
    put('CorsAllowMethods', Parameters.corsAllowMethods, list(cors.allowMethods));
    put('CorsAllowHeaders', Parameters.corsAllowHeaders, list(cors.allowHeaders));
    put('RoutesServiceToken', Parameters.routesServiceToken, this.routes.serviceToken);
  }

  private acknowledgeFindings(): void {
    const { api } = this.config;
    const retention = this.accessLogRetentionDays;
    for (const group of [this.accessLogGroup, this.executionLogGroup]) {
      const kmsReason =
        'API Gateway logs (caller IP, principal id, route, status; never bodies or tokens) are encrypted at rest by CloudWatch Logs with its own key; a customer key would add key and request cost without narrowing who can read them, which IAM on the log group governs.';
      acknowledgeLogGroup(group, {
        encryption: kmsReason,
        retentionDays: retention,
        retention: `Retention is ${retention} days by this environment's config (api.accessLogRetentionDays, else observability.logRetentionDays): a non-production trade of history for cost; production keeps a year or more.`,
      });
    }
    acknowledge(
      this.restApi.node.findChild('CloudWatchRole'),
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'This is the account-wide API Gateway logging role (AWS::ApiGateway::Account): it serves every REST API in the account and region, so it cannot be scoped to this API, and the AWS-managed policy is the one AWS documents and maintains for it.',
    );
    const stage = this.stage;
    if (!api.wafWebAclArn) {
      const wafReason = `This environment's config sets no api.wafWebAclArn: web ACLs are owned and billed outside the platform; the API is protected by stage throttling${api.access.mode === 'open' ? '' : ', its resource policy'} and authorizers. Set api.wafWebAclArn to associate one.`;
      acknowledge(stage, 'AwsSolutions-APIG3', wafReason);
      acknowledge(stage, 'NIST.800.53.R5-APIGWAssociatedWithWAF', wafReason);
    }
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      api.cache === undefined
        ? "This environment's config sets no api.cache: a cache cluster is billed per hour whether used or not."
        : 'Nothing is cached stage-wide on purpose: routes opt in one by one (ServiceApi cache), and the reconciler keys each on the Authorization header, path and query, so one caller is never served the response of another. cacheDataEncrypted follows api.cache.encrypted.',
    );
    const validationReason =
      "The reconciler owns the API's methods (one OpenAPI body put with PutRestApi); request validation is part of that body, and a CloudFormation request validator would be removed by its first overwrite.";
    acknowledge(this.restApi, 'AwsSolutions-APIG2', validationReason);
    if (!api.tracing) {
      const tracingReason =
        "This environment's config sets api.tracing to false (X-Ray traces are billed per request recorded); access and execution logs still record every request.";
      for (const id of [
        'Serverless-APIGWXrayEnabled',
        'NIST.800.53.R5-APIGWXrayEnabled',
        'cdk-validator-cfnguard::api_gw_xray_enabled_check',
      ]) {
        acknowledge(stage, id, tracingReason);
      }
    }
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWSSLEnabled',
      'A stage client certificate authenticates API Gateway to HTTP backends; the services integrate with Lambda (AWS_PROXY), which API Gateway invokes with IAM (SigV4), so a client certificate would secure nothing.',
    );
  }
}
