import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMIT, handler } from '../../src/handlers/list-orders';
import { apiEvent, CALLER, captureLogs, lambdaContext } from './events';

const dynamo = mockClient(DynamoDBDocumentClient);
// The handler tests share a worker's modules (vitest `shared` project): the next file mocks the
// same client class again.
afterAll(() => dynamo.restore());

function order(n: number) {
  return {
    id: `00000000-0000-4000-8000-00000000000${n}`,
    owner: CALLER,
    status: 'PENDING',
    currency: 'EUR',
    items: [{ sku: 'BOOK-042', quantity: n, unitPriceCents: 100 }],
    totalCents: n * 100,
    createdAt: `2026-01-0${n}T10:00:00.000Z`,
  };
}

function list(query?: Record<string, string>, sub?: string) {
  return handler(apiEvent({ method: 'GET', resource: '/orders', query, sub }), lambdaContext());
}

function token(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [order(2), order(1)] });
  process.env.TABLE_NAME = 'orders-table-dev';
  captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GET /orders', () => {
  it("answers 200 with the caller's orders, newest first, from the owner index", async () => {
    const response = await list();

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8' });
    expect(JSON.parse(response.body)).toEqual({ items: [order(2), order(1)] });
    const queries = dynamo.commandCalls(QueryCommand);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.args[0].input).toEqual({
      TableName: 'orders-table-dev',
      IndexName: 'byOwner',
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': CALLER },
      ScanIndexForward: false,
      Limit: DEFAULT_LIMIT,
    });
    // A scan would read every customer's orders and filter afterwards.
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('answers 200 with an empty list when the caller has no orders', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const response = await list();
    expect(JSON.parse(response.body)).toEqual({ items: [] });
  });

  it('passes limit to DynamoDB', async () => {
    await list({ limit: '100' });
    await list({ limit: '1' });
    expect(dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit)).toEqual([100, 1]);
  });

  it('returns a nextToken when there are more orders, and continues from it', async () => {
    const lastKey = { id: order(1).id, owner: CALLER, createdAt: order(1).createdAt };
    dynamo.on(QueryCommand).resolvesOnce({ Items: [order(2), order(1)], LastEvaluatedKey: lastKey });

    const first = JSON.parse((await list({ limit: '2' })).body);
    expect(first.nextToken).toEqual(expect.any(String));

    await list({ limit: '2', nextToken: first.nextToken });
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['0', 'must be at least 1'],
    ['101', 'must be at most 100'],
    ['ten', 'must be a whole number from 1 to 100'],
    ['2.5', 'must be a whole number from 1 to 100'],
    ['-1', 'must be a whole number from 1 to 100'],
  ])('rejects limit=%s with 400: %s', async (limit, message) => {
    const response = await list({ limit });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid query parameters',
      errors: [{ path: 'limit', message }],
    });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON of the wrong shape', token({ id: 1 })],
    ["another caller's token", token({ id: order(1).id, owner: 'user-456', createdAt: order(1).createdAt })],
  ])('rejects a nextToken that is %s with 400', async (_what, nextToken) => {
    const response = await list({ nextToken });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid query parameters',
      errors: [
        {
          path: 'nextToken',
          message: 'is not a token this API returned; pass the nextToken of the previous page as is',
        },
      ],
    });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('rejects a request without an authenticated caller with 401', async () => {
    const response = await list(undefined, '');
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the request has no authenticated caller: the route must use the shared authorizer',
    });
  });
});
