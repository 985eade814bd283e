import { REDEPLOY_RESOURCE_TYPE, REDEPLOY_SERVICE_TIMEOUT_SECONDS } from '@shared-lambda-infra/contract';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiMonitoring } from '../lib/constructs/api-monitoring';
import { JwtAuthorizer } from '../lib/constructs/jwt-authorizer';
import { type SynthResult, synthPlatform } from './helpers/synth';

// Each synth builds the whole platform with the compliance packs on (an unacknowledged finding
// fails it), so each describe synthesizes once. On a loaded machine one synth takes minutes.
const SYNTH_TIMEOUT = 600_000;

const API_NAME = 'shared-lambda-infra-dev-api-shared';
const param = (t: Template, name: string) =>
  Object.values(t.findResources('AWS::SSM::Parameter', { Properties: { Name: name } }))[0]?.Properties as
    | { Value: unknown; Type: string; Description: string }
    | undefined;
const stageOf = (t: Template) =>
  Object.values(t.findResources('AWS::ApiGateway::Stage'))[0]?.Properties as Record<string, unknown>;
const allSettings = (t: Template) =>
  (stageOf(t).MethodSettings as Array<Record<string, unknown>>).find(
    (s) => s.ResourcePath === '/*' && s.HttpMethod === '*',
  ) as Record<string, unknown>;

describe('ApiStack in dev (config/dev.yaml)', () => {
  let result: SynthResult;
  let api: Template;

  beforeAll(() => {
    result = synthPlatform({ env: 'dev' });
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('creates one REGIONAL REST API named by the naming convention, open (no resource policy)', () => {
    api.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: API_NAME,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      Policy: Match.absent(),
    });
  });

  it('names the single stage after the environment and traces it with X-Ray', () => {
    api.resourceCountIs('AWS::ApiGateway::Stage', 1);
    expect(stageOf(api)).toMatchObject({ StageName: 'dev', TracingEnabled: true });
  });

  it('throttles every method by default with api.throttle, logs errors and never logs request data', () => {
    expect(allSettings(api)).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
      LoggingLevel: 'ERROR',
      DataTraceEnabled: false,
    });
  });

  it('writes JSON access logs with every required field to a log group kept observability.logRetentionDays', () => {
    const setting = stageOf(api).AccessLogSetting as { Format: string; DestinationArn: unknown };
    const format = JSON.parse(setting.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.caller',
      user: '$context.identity.user',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
      authorizerError: '$context.authorizer.error',
    });
    const [logicalId] = Object.keys(
      api.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 14 } }),
    );
    expect(JSON.stringify(setting.DestinationArn)).toContain('AccessLogs');
    api.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 14 },
      DeletionPolicy: 'Delete', // removalPolicy: destroy in dev
    });
    expect(logicalId).toBeDefined();
  });

  it('creates the execution log group before the stage, so API Gateway does not create one that never expires', () => {
    const [groupId] = Object.keys(
      api.findResources('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', Match.anyValue(), '/dev']] },
        },
      }),
    );
    expect(groupId).toBeDefined();
    api.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([groupId]) });
  });

  it('sets the account-level CloudWatch logging role and retains it when the stack is deleted', () => {
    api.resourceCountIs('AWS::ApiGateway::Account', 1);
    api.hasResource('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('provisions no cache cluster when api.cache is not set', () => {
    expect(stageOf(api)).toMatchObject({ CacheClusterEnabled: false });
    expect(allSettings(api).CachingEnabled).toBe(false);
  });

  it('answers GET /health with an unauthenticated mock, so the API always has a method to deploy', () => {
    api.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'health' });
    api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({ Type: 'MOCK' }),
    });
  });

  it('creates each registered service base resource and publishes its id, path and throttle', () => {
    api.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'orders' });
    const base = '/shared-lambda-infra/dev/services/orders';
    expect(param(api, `${base}/base-resource-id`)?.Value).toEqual({
      Ref: expect.stringMatching(/^RestApiorders/),
    });
    expect(param(api, `${base}/base-path`)?.Value).toBe('orders');
    expect(JSON.parse(param(api, `${base}/throttle`)?.Value as string)).toEqual({
      rateLimit: 20,
      burstLimit: 40,
    });
  });

  it('adds CORS headers to the gateway responses, echoing the Origin when several origins are allowed', () => {
    api.resourceCountIs('AWS::ApiGateway::GatewayResponse', 4);
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED']) {
      api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
          'gatewayresponse.header.Vary': "'Origin'",
        }),
      });
    }
  });

  it('creates the TOKEN JWT authorizer on the configured header with the configured result cache TTL', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      Name: 'shared-jwt',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
      IdentityValidationExpression: Match.stringLikeRegexp('earer'),
    });
  });

  it('runs the authorizer on arm64 and the current Node.js runtime, traced, with the issuers as JSON', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shared-lambda-infra-dev-fn-api-authorizer',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          AUTHORIZER_ISSUERS: JSON.stringify([
            {
              issuer: 'https://auth.dev.example.com/',
              audiences: ['orders-api'],
              jwksUri: 'https://auth.dev.example.com/.well-known/jwks.json',
            },
          ]),
          POWERTOOLS_SERVICE_NAME: 'api-authorizer',
        }),
      },
    });
  });

  it('lets API Gateway invoke the authorizer only for this authorizer of this API', () => {
    api.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('^RestApi') }), '/authorizers/']),
        ],
      },
    });
  });

  it('redeploys each service after the platform stage, carrying the service throttle', () => {
    api.hasResource(REDEPLOY_RESOURCE_TYPE, {
      Properties: Match.objectLike({
        ServiceTimeout: String(REDEPLOY_SERVICE_TIMEOUT_SECONDS),
        ServiceName: 'orders',
        Phase: 'after',
        BasePath: 'orders',
        StageName: 'dev',
        Throttle: '{"rateLimit":20,"burstLimit":40}',
        RoutesFingerprint: {
          'Fn::Join': [
            ':',
            [Match.stringLikeRegexp('^[0-9a-f]{8}$'), { Ref: Match.stringLikeRegexp('^RestApiDeployment') }],
          ],
        },
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^RestApiDeploymentStagedev')]),
    });
  });

  it('alarms on 5XX rate, p99 latency, 429s and authorizer errors at the default thresholds, to the alarm topic', () => {
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-5xx-rate',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
      ]),
      AlarmActions: [
        Match.objectLike({
          'Fn::GetStackOutput': Match.objectLike({ StackName: 'shared-lambda-infra-dev-observability' }),
        }),
      ],
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-latency-p99',
      Threshold: 3000,
      ExtendedStatistic: 'p99',
      Dimensions: [
        { Name: 'ApiName', Value: API_NAME },
        { Name: 'Stage', Value: 'dev' },
      ],
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-throttled',
      Threshold: 100,
    });
    api.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'ThrottledRequests', MetricNamespace: 'shared-lambda-infra/dev/api' }),
      ],
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-authorizer-errors',
      Threshold: 1,
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: 'shared-lambda-infra-dev-fn-api-authorizer' }],
    });
  });

  it('adds API widgets to the observability dashboard from plain names, with no reference to the API stack', () => {
    const obs = result.template(result.stacks.observability);
    const body = JSON.stringify(
      Object.values(obs.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties,
    );
    expect(body).toContain(API_NAME);
    expect(body).toContain('shared-lambda-infra-dev-fn-api-authorizer');
    expect(body).not.toContain('shared-lambda-infra-dev-api"');
    expect(body).not.toMatch(/StackName[^}]*-dev-api/);
  });

  it('publishes every api contract value under /{project}/{env}/api, and no Cognito authorizer id', () => {
    const names = Object.values(api.findResources('AWS::SSM::Parameter')).map(
      (r) => (r.Properties as { Name: string }).Name,
    );
    expect(names.filter((n) => n.includes('/api/')).sort()).toEqual(
      [
        'authorizer-id',
        'cors-allow-headers',
        'cors-allow-methods',
        'cors-allow-origins',
        'invoke-url',
        'redeploy-service-token',
        'rest-api-id',
        'root-resource-id',
        'stage-name',
      ].map((a) => `/shared-lambda-infra/dev/api/${a}`),
    );
    expect(param(api, '/shared-lambda-infra/dev/api/cors-allow-origins')).toMatchObject({
      Type: 'StringList',
      Value: 'http://localhost:3000,https://dev.app.example.com',
    });
    expect(param(api, '/shared-lambda-infra/dev/api/stage-name')?.Value).toBe('dev');
    expect(
      JSON.stringify(param(api, '/shared-lambda-infra/dev/api/redeploy-service-token')?.Value),
    ).toContain('StageRedeploy');
  });
});

describe('ApiStack in prod (config/prod.yaml)', () => {
  let api: Template;

  beforeAll(() => {
    const result = synthPlatform({ env: 'prod' });
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('names the stage prod and throttles every method with the prod api.throttle', () => {
    expect(stageOf(api).StageName).toBe('prod');
    expect(allSettings(api)).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });

  it('provisions no cache cluster: prod has an authorizer, so a cache would cache nothing', () => {
    expect(stageOf(api)).toMatchObject({ CacheClusterEnabled: false });
    expect(allSettings(api).CachingEnabled).toBeFalsy();
  });

  it('keeps access logs a year and retains them when the stack is deleted', () => {
    api.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  it('sends the single allowed origin on gateway responses, without Vary', () => {
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
        'gatewayresponse.header.Access-Control-Allow-Headers': Match.anyValue(),
        'gatewayresponse.header.Access-Control-Allow-Methods': Match.anyValue(),
      },
    });
  });

  it('publishes the prod per-service throttle override', () => {
    expect(
      JSON.parse(param(api, '/shared-lambda-infra/prod/services/orders/throttle')?.Value as string),
    ).toEqual({
      rateLimit: 200,
      burstLimit: 400,
    });
  });
});

describe('ApiStack with source CIDRs, a custom domain, WAF, a cache and no authorizer', () => {
  let api: Template;

  beforeAll(() => {
    const result = synthPlatform({
      env: 'dev',
      overrides: {
        api: {
          stageName: 'v1',
          tracing: false,
          accessLogRetentionDays: 90,
          cache: { sizeGb: '1.6', ttlSeconds: 120, encrypted: true },
          cors: { allowOrigins: [] },
          access: { mode: 'sourceCidrs', cidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
          domain: {
            name: 'api.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
          },
          wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234',
          authorizer: undefined,
          alarms: {
            serverErrorRatePercent: 5,
            latencyP99Ms: 1500,
            throttledRequests: 7,
            authorizerErrors: 3,
          },
        },
        services: [
          {
            name: 'orders',
            repository: 'acme/orders-service',
            basePath: 'orders',
            throttle: { rateLimit: 20, burstLimit: 40 },
          },
          { name: 'billing', repository: 'acme/billing-service', basePath: 'billing' },
        ],
      },
    });
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('uses api.stageName and turns tracing off when api.tracing is false', () => {
    expect(stageOf(api)).toMatchObject({ StageName: 'v1', TracingEnabled: false });
  });

  it('keeps access logs api.accessLogRetentionDays', () => {
    api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('caches every method with the configured TTL and encryption when no authorizer exists', () => {
    expect(stageOf(api)).toMatchObject({ CacheClusterEnabled: true, CacheClusterSize: '1.6' });
    expect(allSettings(api)).toMatchObject({
      CachingEnabled: true,
      CacheTtlInSeconds: 120,
      CacheDataEncrypted: true,
    });
  });

  it('denies invocation from outside the source CIDRs, on this API only', () => {
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Resource: 'execute-api:/*',
            Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.0/24'] } },
          }),
        ]),
      },
    });
  });

  it('maps the regional TLS 1.2 custom domain to the stage and publishes its URL as the invoke URL', () => {
    api.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      RegionalCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    api.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
      Stage: { Ref: Match.stringLikeRegexp('^RestApiDeploymentStagev1') },
    });
    expect(param(api, '/shared-lambda-infra/dev/api/invoke-url')?.Value).toBe('https://api.example.com/');
  });

  it('associates the WAF web ACL with the stage', () => {
    api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234',
    });
  });

  it('creates no authorizer, no authorizer alarm and publishes no authorizer id', () => {
    api.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    expect(param(api, '/shared-lambda-infra/dev/api/authorizer-id')).toBeUndefined();
    expect(
      Object.keys(api.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors' } })),
    ).toHaveLength(0);
  });

  it('adds no CORS gateway responses and publishes `none` when no origin is allowed', () => {
    api.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    expect(param(api, '/shared-lambda-infra/dev/api/cors-allow-origins')?.Value).toBe('none');
  });

  it('alarms at the configured api.alarms thresholds', () => {
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('5xx-rate'),
      Threshold: 5,
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('latency-p99'),
      Threshold: 1500,
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('throttled'),
      Threshold: 7,
    });
  });

  it('publishes api.throttle for a service without its own throttle, and redeploys services one after another', () => {
    expect(
      JSON.parse(param(api, '/shared-lambda-infra/dev/services/billing/throttle')?.Value as string),
    ).toEqual({
      rateLimit: 50,
      burstLimit: 100,
    });
    api.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'billing' });
    const redeploys = api.findResources(REDEPLOY_RESOURCE_TYPE);
    const orders = Object.keys(redeploys).find((k) => k.includes('orders')) as string;
    const billing = redeploys[Object.keys(redeploys).find((k) => k.includes('billing')) as string];
    expect(billing?.DependsOn).toContain(orders);
  });
});

describe('ApiStack with VPC endpoints, a Cognito authorizer and a custom identity header', () => {
  let api: Template;

  beforeAll(() => {
    const result = synthPlatform({
      env: 'dev',
      overrides: {
        api: {
          cache: { sizeGb: '0.5' },
          cors: { allowOrigins: ['*'] },
          access: { mode: 'vpcEndpoints', vpcEndpointIds: ['vpce-0123456789abcdef0'] },
          authorizer: {
            issuers: [
              {
                issuer: 'https://auth.dev.example.com/',
                audiences: ['orders-api'],
                jwksUri: 'https://keys.example.com/jwks',
              },
            ],
            identityHeader: 'X-Auth-Token',
            resultsCacheTtlSeconds: 0,
          },
          cognitoUserPoolArns: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
        },
      },
    });
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('becomes a PRIVATE API reached through the listed VPC endpoints, and denies invocation from elsewhere', () => {
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] },
      Policy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Resource: 'execute-api:/*',
            Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } },
          }),
        ]),
      },
    });
  });

  it('reads the token from api.authorizer.identityHeader, with the configured TTL and jwksUri', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.X-Auth-Token',
      AuthorizerResultTtlInSeconds: 0,
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUTHORIZER_ISSUERS: Match.stringLikeRegexp('https://keys.example.com/jwks'),
        }),
      },
    });
  });

  it('creates the Cognito user-pool authorizer and publishes its id', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
      IdentitySource: 'method.request.header.X-Auth-Token',
    });
    expect(param(api, '/shared-lambda-infra/dev/api/cognito-authorizer-id')?.Value).toEqual({
      Ref: expect.stringMatching(/^CognitoAuthorizer/),
    });
  });

  it('keeps stage-wide caching off when a Cognito authorizer exists', () => {
    expect(stageOf(api).CacheClusterEnabled).toBe(true);
    expect(allSettings(api).CachingEnabled).toBe(false);
  });

  it("sends '*' as the allowed origin on gateway responses when any origin is allowed", () => {
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Access-Control-Allow-Origin': "'*'" }),
    });
  });
});

describe('API constructs', () => {
  function bareStack(): Stack {
    return new Stack(new App(), 'Bare');
  }

  it('rejects a JWT authorizer without issuers', () => {
    const stack = bareStack();
    const restApi = apigateway.RestApi.fromRestApiId(stack, 'Api', 'abc123');
    expect(() => new JwtAuthorizer(stack, 'Jwt', { restApi, issuers: [] })).toThrow(
      /JwtAuthorizer needs at least one issuer, got none/,
    );
  });

  it('rejects a JWT authorizer result cache TTL above the API Gateway limit of 3600 seconds', () => {
    const stack = bareStack();
    const restApi = apigateway.RestApi.fromRestApiId(stack, 'Api', 'abc123');
    expect(
      () =>
        new JwtAuthorizer(stack, 'Jwt', {
          restApi,
          issuers: [{ issuer: 'https://a.example.com/', audiences: ['x'] }],
          resultsCacheTtl: Duration.hours(2),
        }),
    ).toThrow(/resultsCacheTtl is 7200 seconds; API Gateway allows at most 3600/);
  });

  it('rejects a token as a dashboard dimension, which would tie the dashboard stack to the API stack', () => {
    const stack = bareStack();
    const restApi = new apigateway.RestApi(stack, 'Api');
    restApi.root.addMethod('GET');
    expect(
      () =>
        new ApiMonitoring(stack, 'Monitoring', {
          nameScope: { project: 'shared-lambda-infra', env: 'dev' },
          apiName: restApi.restApiId,
          stageName: 'dev',
          thresholds: {
            serverErrorRatePercent: 1,
            latencyP99Ms: 1000,
            throttledRequests: 1,
            authorizerErrors: 1,
          },
          alarmTopic: new sns.Topic(stack, 'Topic'),
          accessLogGroup: new logs.LogGroup(stack, 'Logs'),
        }),
    ).toThrow(/ApiMonitoring apiName is a token .*pass the plain name computed from config/);
  });
});
