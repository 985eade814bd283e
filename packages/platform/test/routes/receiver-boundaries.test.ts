import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashOf } from '../../functions/routes/common';
import { PLATFORM_ITEM_KEY, type PlatformItem, type ServiceItem } from '../../functions/routes/interface';
import { createReceiver } from '../../functions/routes/receiver';
import { ApiGatewayModel } from '../models/apigateway';
import { clients, FifoQueueModel, ParameterStoreModel, TableModel } from '../models/aws';
import { VirtualClock } from '../models/clock';
import { fnArn, memoryLog, platformSettings } from '../models/world';

// Who the receiver believes, and what a refused or failed request leaves behind: the edges mutation
// testing (docs/mutation.md) found no test for. The real receiver, against the in-memory DynamoDB,
// SQS and SSM models; its immediate answers go to a real HTTP server on 127.0.0.1.

const P = 'shared-lambda-infra-dev';
const answers: Array<Record<string, string>> = [];
let server: http.Server;
let url = '';
let table: TableModel;
let queue: FifoQueueModel;
let ssm: ParameterStoreModel;
let log: ReturnType<typeof memoryLog>;
let receive: ReturnType<typeof createReceiver>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answers.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const ENV = {
  PROJECT: 'shared-lambda-infra',
  ENV_NAME: 'dev',
  ROUTES_TABLE_NAME: 'routes',
  ROUTES_QUEUE_URL: 'q',
};

beforeEach(() => {
  answers.length = 0;
  const clock = new VirtualClock(0);
  table = new TableModel();
  queue = new FifoQueueModel(clock, 360_000, 5);
  ssm = new ParameterStoreModel();
  register('orders');
  register('payments');
  log = memoryLog();
  const sdk = clients({ apigateway: new ApiGatewayModel(clock, 'abc123', 'dev'), table, queue, ssm });
  receive = createReceiver({ ssm: sdk.ssm, db: sdk.db, sqs: sdk.sqs, clock, log, env: ENV });
});

function register(service: string) {
  ssm.parameters.set(
    `/shared-lambda-infra/dev/services/${service}/registration`,
    JSON.stringify({
      service,
      basePath: service,
      throttle: { rateLimit: 5, burstLimit: 10 },
      allowedAuthorizations: ['jwt'],
      cachingAllowed: false,
    }),
  );
}

const ROUTES = [
  { method: 'GET', path: '/orders', functionArn: fnArn('orders', 'get'), authorization: 'jwt' },
];

function event(stack: string, overrides: Record<string, unknown> = {}): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'token',
    ResponseURL: url,
    StackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${stack}/0a1b2c3d`,
    RequestId: 'req-1',
    ResourceType: 'Custom::SharedApiRoutes',
    LogicalResourceId: 'Routes',
    ResourceProperties: {
      ServiceToken: 'token',
      Declaration: JSON.stringify({ version: 1, routes: ROUTES }),
    },
    ...overrides,
  } as CloudFormationCustomResourceEvent;
}

const CONTEXT = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:receiver' };
const stored = () => table.items.get('service#orders') as unknown as ServiceItem | undefined;

describe('receiver: who may declare routes', () => {
  it("refuses a Create from a stack of no registered service, naming the registered ones, under a '-refused' id", async () => {
    await receive(event(`${P}-billing-api`), CONTEXT);
    expect(answers.map((a) => [a.Status, a.PhysicalResourceId, a.Reason])).toEqual([
      [
        'FAILED',
        'Routes-refused',
        `stack arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-billing-api/0a1b2c3d may not declare routes: only the stack named shared-lambda-infra-dev-{service}-api of a registered service may (registered: orders, payments)`,
      ],
    ]);
    expect(table.items.size).toBe(0);
    expect(queue.messages).toEqual([]);
  });

  it('refuses an Update it cannot serve under the physical id CloudFormation holds', async () => {
    await receive(
      event(`${P}-billing-api`, { RequestType: 'Update', PhysicalResourceId: 'held-id' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.PhysicalResourceId])).toEqual([['FAILED', 'held-id']]);
  });

  it('refuses a resource type it does not serve, and lets its Delete go', async () => {
    await receive(event(`${P}-orders-api`, { ResourceType: 'Custom::Other' }), CONTEXT);
    await receive(
      event(`${P}-orders-api`, {
        ResourceType: 'Custom::Other',
        RequestType: 'Delete',
        PhysicalResourceId: 'x',
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        'resource type Custom::Other is not served by this function (it serves Custom::SharedApiRoutes and Custom::SharedApiSettings)',
      ],
      [
        'SUCCESS',
        'resource type Custom::Other is not served by this function (it serves Custom::SharedApiRoutes and Custom::SharedApiSettings)',
      ],
    ]);
  });

  it("refuses a function in another account than the receiver's own", async () => {
    const theirs = fnArn('orders', 'get', '999999999999');
    await receive(
      event(`${P}-orders-api`, {
        ResourceProperties: {
          ServiceToken: 't',
          Declaration: JSON.stringify({ version: 1, routes: [{ ...ROUTES[0], functionArn: theirs }] }),
        },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `Custom::SharedApiRoutes of service "orders" has 1 problem:\nroute "GET /orders" (routes[0]): functionArn "${theirs}" must be in account 123456789012, Region eu-west-1 (the shared API's)`,
      ],
    ]);
    expect(stored()).toBeUndefined();
  });

  it('counts the problems of a declaration in its answer', async () => {
    await receive(
      event(`${P}-orders-api`, {
        ResourceProperties: {
          ServiceToken: 't',
          Declaration: JSON.stringify({
            version: 1,
            routes: [ROUTES[0], ROUTES[0], { ...ROUTES[0], path: '/x' }],
          }),
        },
      }),
      CONTEXT,
    );
    expect(answers[0].Reason).toBe(
      'Custom::SharedApiRoutes of service "orders" has 2 problems:\nroute "GET /orders" (routes[1]): declared more than once\nroute "GET /x" (routes[2]): path must be /orders or below it (the base path the registry gives service "orders")',
    );
  });

  it('takes base path and throttling from the registry, logging the properties it ignores', async () => {
    await receive(
      event(`${P}-orders-api`, {
        ResourceProperties: {
          ServiceToken: 't',
          Declaration: JSON.stringify({ version: 1, routes: ROUTES }),
          BasePath: 'payments',
        },
      }),
      CONTEXT,
    );
    expect(answers).toEqual([]);
    expect(stored()?.routes).toEqual(ROUTES);
    expect(log.lines.filter((l) => l.startsWith('WARN'))).toEqual([
      'WARN ignored properties: base path, throttling and the rest come from the registry {"service":"orders","ignored":["BasePath"]}',
    ]);
  });

  it('answers FAILED, asking for a new deploy, when it cannot store the request', async () => {
    const failing = createReceiver({
      ssm: clients({ apigateway: new ApiGatewayModel(new VirtualClock(0), 'a', 'dev'), table, queue, ssm })
        .ssm,
      db: {
        send: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      } as never,
      sqs: clients({ apigateway: new ApiGatewayModel(new VirtualClock(0), 'a', 'dev'), table, queue, ssm })
        .sqs,
      clock: new VirtualClock(0),
      log,
      env: ENV,
    });
    await failing(event(`${P}-orders-api`, { RequestType: 'Delete', PhysicalResourceId: 'p' }), CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        'the platform could not store the request (ProvisionedThroughputExceededException); deploy again',
      ],
    ]);
    expect(log.lines.filter((l) => l.startsWith('ERROR'))).toEqual([
      'ERROR request failed {"error":"ProvisionedThroughputExceededException"}',
    ]);
  });
});

describe('receiver: what it stores and logs', () => {
  it('logs each request, and warns about nothing when the template sends only the declaration', async () => {
    await receive(event(`${P}-orders-api`), CONTEXT);
    expect(log.lines).toEqual([
      `INFO request {"requestType":"Create","resourceType":"Custom::SharedApiRoutes","stackId":"arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-orders-api/0a1b2c3d","logicalResourceId":"Routes","requestId":"req-1"}`,
    ]);
  });

  it('logs no error for a request it refuses', async () => {
    await receive(event(`${P}-billing-api`), CONTEXT);
    expect(log.lines.filter((l) => !l.startsWith('INFO request'))).toEqual([]);
  });

  it('names the registered services in alphabetical order', async () => {
    ssm.parameters.clear();
    register('zeta');
    register('alpha');
    await receive(event(`${P}-orders-api`), CONTEXT);
    expect(answers[0].Reason).toMatch(/\(registered: alpha, zeta\)$/);
  });

  it('names every registered service, or none', async () => {
    ssm.parameters.clear();
    await receive(event(`${P}-orders-api`), CONTEXT);
    expect(answers[0].Reason).toMatch(/\(registered: none\)$/);
  });

  it('joins the problems of a malformed declaration', async () => {
    await receive(
      event(`${P}-orders-api`, {
        ResourceProperties: { ServiceToken: 't', Declaration: JSON.stringify({ version: 1, routes: [{}] }) },
      }),
      CONTEXT,
    );
    expect(answers[0].Reason).toBe(
      'Custom::SharedApiRoutes of service "orders": Declaration.routes[0].method: expected a string; Declaration.routes[0].path: expected a string; Declaration.routes[0].functionArn: expected a string; Declaration.routes[0].authorization: expected a string',
    );
  });

  it('stores a request Lambda retries once, and keeps what the reconciler recorded', async () => {
    const applied = { routes: ROUTES, declarationHash: hashOf(ROUTES) };
    table.items.set('service#orders', {
      pk: 'service#orders',
      kind: 'service',
      service: 'orders',
      routes: ROUTES,
      declarationHash: hashOf(ROUTES),
      stackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-orders-api/0a1b2c3d`,
      logicalResourceId: 'Routes',
      version: 7,
      deleted: false,
      applied,
      succeededHashes: ['earlier'],
      pending: [{ requestId: 'req-0', requestType: 'Update', responseUrl: url, mustSucceed: false }],
    } as never);
    const next = [{ ...ROUTES[0], path: '/orders/{id}' }];
    const request = event(`${P}-orders-api`, {
      RequestType: 'Update',
      PhysicalResourceId: `${P}-routes-orders`,
      ResourceProperties: { ServiceToken: 't', Declaration: JSON.stringify({ version: 1, routes: next }) },
    });
    await receive(request, CONTEXT);
    await receive(request, CONTEXT);
    const item = stored();
    expect(item?.pending.map((p) => p.requestId)).toEqual(['req-0', 'req-1']);
    expect([item?.routes, item?.applied, item?.succeededHashes]).toEqual([next, applied, ['earlier']]);
    expect(item?.version).toBeGreaterThan(7);
  });

  it('starts a new service with no recorded success', async () => {
    await receive(event(`${P}-orders-api`), CONTEXT);
    expect([stored()?.succeededHashes, stored()?.applied]).toEqual([[], undefined]);
  });
});

describe('receiver: which Delete removes a stored route table', () => {
  const del = (overrides: Record<string, unknown> = {}) =>
    event(`${P}-orders-api`, {
      RequestType: 'Delete',
      RequestId: 'req-del',
      PhysicalResourceId: `${P}-routes-orders`,
      ...overrides,
    });

  it('answers a Delete with nothing stored SUCCESS at once', async () => {
    await receive(del(), CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['SUCCESS', 'nothing stored for this resource'],
    ]);
    expect(queue.messages).toEqual([]);
  });

  it('leaves the table alone on a Delete from an earlier stack of the same name (another StackId)', async () => {
    await receive(event(`${P}-orders-api`), CONTEXT);
    await receive(
      del({ StackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-orders-api/99999999` }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
    expect(stored()?.deleted).toBe(false);
    expect(stored()?.routes).toEqual(ROUTES);
  });

  it("empties the owner's table on its Delete, answers once the routes are gone, and a second Delete finds nothing", async () => {
    await receive(event(`${P}-orders-api`), CONTEXT);
    await receive(del(), CONTEXT);
    expect(answers).toEqual([]);
    const item = stored();
    expect([item?.deleted, item?.routes, item?.declarationHash]).toEqual([true, [], hashOf([])]);
    expect(item?.pending.map((p) => [p.requestId, p.requestType, p.mustSucceed])).toEqual([
      ['req-1', 'Create', false],
      ['req-del', 'Delete', true],
    ]);
    expect(queue.messages.map((m) => JSON.parse(m.body))).toEqual([
      { reason: 'service', service: 'orders', requestId: 'req-1' },
      { reason: 'service', service: 'orders', requestId: 'req-del' },
    ]);
    await receive(del({ RequestId: 'req-del-2' }), CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['SUCCESS', 'nothing stored for this resource'],
    ]);
  });
});

describe('receiver: rollbacks', () => {
  const update = (routes: unknown[], requestId: string) =>
    event(`${P}-orders-api`, {
      RequestType: 'Update',
      RequestId: requestId,
      PhysicalResourceId: `${P}-routes-orders`,
      ResourceProperties: { ServiceToken: 't', Declaration: JSON.stringify({ version: 1, routes }) },
    });
  const live = (routes: unknown[]) => {
    table.items.set('service#orders', {
      pk: 'service#orders',
      kind: 'service',
      service: 'orders',
      routes,
      declarationHash: hashOf(routes),
      stackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-orders-api/0a1b2c3d`,
      logicalResourceId: 'Routes',
      version: 1,
      deleted: false,
      succeededHashes: [hashOf(routes)],
      pending: [],
    } as never);
  };

  it('must succeed when it puts back a table that was live before', async () => {
    live(ROUTES);
    await receive(update(ROUTES, 'req-back'), CONTEXT);
    expect(answers).toEqual([]);
    expect(stored()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-back', true]]);
  });

  it('answers SUCCESS and keeps the stored table when a table that was live no longer validates', async () => {
    // Live before a rule the validation has now: a path outside the base path.
    const old = [{ ...ROUTES[0], path: '/legacy' }];
    live(old);
    await receive(update(old, 'req-back'), CONTEXT);
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
    expect(stored()?.routes).toEqual(old);
    expect(stored()?.pending).toEqual([]);
    expect(queue.messages).toEqual([]);
    expect(log.lines.filter((l) => l.startsWith('WARN'))).toEqual([
      'WARN rollback to a table that no longer validates; kept the stored table {"service":"orders","problems":["route \\"GET /legacy\\" (routes[0]): path must be /orders or below it (the base path the registry gives service \\"orders\\")"]}',
    ]);
  });

  it('need not succeed when a Create brings a table that was live before, nor an Update with nothing stored', async () => {
    live(ROUTES);
    await receive(event(`${P}-orders-api`, { RequestId: 'req-create' }), CONTEXT);
    expect(stored()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-create', false]]);
    table.items.clear();
    await receive(update(ROUTES, 'req-update'), CONTEXT);
    expect(stored()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-update', false]]);
  });

  it('refuses an Update that never was live and does not validate', async () => {
    live(ROUTES);
    await receive(update([{ ...ROUTES[0], path: '/legacy' }], 'req-new'), CONTEXT);
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
    expect(stored()?.routes).toEqual(ROUTES);
  });
});

describe('receiver: platform settings', () => {
  const settings = (overrides: Record<string, unknown> = {}, value: unknown = platformSettings()) =>
    event(`${P}-api`, {
      ResourceType: 'Custom::SharedApiSettings',
      LogicalResourceId: 'Settings',
      ResourceProperties: { ServiceToken: 't', Settings: JSON.stringify(value) },
      ...overrides,
    });
  const platformItem = () => table.items.get(PLATFORM_ITEM_KEY) as unknown as PlatformItem | undefined;

  it("stores the api stack's settings and queues a reconcile", async () => {
    await receive(settings(), CONTEXT);
    expect(answers).toEqual([]);
    expect(platformItem()?.settings).toEqual(platformSettings());
    expect(queue.messages.map((m) => JSON.parse(m.body))).toEqual([
      { reason: 'platform', requestId: 'req-1' },
    ]);
  });

  it("refuses a platform route under a registered service's base path", async () => {
    await receive(
      settings({}, platformSettings({ routes: [{ method: 'GET', path: '/orders/health' }] } as never)),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `platform routes "GET /orders/health" fall under a registered service's base path; choose another path`,
      ],
    ]);
  });

  it('must succeed when the same settings come again, and keeps a retried request once', async () => {
    await receive(settings(), CONTEXT);
    const again = settings({ RequestType: 'Update', RequestId: 'req-2', PhysicalResourceId: 'p' });
    await receive(again, CONTEXT);
    await receive(again, CONTEXT);
    expect(platformItem()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([
      ['req-1', false],
      ['req-2', true],
    ]);
    expect(platformItem()?.succeededHashes).toEqual([]);
  });

  it('refuses a platform route at a base path itself, and accepts one that only starts like it', async () => {
    await receive(
      settings({}, platformSettings({ routes: [{ method: 'GET', path: '/orders' }] } as never)),
      CONTEXT,
    );
    await receive(
      settings(
        { RequestId: 'req-2' },
        platformSettings({ routes: [{ method: 'GET', path: '/ordersx/health' }] } as never),
      ),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `platform routes "GET /orders" fall under a registered service's base path; choose another path`,
      ],
    ]);
  });

  it('refuses settings from a StackId it cannot read a stack name from, quoting it', async () => {
    await receive(settings({ StackId: 'not-a-stack-id' }), CONTEXT);
    expect(answers[0].Reason).toBe(
      "Custom::SharedApiSettings is accepted only from the platform's stack shared-lambda-infra-dev-api, not from not-a-stack-id",
    );
  });

  it('refuses settings that are not JSON, an empty field, no request rate, and accepts no burst', async () => {
    await receive(settings({ ResourceProperties: { ServiceToken: 't', Settings: '{' } }), CONTEXT);
    await receive(settings({}, { ...platformSettings(), restApiId: '' }), CONTEXT);
    await receive(
      settings({}, { ...platformSettings(), throttle: { rateLimit: 0, burstLimit: 10 } }),
      CONTEXT,
    );
    await receive(
      settings({}, { ...platformSettings(), throttle: { rateLimit: 10, burstLimit: -1 } }),
      CONTEXT,
    );
    await receive(
      settings({}, { ...platformSettings(), throttle: { rateLimit: 10, burstLimit: 0 } }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Reason)).toEqual([
      'Custom::SharedApiSettings: Settings is not JSON',
      'Custom::SharedApiSettings: restApiId: expected a non-empty string',
      'Custom::SharedApiSettings: throttle: expected { rateLimit > 0, burstLimit >= 0 }',
      'Custom::SharedApiSettings: throttle: expected { rateLimit > 0, burstLimit >= 0 }',
    ]);
  });

  it('keeps the settings on a Delete from an earlier api stack of the same name (another StackId)', async () => {
    await receive(settings(), CONTEXT);
    await receive(
      settings({
        RequestType: 'Delete',
        RequestId: 'req-old',
        PhysicalResourceId: 'p',
        StackId: `arn:aws:cloudformation:eu-west-1:123456789012:stack/${P}-api/99999999`,
      }),
      CONTEXT,
    );
    expect(platformItem()?.settings).toEqual(platformSettings());
  });

  it('stores an Update of settings when nothing is stored, which need not succeed', async () => {
    await receive(settings({ RequestType: 'Update', PhysicalResourceId: 'p' }), CONTEXT);
    expect(answers).toEqual([]);
    expect(platformItem()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-1', false]]);
  });

  it('need not succeed when a Create brings settings already stored', async () => {
    await receive(settings(), CONTEXT);
    await receive(settings({ RequestId: 'req-2' }), CONTEXT);
    expect(platformItem()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([
      ['req-1', false],
      ['req-2', false],
    ]);
  });

  it('stores settings without platform routes', async () => {
    const { routes: _none, ...withoutRoutes } = platformSettings() as unknown as Record<string, unknown>;
    await receive(settings({}, withoutRoutes), CONTEXT);
    expect(answers).toEqual([]);
    expect(platformItem()?.settings).toEqual(withoutRoutes);
  });

  it('names every platform route under a registered base path', async () => {
    await receive(
      settings(
        {},
        platformSettings({
          routes: [
            { method: 'GET', path: '/orders/a' },
            { method: 'GET', path: '/payments' },
          ],
        } as never),
      ),
      CONTEXT,
    );
    expect(answers[0].Reason).toBe(
      `platform routes "GET /orders/a", "GET /payments" fall under a registered service's base path; choose another path`,
    );
  });

  it('names every missing field of malformed settings', async () => {
    await receive(settings({}, { version: 0 }), CONTEXT);
    expect(answers[0].Reason).toBe(
      'Custom::SharedApiSettings: version: expected 1, got 0; restApiId: expected a non-empty string; stageName: expected a non-empty string; region: expected a non-empty string; account: expected a non-empty string; apiName: expected a non-empty string; throttle: expected { rateLimit > 0, burstLimit >= 0 }',
    );
  });

  it('forgets the settings on their Delete, and only on the Delete of the resource that stored them', async () => {
    await receive(settings(), CONTEXT);
    await receive(
      settings({
        RequestType: 'Delete',
        RequestId: 'req-old',
        LogicalResourceId: 'OldSettings',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect(platformItem()).toBeDefined();
    await receive(
      settings({ RequestType: 'Delete', RequestId: 'req-del', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(platformItem()).toBeUndefined();
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS']);
  });
});
