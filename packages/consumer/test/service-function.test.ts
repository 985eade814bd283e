import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction, type ServiceFunctionProps, ServiceStack } from '../src';
import { HANDLER, parameterRef, templateOf, testApp } from './helpers';

const PREFIX = '/shared-lambda-infra/dev';

describe('ServiceFunction', () => {
  let template: Template;
  let functions: Record<string, { Properties: Record<string, unknown> }>;

  beforeAll(() => {
    const app = testApp();
    const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
    const table = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
    const list = new ServiceFunction(stack, 'ListOrders', {
      entry: HANDLER,
      environment: { TABLE_NAME: table.tableName },
    });
    table.grantReadData(list);
    new ServiceFunction(stack, 'Tuned', {
      entry: HANDLER,
      name: 'custom-name',
      memorySize: 1024,
      timeout: Duration.seconds(3),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      tracing: lambda.Tracing.PASS_THROUGH,
      logLevel: 'DEBUG',
      logRetention: logs.RetentionDays.ONE_WEEK,
      logRemovalPolicy: RemovalPolicy.RETAIN,
      environment: { POWERTOOLS_SERVICE_NAME: 'orders-admin' },
      reservedConcurrentExecutions: 2,
    });
    template = templateOf(stack);
    functions = template.findResources('AWS::Lambda::Function') as typeof functions;
  });

  function fn(name: string): Record<string, unknown> {
    const found = Object.values(functions).find(
      (f) => f.Properties.FunctionName === `shared-lambda-infra-dev-fn-orders-${name}`,
    );
    if (!found) throw new Error(`no function ${name}`);
    return found.Properties;
  }

  it('runs Node.js 24 on arm64 with 512 MB and a 10 s timeout by default', () => {
    expect(fn('list-orders')).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
    });
  });

  it('is named from the construct id by the naming convention', () => {
    expect(fn('list-orders').FunctionName).toBe('shared-lambda-infra-dev-fn-orders-list-orders');
  });

  it('runs in every private subnet the platform publishes, with the shared Lambda security group', () => {
    expect(fn('list-orders').VpcConfig).toMatchObject({
      SubnetIds: parameterRef(template, `${PREFIX}/network/private-subnet-ids`),
      SecurityGroupIds: [parameterRef(template, `${PREFIX}/network/lambda-security-group-id`)],
    });
    expect(
      template.toJSON().Parameters[parameterRef(template, `${PREFIX}/network/private-subnet-ids`).Ref].Type,
    ).toBe('AWS::SSM::Parameter::Value<List<String>>');
  });

  it('allows IPv6 egress exactly when the platform publishes ip-address-type dualstack', () => {
    const ipAddressType = parameterRef(template, `${PREFIX}/network/ip-address-type`);
    const conditions = template.toJSON().Conditions as Record<string, unknown>;
    const vpcConfig = fn('list-orders').VpcConfig as Record<string, unknown>;
    // CloudFormation's reading of the template, for each value the platform may publish.
    const deployed = (published: string) =>
      resolve(
        { Ipv6AllowedForDualStack: vpcConfig.Ipv6AllowedForDualStack },
        { [ipAddressType.Ref]: published, 'AWS::NoValue': NO_VALUE },
        conditions,
      );
    expect(deployed('dualstack')).toEqual({ Ipv6AllowedForDualStack: true });
    expect(deployed('ipv4')).toEqual({});
    for (const name of ['list-orders', 'custom-name']) {
      expect(fn(name).VpcConfig).toHaveProperty('Ipv6AllowedForDualStack', vpcConfig.Ipv6AllowedForDualStack);
    }
  });

  it('traces with X-Ray', () => {
    expect(fn('list-orders').TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('sets the Powertools service name and log level, and source maps, next to its own environment', () => {
    expect(fn('list-orders').Environment).toEqual({
      Variables: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'orders',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        TABLE_NAME: expect.anything(),
      },
    });
  });

  it('logs to a log group named after the function with the platform retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/shared-lambda-infra-dev-fn-orders-list-orders',
      RetentionInDays: parameterRef(template, `${PREFIX}/observability/log-retention-days`),
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/aws/lambda/shared-lambda-infra-dev-fn-orders-list-orders' },
      DeletionPolicy: 'Delete',
    });
  });

  it("gets its own role, named by the convention and bounded by the service's own boundary", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'shared-lambda-infra-dev-role-orders-list-orders',
      PermissionsBoundary: {
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary',
      },
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
    });
  });

  it('leaves no role in the stack without the permissions boundary', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role.Properties.PermissionsBoundary).toBeDefined();
  });

  it('gives its own role only logs to its log group, VPC networking and X-Ray, plus what is granted', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes('ListOrdersServiceRole'),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Array<{
      Action: string[];
      Resource: unknown;
    }>;
    expect(statements.map((s) => s.Action)).toEqual([
      [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']),
      ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    ]);
    expect(statements[3].Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ListOrdersLogGroup/), 'Arn'],
    });
    expect(statements[4].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'Arn'] });
  });

  it('lets every default be overridden', () => {
    expect(fn('custom-name')).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['x86_64'],
      MemorySize: 1024,
      Timeout: 3,
      TracingConfig: { Mode: 'PassThrough' },
      ReservedConcurrentExecutions: 2,
      Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_SERVICE_NAME: 'orders-admin' } },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/aws/lambda/shared-lambda-infra-dev-fn-orders-custom-name',
        RetentionInDays: 7,
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'shared-lambda-infra-dev-role-orders-custom-name',
    });
  });
});

describe('ServiceFunction failures', () => {
  function stack(): ServiceStack {
    return new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
  }

  it("rejects a role, such as the former 'shared' (the platform's shared role could write every service's log groups)", () => {
    const s = stack();
    expect(
      () =>
        new ServiceFunction(s, 'Shared', {
          entry: HANDLER,
          role: 'shared',
        } as unknown as ServiceFunctionProps),
    ).toThrow(
      "ServiceFunction Orders/Shared takes no `role` (got 'shared'): every function gets its own role under the service's permissions boundary",
    );
    expect(s.node.tryFindChild('SharedLogGroup')).toBeUndefined();
  });

  it('rejects two functions that would get the same physical name', () => {
    const s = stack();
    new ServiceFunction(s, 'ListOrders', { entry: HANDLER });
    expect(() => new ServiceFunction(s, 'List', { entry: HANDLER, name: 'list-orders' })).toThrow(
      'ServiceFunction Orders/List would be named "list-orders", like Orders/ListOrders',
    );
  });

  it('rejects a construct id that cannot become a name, and names the fix', () => {
    expect(() => new ServiceFunction(stack(), '2fast', { entry: HANDLER })).toThrow(
      'ServiceFunction id "2fast" cannot name AWS resources (it becomes "2fast"): use an id that starts with a letter, or pass `name`',
    );
  });

  it('rejects being created outside a ServiceStack', () => {
    const app = testApp();
    const plain = new (require('aws-cdk-lib').Stack)(app, 'Plain');
    expect(() => new ServiceFunction(plain, 'Fn', { entry: HANDLER })).toThrow(
      'Plain is not in a ServiceStack: create service constructs inside `new ServiceStack(app, id, { service, env })`',
    );
  });
});

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * The value CloudFormation deploys for `value`: `Ref` to a parameter or pseudo parameter from
 * `refs`, `Fn::If` on a condition evaluated from `conditions` (`Fn::Equals` of resolved values),
 * and `AWS::NoValue` removing the key it stands in.
 */
function resolve(
  value: unknown,
  refs: Record<string, unknown>,
  conditions: Record<string, unknown>,
): unknown {
  if (Array.isArray(value))
    return value.map((v) => resolve(v, refs, conditions)).filter((v) => v !== NO_VALUE);
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') {
    if (!(o.Ref in refs)) throw new Error(`no value for Ref ${o.Ref}`);
    return refs[o.Ref];
  }
  if (o['Fn::Equals']) {
    const [a, b] = (o['Fn::Equals'] as unknown[]).map((v) => resolve(v, refs, conditions));
    return a === b;
  }
  if (o['Fn::If']) {
    const [name, yes, no] = o['Fn::If'] as [string, unknown, unknown];
    return resolve(resolve(conditions[name], refs, conditions) ? yes : no, refs, conditions);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const r = resolve(v, refs, conditions);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}
