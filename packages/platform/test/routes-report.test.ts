import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { routesCommand } from '../lib/routes-command';
import { declarationsIn, renderRoutesReport } from '../lib/routes-report';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCOPE = { project: 'shared-lambda-infra', env: 'dev' as const };
const LOCATION = { account: '123456789012', region: 'eu-west-1' };
const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 20, burstLimit: 40 },
  allowedAuthorizations: ['jwt', 'iam'],
  cachingAllowed: false,
  resourceBudget: 10,
};
const PAYMENTS: ServiceRegistration = { ...ORDERS, service: 'payments', basePath: 'payments' };
const REGISTRY = new Map([
  ['orders', ORDERS],
  ['payments', PAYMENTS],
]);

/** The orders example, synthesized like a service repository. */
function exampleAssembly(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'service-assembly-'));
  const app = new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  new OrdersStack(app, 'Orders', { env: 'dev' });
  app.synth();
  return outdir;
}

/**
 * A hostile service assembly, written by hand (ServiceApi refuses these at synth): orders routes to
 * payments' function and to a function whose name CloudFormation generates, and a stack of a service
 * the registry does not know declares routes.
 */
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'refused-routes-assembly');

describe('routes report', () => {
  let example: string;
  let hostile: string;
  beforeAll(() => {
    example = exampleAssembly();
    hostile = HOSTILE;
  });

  it('reads each routes declaration of a service cloud assembly, functions resolved to the ARNs CloudFormation will give', () => {
    const found = declarationsIn(example, SCOPE, ['orders'], LOCATION);
    expect(found.map((f) => [f.stackName, f.service])).toEqual([
      ['shared-lambda-infra-dev-orders-api', 'orders'],
    ]);
    expect(JSON.parse(String(found[0].declaration)).routes[0]).toEqual({
      method: 'GET',
      path: '/orders',
      functionArn:
        'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-list-orders',
      authorization: 'jwt',
    });
  });

  it('prints each service with its registry rules, its use of its resource budget and its routes, and nothing REFUSED', () => {
    const report = renderRoutesReport(
      SCOPE,
      LOCATION,
      new Map([['orders', ORDERS]]),
      declarationsIn(example, SCOPE, ['orders'], LOCATION),
      [example],
    );
    expect(report.text.split('\n')).toEqual([
      'shared-lambda-infra dev: 1 registered service',
      '',
      'orders  /orders  throttle 20 rps, burst 40  authorization: jwt, iam  caching: off  resources: 2/10',
      '  GET    /orders                          jwt   -> shared-lambda-infra-dev-fn-orders-list-orders',
      '  POST   /orders                          jwt   -> shared-lambda-infra-dev-fn-orders-create-order',
      '  GET    /orders/{id}                     jwt   -> shared-lambda-infra-dev-fn-orders-get-order',
      '',
      'nothing REFUSED',
    ]);
    expect(report.refused).toBe(0);
  });

  it("prints REFUSED, in the receiver's words, for another service's function, a generated function name and a stack of an unregistered service", () => {
    const report = renderRoutesReport(
      SCOPE,
      LOCATION,
      REGISTRY,
      declarationsIn(hostile, SCOPE, REGISTRY.keys(), LOCATION),
      [hostile],
    );
    const lines = report.text.split('\n');
    expect(lines).toContain(
      '  GET    /orders                          jwt   -> shared-lambda-infra-dev-fn-payments-pay  REFUSED: functionArn "arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-payments-pay" must name one of the service\'s functions (shared-lambda-infra-dev-fn-orders-*)',
    );
    expect(lines).toContain(
      '  GET    /orders/{id}                     jwt   -> shared-lambda-infra-dev-orders-api-Anonymous-GENERATED  REFUSED: functionArn "arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-orders-api-Anonymous-GENERATED" must name one of the service\'s functions (shared-lambda-infra-dev-fn-orders-*)',
    );
    expect(lines).toContain(
      'shared-lambda-infra-dev-other-api  REFUSED: a Custom::SharedApiRoutes in a stack that is not the routes stack ({project}-{env}-{service}-api) of a service registered in dev; the receiver refuses it (register the service, or name the stack shared-lambda-infra-dev-{service}-api)',
    );
    expect(lines).toContain(
      'payments  /payments  throttle 20 rps, burst 40  authorization: jwt, iam  caching: off  resources: -/10',
    );
    expect(lines.at(-1)).toBe('3 REFUSED: the receiver would refuse these deploys');
    expect(report.refused).toBe(3);
  });

  it("prints REFUSED for a table over the service's budget, with its use against it", () => {
    const small = new Map([['orders', { ...ORDERS, resourceBudget: 1 }]]);
    const report = renderRoutesReport(
      SCOPE,
      LOCATION,
      small,
      declarationsIn(example, SCOPE, ['orders'], LOCATION),
      [example],
    );
    expect(report.text).toContain('resources: 2/1');
    expect(report.text).toContain(
      '  REFUSED: the routes need 2 API Gateway resources (distinct paths), more than the budget of 1 the registry gives service "orders" (services[].resourceBudget)',
    );
    expect(report.refused).toBe(1);
  });

  it('`npm run routes -- -c env=prod -c assembly=DIR`: the prod registry, with its throttle override and budget', () => {
    // The command's own work, in process; readme-commands.slow.test.ts runs `npm run routes` as the
    // README writes it (npm's forwarding of -c included).
    const out = routesCommand({ env: 'prod', assembly: path.relative(ROOT, example) }, ROOT);
    expect(out.text.split('\n').slice(0, 2)).toEqual([
      'Registry from packages/platform/config/prod.yaml',
      'shared-lambda-infra prod: 1 registered service',
    ]);
    // One service: the whole 300 less the platform's / and /health.
    expect(out.text).toContain(
      'orders  /orders  throttle 200 rps, burst 400  authorization: jwt, iam  caching: off  resources: -/298',
    );
    // The assembly was synthesized for dev: the prod routes stack is not in it, and prod's receiver
    // would refuse the dev-named stack.
    expect(out.text).toContain('(no routes stack of this service in the given assemblies)');
    expect(out.text).toContain(
      'shared-lambda-infra-dev-orders-api  REFUSED: a Custom::SharedApiRoutes in a stack that is not the routes stack ({project}-{env}-{service}-api) of a service registered in prod',
    );
    expect(out.refused).toBe(1);
  });

  it('`-c config=PATH` reads that file, relative to where the command runs', () => {
    const out = routesCommand({ config: 'config/staging.yaml' }, path.join(ROOT, 'packages', 'platform'));
    expect(out.text.split('\n').slice(0, 2)).toEqual([
      'Registry from config/staging.yaml',
      'shared-lambda-infra staging: 1 registered service',
    ]);
    expect(out.text).toContain('(routes: pass -c assembly=<service cdk.out>)');
  });
});
