/**
 * Two services sharing the platform's REST API stage, wired the way the consumer library will
 * wire them (docs/redeploys.md). The platform is synthesized with the compliance packs on; the
 * two service stacks live in a separate app, as they would in their own repositories, and read
 * every platform value from the contract's SSM parameters (no cross-stack references).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  type NameScope,
  Parameters,
  REDEPLOY_RESOURCE_TYPE,
  REDEPLOY_SERVICE_TIMEOUT_SECONDS,
  type RedeployResourceProperties,
  stableHash,
} from '@shared-lambda-infra/contract';
import { App, type CfnResource, CustomResource, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformApp, loadCdkJsonContext, type PlatformApp } from '../lib/app';
import { configFor, validationFindings } from './helpers/synth';

// ---------------------------------------------------------------------------------------------
// The reference service stack: what the consumer library will generate.
// ---------------------------------------------------------------------------------------------

/** One route of a service, relative to its base path: `''` is `/{basePath}` itself. */
interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
}

interface ReferenceServiceProps extends StackProps {
  readonly nameScope: NameScope;
  readonly service: string;
  readonly routes: readonly Route[];
}

class ReferenceServiceStack extends Stack {
  readonly methods: apigateway.CfnMethod[] = [];
  readonly before: CustomResource;
  readonly after: CustomResource;

  constructor(scope: Construct, id: string, props: ReferenceServiceProps) {
    super(scope, id, props);
    const { nameScope, service } = props;
    // Every platform value comes from its contract parameter, resolved by CloudFormation at deploy time.
    const read = (name: string) => ssm.StringParameter.valueForStringParameter(this, name);
    const restApiId = read(Parameters.restApiId.path(nameScope));
    const stageName = read(Parameters.stageName.path(nameScope));
    const authorizerId = read(Parameters.authorizerId.path(nameScope));
    const serviceToken = read(Parameters.redeployServiceToken.path(nameScope));
    const baseResourceId = read(Parameters.serviceBaseResourceId.path(nameScope, service));
    const basePath = read(Parameters.serviceBasePath.path(nameScope, service));
    const throttle = read(Parameters.serviceThrottle.path(nameScope, service));

    const handler = new lambda.Function(this, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" });'),
    });

    // The redeploy resource the methods depend on: its Delete (on a route removal, in the cleanup
    // phase, or on stack deletion) redeploys the stage once the removed methods are gone.
    const redeployProperties = (phase: 'before' | 'after'): RedeployResourceProperties => ({
      RestApiId: restApiId,
      StageName: stageName,
      ServiceName: service,
      Phase: phase,
      BasePath: basePath,
      Throttle: throttle,
      RoutesFingerprint: this.fingerprint(props.routes, handler),
    });
    this.before = this.redeployResource('RedeployBefore', serviceToken, redeployProperties('before'));

    const resources = new Map<string, string>([['', baseResourceId]]);
    for (const route of props.routes) {
      const method = new apigateway.CfnMethod(this, `Method${route.method}${pascal(route.path)}`, {
        restApiId,
        resourceId: this.resourceFor(route.path, restApiId, resources),
        httpMethod: route.method,
        authorizationType: 'CUSTOM',
        authorizerId,
        integration: {
          type: 'AWS_PROXY',
          integrationHttpMethod: 'POST',
          uri: this.formatArn({
            service: 'apigateway',
            account: 'lambda',
            resource: 'path/2015-03-31/functions',
            resourceName: `${handler.functionArn}/invocations`,
          }),
        },
      });
      method.addDependency(this.before.node.defaultChild as CfnResource);
      this.methods.push(method);
      // API Gateway may invoke the handler for this API, stage, method and path only.
      handler.addPermission(`Invoke${route.method}${pascal(route.path)}`, {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: this.formatArn({
          service: 'execute-api',
          resource: restApiId,
          resourceName: [stageName, route.method, basePath, ...arnPath(route.path)].join('/'),
        }),
      });
    }

    // The redeploy resource that depends on every method: its Create and Update redeploy once the
    // new and changed methods exist.
    this.after = this.redeployResource('RedeployAfter', serviceToken, redeployProperties('after'));
    for (const method of this.methods) this.after.node.addDependency(method);
  }

  private redeployResource(
    id: string,
    serviceToken: string,
    properties: RedeployResourceProperties,
  ): CustomResource {
    return new CustomResource(this, id, {
      serviceToken,
      resourceType: REDEPLOY_RESOURCE_TYPE,
      serviceTimeout: Duration.seconds(REDEPLOY_SERVICE_TIMEOUT_SECONDS),
      properties: { ...properties },
    });
  }

  /** The resource of a route path, creating each missing segment under the base resource. */
  private resourceFor(routePath: string, restApiId: string, known: Map<string, string>): string {
    let parentPath = '';
    for (const segment of routePath.split('/').filter(Boolean)) {
      const current = parentPath ? `${parentPath}/${segment}` : segment;
      if (!known.has(current)) {
        const resource = new apigateway.CfnResource(this, `Resource${pascal(current)}`, {
          restApiId,
          parentId: known.get(parentPath) as string,
          pathPart: segment,
        });
        known.set(current, resource.ref);
      }
      parentPath = current;
    }
    return known.get(parentPath) as string;
  }

  /**
   * A hash of what the stage serves for this service: routes and what they integrate with, in
   * resolved (synth-stable) form. Token strings themselves are not stable across synths.
   */
  private fingerprint(routes: readonly Route[], handler: lambda.IFunction): string {
    const integration = this.resolve(handler.functionArn);
    const sorted = [...routes].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
    return stableHash(JSON.stringify({ routes: sorted, integration }), 16);
  }
}

/** Path parameters become `*` in execute-api ARNs: `{id}/items` → `*`, `items`. */
function arnPath(routePath: string): string[] {
  const segments = routePath
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith('{') ? '*' : s));
  return segments.length > 0 ? segments : [];
}

function pascal(routePath: string): string {
  const words = routePath.replace(/[{}]/g, '').split(/[/-]/).filter(Boolean);
  return words.length === 0 ? 'Root' : words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

// ---------------------------------------------------------------------------------------------
// The test app
// ---------------------------------------------------------------------------------------------

const SERVICES = [
  {
    name: 'orders',
    repository: 'acme/orders-service',
    basePath: 'orders',
    throttle: { rateLimit: 20, burstLimit: 40 },
  },
  { name: 'payments', repository: 'acme/payments-service', basePath: 'payments' },
];

const ORDERS_ROUTES: Route[] = [
  { method: 'GET', path: '' },
  { method: 'POST', path: '' },
  { method: 'GET', path: '{id}' },
];
const PAYMENTS_ROUTES: Route[] = [
  { method: 'POST', path: '' },
  { method: 'GET', path: '{id}/refunds' },
];

let platform: PlatformApp;
let apiTemplate: Template;
let orders: ReferenceServiceStack;
let payments: ReferenceServiceStack;
let ordersTemplate: Template;
let paymentsTemplate: Template;
const nameScope: NameScope = { project: 'shared-lambda-infra', env: 'dev' };

function serviceApp(): App {
  return new App({ context: loadCdkJsonContext() });
}

beforeAll(() => {
  // The services: a separate app, as in their own repositories, without the platform's packs.
  const app = serviceApp();
  orders = new ReferenceServiceStack(app, 'Orders', { nameScope, service: 'orders', routes: ORDERS_ROUTES });
  payments = new ReferenceServiceStack(app, 'Payments', {
    nameScope,
    service: 'payments',
    routes: PAYMENTS_ROUTES,
  });
  ordersTemplate = Template.fromStack(orders);
  paymentsTemplate = Template.fromStack(payments);
});

/** Synthesizes the platform with both services registered, compliance packs on. */
function synthPlatformWithServices(): Template {
  const outdir = mkdtempSync(path.join(tmpdir(), 'multi-service-'));
  platform = createPlatformApp({
    config: configFor('dev', { services: SERVICES }),
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  try {
    const assembly = platform.app.synth();
    return Template.fromJSON(assembly.getStackArtifact(platform.stacks.api.artifactId).template);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${validationFindings(outdir)}`);
  }
}

/** The logical id of the CloudFormation parameter a service stack reads a contract value through. */
function parameterFor(template: Template, name: string): string {
  const found = Object.entries(template.toJSON().Parameters ?? {}).find(
    ([, p]) => (p as { Default?: string }).Default === name,
  );
  if (!found) throw new Error(`no parameter reads ${name}`);
  return found[0];
}

function logicalIds(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

describe('the platform with two registered services', () => {
  beforeAll(() => {
    apiTemplate = synthPlatformWithServices();
  });

  it('synthesizes with the compliance packs on and runs one redeploy provider for the shared API', () => {
    apiTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STAGE_NAME: 'dev', REST_API_ID: Match.anyValue() }) },
    });
  });

  it.each(['orders', 'payments'])('publishes the base resource, base path and throttle of %s', (service) => {
    for (const parameter of [
      Parameters.serviceBaseResourceId,
      Parameters.serviceBasePath,
      Parameters.serviceThrottle,
    ]) {
      apiTemplate.hasResourceProperties('AWS::SSM::Parameter', { Name: parameter.path(nameScope, service) });
    }
  });

  it('publishes the service token the service stacks put in their redeploy resources', () => {
    apiTemplate.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.redeployServiceToken.path(nameScope),
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StageRedeployHandler'), 'Arn'] },
    });
  });
});

describe.each([
  ['orders', () => ordersTemplate, ORDERS_ROUTES.length],
  ['payments', () => paymentsTemplate, PAYMENTS_ROUTES.length],
])('the %s service stack', (service, template, methodCount) => {
  it('hangs every route under its own base resource, read from its contract parameter', () => {
    const base = parameterFor(template(), Parameters.serviceBaseResourceId.path(nameScope, service));
    const ownResources = new Set(logicalIds(template(), 'AWS::ApiGateway::Resource'));
    const parents = Object.values(template().findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r as { Properties: { ParentId: { Ref: string } } }).Properties.ParentId.Ref,
    );
    for (const parent of parents) expect([base, ...ownResources]).toContain(parent);
    const methods = Object.values(template().findResources('AWS::ApiGateway::Method')).map(
      (m) => (m as { Properties: { ResourceId: { Ref: string } } }).Properties.ResourceId.Ref,
    );
    expect(methods).toHaveLength(methodCount);
    for (const resource of methods) expect([base, ...ownResources]).toContain(resource);
  });

  it('makes every method depend on the before resource', () => {
    const before = logicalIds(template(), REDEPLOY_RESOURCE_TYPE).find((id) =>
      id.startsWith('RedeployBefore'),
    );
    for (const method of Object.values(template().findResources('AWS::ApiGateway::Method'))) {
      expect((method as { DependsOn?: string[] }).DependsOn).toContain(before);
    }
  });

  it('makes the after resource depend on every method', () => {
    const methods = logicalIds(template(), 'AWS::ApiGateway::Method');
    const [after] = Object.values(
      template().findResources(REDEPLOY_RESOURCE_TYPE, { Properties: { Phase: 'after' } }),
    ) as Array<{ DependsOn?: string[] }>;
    expect(methods).toHaveLength(methodCount);
    expect(after.DependsOn).toEqual(expect.arrayContaining(methods));
  });

  it('gives both redeploy resources the same properties but the phase, and a bounded service timeout', () => {
    const token = parameterFor(template(), Parameters.redeployServiceToken.path(nameScope));
    const throttle = parameterFor(template(), Parameters.serviceThrottle.path(nameScope, service));
    for (const phase of ['before', 'after']) {
      template().hasResourceProperties(REDEPLOY_RESOURCE_TYPE, {
        ServiceToken: { Ref: token },
        ServiceTimeout: String(REDEPLOY_SERVICE_TIMEOUT_SECONDS),
        ServiceName: service,
        Phase: phase,
        Throttle: { Ref: throttle },
        RestApiId: { Ref: parameterFor(template(), Parameters.restApiId.path(nameScope)) },
        StageName: { Ref: parameterFor(template(), Parameters.stageName.path(nameScope)) },
        BasePath: { Ref: parameterFor(template(), Parameters.serviceBasePath.path(nameScope, service)) },
        RoutesFingerprint: Match.stringLikeRegexp('^[0-9a-f]{16}$'),
      });
    }
  });

  it('lets API Gateway invoke its handler only for this API, stage, method and path', () => {
    const t = template();
    const ref = (name: string) => `<${parameterFor(t, name)}>`;
    const prefix = `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${ref(Parameters.restApiId.path(nameScope))}/${ref(Parameters.stageName.path(nameScope))}`;
    const basePath = ref(Parameters.serviceBasePath.path(nameScope, service));
    const arns = Object.values(t.findResources('AWS::Lambda::Permission')).map((p) =>
      flattenCfnReference((p as { Properties: { SourceArn: unknown } }).Properties.SourceArn),
    );
    const routes = service === 'orders' ? ORDERS_ROUTES : PAYMENTS_ROUTES;
    expect(arns.sort()).toEqual(
      routes.map((r) => [prefix, r.method, basePath, ...arnPath(r.path)].join('/')).sort(),
    );
    for (const arn of arns) expect(arn).not.toMatch(/\/\*\/\*|:\*\//);
  });
});

describe('the routes fingerprint', () => {
  const fingerprint = (routes: Route[]) => {
    const stack = new ReferenceServiceStack(serviceApp(), 'Orders', { nameScope, service: 'orders', routes });
    return Template.fromStack(stack).findResources(REDEPLOY_RESOURCE_TYPE, {
      Properties: { Phase: 'before' },
    });
  };
  const value = (resources: Record<string, unknown>) =>
    (Object.values(resources)[0] as { Properties: { RoutesFingerprint: string } }).Properties
      .RoutesFingerprint;

  it('is the same on every synth of the same routes, so an unchanged service causes no redeploy', () => {
    expect(value(fingerprint(ORDERS_ROUTES))).toBe(value(fingerprint([...ORDERS_ROUTES].reverse())));
  });

  it('changes when a route is added or removed, which replaces the before resource and redeploys', () => {
    const base = value(fingerprint(ORDERS_ROUTES));
    expect(value(fingerprint([...ORDERS_ROUTES, { method: 'DELETE', path: '{id}' }]))).not.toBe(base);
    expect(value(fingerprint(ORDERS_ROUTES.slice(1)))).not.toBe(base);
  });
});
