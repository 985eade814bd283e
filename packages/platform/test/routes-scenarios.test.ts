import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { invariantProblems, servedState } from './models/invariant';
import { fnArn, platformSettings, route, World } from './models/world';

/**
 * Shared API v2 scenarios: the real receiver and reconciler against models of API Gateway,
 * CloudFormation, DynamoDB, SQS and SSM on a virtual clock. Each scenario ends by asserting the
 * invariant (models/invariant.ts).
 */

let world: World;
const registry = new Map<string, ServiceRegistration>();

async function setUp(
  services: string[] = ['orders'],
  overrides: Record<string, Partial<ServiceRegistration>> = {},
) {
  world = await new World().start();
  registry.clear();
  for (const s of services) registry.set(s, world.register(s, overrides[s]));
  const [platform] = await world.run(() => world.deployPlatform());
  expect(platform).toBe('CREATE_COMPLETE');
  return world;
}

function expectInvariant() {
  expect(invariantProblems(world, registry)).toEqual([]);
}

function stackEvents(name: string): string[] {
  return world.cfn.stacks.get(`shared-lambda-infra-dev-${name}`)?.events ?? [];
}

afterEach(async () => {
  await world?.stop();
});

const ORDERS_V1 = [route('GET', '/orders', 'list'), route('GET', '/orders/{id}', 'get')];

describe('lifecycle', () => {
  it('one add: a new service stack completes once its routes are live', async () => {
    await setUp();
    const [status] = await world.run(() => world.deployService('orders', ORDERS_V1));
    expect(status).toBe('CREATE_COMPLETE');
    expect(servedState(world).methods).toEqual([
      'GET /health -> mock (NONE)',
      `GET /orders -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'list')}/invocations (CUSTOM)`,
      `GET /orders/{id} -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'get')}/invocations (CUSTOM)`,
    ]);
    expect(servedState(world).throttles).toEqual({
      'orders/GET': { rate: 50, burst: 100 },
      'orders/{id}/GET': { rate: 50, burst: 100 },
    });
    expectInvariant();
  });

  it('one change: a changed route table is live when the update completes', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() =>
      world.deployService('orders', [
        ...ORDERS_V1,
        route('POST', '/orders', 'create', { authorization: 'iam' }),
      ]),
    );
    expect(status).toBe('UPDATE_COMPLETE');
    expect(servedState(world).methods).toContain(
      `POST /orders -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'create')}/invocations (AWS_IAM)`,
    );
    expectInvariant();
  });

  it('one removal: a removed route is gone when the update completes, with no cleanup-phase Delete', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() => world.deployService('orders', [ORDERS_V1[0]]));
    expect(status).toBe('UPDATE_COMPLETE');
    expect(servedState(world).routedPaths).toEqual(['/health', '/orders']);
    expect(world.cfn.requests.filter((r) => r.requestType === 'Delete')).toEqual([]);
    expectInvariant();
  });

  it('a removal while other clients exhaust the CreateDeployment quota still completes, and the route is gone', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + 120_000;
    const [status] = await world.run(() => world.deployService('orders', [ORDERS_V1[0]]));
    expect(status).toBe('UPDATE_COMPLETE');
    expect(world.apigateway.throttled.CreateDeployment).toBeGreaterThan(0);
    expect(servedState(world).routedPaths).toEqual(['/health', '/orders']);
    expectInvariant();
  });

  it('a stack deletion removes every route of the service; its item keeps only a tombstone', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() => world.deleteService('orders'));
    expect(status).toBe('DELETE_COMPLETE');
    expect(servedState(world).methods).toEqual(['GET /health -> mock (NONE)']);
    const item = world.table.items.get('service#orders') as Record<string, unknown>;
    expect(item.routes).toEqual([]);
    expect(item.deleted).toBe(true);
    expect((item.tombstones as Array<{ logicalResourceId: string }>).map((t) => t.logicalResourceId)).toEqual(
      ['Routes'],
    );
    expectInvariant();
  });

  it('two services at once both complete, with their routes applied together', async () => {
    await setUp(['orders', 'payments']);
    const statuses = await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () => world.deployService('payments', [route('POST', '/payments', 'pay')]),
    );
    expect(statuses).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    // One for the platform's settings, one for both services.
    expect(world.apigateway.calls.CreateDeployment).toBe(2);
    expectInvariant();
  });

  it('30 services deploying at once all complete, none stuck, in a few deployments', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `svc${String(i).padStart(2, '0')}`);
    await setUp(names);
    world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + 30_000;
    const statuses = await world.run(
      ...names.map(
        (n) => () =>
          world.deployService(n, [route('GET', `/${n}`, 'list'), route('GET', `/${n}/{id}`, 'get')]),
      ),
    );
    expect(statuses).toEqual(names.map(() => 'CREATE_COMPLETE'));
    expect(world.apigateway.calls.CreateDeployment).toBeLessThanOrEqual(6);
    expect(world.queue.deadLetters).toEqual([]);
    expectInvariant();
  });

  it('a rollback (another resource fails) puts the previous routes back and ends UPDATE_ROLLBACK_COMPLETE', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() =>
      world.deployService('orders', [route('GET', '/orders/{id}/items', 'items')], { failAfter: true }),
    );
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(servedState(world).routedPaths).toEqual(['/health', '/orders', '/orders/{id}']);
    expectInvariant();
  });

  it('a rollback while API Gateway throttles for longer than the timeout never ends UPDATE_ROLLBACK_FAILED', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + 40 * 60_000;
    const [status] = await world.run(() => world.deployService('orders', [ORDERS_V1[0]]));
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toMatch(/could not be applied in time/);
    // Once API Gateway takes calls again, the next reconcile converges.
    await world.run(() => world.clock.sleep(45 * 60_000));
    world.scheduleReconcile();
    await world.settle();
    expectInvariant();
  });

  it('the platform updating its settings while services deploy: everything completes and converges', async () => {
    await setUp(['orders', 'payments']);
    const statuses = await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () =>
        world.deployPlatform(
          platformSettings({ throttle: { rateLimit: 20, burstLimit: 40 }, binaryMediaTypes: ['image/png'] }),
        ),
      () => world.deployService('payments', [route('POST', '/payments', 'pay')]),
    );
    expect(statuses).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_COMPLETE']);
    expect(world.apigateway.served()?.binaryMediaTypes).toEqual(['image/png']);
    expectInvariant();
  });

  it("a rollback of the platform's settings while API Gateway throttles ends UPDATE_ROLLBACK_COMPLETE", async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + 40 * 60_000;
    const [status] = await world.run(() =>
      world.deployPlatform(platformSettings({ binaryMediaTypes: ['image/png'] })),
    );
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    await world.run(() => world.clock.sleep(45 * 60_000));
    world.scheduleReconcile();
    await world.settle();
    expect(world.apigateway.served()?.binaryMediaTypes).toEqual([]);
    expectInvariant();
  });

  it('the platform removing one of its own routes takes it off the stage', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() => world.deployPlatform(platformSettings({ routes: [] })));
    expect(status).toBe('UPDATE_COMPLETE');
    expect(servedState(world).routedPaths).toEqual(['/orders', '/orders/{id}']);
    expectInvariant();
  });

  it('a replaced function (new ARN) gets a new integration', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    await world.run(() => world.deployService('orders', [route('GET', '/orders', 'list-v2'), ORDERS_V1[1]]));
    expect(servedState(world).methods).toContain(
      `GET /orders -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'list-v2')}/invocations (CUSTOM)`,
    );
    expectInvariant();
  });

  it('a CORS policy change reaches every routed resource with no service deploy', async () => {
    await setUp(['orders', 'payments']);
    await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () => world.deployService('payments', [route('POST', '/payments', 'pay')]),
    );
    const serviceRequests = world.cfn.requests.filter((r) => !r.stack.endsWith('-dev-api')).length;
    const cors = {
      ...(platformSettings().cors as NonNullable<ReturnType<typeof platformSettings>['cors']>),
      allowOrigins: ['https://new.example.com'],
    };
    await world.run(() => world.deployPlatform(platformSettings({ cors })));
    expect(servedState(world).preflights).toEqual({
      '/health': "'https://new.example.com'",
      '/orders': "'https://new.example.com'",
      '/orders/{id}': "'https://new.example.com'",
      '/payments': "'https://new.example.com'",
    });
    expect(world.cfn.requests.filter((r) => !r.stack.endsWith('-dev-api')).length).toBe(serviceRequests);
    expectInvariant();
  });

  it('drift (a method edited in the console and deployed) is repaired by the scheduled reconcile', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    world.apigateway.editMethod('/orders', 'GET', {
      uri: 'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:999999999999:function:evil/invocations',
    });
    await world.run(() => world.clock.sleep(10_000)); // the console spends the same quota
    world.apigateway.createDeployment({ restApiId: 'abc123', stageName: 'dev' });
    expect(invariantProblems(world, registry)).not.toEqual([]);
    world.scheduleReconcile();
    await world.settle();
    expectInvariant();
  });

  it('over the resources-per-API quota, the service adding resources fails with the reason and the others apply', async () => {
    world = await new World().start();
    registry.clear();
    for (const s of ['orders', 'payments']) registry.set(s, world.register(s));
    await world.run(() => world.deployPlatform(platformSettings({ quotas: { resourcesPerApi: 5 } })));
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() =>
      world.deployService('payments', [
        route('POST', '/payments', 'pay'),
        route('GET', '/payments/{id}', 'get'),
      ]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('payments-api').join('\n')).toContain(
      'the shared API would have 6 resources, more than its quota of 5 (api quotas.resourcesPerApi); services adding resources: payments (+2)',
    );
    expectInvariant();
  });

  it('renaming the routes resource keeps the routes: the cleanup-phase Delete of the old logical id changes nothing', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const [status] = await world.run(() =>
      world.deployService('orders', ORDERS_V1, { logicalId: 'OrdersRoutes' }),
    );
    expect(status).toBe('UPDATE_COMPLETE');
    expect(world.cfn.requests.slice(-2).map((r) => `${r.requestType} ${r.status}`)).toEqual([
      'Create SUCCESS',
      'Delete SUCCESS',
    ]);
    expect(servedState(world).routedPaths).toEqual(['/health', '/orders', '/orders/{id}']);
    expectInvariant();
  });

  it('a stack deleted while API Gateway refuses every call completes; the reconcile lands in the DLQ; the schedule converges later', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    world.apigateway.exhaustedUntil.PutRestApi = world.clock.now() + 24 * 3600_000;
    const [status] = await world.run(() => world.deleteService('orders'));
    expect(status).toBe('DELETE_COMPLETE');
    await world.run(() => world.clock.sleep(60 * 60_000));
    expect(world.queue.deadLetters.length).toBe(1);
    expect(world.invocations.failed).toBe(5);
    expect(world.log.lines.some((l) => l.includes('"ReconcileFailures":1'))).toBe(true);
    world.apigateway.exhaustedUntil.PutRestApi = 0;
    world.scheduleReconcile();
    await world.settle();
    expect(servedState(world).methods).toEqual(['GET /health -> mock (NONE)']);
    expectInvariant();
  });
});

describe('registry', () => {
  it('a throttle changed in the registry reaches the stage on the next reconcile, with no service deploy', async () => {
    await setUp();
    await world.run(() => world.deployService('orders', ORDERS_V1));
    registry.set('orders', world.register('orders', { throttle: { rateLimit: 7, burstLimit: 14 } }));
    world.scheduleReconcile();
    await world.settle();
    expect(servedState(world).throttles).toEqual({
      'orders/GET': { rate: 7, burst: 14 },
      'orders/{id}/GET': { rate: 7, burst: 14 },
    });
    expectInvariant();
  });

  it('a service removed from the registry stops being served on the next reconcile', async () => {
    await setUp(['orders', 'payments']);
    await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () => world.deployService('payments', [route('POST', '/payments', 'pay')]),
    );
    world.ssm.parameters.delete('/shared-lambda-infra/dev/services/payments/registration');
    registry.delete('payments');
    world.scheduleReconcile();
    await world.settle();
    expect(servedState(world).routedPaths).toEqual(['/health', '/orders', '/orders/{id}']);
    expectInvariant();
  });

  it("fails a service deploy that comes before the platform's settings, saying what to deploy first", async () => {
    world = await new World().start();
    registry.clear();
    registry.set('orders', world.register('orders'));
    const [status] = await world.run(() => world.deployService('orders', ORDERS_V1));
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api')).toEqual([
      "Create Routes: the platform's API settings are not stored yet: deploy the platform's shared-lambda-infra-dev-api stack first",
    ]);
  });
});

describe('authorizers', () => {
  it('fails a jwt route when the environment has no authorizer, and still applies the other services', async () => {
    world = await new World().start();
    registry.clear();
    for (const s of ['orders', 'payments']) registry.set(s, world.register(s));
    await world.run(() => world.deployPlatform(platformSettings({ jwtAuthorizer: undefined })));
    const statuses = await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () => world.deployService('payments', [route('POST', '/payments', 'pay', { authorization: 'iam' })]),
    );
    expect(statuses).toEqual(['ROLLBACK_COMPLETE', 'CREATE_COMPLETE']);
    expect(stackEvents('orders-api')).toEqual([
      'Create Routes: route "GET /orders": authorization "jwt" needs the platform\'s JWT or Cognito authorizer, and this environment has none (set api.authorizer, or use "iam")',
    ]);
    expectInvariant();
  });
});

describe('hostile declarations', () => {
  it("rejects a declaration from a stack that is not the service's api stack", async () => {
    await setUp();
    const [status] = await world.run(() =>
      world.deployService('orders', ORDERS_V1, { stackName: 'shared-lambda-infra-dev-orders-web' }),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-web').join('\n')).toContain(
      'may not declare routes: only the stack named shared-lambda-infra-dev-{service}-api of a service registered in this environment may',
    );
    expect(servedState(world).methods).toEqual(['GET /health -> mock (NONE)']);
  });

  it("rejects a declaration from the api stack of a service whose name extends another's (orders / orders-api)", async () => {
    await setUp(['orders', 'orders-api']);
    // orders' deploy role may deploy shared-lambda-infra-dev-orders-*, which includes orders-api's api stack.
    const [status] = await world.run(() =>
      world.deployService('orders-api', [route('GET', '/orders-api', 'x')]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    const events = stackEvents('orders-api-api').join('\n');
    expect(events).toContain("could also be deployed by another registered service's deploy role");
    // The refusal names no other service.
    expect(events).not.toContain('"orders"');
  });

  it("rejects a function of another service whose name extends the declaring service's", async () => {
    await setUp(['orders', 'orders2']);
    const [status] = await world.run(() =>
      world.deployService('orders', [{ ...ORDERS_V1[0], functionArn: fnArn('orders2', 'list') }]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      `route "GET /orders" (routes[0]): functionArn "${fnArn('orders2', 'list')}" must name one of the service's functions (shared-lambda-infra-dev-fn-orders-*)`,
    );
  });

  it('rejects paths outside the base path, naming the route and the rule', async () => {
    await setUp(['orders', 'payments']);
    const [status] = await world.run(() =>
      world.deployService('orders', [{ ...ORDERS_V1[0], path: '/payments/admin' }]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      'route "GET /payments/admin" (routes[0]): path must be /orders or below it (the base path the registry gives service "orders")',
    );
    expectInvariant();
  });

  it('rejects a function ARN of another account', async () => {
    await setUp();
    const foreign = fnArn('orders', 'list', '999999999999');
    const [status] = await world.run(() =>
      world.deployService('orders', [{ ...ORDERS_V1[0], functionArn: foreign }]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      `route "GET /orders" (routes[0]): functionArn "${foreign}" must be in account 123456789012, Region eu-west-1 (the shared API's)`,
    );
  });

  it('rejects an authorization type the registry does not allow', async () => {
    await setUp();
    const [status] = await world.run(() =>
      world.deployService('orders', [{ ...ORDERS_V1[0], authorization: 'none' }]),
    );
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      'route "GET /orders" (routes[0]): authorization "none" is not allowed for service "orders" (allowed: jwt, iam)',
    );
  });

  it("ignores forged BasePath and Throttle properties: the registry's apply", async () => {
    await setUp(['orders', 'payments']);
    await world.run(() => world.deployService('payments', [route('POST', '/payments', 'pay')]));
    const [status] = await world.run(() =>
      world.deployService('orders', ORDERS_V1, {
        extra: { BasePath: 'payments', Throttle: '{"rateLimit":0.001,"burstLimit":0}' },
      }),
    );
    expect(status).toBe('CREATE_COMPLETE');
    expect(servedState(world).throttles['payments/POST']).toEqual({ rate: 50, burst: 100 });
    expect(servedState(world).throttles['orders/GET']).toEqual({ rate: 50, burst: 100 });
    expectInvariant();
  });
});

describe('poison, budgets and forged requests fail only their sender (issue 21)', () => {
  const PAYMENTS = [route('POST', '/payments', 'pay'), route('GET', '/payments/{id}', 'get')];
  const hostile: Array<[string, Record<string, unknown>, string]> = [
    [
      'cache.queryKeys a string',
      { cache: { ttlSeconds: 60, queryKeys: 'page' } },
      'Declaration.routes[0].cache.queryKeys: expected array, got "page"',
    ],
    [
      'cache.queryKeys a name with a space',
      { cache: { ttlSeconds: 60, queryKeys: ['a b'] } },
      'Declaration.routes[0].cache.queryKeys[0]: must be a query string name',
    ],
    [
      'cache.ttlSeconds a string',
      { cache: { ttlSeconds: '60' } },
      'Declaration.routes[0].cache.ttlSeconds: expected number, got "60"',
    ],
    ['method OPTIONS', { method: 'OPTIONS' }, "Declaration.routes[0].method: OPTIONS is the platform's"],
    ['method a number', { method: 7 }, 'Declaration.routes[0].method: expected "GET"'],
    [
      'path with ".."',
      { path: '/orders/../payments' },
      'Declaration.routes[0].path: segment 2 "..": "." and ".." are removed',
    ],
    [
      'a path variable twice',
      { path: '/orders/{id}/x/{id}' },
      'Declaration.routes[0].path: segment 4 "{id}": path variable "id" appears twice',
    ],
    [
      'a greedy variable before the end',
      { path: '/orders/{p+}/x' },
      'a greedy {name+} may only be the last segment',
    ],
    ['path an object', { path: { 'Fn::Sub': '/payments' } }, 'Declaration.routes[0].path: expected string'],
    [
      'functionArn null',
      { functionArn: null },
      'Declaration.routes[0].functionArn: expected string, got null',
    ],
    [
      'authorization "NONE"',
      { authorization: 'NONE' },
      'Declaration.routes[0].authorization: expected "jwt", "none", "iam", got "NONE"',
    ],
    [
      'an integration of its own',
      { integration: { type: 'HTTP_PROXY', uri: 'https://attacker.example.com' } },
      'Declaration.routes[0]: unknown field "integration"',
    ],
  ];

  it.each(hostile)(
    'a declaration with %s fails only its own stack, within one reconcile, while payments deploys',
    async (_, poison, reason) => {
      await setUp(['orders', 'payments']);
      await world.run(() => world.deployService('payments', [PAYMENTS[0]]));
      const poisoned = [{ ...ORDERS_V1[0], ...poison }] as unknown as typeof ORDERS_V1;
      const [orders, payments] = await world.run(
        () => world.deployService('orders', poisoned),
        () => world.deployService('payments', PAYMENTS),
      );
      expect([orders, payments]).toEqual(['ROLLBACK_COMPLETE', 'UPDATE_COMPLETE']);
      expect(stackEvents('orders-api').join('\n')).toContain(reason);
      // Nothing of the poison was stored, so no reconcile ever sees it: the item holds at most the
      // tombstone the rollback's Delete leaves (no routes, deleted, nothing pending).
      const item = world.table.items.get('service#orders');
      expect(JSON.stringify(item ?? {})).not.toContain(JSON.stringify(poison).slice(1, -1));
      expect({
        routes: item?.routes ?? [],
        deleted: item?.deleted ?? true,
        pending: item?.pending ?? [],
      }).toEqual({ routes: [], deleted: true, pending: [] });
      expect(servedState(world).routedPaths).toEqual(['/health', '/payments', '/payments/{id}']);
      expect(world.invocations.failed).toBe(0);
      expectInvariant();
    },
  );

  it('a neighbour at its budget never costs another service its own: each is refused only over its own', async () => {
    await setUp(['orders', 'payments'], {
      orders: { resourceBudget: 2 },
      payments: { resourceBudget: 2 },
    });
    const [payments] = await world.run(() => world.deployService('payments', PAYMENTS));
    expect(payments).toBe('CREATE_COMPLETE');
    // orders fits its own budget: payments using all of its own changes nothing for orders.
    const [orders] = await world.run(() => world.deployService('orders', ORDERS_V1));
    expect(orders).toBe('CREATE_COMPLETE');
    // One resource more than its budget: refused, naming its budget and no other service.
    const [grown] = await world.run(() =>
      world.deployService('orders', [...ORDERS_V1, route('GET', '/orders/{id}/items', 'items')]),
    );
    expect(grown).toBe('UPDATE_ROLLBACK_COMPLETE');
    const events = stackEvents('orders-api').join('\n');
    expect(events).toContain(
      'the routes need 3 API Gateway resources (distinct paths), more than the budget of 2 the registry gives service "orders"',
    );
    expect(events).not.toContain('payments');
    expect(servedState(world).routedPaths).toEqual([
      '/health',
      '/orders',
      '/orders/{id}',
      '/payments',
      '/payments/{id}',
    ]);
    expectInvariant();
  });

  it('a registration published before budgets (no resourceBudget) keeps its service deploying until the access stack republishes it; then its budget holds', async () => {
    await setUp(['orders', 'payments']);
    // What an access stack older than budgets published: the same registration without the field.
    const path = '/shared-lambda-infra/dev/services/orders/registration';
    const { resourceBudget: _none, ...older } = JSON.parse(world.ssm.parameters.get(path) as string);
    world.ssm.parameters.set(path, JSON.stringify(older));
    const [orders, payments] = await world.run(
      () => world.deployService('orders', ORDERS_V1),
      () => world.deployService('payments', PAYMENTS),
    );
    expect([orders, payments]).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    expect(world.log.lines.filter((l) => l.includes('registration has no resourceBudget'))).toEqual([
      'WARN registration has no resourceBudget (published before budgets existed); budget not checked {"service":"orders"}',
    ]);
    // The platform's deploy republishes it with a budget of 2: orders' 2 resources stay served, a
    // third is refused over its own budget.
    registry.set('orders', world.register('orders', { resourceBudget: 2 }));
    // The warm receiver reuses a registration for a minute.
    await world.run(() => world.clock.sleep(61_000));
    const [grown] = await world.run(() =>
      world.deployService('orders', [...ORDERS_V1, route('GET', '/orders/{id}/items', 'items')]),
    );
    expect(grown).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      'more than the budget of 2 the registry gives service "orders"',
    );
    expect(servedState(world).routedPaths).toEqual([
      '/health',
      '/orders',
      '/orders/{id}',
      '/payments',
      '/payments/{id}',
    ]);
    expectInvariant();
  });

  it('296 routes of one service cannot take the quota: refused over its budget, and the next service still deploys', async () => {
    // 3 services share 298 resources: 99 each.
    await setUp(['orders', 'payments', 'stock'], {
      orders: { resourceBudget: 99 },
      payments: { resourceBudget: 99 },
      stock: { resourceBudget: 99 },
    });
    const greedy = Array.from({ length: 295 }, (_, i) => route('GET', `/orders/r${i}`, 'list'));
    const [orders] = await world.run(() => world.deployService('orders', [ORDERS_V1[0], ...greedy]));
    expect(orders).toBe('ROLLBACK_COMPLETE');
    expect(stackEvents('orders-api').join('\n')).toContain(
      'the routes need 296 API Gateway resources (distinct paths), more than the budget of 99',
    );
    const [payments] = await world.run(() => world.deployService('payments', PAYMENTS));
    expect(payments).toBe('CREATE_COMPLETE');
    expectInvariant();
  });

  it("forged Update and Delete for orders' stack from another account leave orders' live routes alone", async () => {
    await setUp(['orders', 'payments']);
    await world.run(() => world.deployService('orders', ORDERS_V1));
    const before = servedState(world).methods;
    const stack = world.cfn.stacks.get('shared-lambda-infra-dev-orders-api');
    const forgedStackId = (stack?.stackId ?? '').replace(':123456789012:', ':999999999999:');
    const receiver = world['receiver'];
    const forged = (requestType: 'Update' | 'Delete') =>
      ({
        RequestType: requestType,
        ServiceToken: 'token',
        ResponseURL: `${world.cfn.responseOrigin}/responses/forged-${requestType}`,
        StackId: forgedStackId,
        RequestId: `forged-${requestType}`,
        ResourceType: 'Custom::SharedApiRoutes',
        LogicalResourceId: 'Routes',
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-orders',
        ResourceProperties: {
          ServiceToken: 'token',
          Declaration: JSON.stringify({ version: 1, routes: [route('GET', '/orders', 'evil')] }),
        },
      }) as unknown as Parameters<typeof receiver>[0];
    await world.run(
      () =>
        receiver(forged('Update'), {
          invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:r',
        }),
      () =>
        receiver(forged('Delete'), {
          invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:r',
        }),
    );
    await world.settle();
    expect(servedState(world).methods).toEqual(before);
    expect(world.log.lines.some((l) => l.includes('evil'))).toBe(false);
    expectInvariant();
  });
});
