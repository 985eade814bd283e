import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ServiceApi, ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { routesCommand } from '../lib/routes-command';
import { declaredRoutesIn, refusals, renderRoutesReport } from '../lib/routes-report';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const HANDLER = path.join(ROOT, 'examples', 'orders-service', 'src', 'handlers', 'get-order.ts');
const SCOPE = { project: 'shared-lambda-infra', env: 'dev' as const };
const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 20, burstLimit: 40 },
  allowedAuthorizations: ['jwt', 'iam'],
  cachingAllowed: false,
  resourceBudget: 10,
};

/** The orders example and a stack of another service (not registered), synthesized like a service repo. */
function serviceAssembly(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'service-assembly-'));
  const app = new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  new OrdersStack(app, 'Orders', { env: 'dev' });
  const other = new ServiceStack(app, 'Other', { service: 'other', env: 'dev' });
  new ServiceApi(other, 'Api').addRoute('GET /other', new ServiceFunction(other, 'Fn', { entry: HANDLER }));
  app.synth();
  return outdir;
}

describe('routes report', () => {
  let dir: string;
  beforeAll(() => {
    dir = serviceAssembly();
  });

  it("reads each registered service's declared routes from a service cloud assembly, functions by name", () => {
    const routes = declaredRoutesIn(dir, SCOPE, ['orders']);
    expect([...routes.keys()]).toEqual(['orders']);
    expect(routes.get('orders')).toEqual([
      {
        method: 'GET',
        path: '/orders',
        authorization: 'jwt',
        target: 'shared-lambda-infra-dev-fn-orders-list-orders',
      },
      {
        method: 'POST',
        path: '/orders',
        authorization: 'jwt',
        target: 'shared-lambda-infra-dev-fn-orders-create-order',
      },
      {
        method: 'GET',
        path: '/orders/{id}',
        authorization: 'jwt',
        target: 'shared-lambda-infra-dev-fn-orders-get-order',
      },
    ]);
  });

  it('prints each service with its registry rules and its routes', () => {
    const report = renderRoutesReport(
      SCOPE,
      new Map([['orders', ORDERS]]),
      declaredRoutesIn(dir, SCOPE, ['orders']),
      [dir],
    );
    expect(report.split('\n')).toEqual([
      'shared-lambda-infra dev: 1 registered service',
      '',
      'orders  /orders  throttle 20 rps, burst 40  authorization: jwt, iam  caching: off',
      '  GET    /orders                          jwt   -> shared-lambda-infra-dev-fn-orders-list-orders',
      '  POST   /orders                          jwt   -> shared-lambda-infra-dev-fn-orders-create-order',
      '  GET    /orders/{id}                     jwt   -> shared-lambda-infra-dev-fn-orders-get-order',
    ]);
  });

  it('flags what the receiver would refuse, naming the rule', () => {
    expect(
      refusals(
        { method: 'GET', path: '/ordersx', authorization: 'none', target: 'f', cache: { ttlSeconds: 5 } },
        ORDERS,
      ),
    ).toEqual([
      'outside base path /orders',
      'authorization none not allowed (jwt, iam)',
      'caching not allowed (no cache cluster)',
    ]);
  });

  it('`npm run routes -- -c env=prod -c assembly=DIR`: the prod registry, with its throttle override', () => {
    // The command's own work, in process; readme-commands.slow.test.ts runs `npm run routes` as the
    // README writes it (npm's forwarding of -c included).
    const out = routesCommand({ env: 'prod', assembly: path.relative(ROOT, dir) }, ROOT);
    expect(out.split('\n').slice(0, 2)).toEqual([
      'Registry from packages/platform/config/prod.yaml',
      'shared-lambda-infra prod: 1 registered service',
    ]);
    expect(out).toContain(
      'orders  /orders  throttle 200 rps, burst 400  authorization: jwt, iam  caching: off',
    );
    // The assembly was synthesized for dev: the prod routes stack is not in it.
    expect(out).toContain('(no routes stack of this service in the given assemblies)');
  });

  it('`-c config=PATH` reads that file, relative to where the command runs', () => {
    const out = routesCommand({ config: 'config/staging.yaml' }, path.join(ROOT, 'packages', 'platform'));
    expect(out.split('\n').slice(0, 2)).toEqual([
      'Registry from config/staging.yaml',
      'shared-lambda-infra staging: 1 registered service',
    ]);
    expect(out).toContain('(routes: pass -c assembly=<service cdk.out>)');
  });
});
