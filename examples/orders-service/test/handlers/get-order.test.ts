import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../src/handlers/get-order';
import { apiEvent, BEARER_TOKEN, CALLER, captureLogs, lambdaContext } from './events';

const dynamo = mockClient(DynamoDBDocumentClient);
// The handler tests share a worker's modules (vitest `shared` project): the next file mocks the
// same client class again.
afterAll(() => dynamo.restore());
let logs: ReturnType<typeof captureLogs>;

const ID = '7d3f8a52-9c1e-4b6a-8f2d-0a1b2c3d4e5f';
const stored = {
  id: ID,
  owner: CALLER,
  status: 'PENDING',
  currency: 'EUR',
  items: [{ sku: 'BOOK-042', quantity: 1, unitPriceCents: 1250 }],
  totalCents: 1250,
  createdAt: '2026-01-01T10:00:00.000Z',
};

function get(id: string, options: { headers?: Record<string, string>; requestId?: string } = {}) {
  return handler(
    apiEvent({
      method: 'GET',
      resource: '/orders/{id}',
      path: `/orders/${id}`,
      pathParameters: { id },
      ...options,
    }),
    lambdaContext(),
  );
}

beforeEach(() => {
  dynamo.reset();
  process.env.TABLE_NAME = 'orders-table-dev';
  delete process.env.CORS_ALLOW_ORIGINS;
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /orders/{id}', () => {
  it('answers 200 with the order, read by id from the table', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored });

    const response = await get(ID);

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8' });
    expect(JSON.parse(response.body)).toEqual(stored);
    const gets = dynamo.commandCalls(GetCommand);
    expect(gets).toHaveLength(1);
    expect(gets[0]?.args[0].input).toEqual({ TableName: 'orders-table-dev', Key: { id: ID } });
  });

  it('answers 404 for an unknown order', async () => {
    dynamo.on(GetCommand).resolves({});

    const response = await get(ID);

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: `order ${ID} not found` });
  });

  it("answers 404, not 403, for another caller's order", async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...stored, owner: 'user-456' } });

    const response = await get(ID);

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: `order ${ID} not found` });
  });

  it('rejects an id that is not a UUID with 400, without reading the table', async () => {
    const response = await get('not-an-id');

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid path parameters',
      errors: [{ path: 'id', message: 'must be an order id (a UUID), got "not-an-id"' }],
    });
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });
});

describe('logging', () => {
  it("puts the API Gateway and Lambda request ids on every line, and never the caller's token", async () => {
    dynamo.on(GetCommand).resolves({ Item: stored });

    await get(ID, { requestId: 'api-request-1' });

    const lines = logs.lines();
    expect(lines.map((l) => l.message)).toEqual(['request', 'response']);
    for (const line of lines) {
      expect(line).toMatchObject({
        service: 'orders',
        operation: 'getOrder',
        apiRequestId: 'api-request-1',
        function_request_id: '3f1d7c2e-1111-4a4a-9b9b-0123456789ab',
      });
    }
    expect(logs.text()).not.toContain(BEARER_TOKEN);
    expect(logs.text()).not.toMatch(/authorization/i);
  });

  it('does not carry one request id over to the next invocation', async () => {
    dynamo.on(GetCommand).resolves({ Item: stored });

    await get(ID, { requestId: 'api-request-1' });
    await get(ID, { requestId: 'api-request-2' });

    const ids = logs.lines().map((l) => l.apiRequestId);
    expect(ids).toEqual(['api-request-1', 'api-request-1', 'api-request-2', 'api-request-2']);
  });

  it('keeps the token out of the logs even when Powertools event logging is switched on', async () => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      dynamo.on(GetCommand).resolves({ Item: stored });
      await get(ID);
      expect(logs.text()).not.toContain(BEARER_TOKEN);
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    }
  });
});

describe('CORS', () => {
  it('allows an origin listed in CORS_ALLOW_ORIGINS on the actual response', async () => {
    process.env.CORS_ALLOW_ORIGINS = 'http://localhost:3000,https://dev.app.example.com';
    dynamo.on(GetCommand).resolves({ Item: stored });

    const response = await get(ID, { headers: { origin: 'https://dev.app.example.com' } });

    expect(response.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://dev.app.example.com',
      Vary: 'Origin',
    });
  });

  it('gives an origin that is not listed no CORS header', async () => {
    process.env.CORS_ALLOW_ORIGINS = 'https://dev.app.example.com';
    dynamo.on(GetCommand).resolves({ Item: stored });

    const response = await get(ID, { headers: { Origin: 'https://evil.example.net' } });

    expect(response.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });
});
