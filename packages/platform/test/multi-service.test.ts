/**
 * Two services on the shared API v2, built the way their own repositories build them: the example
 * orders service (examples/orders-service) and a second service written with the consumer library,
 * in their own app, against a platform whose registry (a test config) holds both. They meet only
 * through the contract's SSM parameters and the receiver's name.
 */
import * as path from 'node:path';
import { ServiceApi, ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import { Parameters, serviceExecutionRoleName } from '@shared-lambda-infra/contract';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { type SynthResult, synthPlatform } from './helpers/synth';

const HANDLER = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'examples',
  'orders-service',
  'src',
  'handlers',
  'get-order.ts',
);
const SCOPE = { project: 'shared-lambda-infra', env: 'dev' as const };
const SERVICES = [
  { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' },
  { name: 'payments', repository: 'acme/payments-service', basePath: 'payments', allowPublicRoutes: false },
];

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function serviceApps(): Record<string, Template> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const orders = new OrdersStack(app, 'Orders', { env: 'dev' });
  const payments = new ServiceStack(app, 'Payments', { service: 'payments', env: 'dev' });
  const charge = new ServiceFunction(payments, 'Charge', { entry: HANDLER });
  const refund = new ServiceFunction(payments, 'Refund', { entry: HANDLER });
  const api = new ServiceApi(payments, 'Api');
  api.addRoute('POST /payments', charge);
  api.addRoute('POST /payments/{id}/refund', refund, { authorization: 'iam' });
  return { orders: Template.fromStack(orders), payments: Template.fromStack(payments) };
}

/** Every Allow statement of the managed policies attached to the role named `roleName`. */
function allowed(template: Template, roleName: string): Statement[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const roleId = Object.keys(resources).find(
    (id) => resources[id].Type === 'AWS::IAM::Role' && resources[id].Properties.RoleName === roleName,
  );
  expect(roleId, roleName).toBeDefined();
  return Object.values(resources)
    .filter(
      (r) =>
        (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') &&
        JSON.stringify(r.Properties.Roles ?? []).includes(`"${roleId}"`),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => s.Effect === 'Allow');
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('two registered services on the shared API v2', () => {
  let platform: SynthResult;
  let services: Record<string, Template>;

  beforeAll(() => {
    platform = synthPlatform({ overrides: { services: SERVICES } });
    services = serviceApps();
  }, 600_000);

  it.each(['orders', 'payments'])(
    'synthesizes the %s service stack with no API Gateway resource',
    (service) => {
      const types = Object.values(
        services[service].toJSON().Resources as Record<string, { Type: string }>,
      ).map((r) => r.Type);
      expect(types.filter((t) => t.startsWith('AWS::ApiGateway::'))).toEqual([]);
      expect(types.filter((t) => t === 'Custom::SharedApiRoutes')).toHaveLength(1);
    },
  );

  it.each(['orders', 'payments'])(
    'gives the %s execution role no API Gateway permission, only the routes receiver to invoke',
    (service) => {
      const access = platform.template(platform.stacks.serviceAccess[service]);
      const statements = allowed(access, serviceExecutionRoleName(SCOPE, service));
      expect(actionsOf(statements).filter((a) => a.toLowerCase().startsWith('apigateway:'))).toEqual([]);
      expect(actionsOf(statements).filter((a) => a.startsWith('execute-api:'))).toEqual([]);
      const invoke = statements.filter((s) => actionsOf([s]).includes('lambda:InvokeFunction'));
      expect(JSON.stringify(invoke.map((s) => s.Resource))).toContain(
        ':function:shared-lambda-infra-dev-fn-routes-receiver',
      );
    },
  );

  it('names the same receiver function the api stack creates and publishes as the routes token', () => {
    const api = platform.template(platform.stacks.api);
    const receiver = Object.entries(
      api.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'shared-lambda-infra-dev-fn-routes-receiver' },
      }),
    );
    expect(receiver).toHaveLength(1);
    api.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.routesServiceToken.path(SCOPE),
      Value: { 'Fn::GetAtt': [receiver[0][0], 'Arn'] },
    });
  });

  it.each(['orders', 'payments'])(
    "reads the routes token the api stack writes and the base path %s's access stack writes",
    (service) => {
      const reads = Object.values(
        (services[service].toJSON().Parameters ?? {}) as Record<string, { Default?: string }>,
      ).map((p) => p.Default);
      expect(reads).toContain(Parameters.routesServiceToken.path(SCOPE));
      expect(reads).toContain(Parameters.serviceBasePath.path(SCOPE, service));
      platform.template(platform.stacks.serviceAccess[service]).hasResourceProperties('AWS::SSM::Parameter', {
        Name: Parameters.serviceBasePath.path(SCOPE, service),
      });
    },
  );

  it('publishes each registration with its own allowed authorizations', () => {
    const registration = (service: string) =>
      JSON.parse(
        (
          Object.values(
            platform.template(platform.stacks.serviceAccess[service]).findResources('AWS::SSM::Parameter', {
              Properties: { Name: Parameters.serviceRegistration.path(SCOPE, service) },
            }),
          )[0].Properties as { Value: string }
        ).Value,
      ) as { allowedAuthorizations: string[]; basePath: string };
    expect(registration('orders')).toMatchObject({
      basePath: 'orders',
      allowedAuthorizations: ['jwt', 'none', 'iam'],
    });
    expect(registration('payments')).toMatchObject({
      basePath: 'payments',
      allowedAuthorizations: ['jwt', 'iam'],
    });
  });
});
