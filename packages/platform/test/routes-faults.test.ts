import type { DeclaredRoute, ServiceRegistration } from '@shared-lambda-infra/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { answerProblems, invariantProblems, servedState, stuckStacks } from './models/invariant';
import { fnArn, platformSettings, route, World } from './models/world';

/**
 * Issue 21, part 2: the shared API under load and faults. The real receiver and reconciler against
 * the models (test/models/), with the faults AWS really has: Parameter Store's 40 TPS, Lambda's
 * asynchronous delivery (late, reordered, twice), a reconciler that dies between two writes, S3
 * answering 503, API Gateway refusing a definition, `--no-rollback`, poison in the store. Every
 * scenario ends with the invariant (the stage serves exactly the live stacks' declarations), every
 * request answered once, and no stack stuck in *_FAILED unless the scenario deployed it so.
 */

let world: World;
const registry = new Map<string, ServiceRegistration>();

async function setUp(services: string[]) {
  world = await new World().start();
  registry.clear();
  for (const s of services) registry.set(s, world.register(s));
  const [platform] = await world.run(() => world.deployPlatform());
  expect(platform).toBe('CREATE_COMPLETE');
  return world;
}

function table(service: string): DeclaredRoute[] {
  return [route('GET', `/${service}`, 'list'), route('GET', `/${service}/{id}`, 'get')];
}

function names(n: number, prefix = 'svc'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
}

function expectHealthy(options: { allowIdentical?: boolean; stuck?: string[] } = {}) {
  expect(invariantProblems(world, registry)).toEqual([]);
  expect(answerProblems(world, options)).toEqual([]);
  expect(stuckStacks(world)).toEqual(options.stuck ?? []);
}

function events(service: string): string {
  return (world.cfn.stacks.get(`shared-lambda-infra-dev-${service}-api`)?.events ?? []).join('\n');
}

function item(service: string): Record<string, unknown> {
  return world.table.items.get(`service#${service}`) as Record<string, unknown>;
}

afterEach(async () => {
  await world?.stop();
});

describe('failure stays with its owner', () => {
  it('poison stored in one service item (routes not a list, a string cache key) never makes a reconcile throw; the others deploy', async () => {
    await setUp(['orders', 'payments', 'stock']);
    await world.run(() => world.deployService('payments', table('payments')));
    // What an older receiver (or a hand edit) may have stored.
    world.table.items.set('service#payments', {
      ...item('payments'),
      routes: [{ ...table('payments')[0], cache: { ttlSeconds: 60, queryKeys: 'page' } }],
      version: 99,
    });
    world.table.items.set('service#stock', { pk: 'service#stock', kind: 'service', routes: 'garbage' });
    const statuses = await world.run(() => world.deployService('orders', table('orders')));
    expect(statuses).toEqual(['CREATE_COMPLETE']);
    expect(world.invocations.failed).toBe(0);
    // payments keeps serving its last good table.
    expect(servedState(world).routedPaths).toEqual([
      '/health',
      '/orders',
      '/orders/{id}',
      '/payments',
      '/payments/{id}',
    ]);
    expectHealthy();
  });

  it('a declaration API Gateway refuses fails only its own stack, within one reconcile, while 30 others deploy', async () => {
    const others = names(30);
    await setUp([...others, 'evil']);
    world.apigateway.refuseMethod = (path) =>
      path.startsWith('/evil') ? `invalid method on ${path}` : undefined;
    const statuses = await world.run(
      () => world.deployService('evil', table('evil')),
      ...others.map((n) => () => world.deployService(n, table(n))),
    );
    expect(statuses).toEqual(['ROLLBACK_COMPLETE', ...others.map(() => 'CREATE_COMPLETE')]);
    expect(events('evil')).toContain('API Gateway refused the routes of service "evil"');
    expect(world.invocations.failed).toBe(0);
    expect(world.queue.deadLetters).toEqual([]);
    expectHealthy();
  });

  it('deployed with --no-rollback, a refused declaration leaves its stack UPDATE_FAILED, the store clean and every later deploy working', async () => {
    await setUp(['orders', 'payments']);
    await world.run(() => world.deployService('payments', table('payments')));
    world.apigateway.refuseMethod = (path) => (path === '/payments/admin' ? 'invalid method' : undefined);
    const [failed] = await world.run(() =>
      world.deployService('payments', [...table('payments'), route('GET', '/payments/admin', 'admin')], {
        disableRollback: true,
      }),
    );
    expect(failed).toBe('UPDATE_FAILED');
    // The desired table went back to the live one: nothing refused stays stored.
    expect(item('payments').routes).toEqual(table('payments'));
    const later = await world.run(
      () => world.deployService('orders', table('orders')),
      () => world.deployService('payments', [table('payments')[0]]),
    );
    expect(later).toEqual(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);
    expect(world.invocations.failed).toBe(0);
    expectHealthy();
  });

  it('a string cache.queryKeys (the declaration that froze every deploy) fails only its own stack, deployed with --no-rollback among 30 others', async () => {
    const others = names(30);
    await setUp([...others, 'evil']);
    const poison = [
      { ...table('evil')[0], cache: { ttlSeconds: 60, queryKeys: 'page' } },
    ] as unknown as DeclaredRoute[];
    const statuses = await world.run(
      () => world.deployService('evil', poison, { disableRollback: true }),
      ...others.map((n) => () => world.deployService(n, table(n))),
    );
    expect(statuses).toEqual(['CREATE_FAILED', ...others.map(() => 'CREATE_COMPLETE')]);
    expect(world.invocations.failed).toBe(0);
    // Nothing of the poison is stored to be met again (refused by the receiver, or put back by the reconciler).
    expect(JSON.stringify(world.table.items.get('service#evil') ?? {})).not.toContain('"queryKeys":"page"');
    const [later] = await world.run(() => world.deployService(others[0], [table(others[0])[0]]));
    expect(later).toBe('UPDATE_COMPLETE');
    expectHealthy({ stuck: ['shared-lambda-infra-dev-evil-api CREATE_FAILED'] });
  });

  it('a declaration over 64 KiB is refused by the receiver with the limit, and the others apply', async () => {
    await setUp(['orders', 'payments']);
    const huge = Array.from({ length: 400 }, (_, i) =>
      route('GET', `/orders/r${i}/with/a/long/path/segment`, 'list'),
    );
    const statuses = await world.run(
      () => world.deployService('orders', huge),
      () => world.deployService('payments', table('payments')),
    );
    expect(statuses).toEqual(['ROLLBACK_COMPLETE', 'CREATE_COMPLETE']);
    expect(events('orders')).toMatch(
      /the route table is \d+ bytes of JSON, more than the 65536 bytes \(64 KiB\)/,
    );
    expectHealthy();
  });

  it('a rollback to an earlier table near the size limit completes, and the item stays far below 400 KB', async () => {
    await setUp(['orders']);
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'ANY'] as const;
    const big = Array.from({ length: 40 }, (_, i) =>
      methods.map((m) => route(m, `/orders/r${i}`, `fn${i}`)),
    ).flat();
    await world.run(() => world.deployService('orders', big));
    const [status] = await world.run(() =>
      world.deployService('orders', table('orders'), { failAfter: true }),
    );
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(Buffer.byteLength(JSON.stringify(item('orders')))).toBeLessThan(200 * 1024);
    expectHealthy();
  });
});

describe('load and faults', () => {
  it('30 services at once with Parameter Store at 40 TPS and 100 registered: all complete, each request answered once', async () => {
    const all = names(100);
    const deploying = all.slice(0, 30);
    await setUp(all);
    const before = { ...world.ssm.faults.calls };
    const statuses = await world.run(...deploying.map((n) => () => world.deployService(n, table(n))));
    expect(statuses).toEqual(deploying.map(() => 'CREATE_COMPLETE'));
    // A request reads one service's registration (one GetParameters call, the 100 are never paged
    // through); each reconcile reads the 30 stored services' registrations, 10 per call.
    expect((world.ssm.faults.calls.GetParametersByPath ?? 0) - (before.GetParametersByPath ?? 0)).toBe(0);
    expect((world.ssm.faults.calls.GetParameters ?? 0) - (before.GetParameters ?? 0)).toBeLessThanOrEqual(60);
    expect(world.queue.deadLetters).toEqual([]);
    expectHealthy();
  });

  it('a Delete delivered before its Create (the Create outlived its timeout in the async queue) leaves no routes live', async () => {
    await setUp(['orders', 'payments']);
    world.delivery.delayMs = (e) =>
      e.RequestType === 'Create' && e.StackId.includes('-orders-api/') ? 20 * 60_000 : 0;
    const statuses = await world.run(
      () => world.deployService('orders', table('orders')),
      () => world.deployService('payments', table('payments')),
    );
    expect(statuses).toEqual(['ROLLBACK_COMPLETE', 'CREATE_COMPLETE']);
    // Let the late Create arrive and every reconcile run.
    await world.run(() => world.clock.sleep(30 * 60_000));
    expect(servedState(world).routedPaths).toEqual(['/health', '/payments', '/payments/{id}']);
    expect(item('orders').routes).toEqual([]);
    expectHealthy();
  });

  it('every request delivered twice is stored once and answered once', async () => {
    const services = names(5);
    await setUp(services);
    world.delivery.duplicate = () => true;
    const statuses = await world.run(...services.map((n) => () => world.deployService(n, table(n))), () =>
      world.deployPlatform(platformSettings({ binaryMediaTypes: ['image/png'] })),
    );
    expect(statuses).toEqual([...services.map(() => 'CREATE_COMPLETE'), 'UPDATE_COMPLETE']);
    const updates = await world.run(
      () => world.deployService(services[0], [table(services[0])[0]], { failAfter: true }),
      () => world.deleteService(services[1]),
    );
    expect(updates).toEqual(['UPDATE_ROLLBACK_COMPLETE', 'DELETE_COMPLETE']);
    await world.settle();
    registry.delete(services[1]);
    expectHealthy();
  });

  it('a reconciler that dies after its first answer: the others are answered on the retry, none differently, none twice but the one in flight', async () => {
    const services = names(4);
    await setUp(services);
    world.crashReconcilerAfterAnswers(1);
    const statuses = await world.run(...services.map((n) => () => world.deployService(n, table(n))));
    expect(statuses).toEqual(services.map(() => 'CREATE_COMPLETE'));
    expect(world.invocations.crashed).toBe(1);
    const repeated = world.cfn.answers.length - new Set(world.cfn.answers.map((a) => a.requestId)).size;
    expect(repeated).toBeLessThanOrEqual(1);
    expectHealthy({ allowIdentical: true });
  });

  it('a reconciler that dies before answering: the retry answers each request exactly once', async () => {
    const services = names(3);
    await setUp(services);
    world.crashReconcilerAfterAnswers(0);
    const statuses = await world.run(...services.map((n) => () => world.deployService(n, table(n))));
    expect(statuses).toEqual(services.map(() => 'CREATE_COMPLETE'));
    expect(world.invocations.crashed).toBe(1);
    expectHealthy();
  });

  it('a reconciler that dies between its writes (applied state and one outbox recorded, the others not): each request answered exactly once', async () => {
    const services = names(3);
    await setUp(services);
    world.crashReconcilerAfterWrites(2);
    const statuses = await world.run(...services.map((n) => () => world.deployService(n, table(n))));
    expect(statuses).toEqual(services.map(() => 'CREATE_COMPLETE'));
    expect(world.invocations.crashed).toBe(1);
    expectHealthy();
  });

  it('a renamed routes resource followed by a failure later in the update keeps the routes through the rollback', async () => {
    await setUp(['orders']);
    await world.run(() => world.deployService('orders', table('orders')));
    const [status] = await world.run(() =>
      world.deployService('orders', [route('GET', '/orders', 'list-v2')], {
        logicalId: 'OrdersRoutes',
        failAfter: true,
      }),
    );
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(servedState(world).methods).toContain(
      `GET /orders/{id} -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'get')}/invocations (CUSTOM)`,
    );
    // The next deploy (rename done right) then completes and its cleanup Delete changes nothing.
    const [again] = await world.run(() =>
      world.deployService('orders', table('orders'), { logicalId: 'OrdersRoutes' }),
    );
    expect(again).toBe('UPDATE_COMPLETE');
    expectHealthy();
  });

  it('S3 answering 503 to the answers of a rollback: retried, UPDATE_ROLLBACK_COMPLETE', async () => {
    await setUp(['orders']);
    await world.run(() => world.deployService('orders', table('orders')));
    const update = world.run(() => world.deployService('orders', [table('orders')[0]], { failAfter: true }));
    world.cfn.slowDown = 4;
    const [status] = await update;
    expect(status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(world.cfn.slowedDown).toBe(4);
    expectHealthy();
  });

  it('Parameter Store throttled by other clients for 10 minutes: rollbacks and deletes still complete', async () => {
    await setUp(['orders', 'payments']);
    await world.run(
      () => world.deployService('orders', table('orders')),
      () => world.deployService('payments', table('payments')),
    );
    world.ssm.faults.throttledUntil = world.clock.now() + 10 * 60_000;
    const statuses = await world.run(
      () => world.deployService('orders', [table('orders')[0]], { failAfter: true }),
      () => world.deleteService('payments'),
    );
    expect(statuses).toEqual(['UPDATE_ROLLBACK_COMPLETE', 'DELETE_COMPLETE']);
    registry.delete('payments');
    await world.run(() => world.clock.sleep(15 * 60_000));
    world.scheduleReconcile();
    await world.settle();
    expectHealthy();
  });

  it('DynamoDB and SQS throttling for 10 s while 10 services deploy: retried with backoff, all complete', async () => {
    const services = names(10);
    await setUp(services);
    world.table.faults.throttledUntil = world.clock.now() + 10_000;
    world.queue.faults.throttledUntil = world.clock.now() + 10_000;
    const statuses = await world.run(...services.map((n) => () => world.deployService(n, table(n))));
    expect(statuses).toEqual(services.map(() => 'CREATE_COMPLETE'));
    expect(Object.values(world.table.faults.throttled).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expectHealthy();
  });

  it('the settings of a deleted service leave the stage', async () => {
    await setUp(['orders', 'payments']);
    await world.run(
      () => world.deployService('orders', table('orders')),
      () => world.deployService('payments', table('payments')),
    );
    await world.run(() => world.deleteService('payments'));
    registry.delete('payments');
    expect(Object.keys(world.apigateway.stage.methodSettings).sort()).toEqual([
      '*/*',
      'orders/GET',
      'orders/{id}/GET',
    ]);
    expectHealthy();
  });
});

describe("answers only to CloudFormation's response bucket", () => {
  it("the reconciler's own check refuses a stored ResponseURL that is not CloudFormation's: nothing is PUT to it", async () => {
    // The receiver takes the model's http://127.0.0.1 URLs; the reconciler keeps its production
    // check (https on CloudFormation's response bucket of eu-west-1), as if a stored request named
    // a URL the receiver should not have accepted.
    world = await new World({ productionReconcilerUrls: true }).start();
    const [platform] = await world.run(() => world.deployPlatform());
    expect(platform).not.toBe('CREATE_COMPLETE');
    // The Create, which only the reconciler answers, got no answer; the receiver answered the
    // rollback's Delete itself (a settings Delete needs no reconcile).
    const answered = world.cfn.answers.map((a) => world.cfn.sent.get(a.requestId)?.requestType);
    expect(answered).toEqual(['Delete']);
    expect(
      world.log.lines.some(
        (l) =>
          l.startsWith('WARN could not answer CloudFormation') &&
          l.includes('ResponseURL must be https, not http'),
      ),
    ).toBe(true);
  });
});
