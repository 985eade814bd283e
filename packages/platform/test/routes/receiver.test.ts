import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  type DescribeStackResourceCommandInput,
} from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceItem } from '../../functions/routes/interface';
import { createReceiver } from '../../functions/routes/receiver';
import { ApiGatewayModel } from '../models/apigateway';
import { clients, FifoQueueModel, ParameterStoreModel, TableModel } from '../models/aws';
import { VirtualClock } from '../models/clock';
import { fnArn, memoryLog, platformSettings } from '../models/world';

/** The receiver alone: its immediate answers go to a real HTTP server on 127.0.0.1. */

const answers: Array<Record<string, string>> = [];
let server: http.Server;
let url = '';
let table: TableModel;
let queue: FifoQueueModel;
let ssm: ParameterStoreModel;
let receive: ReturnType<typeof createReceiver>;
let clock: VirtualClock;
/** The same receiver with the production ResponseURL check (CloudFormation's bucket only). */
let strictReceive: ReturnType<typeof createReceiver>;
let log: ReturnType<typeof memoryLog>;
const cloudformation = new CloudFormationClient({ region: 'eu-west-1' });
const cfnMock = mockClient(cloudformation);
/** What CloudFormation says about a resource, by `{StackId} {LogicalResourceId}`. */
let resources: Map<string, { ResourceType: string; ResourceStatus: string }>;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answers.push({
        ...JSON.parse(Buffer.concat(chunks).toString()),
        contentType: req.headers['content-type'] ?? '',
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  answers.length = 0;
  clock = new VirtualClock(0);
  table = new TableModel();
  queue = new FifoQueueModel(clock, 360_000, 5);
  ssm = new ParameterStoreModel();
  for (let i = 0; i < 25; i++) register(`svc${String(i).padStart(2, '0')}`);
  register('orders');
  const sdk = clients({ apigateway: new ApiGatewayModel(clock, 'abc123', 'dev'), table, queue, ssm });
  resources = new Map();
  cfnMock.reset();
  cfnMock.on(DescribeStackResourceCommand).callsFake(async (input: DescribeStackResourceCommandInput) => {
    const found = resources.get(`${input.StackName} ${input.LogicalResourceId}`);
    if (!found) {
      throw Object.assign(new Error(`Resource ${input.LogicalResourceId} does not exist`), {
        name: 'ValidationError',
      });
    }
    return {
      StackResourceDetail: { StackId: input.StackName, LogicalResourceId: input.LogicalResourceId, ...found },
    };
  });
  log = memoryLog();
  const options = {
    ssm: sdk.ssm,
    db: sdk.db,
    sqs: sdk.sqs,
    cloudformation,
    clock,
    log,
    env: {
      PROJECT: 'shared-lambda-infra',
      ENV_NAME: 'dev',
      ROUTES_TABLE_NAME: 'routes',
      ROUTES_QUEUE_URL: 'q',
    },
  };
  strictReceive = createReceiver(options);
  // The test's HTTP server stands in for CloudFormation's response bucket.
  receive = createReceiver({
    ...options,
    responseUrlCheck: (u) => (u === url ? undefined : 'not the test server'),
  });
});

/** CloudFormation is working on `logicalId` of `stack` (as it is while it waits for our answer). */
function inProgress(
  stack: string,
  logicalId = 'Routes',
  type = 'Custom::SharedApiRoutes',
  status = 'CREATE_IN_PROGRESS',
) {
  resources.set(`${stackId(stack)} ${logicalId}`, { ResourceType: type, ResourceStatus: status });
}

function stackId(stack: string, account = '123456789012', region = 'eu-west-1'): string {
  return `arn:aws:cloudformation:${region}:${account}:stack/${stack}/0a1b2c3d`;
}

function register(service: string) {
  ssm.parameters.set(
    `/shared-lambda-infra/dev/services/${service}/registration`,
    JSON.stringify({
      service,
      basePath: service,
      throttle: { rateLimit: 5, burstLimit: 10 },
      allowedAuthorizations: ['jwt'],
      cachingAllowed: false,
      resourceBudget: 3,
    }),
  );
}

function event(stack: string, overrides: Record<string, unknown> = {}): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'token',
    ResponseURL: url,
    StackId: stackId(stack),
    RequestId: 'req-1',
    ResourceType: 'Custom::SharedApiRoutes',
    LogicalResourceId: 'Routes',
    ResourceProperties: {
      ServiceToken: 'token',
      Declaration: JSON.stringify({
        version: 1,
        routes: [{ method: 'GET', path: '/svc24', functionArn: fnArn('svc24', 'get'), authorization: 'jwt' }],
      }),
    },
    ...overrides,
  } as CloudFormationCustomResourceEvent;
}

const CONTEXT = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:receiver' };

describe('receiver', () => {
  it('stores a valid declaration of a service found on the 3rd registry page, with its pending answer, and queues a reconcile', async () => {
    inProgress('shared-lambda-infra-dev-svc24-api');
    await receive(event('shared-lambda-infra-dev-svc24-api'), CONTEXT);
    expect(answers).toEqual([]);
    const item = table.items.get('service#svc24') as unknown as ServiceItem;
    expect(item.routes.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /svc24']);
    expect(
      item.pending.map((p) => [p.requestId, p.responseUrl, p.physicalResourceId, p.mustSucceed]),
    ).toEqual([['req-1', url, 'shared-lambda-infra-dev-routes-svc24', false]]);
    expect(queue.messages.map((m) => [m.groupId, JSON.parse(m.body)])).toEqual([
      ['shared-api', { reason: 'service', service: 'svc24', requestId: 'req-1' }],
    ]);
  });

  it('answers FAILED at once, with an empty content type, naming the malformed field', async () => {
    inProgress('shared-lambda-infra-dev-orders-api');
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceProperties: { ServiceToken: 't', Declaration: '{"version":1}' },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason, a.contentType])).toEqual([
      [
        'FAILED',
        'Custom::SharedApiRoutes of service "orders" has 1 problem:\nDeclaration.routes: expected array, got nothing',
        '',
      ],
    ]);
    expect(queue.messages).toEqual([]);
  });

  it('refuses platform settings sent from a service stack', async () => {
    inProgress('shared-lambda-infra-dev-orders-api', 'Routes', 'Custom::SharedApiSettings');
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceType: 'Custom::SharedApiSettings',
        ResourceProperties: { ServiceToken: 't', Settings: JSON.stringify(platformSettings()) },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        "Custom::SharedApiSettings is accepted only from the platform's stack shared-lambda-infra-dev-api, not from shared-lambda-infra-dev-orders-api",
      ],
    ]);
  });

  it('answers a Delete from a stack of no registered service SUCCESS at once, so the stack can go', async () => {
    inProgress('shared-lambda-infra-dev-gone-api', 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event('shared-lambda-infra-dev-gone-api', { RequestType: 'Delete', PhysicalResourceId: 'x' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.PhysicalResourceId])).toEqual([['SUCCESS', 'x']]);
  });

  it('leaves the stored table alone on a cleanup-phase Delete of another logical id', async () => {
    inProgress('shared-lambda-infra-dev-svc24-api');
    inProgress(
      'shared-lambda-infra-dev-svc24-api',
      'OldRoutes',
      'Custom::SharedApiRoutes',
      'DELETE_IN_PROGRESS',
    );
    await receive(event('shared-lambda-infra-dev-svc24-api'), CONTEXT);
    await receive(
      event('shared-lambda-infra-dev-svc24-api', {
        RequestType: 'Delete',
        RequestId: 'req-2',
        LogicalResourceId: 'OldRoutes',
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-svc24',
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['SUCCESS', 'nothing stored for this resource'],
    ]);
    expect((table.items.get('service#svc24') as unknown as ServiceItem).deleted).toBe(false);
  });

  it("refuses a declaration over the service's own resource budget, naming its budget and no other service", async () => {
    inProgress('shared-lambda-infra-dev-orders-api');
    const routes = ['/orders', '/orders/{id}', '/orders/{id}/items', '/orders/{id}/items/{item}'].map(
      (p) => ({
        method: 'GET',
        path: p,
        functionArn: fnArn('orders', 'get'),
        authorization: 'jwt',
      }),
    );
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceProperties: { ServiceToken: 't', Declaration: JSON.stringify({ version: 1, routes }) },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        'Custom::SharedApiRoutes of service "orders" has 1 problem:\nthe routes need 4 API Gateway resources (distinct paths), more than the budget of 3 the registry gives service "orders" (services[].resourceBudget): declare fewer distinct paths, or ask the platform team for a larger budget',
      ],
    ]);
    expect(table.items.has('service#orders')).toBe(false);
  });

  it('keeps a service registered whose registration predates budgets (no resourceBudget): stored, not measured, a warning logged', async () => {
    const { resourceBudget: _dropped, ...older } = JSON.parse(
      ssm.parameters.get('/shared-lambda-infra/dev/services/orders/registration') as string,
    );
    ssm.parameters.set('/shared-lambda-infra/dev/services/orders/registration', JSON.stringify(older));
    inProgress('shared-lambda-infra-dev-orders-api');
    // 4 resources: over the 3 the other registrations of this file give.
    const routes = ['/orders', '/orders/{id}', '/orders/{id}/items', '/orders/{id}/items/{item}'].map(
      (p) => ({ method: 'GET', path: p, functionArn: fnArn('orders', 'get'), authorization: 'jwt' }),
    );
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceProperties: { ServiceToken: 't', Declaration: JSON.stringify({ version: 1, routes }) },
      }),
      CONTEXT,
    );
    expect(answers).toEqual([]);
    expect((table.items.get('service#orders') as unknown as ServiceItem).routes).toHaveLength(4);
    expect(log.lines.filter((l) => l.includes('resourceBudget'))).toEqual([
      'WARN registration has no resourceBudget (published before budgets existed); budget not checked {"service":"orders"}',
    ]);
  });

  it('treats a registration whose resourceBudget is not a whole number as unusable (not registered)', async () => {
    const current = JSON.parse(
      ssm.parameters.get('/shared-lambda-infra/dev/services/orders/registration') as string,
    );
    ssm.parameters.set(
      '/shared-lambda-infra/dev/services/orders/registration',
      JSON.stringify({ ...current, resourceBudget: 'many' }),
    );
    inProgress('shared-lambda-infra-dev-orders-api');
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceProperties: {
          ServiceToken: 't',
          Declaration: JSON.stringify({
            version: 1,
            routes: [
              { method: 'GET', path: '/orders', functionArn: fnArn('orders', 'get'), authorization: 'jwt' },
            ],
          }),
        },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
    expect(answers[0].Reason).toContain('may not declare routes');
    expect(table.items.has('service#orders')).toBe(false);
  });
});

describe('receiver: who is asking', () => {
  const orders = 'shared-lambda-infra-dev-orders-api';
  const declaration = (fn = 'get') =>
    JSON.stringify({
      version: 1,
      routes: [{ method: 'GET', path: '/orders', functionArn: fnArn('orders', fn), authorization: 'jwt' }],
    });

  /** orders' genuine table, stored by a genuine Create. */
  async function genuineOrders(): Promise<void> {
    inProgress(orders);
    await receive(
      event(orders, { ResourceProperties: { ServiceToken: 't', Declaration: declaration() } }),
      CONTEXT,
    );
    expect((table.items.get('service#orders') as unknown as ServiceItem).routes[0].functionArn).toBe(
      fnArn('orders', 'get'),
    );
    resources.clear();
    answers.length = 0;
    queue.messages.length = 0;
  }

  function ordersTable(): string {
    const item = table.items.get('service#orders') as unknown as ServiceItem;
    return `${item.deleted ? 'deleted' : 'live'} ${item.routes.map((r) => r.functionArn).join(',')}`;
  }

  it.each([
    [
      'another account',
      stackId(orders, '999999999999'),
      'StackId is not a stack of account 123456789012, Region eu-west-1 (partition aws), the only stacks this function serves',
    ],
    [
      'another Region',
      stackId(orders, '123456789012', 'us-east-1'),
      'StackId is not a stack of account 123456789012, Region eu-west-1 (partition aws), the only stacks this function serves',
    ],
    [
      'another partition',
      stackId(orders).replace('arn:aws:', 'arn:aws-cn:'),
      'StackId is not a stack of account 123456789012, Region eu-west-1 (partition aws), the only stacks this function serves',
    ],
    ['a made-up id', `${orders}`, 'StackId is not a CloudFormation stack ARN'],
    [
      'a stack CloudFormation does not know',
      stackId(orders).replace('0a1b2c3d', 'ffffffff'),
      "CloudFormation knows no resource Routes in the request's stack",
    ],
  ])('refuses a forged Update from %s and leaves the routes alone', async (_, forged, reason) => {
    await genuineOrders();
    inProgress(orders); // the genuine stack is busy: only the forged id differs
    await receive(
      event(orders, {
        RequestType: 'Update',
        StackId: forged,
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-orders',
        ResourceProperties: { ServiceToken: 't', Declaration: declaration('evil') },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([['FAILED', reason]]);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
    expect(queue.messages).toEqual([]);
  });

  it('refuses a forged Delete from another account: answered SUCCESS, the routes stay', async () => {
    await genuineOrders();
    await receive(
      event(orders, {
        RequestType: 'Delete',
        StackId: stackId(orders, '999999999999'),
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-orders',
      }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
  });

  it('refuses a request for a logical id the stack does not have', async () => {
    await genuineOrders();
    inProgress(orders, 'Routes');
    await receive(
      event(orders, {
        LogicalResourceId: 'Forged',
        RequestType: 'Update',
        PhysicalResourceId: 'x',
        ResourceProperties: { ServiceToken: 't', Declaration: declaration('evil') },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['FAILED', "CloudFormation knows no resource Forged in the request's stack"],
    ]);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
  });

  it('refuses a request naming a resource of another type', async () => {
    await genuineOrders();
    inProgress(orders, 'Routes', 'AWS::Lambda::Function', 'UPDATE_IN_PROGRESS');
    await receive(
      event(orders, {
        RequestType: 'Update',
        PhysicalResourceId: 'x',
        ResourceProperties: { ServiceToken: 't', Declaration: declaration('evil') },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        "resource Routes of the request's stack is a AWS::Lambda::Function, not a Custom::SharedApiRoutes",
      ],
    ]);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
  });

  it('refuses a replay after CloudFormation finished with the resource (not in progress)', async () => {
    await genuineOrders();
    inProgress(orders, 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_COMPLETE');
    await receive(
      event(orders, { RequestType: 'Delete', PhysicalResourceId: 'shared-lambda-infra-dev-routes-orders' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'SUCCESS',
        "resource Routes of the request's stack is UPDATE_COMPLETE, not in progress: CloudFormation is not waiting for this request",
      ],
    ]);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
  });

  it.each([
    ['http:', 'http://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x'],
    ['a foreign host', 'https://attacker.example.com/collect'],
    [
      'a look-alike host',
      'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example.com/x',
    ],
    ["another Region's bucket", 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x'],
  ])('never answers to a ResponseURL on %s, and stores nothing', async (_, responseUrl) => {
    inProgress(orders);
    await strictReceive(
      event(orders, {
        ResponseURL: responseUrl,
        ResourceProperties: { ServiceToken: 't', Declaration: declaration() },
      }),
      CONTEXT,
    );
    expect(answers).toEqual([]);
    expect(table.items.has('service#orders')).toBe(false);
    expect(queue.messages).toEqual([]);
    expect(
      log.lines.some((l) => l.startsWith("ERROR request ignored: its ResponseURL is not CloudFormation's")),
    ).toBe(true);
  });

  it("accepts CloudFormation's own response bucket of its Region (the check is on before the store)", async () => {
    inProgress(orders);
    await strictReceive(
      event(orders, {
        ResponseURL:
          'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=abc',
        ResourceProperties: { ServiceToken: 't', Declaration: declaration() },
      }),
      CONTEXT,
    );
    expect(table.items.has('service#orders')).toBe(true);
    expect(queue.messages).toHaveLength(1);
  });

  it('retries a throttled DescribeStackResource with backoff, then stores', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    cfnMock
      .on(DescribeStackResourceCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({
        StackResourceDetail: {
          StackId: stackId(orders),
          LogicalResourceId: 'Routes',
          ResourceType: 'Custom::SharedApiRoutes',
          ResourceStatus: 'CREATE_IN_PROGRESS',
          LastUpdatedTimestamp: new Date(0),
        },
      });
    const started = clock.now();
    await clock.runUntil(
      clock.spawn(() =>
        receive(
          event(orders, { ResourceProperties: { ServiceToken: 't', Declaration: declaration() } }),
          CONTEXT,
        ),
      ),
    );
    expect(cfnMock.commandCalls(DescribeStackResourceCommand)).toHaveLength(3);
    expect(clock.now()).toBeGreaterThan(started);
    expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
  });

  it("answers FAILED and stores nothing when CloudFormation cannot be asked (not the sender's fault)", async () => {
    cfnMock
      .on(DescribeStackResourceCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await receive(
      event(orders, { ResourceProperties: { ServiceToken: 't', Declaration: declaration() } }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['FAILED', 'the platform could not store the request (User is not authorized); deploy again'],
    ]);
    expect(table.items.has('service#orders')).toBe(false);
  });

  it.each([
    ['throttled past its retries', 'Throttling', 'Rate exceeded'],
    ['refusing the platform', 'AccessDenied', 'User is not authorized'],
  ])(
    'never answers a Delete FAILED when CloudFormation is %s: the error goes back to Lambda, which delivers it again; the routes stay',
    async (_, name, message) => {
      await genuineOrders();
      cfnMock.on(DescribeStackResourceCommand).rejects(Object.assign(new Error(message), { name }));
      await expect(
        clock.runUntil(
          clock.spawn(() =>
            receive(
              event(orders, {
                RequestType: 'Delete',
                RequestId: 'req-2',
                PhysicalResourceId: 'shared-lambda-infra-dev-routes-orders',
              }),
              { ...CONTEXT, getRemainingTimeInMillis: () => 30_000 },
            ),
          ),
        ),
      ).rejects.toThrow(message);
      expect(answers).toEqual([]);
      expect(ordersTable()).toBe(`live ${fnArn('orders', 'get')}`);
      // The retries stopped in time for an answer within the 30 s timeout.
      expect(clock.now()).toBeLessThanOrEqual(30_000);
    },
  );
});
