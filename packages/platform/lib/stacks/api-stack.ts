import {
  type ContractParameter,
  EMPTY_LIST_VALUE,
  Parameters,
  REDEPLOY_RESOURCE_TYPE,
  REDEPLOY_SERVICE_TIMEOUT_SECONDS,
  type RedeployResourceProperties,
  resourceName,
  type ServiceContractParameter,
  sharedRestApiName,
  stableHash,
} from '@shared-lambda-infra/contract';
import { CustomResource, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance';
import type { ServiceConfig } from '../config/schema';
import { apiAccessPolicy } from '../constructs/api-access-policy';
import { ApiMonitoring } from '../constructs/api-monitoring';
import { ContractValue } from '../constructs/contract-parameter';
import { JwtAuthorizer } from '../constructs/jwt-authorizer';
import { StageRedeployProvider } from '../constructs/stage-redeploy-provider';
import type { ObservabilityStack } from './observability-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends PlatformStackProps {
  /** Where API alarms go and API widgets join. */
  readonly observability: ObservabilityStack;
}

/**
 * The stage's access log: one JSON object per request. `status` is what the 429 metric filter reads,
 * `authorizerError` says why an authorizer refused or failed, `principalId` who was allowed.
 */
export const ACCESS_LOG_FORMAT = apigateway.AccessLogFormat.custom(
  JSON.stringify({
    requestId: apigateway.AccessLogField.contextRequestId(),
    extendedRequestId: apigateway.AccessLogField.contextExtendedRequestId(),
    ip: apigateway.AccessLogField.contextIdentitySourceIp(),
    caller: apigateway.AccessLogField.contextIdentityCaller(),
    user: apigateway.AccessLogField.contextIdentityUser(),
    principalId: apigateway.AccessLogField.contextAuthorizerPrincipalId(),
    requestTime: apigateway.AccessLogField.contextRequestTime(),
    httpMethod: apigateway.AccessLogField.contextHttpMethod(),
    resourcePath: apigateway.AccessLogField.contextResourcePath(),
    status: apigateway.AccessLogField.contextStatus(),
    protocol: apigateway.AccessLogField.contextProtocol(),
    responseLength: apigateway.AccessLogField.contextResponseLength(),
    responseLatency: apigateway.AccessLogField.contextResponseLatency(),
    integrationLatency: apigateway.AccessLogField.contextIntegrationLatency(),
    authorizerError: apigateway.AccessLogField.contextAuthorizerError(),
  }),
);

// Gateway responses API Gateway itself produces; a browser can read them (and so see why a call
// failed) only when they carry the CORS headers.
const CORS_GATEWAY_RESPONSES: ReadonlyArray<[string, apigateway.ResponseType]> = [
  ['Default4xx', apigateway.ResponseType.DEFAULT_4XX],
  ['Default5xx', apigateway.ResponseType.DEFAULT_5XX],
  ['Unauthorized', apigateway.ResponseType.UNAUTHORIZED],
  ['AccessDenied', apigateway.ResponseType.ACCESS_DENIED],
];

/**
 * The shared REST API stack (`{project}-{env}-api`): one REST API (REGIONAL, or PRIVATE when limited to VPC endpoints) and its single stage,
 * the platform-owned base resource of every registered service, the shared JWT (and optional
 * Cognito) authorizer, the stage-redeploy custom resource provider, alarms and dashboard widgets,
 * and the contract values services build their routes from.
 *
 * ## Who owns the stage, and why a platform update never drops service routes
 * Services add methods under their base resource from their own stacks, and redeploy the stage
 * through the `Custom::SharedApiStageRedeploy` resource (contract `redeploy.ts`). The platform
 * still owns the `AWS::ApiGateway::Stage` and an `AWS::ApiGateway::Deployment`, and a platform
 * update could point the stage at a snapshot that lacks the services' methods: the Deployment is
 * replaced whenever the platform's own routes change (a new snapshot is taken then, which does
 * include every service method that exists at that moment), but a stage replacement or an update
 * that rewrites the stage could leave it on the platform's older Deployment.
 *
 * So the platform drives the redeploy resource itself, once per registered service, AFTER its own
 * Stage: each resource's fingerprint is a hash of the API config and the service's registry entry
 * joined with the platform Deployment's id, so any change to the stage's settings, the platform's
 * routes or the service's throttle updates the resources, and their handler takes a fresh snapshot
 * of the whole API (every service's methods included) and re-applies that service's method
 * throttling, which a stage update may have reset. The resources are chained so their
 * CreateDeployment calls run one after another (API Gateway throttles that API per account).
 *
 * The alternative, a Deployment whose logical id changes on every synth, would make every
 * `cdk diff` show a change and every deploy create a deployment, and would still not restore the
 * services' per-method throttling.
 */
export class ApiStack extends PlatformStack {
  /** The shared REST API. */
  public readonly restApi: apigateway.RestApi;
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
  /** Id of the Cognito user-pool authorizer; absent when `api.cognitoUserPoolArns` is not set. */
  public readonly cognitoAuthorizerId?: string;
  /** Each registered service's base resource (`/{basePath}`), by service name. */
  public readonly serviceResources: Readonly<Record<string, apigateway.IResource>>;
  /** The custom domain; absent when `api.domain` is not configured. */
  public readonly domainName?: apigateway.DomainName;
  /** The provider of the stage-redeploy custom resource. */
  public readonly redeploy: StageRedeployProvider;
  /** Alarms and widgets. */
  public readonly monitoring: ApiMonitoring;

  constructor(scope: Construct, props: ApiStackProps) {
    super(scope, 'api', props);
    this.stageName = this.config.api.stageName ?? this.config.environment;
    this.apiName = sharedRestApiName(this.nameScope);

    this.accessLogGroup = this.createAccessLogGroup();
    this.restApi = this.createRestApi();
    this.stage = this.restApi.deploymentStage;
    this.executionLogGroup = this.createExecutionLogGroup();
    this.createHealthMethod();
    this.serviceResources = this.createServiceResources();
    this.createGatewayResponses();
    this.jwtAuthorizer = this.createJwtAuthorizer();
    this.cognitoAuthorizerId = this.createCognitoAuthorizer();
    this.domainName = this.createDomain();
    this.associateWebAcl();
    this.redeploy = this.createRedeployProvider();
    this.redeployServicesAfterStage();
    this.monitoring = this.createMonitoring(props.observability);
    this.publishContract();
    this.acknowledgeFindings();
  }

  private get accessLogRetentionDays(): number {
    return this.config.api.accessLogRetentionDays ?? this.config.observability.logRetentionDays;
  }

  /**
   * Stage-wide caching is on only when no shared authorizer exists. The stage's method settings
   * cannot tell authorized methods apart (there is no per-path wildcard, and the methods live in
   * service stacks), and a cached GET is keyed by path and the integration's cache key parameters
   * only: without the Authorization header among them, a second caller would be served the first
   * caller's response. Services' integrations are outside the platform's control, so rather than
   * trust each one to add the header to its cache key, the platform keeps caching off stage-wide
   * whenever any method may be authorized. The cluster is still provisioned (`cache.sizeGb`) so a
   * per-method opt-in can use it.
   */
  private get stageCaching(): boolean {
    const { cache, authorizer, cognitoUserPoolArns } = this.config.api;
    return cache !== undefined && authorizer === undefined && cognitoUserPoolArns === undefined;
  }

  private createAccessLogGroup(): logs.LogGroup {
    const group = new logs.LogGroup(this, 'AccessLogs', {
      retention: this.accessLogRetentionDays as logs.RetentionDays,
      removalPolicy: this.dataRemovalPolicy,
    });
    return group;
  }

  private createRestApi(): apigateway.RestApi {
    const { api } = this.config;
    const caching = this.stageCaching;
    const restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: this.apiName,
      description: `Shared REST API of ${this.config.project} (${this.config.environment}); services own /{basePath}.`,
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
        description: `Stage of the shared REST API; services redeploy it through ${REDEPLOY_RESOURCE_TYPE}.`,
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
        cachingEnabled: caching,
        cacheTtl: caching ? Duration.seconds(api.cache?.ttlSeconds ?? 0) : undefined,
        // Set even while nothing is cached: Control Tower's CT.APIGATEWAY.PR.3 asks every stage for it,
        // and it costs nothing until a method caches.
        cacheDataEncrypted: api.cache?.encrypted ?? true,
      },
    });
    return restApi;
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

  /**
   * `GET /health`: a platform-owned mock method, because API Gateway refuses to deploy an API with
   * no method, and the platform deploys before any service has added one.
   */
  private createHealthMethod(): void {
    const validator = this.restApi.addRequestValidator('RequestValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const method = this.restApi.root.addResource('health').addMethod(
      'GET',
      new apigateway.MockIntegration({
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': '{"status":"ok"}' } },
        ],
      }),
      {
        authorizationType: apigateway.AuthorizationType.NONE,
        requestValidator: validator,
        methodResponses: [{ statusCode: '200' }],
      },
    );
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      acknowledge(
        method,
        id,
        'GET /health is a public liveness probe: a mock integration that returns a fixed body, reaches no backend and reveals nothing.',
      );
    }
  }

  /** `/{basePath}` of every registered service: created by the platform, filled by the service. */
  private createServiceResources(): Record<string, apigateway.IResource> {
    const resources: Record<string, apigateway.IResource> = {};
    for (const service of this.config.services) {
      resources[service.name] = this.restApi.root.addResource(service.basePath);
    }
    return resources;
  }

  /**
   * CORS headers on the responses API Gateway produces itself (authorizer refusals, throttling,
   * missing routes, integration failures), which no service code can add them to.
   *
   * One origin (or `*`) is sent as is. A gateway response cannot choose among several origins, so
   * with several the request's `Origin` is echoed (with `Vary: Origin`): these bodies are API
   * Gateway's fixed error messages, never service data, and the allowlist still governs every
   * response a service returns.
   */
  private createGatewayResponses(): void {
    const { cors } = this.config.api;
    if (cors.allowOrigins.length === 0) return;
    const single = cors.allowOrigins.length === 1 || cors.allowOrigins.includes('*');
    const origin = cors.allowOrigins.includes('*') ? '*' : cors.allowOrigins[0];
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': single ? `'${origin}'` : 'method.request.header.Origin',
      'Access-Control-Allow-Headers': `'${cors.allowHeaders.join(',')}'`,
      'Access-Control-Allow-Methods': `'${cors.allowMethods.join(',')}'`,
    };
    if (!single) headers.Vary = "'Origin'";
    if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = "'true'";
    for (const [id, type] of CORS_GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(id, { type, responseHeaders: headers });
    }
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
   * A Cognito user-pool authorizer (L1: like the JWT authorizer, its methods live in service stacks,
   * and the L2 binds only through a method in this app). It reads the same header as the JWT one.
   */
  private createCognitoAuthorizer(): string | undefined {
    const { cognitoUserPoolArns, authorizer } = this.config.api;
    if (!cognitoUserPoolArns) return undefined;
    const cognito = new apigateway.CfnAuthorizer(this, 'CognitoAuthorizer', {
      restApiId: this.restApi.restApiId,
      name: 'shared-cognito',
      type: 'COGNITO_USER_POOLS',
      providerArns: [...cognitoUserPoolArns],
      identitySource: `method.request.header.${authorizer?.identityHeader ?? 'Authorization'}`,
    });
    return cognito.ref;
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
    if (access.mode === 'vpcEndpoints') {
      return {
        types: [apigateway.EndpointType.PRIVATE],
        vpcEndpoints: access.vpcEndpointIds.map((id, i) =>
          ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `ApiVpcEndpoint${i}`, {
            vpcEndpointId: id,
            port: 443,
          }),
        ),
      };
    }
    return { types: [apigateway.EndpointType.REGIONAL] };
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

  private createRedeployProvider(): StageRedeployProvider {
    return new StageRedeployProvider(this, 'StageRedeploy', {
      restApi: this.restApi,
      stageName: this.stageName,
      logRetention: this.config.observability.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: this.dataRemovalPolicy,
    });
  }

  /** See the class comment: one redeploy per service, after the Stage, one at a time. */
  private redeployServicesAfterStage(): void {
    const deploymentId = this.restApi.latestDeployment?.deploymentId ?? '';
    const apiHash = stableHash(JSON.stringify({ api: this.config.api, stage: this.stageName }));
    const parent = new Construct(this, 'ServiceRedeploys');
    let previous: CustomResource | undefined;
    for (const service of this.config.services) {
      const properties: RedeployResourceProperties = {
        RestApiId: this.restApi.restApiId,
        StageName: this.stageName,
        ServiceName: service.name,
        Phase: 'after',
        BasePath: service.basePath,
        Throttle: this.serviceThrottle(service),
        RoutesFingerprint: Fn.join(':', [stableHash(`${apiHash}:${JSON.stringify(service)}`), deploymentId]),
      };
      const redeploy = new CustomResource(parent, service.name, {
        serviceToken: this.redeploy.serviceToken,
        resourceType: REDEPLOY_RESOURCE_TYPE,
        serviceTimeout: Duration.seconds(REDEPLOY_SERVICE_TIMEOUT_SECONDS),
        properties: { ...properties },
      });
      redeploy.node.addDependency(this.stage);
      if (previous) redeploy.node.addDependency(previous);
      previous = redeploy;
    }
  }

  private serviceThrottle(service: ServiceConfig): string {
    const { rateLimit, burstLimit } = service.throttle ?? this.config.api.throttle;
    return JSON.stringify({ rateLimit, burstLimit });
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
    });
  }

  private publishContract(): void {
    const scope = this.nameScope;
    const { cors, domain } = this.config.api;
    const put = (
      id: string,
      parameter: ContractParameter | ServiceContractParameter,
      value: string | string[],
      service?: string,
    ) => new ContractValue(this, id, { scope, parameter, value, service });
    // SSM rejects an empty StringList: an empty list is published as the single contract value `none`.
    const list = (values: readonly string[]) => (values.length > 0 ? [...values] : [EMPTY_LIST_VALUE]);

    put('RestApiId', Parameters.restApiId, this.restApi.restApiId);
    put('RootResourceId', Parameters.rootResourceId, this.restApi.restApiRootResourceId);
    put('StageName', Parameters.stageName, this.stageName);
    put('InvokeUrl', Parameters.invokeUrl, domain ? `https://${domain.name}/` : this.restApi.url);
    put('CorsAllowOrigins', Parameters.corsAllowOrigins, list(cors.allowOrigins));
    put('CorsAllowMethods', Parameters.corsAllowMethods, list(cors.allowMethods));
    put('CorsAllowHeaders', Parameters.corsAllowHeaders, list(cors.allowHeaders));
    put('RedeployServiceToken', Parameters.redeployServiceToken, this.redeploy.serviceToken);
    if (this.jwtAuthorizer) put('AuthorizerId', Parameters.authorizerId, this.jwtAuthorizer.authorizerId);
    if (this.cognitoAuthorizerId)
      put('CognitoAuthorizerId', Parameters.cognitoAuthorizerId, this.cognitoAuthorizerId);

    for (const service of this.config.services) {
      const resource = this.serviceResources[service.name] as apigateway.IResource;
      const id = (what: string) => `Service-${service.name}-${what}`;
      put(id('BaseResourceId'), Parameters.serviceBaseResourceId, resource.resourceId, service.name);
      put(id('BasePath'), Parameters.serviceBasePath, service.basePath, service.name);
      put(id('Throttle'), Parameters.serviceThrottle, this.serviceThrottle(service), service.name);
    }
  }

  private acknowledgeFindings(): void {
    const { api } = this.config;
    const retention = this.accessLogRetentionDays;
    for (const group of [this.accessLogGroup, this.executionLogGroup]) {
      const kmsReason =
        'API Gateway logs (caller IP, principal id, route, status; never bodies or tokens) are encrypted at rest by CloudWatch Logs with its own key; a customer key would add key and request cost without narrowing who can read them, which IAM on the log group governs.';
      acknowledge(group, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', kmsReason);
      acknowledge(group, 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', kmsReason);
      if (retention < 365) {
        acknowledge(
          group,
          'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
          `Retention is ${retention} days by this environment's config (api.accessLogRetentionDays, else observability.logRetentionDays): a non-production trade of history for cost; production keeps a year or more.`,
        );
      }
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
    if (!(this.stageCaching && api.cache?.encrypted)) {
      acknowledge(
        stage,
        'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
        api.cache === undefined
          ? "This environment's config sets no api.cache: a cache cluster is billed per hour whether used or not."
          : api.authorizer || api.cognitoUserPoolArns
            ? 'Stage-wide caching is off on purpose: the API has a shared authorizer, and a cache key without the Authorization header would serve one caller the response of another (see ApiStack.stageCaching).'
            : "This environment's config sets api.cache.encrypted to false.",
      );
    }
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
