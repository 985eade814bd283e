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
import type { PlatformItem, ServiceItem } from '../../functions/routes/interface';
import { candidateService, createReceiver, issuedAtOf } from '../../functions/routes/receiver';
import { ApiGatewayModel } from '../models/apigateway';
import { clients, FifoQueueModel, ParameterStoreModel, TableModel } from '../models/aws';
import { VirtualClock } from '../models/clock';
import { fnArn, memoryLog, platformSettings } from '../models/world';

/**
 * The receiver's paths one by one (the survivors of its mutation run): what CloudFormation is
 * answered, what is stored, what is queued and what an operator reads in the log, for refusals,
 * platform failures, rollbacks, Deletes, tombstones, late deliveries and the platform settings.
 * Immediate answers go to a real HTTP server on 127.0.0.1 standing in for CloudFormation's bucket;
 * a path starting with /busy answers 503 (S3 "Slow Down").
 */

const answers: Array<Record<string, string>> = [];
let server: http.Server;
let base = '';
let url = '';
let table: TableModel;
let queue: FifoQueueModel;
let ssm: ParameterStoreModel;
let clock: VirtualClock;
let log: ReturnType<typeof memoryLog>;
let sdk: ReturnType<typeof clients>;
let receive: ReturnType<typeof createReceiver>;
const cloudformation = new CloudFormationClient({ region: 'eu-west-1' });
const cfnMock = mockClient(cloudformation);
let resources: Map<string, { ResourceType: string; ResourceStatus: string }>;

const ORDERS = 'shared-lambda-infra-dev-orders-api';
const SVC = 'shared-lambda-infra-dev-svc24-api';
const API = 'shared-lambda-infra-dev-api';
const CONTEXT = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:receiver' };
/** sha256 of `[]`: the declaration hash of a table with no routes. */
const EMPTY_HASH = '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/busy')) {
        res.writeHead(503).end();
        return;
      }
      answers.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  url = `${base}/answer`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A fresh receiver (a cold container: no registration cached). */
function newReceiver(): ReturnType<typeof createReceiver> {
  return createReceiver({
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
    // The test's HTTP server stands in for CloudFormation's response bucket.
    responseUrlCheck: (u) => (String(u).startsWith(`${base}/`) ? undefined : 'not the test server'),
  });
}

beforeEach(() => {
  answers.length = 0;
  clock = new VirtualClock(0);
  table = new TableModel();
  queue = new FifoQueueModel(clock, 360_000, 5);
  ssm = new ParameterStoreModel();
  for (const s of ['svc24', 'orders', 'orders-api', 'billing']) register(s);
  sdk = clients({ apigateway: new ApiGatewayModel(clock, 'abc123', 'dev'), table, queue, ssm });
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
  receive = newReceiver();
});

function stackId(stack: string, uuid = '0a1b2c3d'): string {
  return `arn:aws:cloudformation:eu-west-1:123456789012:stack/${stack}/${uuid}`;
}

/** CloudFormation is working on `logicalId` of the stack (as it is while it waits for our answer). */
function inProgress(
  id: string,
  logicalId = 'Routes',
  type = 'Custom::SharedApiRoutes',
  status = 'CREATE_IN_PROGRESS',
) {
  resources.set(`${id} ${logicalId}`, { ResourceType: type, ResourceStatus: status });
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

function deregister(service: string) {
  ssm.parameters.delete(`/shared-lambda-infra/dev/services/${service}/registration`);
}

function declaration(service = 'svc24', fn = 'get', path = `/${service}`): string {
  return JSON.stringify({
    version: 1,
    routes: [{ method: 'GET', path, functionArn: fnArn(service, fn), authorization: 'jwt' }],
  });
}

function event(id: string, overrides: Record<string, unknown> = {}): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'token',
    ResponseURL: url,
    StackId: id,
    RequestId: 'req-1',
    ResourceType: 'Custom::SharedApiRoutes',
    LogicalResourceId: 'Routes',
    ResourceProperties: { ServiceToken: 'token', Declaration: declaration() },
    ...overrides,
  } as CloudFormationCustomResourceEvent;
}

function item(service = 'svc24'): ServiceItem {
  return table.items.get(`service#${service}`) as unknown as ServiceItem;
}

function platform(): PlatformItem | undefined {
  return table.items.get('platform#settings') as unknown as PlatformItem | undefined;
}

function queued(): unknown[] {
  return queue.messages.map((m) => JSON.parse(m.body));
}

/** svc24's table from its genuine Create, then the slate of answers, messages and lines cleared. */
async function svc24Stored(logicalId = 'Routes', requestId = 'req-1', fn = 'get'): Promise<void> {
  inProgress(stackId(SVC), logicalId);
  await receive(
    event(stackId(SVC), {
      LogicalResourceId: logicalId,
      RequestId: requestId,
      ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', fn) },
    }),
    CONTEXT,
  );
  expect(item().logicalResourceId).toBe(logicalId);
  answers.length = 0;
  queue.messages.length = 0;
  log.lines.length = 0;
}

/** The reconciler answered SUCCESS for the stored table: its hash is a rollback target, nothing waits. */
function markSucceeded(service = 'svc24') {
  const current = item(service);
  table.items.set(`service#${service}`, {
    ...(current as unknown as Record<string, unknown>),
    pending: [],
    succeededHashes: [current.declarationHash],
  });
}

describe('receiver: the log lines an operator reads', () => {
  it('logs every request with its type, resource type, stack, logical id and request id', async () => {
    await svc24Stored();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), { RequestType: 'Update', RequestId: 'req-7', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(log.lines[0]).toBe(
      'INFO request {"requestType":"Update","resourceType":"Custom::SharedApiRoutes","stackId":"arn:aws:cloudformation:eu-west-1:123456789012:stack/shared-lambda-infra-dev-svc24-api/0a1b2c3d","logicalResourceId":"Routes","requestId":"req-7"}',
    );
  });

  it('names the problem of a ResponseURL it will not answer', async () => {
    inProgress(stackId(SVC));
    await receive(event(stackId(SVC), { ResponseURL: 'https://attacker.example.com/x' }), CONTEXT);
    expect(log.lines.slice(1)).toEqual([
      `ERROR request ignored: its ResponseURL is not CloudFormation's {"problem":"not the test server"}`,
    ]);
    expect(answers).toEqual([]);
  });

  it('logs a platform failure with its error', async () => {
    cfnMock
      .on(DescribeStackResourceCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await receive(event(stackId(SVC)), CONTEXT);
    expect(log.lines.slice(1)).toEqual(['ERROR request failed {"error":"User is not authorized"}']);
  });

  it('warns, naming them, about properties other than Declaration, and is silent without them', async () => {
    inProgress(stackId(SVC));
    await receive(event(stackId(SVC)), CONTEXT);
    expect(log.lines.filter((l) => l.includes('ignored properties'))).toEqual([]);
    inProgress(stackId(ORDERS));
    await receive(
      event(stackId(ORDERS), {
        RequestId: 'req-2',
        ResourceProperties: {
          ServiceToken: 'token',
          Declaration: declaration('orders'),
          BasePath: 'elsewhere',
          Throttle: '1000',
        },
      }),
      CONTEXT,
    );
    expect(log.lines.filter((l) => l.includes('ignored properties'))).toEqual([
      'WARN ignored properties: base path, throttling and the rest come from the registry {"service":"orders","ignored":["BasePath","Throttle"]}',
    ]);
    expect(item('orders').routes.map((r) => r.path)).toEqual(['/orders']);
  });

  it('logs a duplicate delivery of a stored request and neither stores nor queues it again', async () => {
    await svc24Stored();
    await receive(event(stackId(SVC)), CONTEXT);
    expect(log.lines.slice(1)).toEqual([
      'INFO duplicate delivery of a request already stored or answered; ignored {"service":"svc24","requestId":"req-1"}',
    ]);
    expect(item().pending.map((p) => p.requestId)).toEqual(['req-1']);
    expect(queued()).toEqual([]);
    expect(answers).toEqual([]);
  });

  it('treats a request the reconciler is answering (in the outbox) as a duplicate', async () => {
    await svc24Stored();
    const current = item();
    table.items.set('service#svc24', {
      ...(current as unknown as Record<string, unknown>),
      pending: [],
      outbox: [{ pending: current.pending[0], status: 'SUCCESS' }],
    });
    await receive(event(stackId(SVC)), CONTEXT);
    expect(log.lines.slice(1)).toEqual([
      'INFO duplicate delivery of a request already stored or answered; ignored {"service":"svc24","requestId":"req-1"}',
    ]);
    expect(item().pending).toEqual([]);
    expect(queued()).toEqual([]);
  });

  it('names both services when a routes stack name is covered by another service, and refuses', async () => {
    const stack = 'shared-lambda-infra-dev-orders-api-api';
    inProgress(stackId(stack));
    await receive(
      event(stackId(stack), {
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('orders-api') },
      }),
      CONTEXT,
    );
    expect(log.lines.slice(1)).toEqual([
      `ERROR routes stack name is covered by another service's stack names {"service":"orders-api","rival":"orders"}`,
    ]);
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `stack shared-lambda-infra-dev-orders-api-api could also be deployed by another registered service's deploy role (whose stack names {project}-{env}-{name}-* cover it), so it cannot prove it is service "orders-api"'s; the platform team must rename one of the two services in the registry`,
      ],
    ]);
    expect(table.items.has('service#orders-api')).toBe(false);
  });
});

describe('receiver: answers to refused and failed requests', () => {
  it("refuses a route to the function of a registered service whose name extends the declaring service's", async () => {
    inProgress(stackId(ORDERS));
    await receive(
      event(stackId(ORDERS), {
        ResourceProperties: {
          ServiceToken: 'token',
          Declaration: declaration('orders-api', 'get', '/orders'),
        },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `Custom::SharedApiRoutes of service "orders" has 1 problem:\nroute "GET /orders" (routes[0]): functionArn "arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-api-get" must name one of the service's functions (shared-lambda-infra-dev-fn-orders-*)`,
      ],
    ]);
    expect(table.items.has('service#orders')).toBe(false);
  });

  it("refuses a route to another registered service's function for what it is, not for a rival stack name", async () => {
    inProgress(stackId(SVC));
    await receive(
      event(stackId(SVC), {
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('orders', 'get', '/svc24') },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `Custom::SharedApiRoutes of service "svc24" has 1 problem:\nroute "GET /svc24" (routes[0]): functionArn "arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get" must name one of the service's functions (shared-lambda-infra-dev-fn-svc24-*)`,
      ],
    ]);
    expect(log.lines.filter((l) => l.startsWith('ERROR'))).toEqual([]);
  });

  it('answers a refused Update with the physical id CloudFormation gave, a refused Create with `{logical id}-refused`', async () => {
    deregister('svc24');
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Update',
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-svc24',
      }),
      CONTEXT,
    );
    inProgress(stackId(SVC), 'Routes');
    await receive(event(stackId(SVC), { RequestId: 'req-2' }), CONTEXT);
    expect(answers.map((a) => [a.Status, a.PhysicalResourceId, a.RequestId])).toEqual([
      ['FAILED', 'shared-lambda-infra-dev-routes-svc24', 'req-1'],
      ['FAILED', 'Routes-refused', 'req-2'],
    ]);
  });

  it('refuses a resource type it does not serve, naming the two it does', async () => {
    inProgress(stackId(API), 'Other', 'Custom::Other');
    await receive(
      event(stackId(API), {
        ResourceType: 'Custom::Other',
        LogicalResourceId: 'Other',
        ResourceProperties: { ServiceToken: 'token', Settings: JSON.stringify(platformSettings()) },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason, a.PhysicalResourceId])).toEqual([
      [
        'FAILED',
        'resource type Custom::Other is not served by this function (it serves Custom::SharedApiRoutes and Custom::SharedApiSettings)',
        'Other-refused',
      ],
    ]);
    expect(platform()).toBeUndefined();
  });

  it('counts and lists every problem of a declaration, one a line', async () => {
    inProgress(stackId(SVC));
    await receive(
      event(stackId(SVC), {
        ResourceProperties: {
          ServiceToken: 'token',
          Declaration: JSON.stringify({ version: 1, routes: [{ method: 'GET', path: '/svc24' }] }),
        },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Reason)).toEqual([
      'Custom::SharedApiRoutes of service "svc24" has 2 problems:\nDeclaration.routes[0].functionArn: expected string, got nothing\nDeclaration.routes[0].authorization: expected "jwt", "none", "iam", got nothing',
    ]);
  });

  it('gives an Update back to Lambda (no answer) when the platform fails before it knows whether it is a rollback', async () => {
    await svc24Stored();
    cfnMock
      .on(DescribeStackResourceCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    await expect(
      receive(
        event(stackId(SVC), { RequestType: 'Update', RequestId: 'req-2', PhysicalResourceId: 'p' }),
        CONTEXT,
      ),
    ).rejects.toThrow('User is not authorized');
    expect(answers).toEqual([]);
  });

  it('answers a forward Update FAILED, with the reason, when the platform cannot store it', async () => {
    await svc24Stored();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    const send = sdk.db.send.bind(sdk.db);
    // DynamoDB refuses the write (the read goes through): the Update is known not to be a rollback.
    sdk.db.send = ((command: { constructor: { name: string } }) =>
      command.constructor.name === 'GetCommand'
        ? send(command as never)
        : Promise.reject(
            Object.assign(new Error('not authorized to perform dynamodb:PutItem'), {
              name: 'AccessDeniedException',
            }),
          )) as typeof sdk.db.send;
    await receive(
      event(stackId(SVC), {
        RequestType: 'Update',
        RequestId: 'req-2',
        PhysicalResourceId: 'shared-lambda-infra-dev-routes-svc24',
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', 'list') },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        'the platform could not store the request (not authorized to perform dynamodb:PutItem); deploy again',
      ],
    ]);
    expect(queued()).toEqual([]);
  });
});

describe('receiver: its time budget', () => {
  it("stops retrying a throttled CloudFormation 8 s before Lambda's remaining time runs out", async () => {
    await svc24Stored();
    cfnMock
      .on(DescribeStackResourceCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(
      clock.runUntil(
        clock.spawn(() =>
          receive(
            event(stackId(SVC), { RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' }),
            {
              ...CONTEXT,
              getRemainingTimeInMillis: () => 20_000,
            },
          ),
        ),
      ),
    ).rejects.toThrow('Rate exceeded');
    expect(clock.now()).toBeGreaterThan(6_000);
    expect(clock.now()).toBeLessThanOrEqual(12_000);
  });

  it("retries an answer S3 refuses with 503 until 1 s before Lambda's remaining time runs out", async () => {
    deregister('svc24');
    inProgress(stackId(SVC));
    // The largest jitter every time: waits of 199, 399, 799, 1598, 3196, 4995 ... ms, attempts at
    // 0, 199, 598, 1397, 2995, 6191, 11186, 16181 and 21176 ms.
    clock.random = () => 0.999;
    await expect(
      clock.runUntil(
        clock.spawn(() =>
          receive(event(stackId(SVC), { ResponseURL: `${base}/busy` }), {
            ...CONTEXT,
            getRemainingTimeInMillis: () => 21_500,
          }),
        ),
      ),
    ).rejects.toThrow('CloudFormation response URL answered HTTP 503');
    // The attempt at 21176 ms would start after 20500 ms (21.5 s less 1 s): the last was at 16181 ms.
    expect(clock.now()).toBe(16_181);
  });
});

describe('receiver: rollbacks and the pending limit', () => {
  it('never takes a Create for a rollback: a Create of a table this stack had live is checked against the registry', async () => {
    await svc24Stored();
    markSucceeded();
    deregister('svc24');
    receive = newReceiver();
    inProgress(stackId(SVC));
    await receive(event(stackId(SVC), { RequestId: 'req-2' }), CONTEXT);
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
    expect(answers[0].Reason).toContain('may not declare routes');
    expect(item().pending).toEqual([]);
  });

  it('accepts an Update back to a table the same stack had live without the registry (a rollback), and nothing else', async () => {
    await svc24Stored();
    markSucceeded();
    deregister('svc24');
    receive = newReceiver();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    // Another table from the same stack: not a rollback.
    await receive(
      event(stackId(SVC), {
        RequestType: 'Update',
        RequestId: 'req-2',
        PhysicalResourceId: 'p',
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', 'list') },
      }),
      CONTEXT,
    );
    // The live table from a stack of the same name created anew: not a rollback either.
    const again = stackId(SVC, 'ffffeeee');
    inProgress(again, 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(
      event(again, { RequestType: 'Update', RequestId: 'req-3', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    // The live table from its own stack: a rollback.
    await receive(
      event(stackId(SVC), { RequestType: 'Update', RequestId: 'req-4', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.RequestId, a.Status])).toEqual([
      ['req-2', 'FAILED'],
      ['req-3', 'FAILED'],
    ]);
    expect(item().pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-4', true]]);
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-4' }]);
  });

  it('stores an Update when nothing is stored yet (the table was lost), checked against the registry', async () => {
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(event(stackId(SVC), { RequestType: 'Update', PhysicalResourceId: 'p' }), CONTEXT);
    expect(answers).toEqual([]);
    expect(item().pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-1', false]]);
    expect(item().succeededHashes).toEqual([]);
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-1' }]);
  });

  it('refuses a 21st waiting request of a service, takes the 20th, and always takes a rollback', async () => {
    await svc24Stored();
    const first = item().pending[0];
    const waiting = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ ...first, requestId: `waiting-${i}` }));
    table.items.set('service#svc24', {
      ...(item() as unknown as Record<string, unknown>),
      succeededHashes: [first.declarationHash],
      pending: waiting(19),
    });
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    const update = (requestId: string, fn: string) =>
      receive(
        event(stackId(SVC), {
          RequestType: 'Update',
          RequestId: requestId,
          PhysicalResourceId: 'p',
          ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', fn) },
        }),
        CONTEXT,
      );
    await update('req-20', 'list');
    expect(item().pending).toHaveLength(20);
    await update('req-21', 'put');
    expect(answers.map((a) => [a.RequestId, a.Status, a.Reason])).toEqual([
      [
        'req-21',
        'FAILED',
        'service "svc24" already has 20 requests waiting for the platform; deploy again once they are answered',
      ],
    ]);
    await update('req-22', 'get');
    expect(answers).toHaveLength(1);
    expect(
      item()
        .pending.map((p) => p.requestId)
        .slice(-2),
    ).toEqual(['req-20', 'req-22']);
  });
});

describe('receiver: what a Create or Update stores', () => {
  it('keeps no previous table on an Update of the owning resource, and the one a renamed resource took over', async () => {
    await svc24Stored();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Update',
        RequestId: 'req-2',
        PhysicalResourceId: 'p',
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', 'list') },
      }),
      CONTEXT,
    );
    expect(item().previous).toBeUndefined();
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(event(stackId(SVC), { LogicalResourceId: 'NewRoutes', RequestId: 'req-3' }), CONTEXT);
    expect(item().previous?.logicalResourceId).toBe('Routes');
    expect(item().previous?.routes.map((r) => r.functionArn)).toEqual([fnArn('svc24', 'list')]);
    // An Update of the new owner keeps what it took over (its rollback gives it back).
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'UPDATE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Update',
        LogicalResourceId: 'NewRoutes',
        RequestId: 'req-4',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect(item().previous?.logicalResourceId).toBe('Routes');
  });

  it('takes nothing over from a stack of the same name created anew', async () => {
    await svc24Stored();
    const again = stackId(SVC, 'ffffeeee');
    inProgress(again, 'Routes');
    await receive(event(again, { RequestId: 'req-2' }), CONTEXT);
    expect(item().stackId).toBe(again);
    expect(item().previous).toBeUndefined();
  });

  it('drops what a renamed resource took over when a stack of the same name created anew declares its logical id', async () => {
    await svc24Stored('Routes');
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(event(stackId(SVC), { LogicalResourceId: 'NewRoutes', RequestId: 'req-2' }), CONTEXT);
    expect(item().previous?.logicalResourceId).toBe('Routes');
    const again = stackId(SVC, 'ffffeeee');
    inProgress(again, 'NewRoutes');
    await receive(event(again, { LogicalResourceId: 'NewRoutes', RequestId: 'req-3' }), CONTEXT);
    expect([item().stackId, item().previous]).toEqual([again, undefined]);
  });
});

describe('receiver: Deletes of a routes resource', () => {
  it('answers a Delete of a service neither stored nor registered SUCCESS and stores nothing', async () => {
    const gone = stackId('shared-lambda-infra-dev-gone-api');
    inProgress(gone, 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(event(gone, { RequestType: 'Delete', PhysicalResourceId: 'x' }), CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason, a.PhysicalResourceId])).toEqual([
      ['SUCCESS', 'nothing stored for this resource', 'x'],
    ]);
    expect(table.items.size).toBe(0);
  });

  it('removes the table of a service no longer registered when its owner deletes it (no registry read)', async () => {
    await svc24Stored();
    deregister('svc24');
    receive = newReceiver();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), { RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers).toEqual([]);
    expect([item().deleted, item().routes, item().declarationHash]).toEqual([true, [], EMPTY_HASH]);
    expect(item().pending.map((p) => [p.requestId, p.mustSucceed, p.physicalResourceId])).toEqual([
      ['req-1', false, 'shared-lambda-infra-dev-routes-svc24'],
      ['req-2', true, 'p'],
    ]);
    // The Delete's response carries no table hash: nothing is given back.
    expect(item().pending[1].declarationHash).toBe('');
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-2' }]);
  });

  it('logs a duplicate delivery of a Delete and does nothing else', async () => {
    await svc24Stored();
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    const del = event(stackId(SVC), { RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' });
    await receive(del, CONTEXT);
    queue.messages.length = 0;
    log.lines.length = 0;
    await receive(del, CONTEXT);
    expect(log.lines.slice(1)).toEqual([
      'INFO duplicate delivery of a Delete already stored or answered; ignored {"service":"svc24","requestId":"req-2"}',
    ]);
    expect(answers).toEqual([]);
    expect(queued()).toEqual([]);
    expect(item().pending.map((p) => p.requestId)).toEqual(['req-1', 'req-2']);
  });

  it('leaves the table of one stack alone on a Delete from a stack of the same name created anew', async () => {
    await svc24Stored();
    const again = stackId(SVC, 'ffffeeee');
    inProgress(again, 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(again, { RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['SUCCESS', 'nothing stored for this resource'],
    ]);
    expect([item().deleted, item().stackId, item().routes.map((r) => r.functionArn)]).toEqual([
      false,
      stackId(SVC),
      [fnArn('svc24', 'get')],
    ]);
    expect(queued()).toEqual([]);
  });

  it('keeps a tombstone of a Delete that overtook its Create, and records the Delete as answered', async () => {
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-d',
        PhysicalResourceId: 'p',
        ResponseURL: `${url}?X-Amz-Date=20261207T063015Z`,
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      ['SUCCESS', 'nothing stored for this resource'],
    ]);
    expect(table.items.get('service#svc24')).toEqual({
      pk: 'service#svc24',
      kind: 'service',
      service: 'svc24',
      routes: [],
      declarationHash: EMPTY_HASH,
      stackId: stackId(SVC),
      logicalResourceId: 'Routes',
      version: 1,
      deleted: true,
      succeededHashes: [],
      pending: [],
      tombstones: [{ stackId: stackId(SVC), logicalResourceId: 'Routes', issuedAt: 1796625015000 }],
      answered: ['req-d'],
    });
  });

  it('keeps the 20 latest tombstones', async () => {
    await svc24Stored();
    for (let i = 0; i < 21; i++) {
      inProgress(stackId(SVC), `Gone${i}`, 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
      await receive(
        event(stackId(SVC), {
          RequestType: 'Delete',
          RequestId: `del-${i}`,
          LogicalResourceId: `Gone${i}`,
          PhysicalResourceId: 'p',
        }),
        CONTEXT,
      );
    }
    expect(item().tombstones?.map((t) => t.logicalResourceId)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Gone${i + 1}`),
    );
    expect(item().deleted).toBe(false);
  });

  it('gives a renamed resource its table back on the rollback of the rename, unless that resource was deleted', async () => {
    await svc24Stored('Routes', 'req-1', 'get');
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(
      event(stackId(SVC), {
        LogicalResourceId: 'NewRoutes',
        RequestId: 'req-2',
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', 'list') },
      }),
      CONTEXT,
    );
    const takenOver = item().previous;
    // A Delete of an unrelated logical id leaves what was taken over alone.
    inProgress(stackId(SVC), 'Other', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-3',
        LogicalResourceId: 'Other',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect(item().previous).toEqual(takenOver);
    queue.messages.length = 0;
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-4',
        LogicalResourceId: 'NewRoutes',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect([item().logicalResourceId, item().deleted, item().routes.map((r) => r.functionArn)]).toEqual([
      'Routes',
      false,
      [fnArn('svc24', 'get')],
    ]);
    expect(item().previous).toBeUndefined();
    expect(item().pending.at(-1)?.declarationHash).toBe(takenOver?.declarationHash);
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-4' }]);
  });

  it('forgets the taken-over table once the renamed resource is deleted (the rename completed)', async () => {
    await svc24Stored('Routes');
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(event(stackId(SVC), { LogicalResourceId: 'NewRoutes', RequestId: 'req-2' }), CONTEXT);
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), { RequestType: 'Delete', RequestId: 'req-3', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.RequestId, a.Status])).toEqual([['req-3', 'SUCCESS']]);
    expect(item().previous).toBeUndefined();
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-4',
        LogicalResourceId: 'NewRoutes',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect([item().deleted, item().routes]).toEqual([true, []]);
  });

  /** Routes stored, NewRoutes takes it over (signed at 06:30:00), the tombstones set as given, then NewRoutes deleted. */
  async function rolledBackWith(
    tombstones: readonly Record<string, unknown>[],
    { storedBeforeTakeoverTimes = false } = {},
  ) {
    await svc24Stored('Routes');
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(
      event(stackId(SVC), {
        LogicalResourceId: 'NewRoutes',
        RequestId: 'req-2',
        ResponseURL: `${url}?X-Amz-Date=20261207T063000Z`,
      }),
      CONTEXT,
    );
    expect(item().previous?.takenOverAt).toBe(1796625000000);
    table.items.set('service#svc24', {
      ...(item() as unknown as Record<string, unknown>),
      tombstones,
      // An item stored before takeovers recorded their time.
      ...(storedBeforeTakeoverTimes ? { previous: { ...item().previous, takenOverAt: undefined } } : {}),
    });
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-3',
        LogicalResourceId: 'NewRoutes',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
  }

  it.each([
    ['issued after the takeover', 1796625001000],
    ['issued in the same second as the takeover', 1796625000000],
  ])('does not give back a taken-over table whose resource has a tombstone %s', async (_, issuedAt) => {
    await rolledBackWith([
      { stackId: stackId(SVC, 'ffffeeee'), logicalResourceId: 'NewRoutes', issuedAt },
      { stackId: stackId(SVC), logicalResourceId: 'Routes', issuedAt },
    ]);
    expect([item().deleted, item().routes]).toEqual([true, []]);
  });

  it('gives a taken-over table back despite a tombstone of an earlier life of its resource', async () => {
    await rolledBackWith([{ stackId: stackId(SVC), logicalResourceId: 'Routes', issuedAt: 1796624999000 }]);
    expect([item().deleted, item().logicalResourceId]).toEqual([false, 'Routes']);
  });

  it('counts every tombstone of a taken-over table stored before takeovers had a time', async () => {
    await rolledBackWith([{ stackId: stackId(SVC), logicalResourceId: 'Routes', issuedAt: 0 }], {
      storedBeforeTakeoverTimes: true,
    });
    expect([item().deleted, item().routes]).toEqual([true, []]);
  });

  it('gives the table back to a routes resource deleted, declared again, then renamed, on the rollback of the rename', async () => {
    const at = (stamp: string) => `${url}?X-Amz-Date=${stamp}`;
    inProgress(stackId(SVC), 'Routes');
    await receive(event(stackId(SVC), { ResponseURL: at('20261207T060000Z') }), CONTEXT);
    // An update removes the resource (its Delete), a later one declares it again.
    inProgress(stackId(SVC), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-2',
        PhysicalResourceId: 'p',
        ResponseURL: at('20261207T061000Z'),
      }),
      CONTEXT,
    );
    inProgress(stackId(SVC), 'Routes');
    await receive(event(stackId(SVC), { RequestId: 'req-3', ResponseURL: at('20261207T062000Z') }), CONTEXT);
    // Renamed to NewRoutes; the update fails and CloudFormation deletes NewRoutes: Routes is still there.
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(
      event(stackId(SVC), {
        LogicalResourceId: 'NewRoutes',
        RequestId: 'req-4',
        ResponseURL: at('20261207T063000Z'),
        ResourceProperties: { ServiceToken: 'token', Declaration: declaration('svc24', 'list') },
      }),
      CONTEXT,
    );
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        LogicalResourceId: 'NewRoutes',
        RequestId: 'req-5',
        PhysicalResourceId: 'p',
        ResponseURL: at('20261207T064000Z'),
      }),
      CONTEXT,
    );
    expect([item().deleted, item().logicalResourceId, item().routes.map((r) => r.functionArn)]).toEqual([
      false,
      'Routes',
      [fnArn('svc24', 'get')],
    ]);
  });

  it("gives it back when only another stack's resource of that logical id has a tombstone", async () => {
    await svc24Stored('Routes');
    inProgress(stackId(SVC), 'NewRoutes');
    await receive(event(stackId(SVC), { LogicalResourceId: 'NewRoutes', RequestId: 'req-2' }), CONTEXT);
    table.items.set('service#svc24', {
      ...(item() as unknown as Record<string, unknown>),
      tombstones: [{ stackId: stackId(SVC, 'ffffeeee'), logicalResourceId: 'Routes', issuedAt: 0 }],
    });
    inProgress(stackId(SVC), 'NewRoutes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(SVC), {
        RequestType: 'Delete',
        RequestId: 'req-3',
        LogicalResourceId: 'NewRoutes',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect([item().deleted, item().logicalResourceId]).toEqual([false, 'Routes']);
  });

  it.each([
    ['not its routes stack (no -api suffix)', 'shared-lambda-infra-dev-orders'],
    ['another stack of the service', 'shared-lambda-infra-dev-orders-app'],
    ['another environment', 'shared-lambda-infra-prod-orders-api'],
  ])('answers a Delete from %s SUCCESS with the refusal, and records nothing', async (_, stack) => {
    await svc24Stored();
    inProgress(stackId(stack), 'Routes', 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stackId(stack), { RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'SUCCESS',
        `stack ${stackId(stack)} may not declare routes: only the stack named shared-lambda-infra-dev-{service}-api of a service registered in this environment may`,
      ],
    ]);
    expect([...table.items.keys()]).toEqual(['service#svc24']);
  });
});

describe('receiver: requests that arrive after their resource was deleted', () => {
  const at = (stamp: string) => `${url}?X-Amz-Date=${stamp}`;

  async function deletedAt(stamp: string, logicalId = 'Routes', stack = stackId(SVC)) {
    inProgress(stack, logicalId, 'Custom::SharedApiRoutes', 'DELETE_IN_PROGRESS');
    await receive(
      event(stack, {
        RequestType: 'Delete',
        RequestId: `del-${logicalId}`,
        LogicalResourceId: logicalId,
        PhysicalResourceId: 'p',
        ResponseURL: at(stamp),
      }),
      CONTEXT,
    );
    answers.length = 0;
  }

  it('answers FAILED, once, a Create issued before the Delete that overtook it, and stores nothing', async () => {
    await deletedAt('20261207T063016Z');
    inProgress(stackId(SVC));
    const late = event(stackId(SVC), { RequestId: 'req-late', ResponseURL: at('20261207T063015Z') });
    await receive(late, CONTEXT);
    await receive(late, CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason, a.PhysicalResourceId])).toEqual([
      [
        'FAILED',
        'this routes resource was deleted before its request arrived; nothing stored',
        'shared-lambda-infra-dev-routes-svc24',
      ],
    ]);
    expect([item().deleted, item().pending, item().answered]).toEqual([true, [], ['del-Routes', 'req-late']]);
    expect(queued()).toEqual([]);
  });

  it('treats a Create signed in the same second as its Delete as issued before it', async () => {
    await deletedAt('20261207T063015Z');
    inProgress(stackId(SVC));
    await receive(event(stackId(SVC), { ResponseURL: at('20261207T063015Z') }), CONTEXT);
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
  });

  it('records the answer of a late Create on a table its owner had deleted', async () => {
    await svc24Stored();
    await deletedAt('20261207T063016Z');
    expect(item().answered).toBeUndefined();
    inProgress(stackId(SVC));
    await receive(
      event(stackId(SVC), { RequestId: 'req-late', ResponseURL: at('20261207T063015Z') }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
    expect(item().answered).toEqual(['req-late']);
  });

  it('keeps the 50 latest answered request ids', async () => {
    await svc24Stored();
    await deletedAt('20261207T063016Z');
    const earlier = Array.from({ length: 50 }, (_, i) => `answered-${i}`);
    table.items.set('service#svc24', {
      ...(item() as unknown as Record<string, unknown>),
      answered: earlier,
    });
    inProgress(stackId(SVC));
    await receive(
      event(stackId(SVC), { RequestId: 'req-late', ResponseURL: at('20261207T063015Z') }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
    expect(item().answered).toEqual([...earlier.slice(1), 'req-late']);
  });

  it.each([
    ['issued after the Delete', 'Routes', stackId(SVC), '20261207T063017Z'],
    ['of another logical id', 'NewRoutes', stackId(SVC), '20261207T063015Z'],
    ['of a stack of the same name created anew', 'Routes', stackId(SVC, 'ffffeeee'), '20261207T063015Z'],
  ])('stores a Create %s', async (_, logicalId, stack, stamp) => {
    await deletedAt('20261207T063016Z');
    inProgress(stack, logicalId);
    await receive(event(stack, { LogicalResourceId: logicalId, ResponseURL: at(stamp) }), CONTEXT);
    expect(answers).toEqual([]);
    expect([item().deleted, item().logicalResourceId]).toEqual([false, logicalId]);
  });
});

describe('issuedAtOf: when CloudFormation signed the request', () => {
  const clockAt = new VirtualClock(1234);
  it('reads the X-Amz-Date of the pre-signed URL', () => {
    expect(
      issuedAtOf('https://b.s3.amazonaws.com/k?X-Amz-Date=20261207T063015Z&X-Amz-Expires=7200', clockAt),
    ).toBe(1796625015000);
    expect(issuedAtOf('https://b.s3.amazonaws.com/k?X-Amz-Date=19991231T235958Z', clockAt)).toBe(
      946684798000,
    );
  });

  it.each([
    ['no X-Amz-Date', 'https://b.s3.amazonaws.com/k?X-Amz-Expires=7200'],
    ['text before the date', 'https://b.s3.amazonaws.com/k?X-Amz-Date=x20261207T063015Z'],
    ['text after the date', 'https://b.s3.amazonaws.com/k?X-Amz-Date=20261207T063015Zx'],
    ['a short year', 'https://b.s3.amazonaws.com/k?X-Amz-Date=0261207T063015Z'],
    ['not a URL', 'not a url'],
  ])('falls back to the receipt time with %s', (_, responseUrl) => {
    expect(issuedAtOf(responseUrl, clockAt)).toBe(1234);
  });
});

describe('candidateService: the one service a stack can be the routes stack of', () => {
  const scope = { project: 'shared-lambda-infra', env: 'dev' } as const;
  it('takes it from a stack ARN, and none from text that is not one', () => {
    expect(candidateService(scope, stackId(ORDERS))).toBe('orders');
    expect(candidateService(scope, ORDERS)).toBeUndefined();
    expect(candidateService(scope, `stack/${ORDERS}`)).toBeUndefined();
    // {project}-{env}-…-api around a name that is not a service name.
    expect(candidateService(scope, stackId('shared-lambda-infra-dev-Orders--x-api'))).toBeUndefined();
  });
});

describe('receiver: the platform settings', () => {
  const settingsEvent = (overrides: Record<string, unknown> = {}, settings: unknown = platformSettings()) =>
    event(stackId(API), {
      ResourceType: 'Custom::SharedApiSettings',
      LogicalResourceId: 'Settings',
      ResourceProperties: {
        ServiceToken: 'token',
        Settings: typeof settings === 'string' ? settings : JSON.stringify(settings),
      },
      ...overrides,
    });

  beforeEach(() => {
    for (const status of ['CREATE_IN_PROGRESS'])
      inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings', status);
  });

  it('stores the settings with an empty history, the pending answer, and queues a platform reconcile', async () => {
    await receive(settingsEvent(), CONTEXT);
    expect(answers).toEqual([]);
    const stored = platform() as PlatformItem;
    expect([stored.stackId, stored.logicalResourceId, stored.succeededHashes]).toEqual([
      stackId(API),
      'Settings',
      [],
    ]);
    expect(stored.pending.map((p) => [p.requestId, p.mustSucceed, p.physicalResourceId])).toEqual([
      ['req-1', false, 'shared-lambda-infra-dev-api-settings'],
    ]);
    expect(queued()).toEqual([{ reason: 'platform', requestId: 'req-1' }]);
  });

  it('stores settings without platform routes', async () => {
    const { routes: _none, ...settings } = platformSettings();
    await receive(settingsEvent({}, settings), CONTEXT);
    expect(answers).toEqual([]);
    expect(platform()?.settings.routes).toBeUndefined();
  });

  it('marks an Update to the same settings, or to settings live before, as one that must succeed; other Updates not', async () => {
    await receive(settingsEvent({ RequestId: 'req-1' }), CONTEXT);
    // A Create of the same settings again is not a rollback.
    await receive(settingsEvent({ RequestId: 'req-2' }), CONTEXT);
    const hash = (platform() as PlatformItem).settingsHash;
    const update = (requestId: string, settings: unknown) =>
      receive(
        settingsEvent({ RequestType: 'Update', RequestId: requestId, PhysicalResourceId: 'p' }, settings),
        CONTEXT,
      );
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings', 'UPDATE_IN_PROGRESS');
    await update('req-3', platformSettings());
    await update('req-4', platformSettings({ stageName: 'v2' }));
    table.items.set('platform#settings', {
      ...(platform() as unknown as Record<string, unknown>),
      succeededHashes: [hash],
    });
    await update('req-5', platformSettings());
    expect(platform()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([
      ['req-1', false],
      ['req-2', false],
      ['req-3', true],
      ['req-4', false],
      ['req-5', true],
    ]);
    expect(answers).toEqual([]);
  });

  it('stores an Update when nothing is stored yet', async () => {
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings', 'UPDATE_IN_PROGRESS');
    await receive(settingsEvent({ RequestType: 'Update', PhysicalResourceId: 'p' }), CONTEXT);
    expect(answers).toEqual([]);
    expect(platform()?.pending.map((p) => [p.requestId, p.mustSucceed])).toEqual([['req-1', false]]);
  });

  it('keeps what the reconciler recorded (answered requests) when it stores new settings', async () => {
    await receive(settingsEvent(), CONTEXT);
    table.items.set('platform#settings', {
      ...(platform() as unknown as Record<string, unknown>),
      pending: [],
      answered: ['req-1'],
    });
    await receive(settingsEvent({ RequestId: 'req-2' }), CONTEXT);
    expect(platform()?.answered).toEqual(['req-1']);
    expect(platform()?.pending.map((p) => p.requestId)).toEqual(['req-2']);
  });

  it.each([
    ['waiting', (p: unknown) => ({ pending: [p] })],
    ['being answered', (p: unknown) => ({ pending: [], outbox: [{ pending: p, status: 'SUCCESS' }] })],
    ['answered', () => ({ pending: [], answered: ['req-1'] })],
  ])('ignores a duplicate delivery of a request %s', async (_, state) => {
    await receive(settingsEvent(), CONTEXT);
    const stored = platform() as PlatformItem;
    table.items.set('platform#settings', {
      ...(stored as unknown as Record<string, unknown>),
      ...state(stored.pending[0]),
    });
    const before = structuredClone(platform());
    queue.messages.length = 0;
    await receive(
      settingsEvent(
        { RequestType: 'Update', PhysicalResourceId: 'p' },
        platformSettings({ stageName: 'v2' }),
      ),
      CONTEXT,
    );
    expect(platform()).toEqual(before);
    expect(queued()).toEqual([]);
    expect(answers).toEqual([]);
  });

  it('refuses platform routes under a registered base path, naming them', async () => {
    const route = (method: string, path: string) => ({
      method,
      path,
      authorization: 'none',
      integration: { type: 'mock', statusCode: 200, body: '{}' },
    });
    await receive(
      settingsEvent(
        {},
        platformSettings({
          routes: [
            route('GET', '/orders'),
            route('GET', '/ordersx'),
            route('POST', '/billing/x'),
            route('GET', '/health'),
          ],
        } as never),
      ),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([
      [
        'FAILED',
        `platform routes "GET /orders", "POST /billing/x" fall under a registered service's base path; choose another path`,
      ],
    ]);
    expect(platform()).toBeUndefined();
  });

  it.each([
    ['not JSON', '{', 'Custom::SharedApiSettings: Settings is not JSON'],
    ['an array', '[]', 'Custom::SharedApiSettings: Settings is not a JSON object'],
    ['null', 'null', 'Custom::SharedApiSettings: Settings is not a JSON object'],
    ['a string', '"settings"', 'Custom::SharedApiSettings: Settings is not a JSON object'],
    [
      'empty',
      '{}',
      'Custom::SharedApiSettings: version: expected 1, got undefined; restApiId: expected a non-empty string; stageName: expected a non-empty string; region: expected a non-empty string; account: expected a non-empty string; apiName: expected a non-empty string; throttle: expected { rateLimit > 0, burstLimit >= 0 }',
    ],
    [
      'of another version, an empty and a numeric field',
      JSON.stringify(platformSettings({ version: 2, stageName: '', account: 123 } as never)),
      'Custom::SharedApiSettings: version: expected 1, got 2; stageName: expected a non-empty string; account: expected a non-empty string',
    ],
    [
      'with a rate limit of 0',
      JSON.stringify(platformSettings({ throttle: { rateLimit: 0, burstLimit: 10 } })),
      'Custom::SharedApiSettings: throttle: expected { rateLimit > 0, burstLimit >= 0 }',
    ],
    [
      'with a negative burst limit',
      JSON.stringify(platformSettings({ throttle: { rateLimit: 10, burstLimit: -1 } })),
      'Custom::SharedApiSettings: throttle: expected { rateLimit > 0, burstLimit >= 0 }',
    ],
  ])('refuses settings that are %s, naming every problem', async (_, settings, reason) => {
    await receive(settingsEvent({}, settings), CONTEXT);
    expect(answers.map((a) => [a.Status, a.Reason])).toEqual([['FAILED', reason]]);
    expect(platform()).toBeUndefined();
  });

  it('accepts a burst limit of 0', async () => {
    await receive(
      settingsEvent({}, platformSettings({ throttle: { rateLimit: 10, burstLimit: 0 } })),
      CONTEXT,
    );
    expect(answers).toEqual([]);
    expect(platform()?.settings.throttle).toEqual({ rateLimit: 10, burstLimit: 0 });
  });

  it("forgets the settings on the Delete of the api stack's own resource, answered SUCCESS", async () => {
    await receive(settingsEvent(), CONTEXT);
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings', 'DELETE_IN_PROGRESS');
    await receive(
      settingsEvent({ RequestType: 'Delete', RequestId: 'req-2', PhysicalResourceId: 'p' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason, a.PhysicalResourceId])).toEqual([['SUCCESS', 'OK', 'p']]);
    expect(platform()).toBeUndefined();
  });

  it.each([
    ['another logical id', stackId(API), 'OldSettings'],
    ['an api stack created anew', stackId(API, 'ffffeeee'), 'Settings'],
  ])('keeps the settings on a Delete of %s', async (_, stack, logicalId) => {
    await receive(settingsEvent(), CONTEXT);
    inProgress(stack, logicalId, 'Custom::SharedApiSettings', 'DELETE_IN_PROGRESS');
    await receive(
      settingsEvent({
        StackId: stack,
        LogicalResourceId: logicalId,
        RequestType: 'Delete',
        RequestId: 'req-2',
        PhysicalResourceId: 'p',
      }),
      CONTEXT,
    );
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
    expect(platform()?.stackId).toBe(stackId(API));
  });

  it('answers a Delete SUCCESS when nothing is stored', async () => {
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings', 'DELETE_IN_PROGRESS');
    await receive(settingsEvent({ RequestType: 'Delete', PhysicalResourceId: 'p' }), CONTEXT);
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
  });
});

describe('receiver: concurrent deliveries and throttled calls', () => {
  it('stores and queues a request delivered twice at once only once (one SendMessage)', async () => {
    inProgress(stackId(SVC));
    await Promise.all([receive(event(stackId(SVC)), CONTEXT), receive(event(stackId(SVC)), CONTEXT)]);
    expect(item().pending.map((p) => p.requestId)).toEqual(['req-1']);
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-1' }]);
    expect(queue.faults.calls.SendMessage).toBe(1);
  });

  it('stores and queues platform settings delivered twice at once only once (one SendMessage)', async () => {
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings');
    const settings = event(stackId(API), {
      ResourceType: 'Custom::SharedApiSettings',
      LogicalResourceId: 'Settings',
      ResourceProperties: { ServiceToken: 'token', Settings: JSON.stringify(platformSettings()) },
    });
    await Promise.all([receive(settings, CONTEXT), receive(settings, CONTEXT)]);
    expect(platform()?.pending.map((p) => p.requestId)).toEqual(['req-1']);
    expect(queued()).toEqual([{ reason: 'platform', requestId: 'req-1' }]);
    expect(queue.faults.calls.SendMessage).toBe(1);
  });

  it('retries a throttled SendMessage and queues the reconcile', async () => {
    queue.faults.throttledUntil = 500;
    inProgress(stackId(SVC));
    await clock.runUntil(clock.spawn(() => receive(event(stackId(SVC)), CONTEXT)));
    expect(answers).toEqual([]);
    expect(queue.faults.throttled.SendMessage).toBeGreaterThan(0);
    expect(queued()).toEqual([{ reason: 'service', service: 'svc24', requestId: 'req-1' }]);
  });

  it('retries a throttled registry read of the platform settings and stores them', async () => {
    const clocked = new ParameterStoreModel(clock);
    for (const [k, v] of ssm.parameters) clocked.parameters.set(k, v);
    clocked.faults.throttledUntil = 500;
    sdk = clients({ apigateway: new ApiGatewayModel(clock, 'abc123', 'dev'), table, queue, ssm: clocked });
    receive = newReceiver();
    inProgress(stackId(API), 'Settings', 'Custom::SharedApiSettings');
    await clock.runUntil(
      clock.spawn(() =>
        receive(
          event(stackId(API), {
            ResourceType: 'Custom::SharedApiSettings',
            LogicalResourceId: 'Settings',
            ResourceProperties: { ServiceToken: 'token', Settings: JSON.stringify(platformSettings()) },
          }),
          CONTEXT,
        ),
      ),
    );
    expect(answers).toEqual([]);
    expect(clocked.faults.throttled.GetParametersByPath).toBeGreaterThan(0);
    expect(platform()?.pending.map((p) => p.requestId)).toEqual(['req-1']);
  });
});
