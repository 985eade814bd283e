import * as path from 'node:path';
import { ServiceApi, ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import {
  allParameters,
  isServiceParameter,
  type NameScope,
  serviceDeployRoleName,
  serviceExecutionRoleName,
  serviceFromRoutesStackName,
  serviceFunctionNamePattern,
  serviceRoleNamePattern,
} from '@shared-lambda-infra/contract';
import { App, type Stack } from 'aws-cdk-lib';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../examples/orders-service/lib/orders-stack';
import { rawConfig, type SynthResult, synthPlatform } from '../packages/platform/test/helpers/synth';

// The contract test: the platform and a service are built separately (different repositories,
// deployed at different times) and meet only through SSM parameter names and types. Nothing
// checks that at synth time on either side, so this test synthesizes both and compares what
// the service reads with what the platform writes.

type Json = Record<string, unknown>;
interface Template {
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Resources?: Record<string, { Type: string; Properties?: Json; DependsOn?: string[] }>;
}

/** An SSM parameter a service template reads, and how. */
interface Read {
  readonly name: string;
  /** The CloudFormation parameter type, or `resolve:ssm` for a dynamic reference. */
  readonly as: string;
}

const SCOPE: NameScope = { project: 'shared-lambda-infra', env: 'dev' };
const SECOND_SERVICE = { name: 'payments', repository: 'acme/payments-service', basePath: 'payments' };
const HANDLER = path.join(__dirname, '..', 'examples', 'orders-service', 'src', 'handlers', 'get-order.ts');

/** Which CloudFormation parameter types can read an SSM parameter of each type. */
const COMPATIBLE: Record<string, readonly string[]> = {
  String: ['AWS::SSM::Parameter::Value<String>', 'resolve:ssm'],
  StringList: [
    'AWS::SSM::Parameter::Value<List<String>>',
    'AWS::SSM::Parameter::Value<CommaDelimitedList>',
    // A dynamic reference gives the list as one comma-separated string.
    'resolve:ssm',
  ],
};

/** Every SSM parameter the platform's stacks create: name → type. Fails on a name that is not a literal, or one written twice. */
function publishedBy(platform: SynthResult): Map<string, string> {
  const published = new Map<string, string>();
  for (const artifact of platform.assembly.stacks) {
    const template = artifact.template as Template;
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::SSM::Parameter') continue;
      const { Name, Type } = resource.Properties as { Name: unknown; Type: string };
      if (typeof Name !== 'string') {
        throw new Error(
          `${artifact.stackName}/${id} has no literal Name (${JSON.stringify(Name)}): a consumer could not know it`,
        );
      }
      if (published.has(Name))
        throw new Error(`${Name} is created twice (again in ${artifact.stackName}/${id})`);
      published.set(Name, Type);
    }
  }
  return published;
}

/** Every SSM parameter a template reads: SSM-typed CloudFormation parameters and `{{resolve:ssm:…}}` references. */
function readsOf(template: Template): Read[] {
  const reads: Read[] = [];
  for (const parameter of Object.values(template.Parameters ?? {})) {
    if (parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) {
      reads.push({ name: String(parameter.Default), as: parameter.Type });
    }
  }
  for (const match of JSON.stringify(template).matchAll(
    /\{\{resolve:ssm(?:-secure)?:([^}:]+)(?::\d+)?\}\}/g,
  )) {
    reads.push({
      name: match[1],
      as: match[0].startsWith('{{resolve:ssm-secure') ? 'resolve:ssm-secure' : 'resolve:ssm',
    });
  }
  return reads;
}

/** What is wrong between a service's reads and the platform's parameters, one line each. */
function contractProblems(reads: readonly Read[], published: ReadonlyMap<string, string>): string[] {
  return reads.flatMap(({ name, as }) => {
    const type = published.get(name);
    if (type === undefined) return [`${name} (read as ${as}) is not published by the platform`];
    if (!COMPATIBLE[type]?.includes(as)) return [`${name} is a ${type} but the service reads it as ${as}`];
    return [];
  });
}

function names(template: Template, type: string, property: string): string[] {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === type)
    .map((r) => r.Properties?.[property])
    .filter((v): v is string => typeof v === 'string');
}

/** The literal tail of each Lambda permission's SourceArn, after `{api}/{stage}`: `/GET/orders/*`. */
function permissionPaths(template: Template): string[] {
  return Object.values(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::Lambda::Permission')
    .map((r) => {
      const join = ((r.Properties as Json).SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return String(join[join.length - 1]);
    });
}

/** The base path ServiceApi's CloudFormation rule compares with the published one. */
function assertedBasePath(template: Template): string {
  const rules = (template as { Rules?: Record<string, { Assertions: Array<{ Assert: Json }> }> }).Rules ?? {};
  const rule = Object.entries(rules).find(([id]) => id.startsWith('ApiBasePathRule'));
  if (!rule) throw new Error('the template has no ServiceApi base path rule');
  return String((rule[1].Assertions[0].Assert['Fn::Equals'] as unknown[])[1]);
}

/** The paths of the routes declaration, the function ARN tokens left out. */
function declaredPaths(template: Template): string[] {
  const declarations = Object.values(template.Resources ?? {}).filter(
    (r) => r.Type === 'Custom::SharedApiRoutes',
  );
  expect(declarations).toHaveLength(1);
  const join = (declarations[0].Properties as { Declaration: { 'Fn::Join': [string, unknown[]] } })
    .Declaration;
  const text = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'ARN')).join('');
  return (JSON.parse(text) as { routes: Array<{ path: string }> }).routes.map((r) => r.path);
}

/** A second team's service, built with the consumer only, reusing the orders construct ids on purpose. */
function paymentsStack(app: App): ServiceStack {
  const stack = new ServiceStack(app, 'Payments', { service: 'payments', env: 'dev' });
  const list = new ServiceFunction(stack, 'ListOrders', { entry: HANDLER });
  const get = new ServiceFunction(stack, 'GetOrder', { entry: HANDLER });
  const api = new ServiceApi(stack, 'Api');
  api.addRoute('GET /payments', list);
  api.addRoute('GET /payments/{id}', get);
  api.addRoute('POST /payments/{id}/refunds', get);
  return stack;
}

function serviceApp(): App {
  return new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
}

function synthService(stack: Stack): { template: Template; artifact: CloudFormationStackArtifact } {
  const assembly = (stack.node.root as App).synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  return { template: artifact.template as Template, artifact };
}

describe('the contract between the platform and the services built with the consumer', () => {
  let platform: SynthResult;
  let published: Map<string, string>;
  let orders: { template: Template; artifact: CloudFormationStackArtifact; stack: Stack };
  let payments: { template: Template; artifact: CloudFormationStackArtifact; stack: Stack };

  beforeAll(() => {
    // The dev registry plus a second service, as a second team would add it.
    const registry = [...(rawConfig('dev').services as Json[]), SECOND_SERVICE];
    platform = synthPlatform({ env: 'dev', overrides: { services: registry } });
    published = publishedBy(platform);
    const ordersStack = new OrdersStack(serviceApp(), 'Orders', { env: 'dev' });
    orders = { ...synthService(ordersStack), stack: ordersStack };
    const second = paymentsStack(serviceApp());
    payments = { ...synthService(second), stack: second };
  });

  describe.each([
    ['orders', () => orders],
    ['payments', () => payments],
  ])('service %s', (service, built) => {
    it('reads only SSM parameters the platform publishes, with the same name and a compatible type', () => {
      const reads = readsOf(built().template);
      expect(reads.length).toBeGreaterThan(0);
      expect(contractProblems(reads, published)).toEqual([]);
    });

    it('reads only parameters of the contract, for its own environment and service', () => {
      const contract = new Set(
        allParameters().map(([, p]) => (isServiceParameter(p) ? p.path(SCOPE, service) : p.path(SCOPE))),
      );
      const outside = readsOf(built().template)
        .map((r) => r.name)
        .filter((name) => !contract.has(name));
      expect(outside).toEqual([]);
    });

    it('references SSM nowhere else in its template, and needs no other parameter at deploy time', () => {
      const template = built().template;
      const parameters = Object.entries(template.Parameters ?? {});
      // Parameters without an SSM type would need a value the deploy workflow does not pass.
      expect(parameters.filter(([, p]) => !p.Type.startsWith('AWS::SSM::Parameter::Value<'))).toEqual([]);
      // A parameter path anywhere else (an environment variable for a GetParameter call at run time,
      // say) is a read this test could not check.
      const rest = JSON.stringify(template.Resources).replace(/\{\{resolve:ssm(-secure)?:[^}]+\}\}/g, '');
      expect(rest).not.toContain(`/${SCOPE.project}/`);
    });

    it('has a deploy role and a CloudFormation execution role the platform creates for it', () => {
      const platformRoles = new Set(
        platform.assembly.stacks.flatMap((s) => names(s.template as Template, 'AWS::IAM::Role', 'RoleName')),
      );
      // The service stack deploys with CLI credentials (the deploy role, assumed by its workflow) and
      // `--role-arn` of its execution role: both must exist on the platform side under these names.
      expect(platformRoles).toContain(serviceDeployRoleName(SCOPE, service));
      expect(platformRoles).toContain(serviceExecutionRoleName(SCOPE, service));
      expect(built().artifact.assumeRoleArn).toBeUndefined();
    });

    it('asserts the base path the platform publishes for it', () => {
      const template = built().template;
      const basePath = assertedBasePath(template);
      const publishedPath = platform.assembly.stacks
        .flatMap((s) => Object.values((s.template as Template).Resources ?? {}))
        .find(
          (r) =>
            r.Type === 'AWS::SSM::Parameter' &&
            r.Properties?.Name === `/shared-lambda-infra/dev/services/${service}/base-path`,
        );
      expect(publishedPath?.Properties?.Value).toBe(basePath);
    });
  });

  describe('two services side by side', () => {
    it('have different stack names, each in its own service namespace', () => {
      expect(orders.artifact.stackName).toBe('shared-lambda-infra-dev-orders-api');
      expect(payments.artifact.stackName).toBe('shared-lambda-infra-dev-payments-api');
    });

    it.each([
      ['function', 'AWS::Lambda::Function', 'FunctionName', serviceFunctionNamePattern],
      ['role', 'AWS::IAM::Role', 'RoleName', serviceRoleNamePattern],
    ] as const)(
      'name every %s inside its own service prefix, never inside the other one',
      (_what, type, property, pattern) => {
        for (const [own, other, template] of [
          ['orders', 'payments', orders.template],
          ['payments', 'orders', payments.template],
        ] as const) {
          const created = names(template, type, property);
          expect(created.length).toBeGreaterThan(0);
          const prefix = (service: string) => pattern(SCOPE, service).replace(/\*$/, '');
          expect(created.filter((n) => !n.startsWith(prefix(own)))).toEqual([]);
          expect(created.filter((n) => n.startsWith(prefix(other)))).toEqual([]);
        }
      },
    );

    it('create no function, role or log group name twice, though both use the construct ids ListOrders and GetOrder', () => {
      for (const [type, property] of [
        ['AWS::Lambda::Function', 'FunctionName'],
        ['AWS::IAM::Role', 'RoleName'],
        ['AWS::Logs::LogGroup', 'LogGroupName'],
      ] as const) {
        const all = [...names(orders.template, type, property), ...names(payments.template, type, property)];
        expect(new Set(all).size).toBe(all.length);
      }
    });

    it('route under different base paths, each registered in the platform', () => {
      expect(new Set(declaredPaths(orders.template).map((p) => p.split('/')[1]))).toEqual(
        new Set(['orders']),
      );
      expect(new Set(declaredPaths(payments.template).map((p) => p.split('/')[1]))).toEqual(
        new Set(['payments']),
      );
      for (const service of ['orders', 'payments']) {
        expect(published.get(`/shared-lambda-infra/dev/services/${service}/registration`)).toBe('String');
      }
    });

    it("let API Gateway invoke each service's functions only for that service's paths", () => {
      for (const [basePath, template] of [
        ['orders', orders.template],
        ['payments', payments.template],
      ] as const) {
        const paths = permissionPaths(template);
        expect(paths.length).toBeGreaterThan(0);
        // `/{METHOD}/{basePath}` or below it: `/GET/orders*` would also match `/GET/orders-archive`.
        const own = new RegExp(`^/[A-Z]+/${basePath}(/.*)?$`);
        expect(paths.filter((p) => !own.test(p))).toEqual([]);
      }
    });

    it('declare their routes each from its own routes stack, the identity the receiver maps to the service', () => {
      for (const [service, built] of [
        ['orders', orders],
        ['payments', payments],
      ] as const) {
        expect(built.artifact.stackName).toBe(`shared-lambda-infra-dev-${service}-api`);
        expect(
          serviceFromRoutesStackName(
            SCOPE,
            `arn:aws:cloudformation:eu-west-1:123456789012:stack/${built.artifact.stackName}/0a1b2c3d-0000-1111-2222-333344445555`,
            ['orders', 'payments'],
          ),
        ).toBe(service);
      }
    });
  });
});

describe('contractProblems', () => {
  const published = new Map([
    ['/p/dev/network/vpc-id', 'String'],
    ['/p/dev/network/private-subnet-ids', 'StringList'],
  ]);

  it('accepts a String read as a String and a StringList read as a list', () => {
    expect(
      contractProblems(
        [
          { name: '/p/dev/network/vpc-id', as: 'AWS::SSM::Parameter::Value<String>' },
          { name: '/p/dev/network/private-subnet-ids', as: 'AWS::SSM::Parameter::Value<List<String>>' },
          { name: '/p/dev/network/private-subnet-ids', as: 'AWS::SSM::Parameter::Value<CommaDelimitedList>' },
        ],
        published,
      ),
    ).toEqual([]);
  });

  it('rejects a parameter the platform does not publish, and a type mismatch', () => {
    expect(
      contractProblems(
        [
          { name: '/p/dev/network/vpc-ids', as: 'AWS::SSM::Parameter::Value<String>' },
          { name: '/p/dev/network/vpc-id', as: 'AWS::SSM::Parameter::Value<List<String>>' },
        ],
        published,
      ),
    ).toEqual([
      '/p/dev/network/vpc-ids (read as AWS::SSM::Parameter::Value<String>) is not published by the platform',
      '/p/dev/network/vpc-id is a String but the service reads it as AWS::SSM::Parameter::Value<List<String>>',
    ]);
  });

  it('finds dynamic references as well as SSM-typed parameters', () => {
    expect(
      readsOf({
        Parameters: {
          A: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/p/dev/a' },
          B: { Type: 'String' },
        },
        Resources: {
          R: {
            Type: 'X',
            Properties: { V: '{{resolve:ssm:/p/dev/b:3}}', S: '{{resolve:ssm-secure:/p/dev/c}}' },
          },
        },
      }),
    ).toEqual([
      { name: '/p/dev/a', as: 'AWS::SSM::Parameter::Value<String>' },
      { name: '/p/dev/b', as: 'resolve:ssm' },
      { name: '/p/dev/c', as: 'resolve:ssm-secure' },
    ]);
  });
});
