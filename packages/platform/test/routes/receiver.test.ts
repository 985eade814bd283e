import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
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
  const clock = new VirtualClock(0);
  table = new TableModel();
  queue = new FifoQueueModel(clock, 360_000, 5);
  ssm = new ParameterStoreModel();
  for (let i = 0; i < 25; i++) register(`svc${String(i).padStart(2, '0')}`);
  register('orders');
  const sdk = clients({ apigateway: new ApiGatewayModel(clock, 'abc123', 'dev'), table, queue, ssm });
  receive = createReceiver({
    ssm: sdk.ssm,
    db: sdk.db,
    sqs: sdk.sqs,
    clock,
    log: memoryLog(),
    env: {
      PROJECT: 'shared-lambda-infra',
      ENV_NAME: 'dev',
      ROUTES_TABLE_NAME: 'routes',
      ROUTES_QUEUE_URL: 'q',
    },
  });
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
      resourceBudget: 10,
    }),
  );
}

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
    await receive(
      event('shared-lambda-infra-dev-orders-api', {
        ResourceProperties: { ServiceToken: 't', Declaration: '{"version":1}' },
      }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.Reason, a.contentType])).toEqual([
      [
        'FAILED',
        'Custom::SharedApiRoutes of service "orders": Declaration.routes: expected a list of routes',
        '',
      ],
    ]);
    expect(queue.messages).toEqual([]);
  });

  it('refuses platform settings sent from a service stack', async () => {
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
    await receive(
      event('shared-lambda-infra-dev-gone-api', { RequestType: 'Delete', PhysicalResourceId: 'x' }),
      CONTEXT,
    );
    expect(answers.map((a) => [a.Status, a.PhysicalResourceId])).toEqual([['SUCCESS', 'x']]);
  });

  it('leaves the stored table alone on a cleanup-phase Delete of another logical id', async () => {
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
});
