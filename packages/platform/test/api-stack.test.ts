import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiMonitoring } from '../lib/constructs/api-monitoring';
import { JwtAuthorizer } from '../lib/constructs/jwt-authorizer';
import { type SynthResult, sharedPlatform, synthPlatform } from './helpers/synth';
import { API_EDGE_OVERRIDES, API_PRIVATE_OVERRIDES } from './helpers/variants';

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
/** The `Custom::SharedApiSettings` JSON, each CloudFormation token shown as `<LogicalId>` or `<LogicalId.Attr>`. */
function settingsOf(t: Template): Record<string, unknown> {
  const [resource] = Object.values(t.findResources('Custom::SharedApiSettings')) as Array<{
    Properties: { Settings: unknown };
  }>;
  const show = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const node = part as Record<string, unknown>;
    if (node.Ref) return `<${node.Ref as string}>`;
    if (node['Fn::GetAtt']) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
    throw new Error(`unexpected token ${JSON.stringify(part)}`);
  };
  const settings = resource.Properties.Settings as string | { 'Fn::Join': [string, unknown[]] };
  return JSON.parse(typeof settings === 'string' ? settings : settings['Fn::Join'][1].map(show).join(''));
}
const allSettings = (t: Template) =>
  (stageOf(t).MethodSettings as Array<Record<string, unknown>>).find(
    (s) => s.ResourcePath === '/*' && s.HttpMethod === '*',
  ) as Record<string, unknown>;

describe('ApiStack in dev (config/dev.yaml)', () => {
  let result: SynthResult;
  let api: Template;

  beforeAll(() => {
    result = sharedPlatform('dev');
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

  it('adds basePath to every access log line at ingestion and publishes the per-service metrics from it', () => {
    const accessLogGroup = Object.keys(api.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('AccessLogs'),
    );
    api.hasResourceProperties('AWS::Logs::Transformer', {
      LogGroupIdentifier: { Ref: accessLogGroup },
      TransformerConfig: Match.arrayWith([
        { SubstituteString: { Entries: [{ Source: 'basePath', From: '^/([^/]+).*$', To: '$1' }] } },
      ]),
    });
    // dev registers one service (orders): one shard, one filter per metric, on the transformed lines.
    const filters = api.findResources('AWS::Logs::MetricFilter', {
      Properties: { LogGroupName: { Ref: accessLogGroup }, ApplyOnTransformedLogs: true },
    });
    expect(
      Object.values(filters)
        .map(
          (f) => (f as { Properties: { MetricTransformations: Array<{ MetricName: string }> } }).Properties,
        )
        .map((p) => p.MetricTransformations[0]?.MetricName)
        .sort(),
    ).toEqual([
      '4XXError',
      '5XXError',
      'AuthorizerDenied',
      'IntegrationLatency',
      'Latency',
      'Requests',
      'Throttled',
    ]);
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
      errorType: '$context.error.responseType',
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

  it('creates the API from a GET /health mock body in merge mode, so a platform update never removes service routes', () => {
    const [restApi] = Object.values(api.findResources('AWS::ApiGateway::RestApi')) as Array<{
      Properties: { Mode: string; Body: { paths: Record<string, Record<string, Record<string, unknown>>> } };
    }>;
    expect(restApi.Properties.Mode).toBe('merge');
    expect(Object.keys(restApi.Properties.Body.paths)).toEqual(['/health']);
    expect(restApi.Properties.Body.paths['/health'].get['x-amazon-apigateway-integration']).toMatchObject({
      type: 'mock',
    });
    expect(settingsOf(api).routes).toEqual([
      {
        method: 'GET',
        path: '/health',
        authorization: 'none',
        integration: { type: 'mock', statusCode: 200, body: '{"status":"ok"}' },
      },
    ]);
  });

  it('holds nothing per registered service: no resource, method, parameter or custom resource', () => {
    for (const type of [
      'AWS::ApiGateway::Resource',
      'AWS::ApiGateway::Method',
      'AWS::ApiGateway::Authorizer',
    ]) {
      api.resourceCountIs(type, 0);
    }
    const names = Object.values(api.findResources('AWS::SSM::Parameter')).map(
      (r) => (r.Properties as { Name: string }).Name,
    );
    expect(names.filter((n) => n.includes('/services/'))).toEqual([]);
    expect(Object.keys(api.toJSON().Resources).filter((id) => /orders/i.test(id))).toEqual([]);
  });

  it('hands the CORS policy and the gateway responses to the reconciler in the settings, not as CloudFormation resources', () => {
    api.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
    const settings = settingsOf(api);
    expect(settings.cors).toEqual({
      allowOrigins: ['http://localhost:3000', 'https://dev.app.example.com'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Api-Key', 'X-Amz-Security-Token'],
      allowCredentials: false,
      maxAgeSeconds: 600,
    });
    expect(settings.gatewayResponses).toEqual([
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'UNAUTHORIZED',
      'ACCESS_DENIED',
    ]);
  });

  it('declares no binary media type unless configured', () => {
    expect(settingsOf(api).binaryMediaTypes).toBeUndefined();
  });

  it('hands the JWT authorizer function, header and result cache TTL to the reconciler', () => {
    const fnId = Object.keys(
      api.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'shared-lambda-infra-dev-fn-api-authorizer' },
      }),
    )[0];
    expect(settingsOf(api).jwtAuthorizer).toEqual({
      functionArn: `<${fnId}.Arn>`,
      identityHeader: 'Authorization',
      resultsCacheTtlSeconds: 300,
    });
    expect(settingsOf(api).cognitoAuthorizer).toBeUndefined();
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

  it('lets API Gateway invoke the authorizer only for authorizers of this API', () => {
    api.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('^RestApi') }), '/authorizers/*']),
        ],
      },
    });
  });

  it('hands its settings to the routes receiver after the stage exists, with a 900 s service timeout', () => {
    const receiver = Object.keys(
      api.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'shared-lambda-infra-dev-fn-routes-receiver' },
      }),
    )[0];
    api.hasResource('Custom::SharedApiSettings', {
      Properties: Match.objectLike({
        ServiceToken: { 'Fn::GetAtt': [receiver, 'Arn'] },
        ServiceTimeout: '900',
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^RestApiDeploymentStagedev')]),
    });
    expect(settingsOf(api)).toMatchObject({
      version: 1,
      restApiId: expect.stringMatching(/^<RestApi/),
      stageName: 'dev',
      region: '<AWS::Region>',
      account: '<AWS::AccountId>',
      apiName: API_NAME,
      caching: { enabled: false, encrypted: true },
      quotas: { resourcesPerApi: 300 },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
  });

  it('runs one reconciler at a time, fed by a FIFO queue in batches of 10, with a dead-letter queue after 5 receives', () => {
    const reconciler = Object.entries(api.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('RoutesReconcilerFunction'),
    );
    expect(reconciler?.[1].Properties).toMatchObject({
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
      Environment: {
        Variables: expect.objectContaining({ PROJECT: 'shared-lambda-infra', ENV_NAME: 'dev' }),
      },
    });
    api.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: reconciler?.[0] },
      BatchSize: 10,
    });
    const queues = api.findResources('AWS::SQS::Queue');
    const main = Object.values(queues).find((q) => q.Properties.RedrivePolicy);
    expect(main?.Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(Object.values(queues).filter((q) => q.Properties.FifoQueue)).toHaveLength(2);
  });

  it('keeps the desired state in a table with point-in-time recovery that survives the stack', () => {
    api.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('queues a forced full reconcile every 15 minutes to repair drift', () => {
    api.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [
        Match.objectLike({
          Input: '{"reason":"schedule","force":true}',
          SqsParameters: { MessageGroupId: 'shared-api' },
        }),
      ],
    });
  });

  it('alarms on the platform alarm topic when a reconcile lands in the dead-letter queue', () => {
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [
        {
          'Fn::GetStackOutput': Match.objectLike({
            StackName: 'shared-lambda-infra-dev-observability',
            OutputName: Match.stringLikeRegexp('AlarmTopic'),
          }),
        },
      ],
    });
  });

  it('lets the reconciler write this REST API and its stage only, and the receiver read only the registry', () => {
    const statementsOf = (prefix: string) => {
      const [role] = Object.entries(api.findResources('AWS::IAM::Role')).filter(([id]) =>
        id.startsWith(prefix),
      );
      const policyIds = (role[1].Properties.ManagedPolicyArns as Array<{ Ref: string }>).map((r) => r.Ref);
      const policies = api.toJSON().Resources as Record<
        string,
        {
          Properties: {
            PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
          };
        }
      >;
      return policyIds.flatMap((id) => policies[id].Properties.PolicyDocument.Statement);
    };
    const reconciler = statementsOf('RoutesReconcilerRole');
    const apiWrites = reconciler.filter((st) => JSON.stringify(st.Action).includes('apigateway:'));
    expect(apiWrites).toHaveLength(3);
    for (const st of apiWrites) {
      expect(JSON.stringify(st.Resource)).toMatch(/"::\/restapis\/",\{"Ref":"RestApi[0-9A-F]+"\}/);
    }
    const receiver = statementsOf('RoutesReceiverRole');
    expect(receiver.flatMap((st) => [st.Action].flat()).some((a) => a.startsWith('apigateway:'))).toBe(false);
    expect(JSON.stringify(receiver)).toContain(':parameter/shared-lambda-infra/dev/services"');
    // A routes request reads its own service's registration: GetParameters on registration
    // parameters only, never on another parameter of a service (or of the platform).
    for (const [role, statements] of [
      ['receiver', receiver],
      ['reconciler', reconciler],
    ] as const) {
      const reads = statements.filter((st) => [st.Action].flat().includes('ssm:GetParameters'));
      expect(
        reads.map((st) => [st.Action].flat()),
        role,
      ).toEqual([['ssm:GetParameters']]);
      expect(JSON.stringify(reads[0].Resource), role).toMatch(
        /:ssm:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":parameter\/shared-lambda-infra\/dev\/services\/\*\/registration"\]/,
      );
    }
    // The reconciler no longer pages through the whole registry.
    expect(JSON.stringify(reconciler)).not.toContain('ssm:GetParametersByPath');
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
    expect(body).toContain('Routes reconciler: failures and lag');
    expect(body).toContain('SharedLambdaInfra/Routes');
    expect(body).not.toContain('shared-lambda-infra-dev-api"');
    expect(body).not.toMatch(/StackName[^}]*-dev-api/);
  });

  it('publishes every api contract value under /{project}/{env}/api, the routes token among them', () => {
    const names = Object.values(api.findResources('AWS::SSM::Parameter')).map(
      (r) => (r.Properties as { Name: string }).Name,
    );
    expect(names.filter((n) => n.includes('/api/')).sort()).toEqual(
      [
        'cors-allow-headers',
        'cors-allow-methods',
        'cors-allow-origins',
        'invoke-url',
        'rest-api-id',
        'root-resource-id',
        'routes-service-token',
        'stage-name',
      ].map((a) => `/shared-lambda-infra/dev/api/${a}`),
    );
    expect(param(api, '/shared-lambda-infra/dev/api/cors-allow-origins')).toMatchObject({
      Type: 'StringList',
      Value: 'http://localhost:3000,https://dev.app.example.com',
    });
    expect(param(api, '/shared-lambda-infra/dev/api/stage-name')?.Value).toBe('dev');
    expect(param(api, '/shared-lambda-infra/dev/api/routes-service-token')?.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^RoutesReceiverFunction/), 'Arn'],
    });
  });
});

describe('ApiStack in prod (config/prod.yaml)', () => {
  let api: Template;

  beforeAll(() => {
    const result = sharedPlatform('prod');
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('names the stage prod and throttles every method with the prod api.throttle', () => {
    expect(stageOf(api).StageName).toBe('prod');
    expect(allSettings(api)).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });

  it('provisions no cache cluster when prod sets no api.cache', () => {
    expect(stageOf(api)).toMatchObject({ CacheClusterEnabled: false });
    expect(allSettings(api).CachingEnabled).toBeFalsy();
  });

  it('keeps access logs a year and retains them when the stack is deleted', () => {
    api.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  it('hands the single prod origin to the reconciler', () => {
    expect((settingsOf(api).cors as { allowOrigins: string[] }).allowOrigins).toEqual([
      'https://app.example.com',
    ]);
  });
});

describe('ApiStack with source CIDRs, a custom domain, WAF, a cache and no authorizer', () => {
  let api: Template;

  beforeAll(() => {
    const result = synthPlatform({
      env: 'dev',
      overrides: API_EDGE_OVERRIDES,
    });
    api = result.template(result.stacks.api);
  }, SYNTH_TIMEOUT);

  it('uses api.stageName and turns tracing off when api.tracing is false', () => {
    expect(stageOf(api)).toMatchObject({ StageName: 'v1', TracingEnabled: false });
  });

  it('keeps access logs api.accessLogRetentionDays', () => {
    api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('hands api.binaryMediaTypes to the reconciler, whose API definition carries them (not the RestApi resource, which its overwrite would undo)', () => {
    expect(settingsOf(api).binaryMediaTypes).toEqual(['application/pdf', 'image/*']);
    const [restApi] = Object.values(api.findResources('AWS::ApiGateway::RestApi')) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(restApi.Properties.BinaryMediaTypes).toBeUndefined();
  });

  it('provisions the cache cluster but caches nothing stage-wide: routes opt in through the reconciler', () => {
    expect(stageOf(api)).toMatchObject({ CacheClusterEnabled: true, CacheClusterSize: '1.6' });
    expect(allSettings(api)).toMatchObject({ CachingEnabled: false, CacheDataEncrypted: true });
    expect(settingsOf(api).caching).toEqual({ enabled: true, encrypted: true });
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

  it('creates no authorizer function, no authorizer alarm and hands no authorizer to the reconciler', () => {
    api.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    expect(settingsOf(api).jwtAuthorizer).toBeUndefined();
    expect(
      Object.keys(api.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors' } })),
    ).toHaveLength(0);
  });

  it('hands no CORS policy to the reconciler and publishes `none` when no origin is allowed', () => {
    expect(settingsOf(api).cors).toBeUndefined();
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

  it('hands the resource policy to the reconciler too, since its body carries it', () => {
    expect(JSON.stringify(settingsOf(api).resourcePolicy)).toContain('203.0.113.0/24');
  });
});

describe('ApiStack with VPC endpoints, a Cognito authorizer and a custom identity header', () => {
  let api: Template;

  beforeAll(() => {
    const result = synthPlatform({
      env: 'dev',
      overrides: API_PRIVATE_OVERRIDES,
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
    expect(settingsOf(api).jwtAuthorizer).toMatchObject({
      identityHeader: 'X-Auth-Token',
      resultsCacheTtlSeconds: 0,
    });
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AUTHORIZER_ISSUERS: Match.stringLikeRegexp('https://keys.example.com/jwks'),
        }),
      },
    });
  });

  it('hands the Cognito user pools to the reconciler, on the same header', () => {
    expect(settingsOf(api).cognitoAuthorizer).toEqual({
      providerArns: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
      identityHeader: 'X-Auth-Token',
    });
    expect(settingsOf(api).vpcEndpointIds).toEqual(['vpce-0123456789abcdef0']);
  });

  it('keeps stage-wide caching off with a cache cluster and authorizers: routes opt in one by one', () => {
    expect(stageOf(api).CacheClusterEnabled).toBe(true);
    expect(allSettings(api).CachingEnabled).toBe(false);
  });

  it("hands '*' as the allowed origin to the reconciler", () => {
    expect((settingsOf(api).cors as { allowOrigins: string[] }).allowOrigins).toEqual(['*']);
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
