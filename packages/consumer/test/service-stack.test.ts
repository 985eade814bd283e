import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as cxapi from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceApi, ServiceFunction, ServiceStack } from '../src';
import { HANDLER, parameterRef, templateOf, testApp } from './helpers';

// Asset-manifest placeholders, as plain strings.
const ACCOUNT = '$' + '{AWS::AccountId}';
const REGION = '$' + '{AWS::Region}';

function serviceStack(
  app: ReturnType<typeof testApp>,
  id: string,
  service: string,
  env: string,
): ServiceStack {
  const stack = new ServiceStack(app, id, { service, env, owner: `${service}-team@example.com` });
  const fn = new ServiceFunction(stack, 'List', { entry: HANDLER });
  new ServiceApi(stack, 'Api').addRoute(`GET /${service}/{id}`, fn);
  return stack;
}

describe('ServiceStack', () => {
  let assembly: cxapi.CloudAssembly;
  let ordersDev: ServiceStack;
  let ordersProd: ServiceStack;
  let customersDev: ServiceStack;
  let template: Template;

  beforeAll(() => {
    const app = testApp();
    ordersDev = serviceStack(app, 'OrdersDev', 'orders', 'dev');
    ordersProd = serviceStack(app, 'OrdersProd', 'orders', 'prod');
    customersDev = serviceStack(app, 'CustomersDev', 'customers', 'dev');
    assembly = app.synth();
    template = templateOf(ordersDev);
  });

  it('is named {project}-{env}-{service}-api, inside the deploy role scope', () => {
    expect(ordersDev.stackName).toBe('shared-lambda-infra-dev-orders-api');
    expect(ordersProd.stackName).toBe('shared-lambda-infra-prod-orders-api');
  });

  it('deploys with the credentials the CLI already has (the deploy role in CI), with no bootstrap roles', () => {
    const artifact = assembly.getStackByName(ordersDev.stackName);
    expect(artifact.assumeRoleArn).toBeUndefined();
    expect(artifact.lookupRole).toBeUndefined();
    // No bootstrap stack stands behind a service, so nothing may ask for one.
    expect(artifact.requiresBootstrapStackVersion).toBeUndefined();
    expect(artifact.bootstrapStackVersionSsmParameter).toBeUndefined();
  });

  it("publishes assets to the platform artifact bucket under the service's prefix, with the CLI's credentials", () => {
    const manifestArtifact = assembly.artifacts.find(
      (a) => a.id === `${assembly.getStackByName(ordersDev.stackName).id}.assets`,
    ) as cxapi.AssetManifestArtifact;
    const manifest = JSON.parse(fs.readFileSync(manifestArtifact.file, 'utf8'));
    const destinations = Object.values(
      manifest.files as Record<string, { destinations: Record<string, unknown> }>,
    ).flatMap((f) => Object.values(f.destinations));
    expect(destinations.length).toBeGreaterThanOrEqual(2); // the function code and the template
    for (const destination of destinations) {
      expect(destination).toMatchObject({
        bucketName: `shared-lambda-infra-dev-b-c8cb3dba-${ACCOUNT}-${REGION}`,
        objectKey: expect.stringMatching(/^orders\//),
      });
      expect(destination).not.toHaveProperty('assumeRoleArn');
    }
  });

  it('has no BootstrapVersion parameter or rule', () => {
    const json = template.toJSON();
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(json.Rules.CheckBootstrapVersion).toBeUndefined();
  });

  it('refuses at deploy time a platform with another contract major version', () => {
    const rules = template.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    const rule = Object.entries(rules).find(([id]) => id.startsWith('PlatformContractVersion'));
    expect(rule?.[1].Assertions[0].Assert).toEqual({
      'Fn::Equals': [parameterRef(template, '/shared-lambda-infra/dev/contract/major-version'), '2'],
    });
  });

  it('tags every resource with project, environment, component, service and owner', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Tags: [
        { Key: 'Component', Value: 'service' },
        { Key: 'Environment', Value: 'dev' },
        { Key: 'Owner', Value: 'orders-team@example.com' },
        { Key: 'Project', Value: 'shared-lambda-infra' },
        { Key: 'Service', Value: 'orders' },
      ],
    });
  });

  it('reads each environment from its own parameters when several environments share one app', () => {
    const prod = templateOf(ordersProd);
    const json = JSON.stringify(prod.toJSON());
    expect(json).toContain('/shared-lambda-infra/prod/network/private-subnet-ids');
    expect(json).not.toContain('/shared-lambda-infra/dev/');
    prod.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shared-lambda-infra-prod-fn-orders-list',
    });
    prod.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('lets a second service coexist without name, path or permission collisions', () => {
    const customers = templateOf(customersDev);
    expect(customersDev.stackName).toBe('shared-lambda-infra-dev-customers-api');
    customers.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'shared-lambda-infra-dev-fn-customers-list',
    });
    customers.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'shared-lambda-infra-dev-role-customers-list',
    });
    customers.resourceCountIs('Custom::SharedApiRoutes', 1);
    const sourceArn = JSON.stringify(
      Object.values(customers.findResources('AWS::Lambda::Permission'))[0].Properties.SourceArn,
    );
    expect(sourceArn).toContain('/GET/customers/*');
    const rules = JSON.stringify(customers.toJSON().Rules);
    expect(rules).toContain(
      JSON.stringify(parameterRef(customers, '/shared-lambda-infra/dev/services/customers/base-path')),
    );
    const manifest = fs
      .readdirSync(assembly.directory)
      .find((f) => f.startsWith('CustomersDev') && f.endsWith('.assets.json'));
    expect(fs.readFileSync(path.join(assembly.directory, manifest as string), 'utf8')).toContain(
      '"objectKey": "customers/',
    );
  });
});

describe('ServiceStack failures', () => {
  it('rejects an unknown environment', () => {
    expect(() => new ServiceStack(testApp(), 'S', { service: 'orders', env: 'qa' })).toThrow(
      'unknown environment "qa": expected one of dev, staging, prod',
    );
  });

  it('rejects a service name the naming convention cannot fit', () => {
    expect(
      () => new ServiceStack(testApp(), 'S', { service: 'order-management-svc', env: 'staging' }),
    ).toThrow('service "order-management-svc" does not fit the naming convention');
  });

  it('rejects an invalid service name', () => {
    expect(() => new ServiceStack(testApp(), 'S', { service: 'Orders', env: 'dev' })).toThrow(
      'service name "Orders" is not valid',
    );
  });
});
