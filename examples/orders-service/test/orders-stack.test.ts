import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../lib/orders-stack';

type Json = Record<string, unknown>;

/**
 * An app with the feature flags of cdk.json, as the CDK CLI would pass them, and asset bundling
 * skipped, and so is CDK's built-in CloudFormation validation (seconds a process).
 */
function app(): App {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context: Json;
  };
  return new App({
    builtinCloudFormationValidation: false,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
}

function synth(env: string): { stack: OrdersStack; template: Template } {
  const stack = new OrdersStack(app(), 'Orders', { env });
  return { stack, template: Template.fromStack(stack) };
}

/** `{ Ref }` to the CloudFormation parameter that reads the SSM parameter `name`. */
function ssm(template: Template, name: string): { Ref: string } {
  const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default?: string }>;
  const found = Object.entries(parameters).find(([, p]) => p.Default === name);
  if (!found) throw new Error(`the template reads no SSM parameter ${name}`);
  return { Ref: found[0] };
}

function logicalId(template: Template, type: string, props: Json): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} with ${JSON.stringify(props)}, found ${ids.length}`);
  return ids[0] as string;
}

/** Every IAM statement attached to the execution role of the function named `functionName`. */
function statementsOf(
  template: Template,
  functionName: string,
): Array<{ Action: string | string[]; Resource: unknown }> {
  const fnId = logicalId(template, 'AWS::Lambda::Function', { FunctionName: functionName });
  const fn = template.toJSON().Resources[fnId] as {
    Properties: { Role: { 'Fn::GetAtt': [string, string] } };
  };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: [] } } }).Properties.PolicyDocument.Statement,
  );
}

function dynamoActionsOf(template: Template, functionName: string): string[] {
  return statementsOf(template, functionName)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.startsWith('dynamodb:'));
}

const fnName = (env: string, id: string) => `shared-lambda-infra-${env}-fn-orders-${id}`;

describe('OrdersStack (dev)', () => {
  let stack: OrdersStack;
  let template: Template;
  beforeAll(() => {
    // CDK's built-in CloudFormation validation is off here, as in the other unit tests: it costs
    // ~8 s of CPU per process. It runs on every `cdk synth` of this stack, on the platform in
    // packages/platform/test/platform.test.ts, and on a service made by the template in `npm run test:e2e`.
    ({ stack, template } = synth('dev'));
  });

  it('is named after the service and environment, so the service deploy role may deploy it', () => {
    expect(stack.stackName).toBe('shared-lambda-infra-dev-orders-api');
  });

  describe('table', () => {
    it('is on-demand, with point-in-time recovery and KMS encryption at rest', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
      });
    });

    it('has the owner index the list handler queries, newest first by createdAt', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byOwner',
            KeySchema: [
              { AttributeName: 'owner', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      });
    });

    it('can be deleted with the stack outside prod', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Delete',
        Properties: { Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] },
      });
    });
  });

  describe('functions', () => {
    it('are three, named by the convention, each given the table name', () => {
      template.resourceCountIs('AWS::Lambda::Function', 3);
      const tableId = logicalId(template, 'AWS::DynamoDB::GlobalTable', {});
      for (const id of ['list-orders', 'get-order', 'create-order']) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: fnName('dev', id),
          Environment: { Variables: Match.objectLike({ TABLE_NAME: { Ref: tableId } }) },
        });
      }
    });

    it("run in the platform's private subnets with the shared Lambda security group, from the contract parameters", () => {
      const subnets = ssm(template, '/shared-lambda-infra/dev/network/private-subnet-ids');
      const securityGroup = ssm(template, '/shared-lambda-infra/dev/network/lambda-security-group-id');
      template.allResourcesProperties('AWS::Lambda::Function', {
        VpcConfig: { SubnetIds: subnets, SecurityGroupIds: [securityGroup] },
      });
      template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    });

    it('send over IPv6 (egress-only gateway, no NAT) exactly when the platform publishes a dual-stack VPC', () => {
      const ipAddressType = ssm(template, '/shared-lambda-infra/dev/network/ip-address-type');
      const conditions = template.toJSON().Conditions as Json;
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
        Properties: { VpcConfig: { Ipv6AllowedForDualStack: { 'Fn::If': [string, unknown, unknown] } } };
      }>;
      expect(functions).toHaveLength(3);
      for (const fn of functions) {
        const [condition, whenTrue, whenFalse] = fn.Properties.VpcConfig.Ipv6AllowedForDualStack['Fn::If'];
        expect(conditions[condition]).toEqual({ 'Fn::Equals': [ipAddressType, 'dualstack'] });
        expect(whenTrue).toBe(true);
        expect(whenFalse).toEqual({ Ref: 'AWS::NoValue' });
      }
    });

    it('get the allowed CORS origins from the platform, for the Access-Control-Allow-Origin of their responses', () => {
      const origins = ssm(template, '/shared-lambda-infra/dev/api/cors-allow-origins');
      template.allResourcesProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ CORS_ALLOW_ORIGINS: { 'Fn::Join': [',', origins] } }) },
      });
    });

    it("have roles that all carry the service's own permissions boundary", () => {
      const boundary = {
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary',
      };
      template.resourceCountIs('AWS::IAM::Role', 3);
      template.allResourcesProperties('AWS::IAM::Role', { PermissionsBoundary: boundary });
    });
  });

  describe('table grants', () => {
    it('let list-orders query only: it cannot write', () => {
      expect(dynamoActionsOf(template, fnName('dev', 'list-orders'))).toEqual(['dynamodb:Query']);
    });

    it('let get-order read one item only: it cannot write', () => {
      expect(dynamoActionsOf(template, fnName('dev', 'get-order'))).toEqual(['dynamodb:GetItem']);
    });

    it('let create-order put items only: it cannot scan, query or read', () => {
      expect(dynamoActionsOf(template, fnName('dev', 'create-order'))).toEqual(['dynamodb:PutItem']);
    });

    it('are on the orders table and its indexes, nothing else', () => {
      const tableId = logicalId(template, 'AWS::DynamoDB::GlobalTable', {});
      const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
      for (const id of ['list-orders', 'get-order', 'create-order']) {
        const dynamo = statementsOf(template, fnName('dev', id)).filter((s) =>
          JSON.stringify(s.Action).includes('dynamodb:'),
        );
        expect(dynamo.map((s) => s.Resource)).toEqual([
          [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
        ]);
      }
    });
  });

  describe('routes', () => {
    const routes = [
      { method: 'GET', path: '/orders', fn: 'list-orders', sourcePath: '/GET/orders' },
      { method: 'GET', path: '/orders/{id}', fn: 'get-order', sourcePath: '/GET/orders/*' },
      { method: 'POST', path: '/orders', fn: 'create-order', sourcePath: '/POST/orders' },
    ];

    it('declare their route table to the platform and hold no API Gateway resource', () => {
      const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map(
        (r) => r.Type,
      );
      expect(types.filter((t) => t.startsWith('AWS::ApiGateway::'))).toEqual([]);
      template.resourceCountIs('Custom::SharedApiRoutes', 1);
      template.hasResourceProperties('Custom::SharedApiRoutes', {
        ServiceToken: ssm(template, '/shared-lambda-infra/dev/api/routes-service-token'),
        ServiceTimeout: '900',
      });
    });

    it.each(routes)(
      'declare $method $path served by $fn through the shared JWT authorizer',
      ({ method, path: p, fn }) => {
        const fnId = logicalId(template, 'AWS::Lambda::Function', { FunctionName: fnName('dev', fn) });
        const [resource] = Object.values(template.findResources('Custom::SharedApiRoutes')) as Array<{
          Properties: { Declaration: { 'Fn::Join': [string, unknown[]] } };
        }>;
        const text = resource.Properties.Declaration['Fn::Join'][1]
          .map((part) =>
            typeof part === 'string' ? part : `<${(part as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}>`,
          )
          .join('');
        const declared = (JSON.parse(text) as { routes: Array<Record<string, unknown>> }).routes;
        expect(declared).toContainEqual({ method, path: p, functionArn: `<${fnId}>`, authorization: 'jwt' });
        expect(declared).toHaveLength(3);
      },
    );

    it.each(routes)(
      'let only the shared API, its stage and $method $path invoke $fn',
      ({ fn, sourcePath }) => {
        const fnId = logicalId(template, 'AWS::Lambda::Function', { FunctionName: fnName('dev', fn) });
        const permissions = template.findResources('AWS::Lambda::Permission', {
          Properties: { FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] } },
        });
        expect(Object.values(permissions)).toHaveLength(1);
        expect(Object.values(permissions)[0]).toMatchObject({
          Properties: {
            Action: 'lambda:InvokeFunction',
            Principal: 'apigateway.amazonaws.com',
            SourceArn: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':execute-api:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':',
                  ssm(template, '/shared-lambda-infra/dev/api/rest-api-id'),
                  '/',
                  ssm(template, '/shared-lambda-infra/dev/api/stage-name'),
                  sourcePath,
                ],
              ],
            },
          },
        });
      },
    );
  });
});

describe('OrdersStack monitoring (dev)', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = synth('dev'));
  });

  it("alarms on each function's errors, throttles and duration to the orders alarm topic", () => {
    const topic = ssm(template, '/shared-lambda-infra/dev/services/orders/alarm-topic-arn');
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmName: string; AlarmActions: unknown[]; Threshold: number };
    }>;
    expect(Object.fromEntries(alarms.map((a) => [a.Properties.AlarmName, a.Properties.Threshold]))).toEqual({
      'shared-lambda-infra-dev-alarm-orders-list-orders-errors': 1,
      'shared-lambda-infra-dev-alarm-orders-list-orders-throttles': 1,
      'shared-lambda-infra-dev-alarm-orders-list-orders-duration': 8000,
      'shared-lambda-infra-dev-alarm-orders-get-order-errors': 1,
      'shared-lambda-infra-dev-alarm-orders-get-order-throttles': 1,
      'shared-lambda-infra-dev-alarm-orders-get-order-duration': 8000,
      'shared-lambda-infra-dev-alarm-orders-create-order-errors': 1,
      'shared-lambda-infra-dev-alarm-orders-create-order-throttles': 1,
      'shared-lambda-infra-dev-alarm-orders-create-order-duration': 8000,
    });
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topic]);
  });

  it('has a service dashboard with the /orders gateway signals and its functions', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
      Properties: { DashboardName: string; DashboardBody: unknown };
    };
    expect(dashboard.Properties.DashboardName).toBe('shared-lambda-infra-dev-orders-api');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['Requests', '4XXError', '5XXError', 'Latency', 'Throttled', 'AuthorizerDenied']) {
      expect(body).toContain(
        `[\\"shared-lambda-infra/dev/ServiceApi\\",\\"${metric}\\",\\"BasePath\\",\\"orders\\"`,
      );
    }
    for (const fn of ['list-orders', 'get-order', 'create-order'])
      expect(body).toContain(`${fn}: duration p99 (ms)`);
  });
});

describe('OrdersStack (prod)', () => {
  let stack: OrdersStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synth('prod'));
  });

  it('synthesizes as its own stack reading the prod contract parameters', () => {
    expect(stack.stackName).toBe('shared-lambda-infra-prod-orders-api');
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: fnName('prod', 'create-order'),
      VpcConfig: { SubnetIds: ssm(template, '/shared-lambda-infra/prod/network/private-subnet-ids') },
    });
  });

  it('keeps the table, with deletion protection, when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] },
    });
  });

  it('rejects an environment the platform does not have', () => {
    expect(() => synth('test')).toThrow(/unknown environment "test": expected one of dev, staging, prod/);
  });
});
