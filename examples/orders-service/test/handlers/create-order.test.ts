import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../src/handlers/create-order';
import { apiEvent, BEARER_TOKEN, CALLER, captureLogs, lambdaContext } from './events';

const dynamo = mockClient(DynamoDBDocumentClient);
// The handler tests share a worker's modules (vitest `shared` project): the next file mocks the
// same client class again.
afterAll(() => dynamo.restore());
let logs: ReturnType<typeof captureLogs>;

function post(
  body: unknown,
  options: { raw?: boolean; isBase64Encoded?: boolean; sub?: string | null } = {},
) {
  return handler(
    apiEvent({
      method: 'POST',
      resource: '/orders',
      body: options.raw ? (body as string) : JSON.stringify(body),
      isBase64Encoded: options.isBase64Encoded,
      sub: options.sub,
    }),
    lambdaContext(),
  );
}

const validOrder = {
  currency: 'EUR',
  items: [
    { sku: 'BOOK-042', quantity: 2, unitPriceCents: 1250 },
    { sku: 'PEN-7', quantity: 3, unitPriceCents: 199 },
  ],
  note: 'leave at the door',
};

beforeEach(() => {
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  process.env.TABLE_NAME = 'orders-table-dev';
  delete process.env.CORS_ALLOW_ORIGINS;
  logs = captureLogs();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('POST /orders', () => {
  it('stores the order under a new UUID, owned by the caller, and answers 201 with it', async () => {
    const response = await post(validOrder);

    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8' });
    const order = JSON.parse(response.body);
    expect(order).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      owner: CALLER,
      status: 'PENDING',
      currency: 'EUR',
      items: validOrder.items,
      totalCents: 2 * 1250 + 3 * 199,
      note: 'leave at the door',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(response.headers?.Location).toBe(`/orders/${order.id}`);
    expect(logs.text()).not.toContain(BEARER_TOKEN);
  });

  it('writes with a condition so an existing order id is never overwritten', async () => {
    const response = await post(validOrder);
    const order = JSON.parse(response.body);

    const puts = dynamo.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toEqual({
      TableName: 'orders-table-dev',
      Item: order,
      ConditionExpression: 'attribute_not_exists(id)',
    });
  });

  it('gives every order a different id', async () => {
    const first = JSON.parse((await post(validOrder)).body);
    const second = JSON.parse((await post(validOrder)).body);
    expect(first.id).not.toBe(second.id);
  });

  it('accepts a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify(validOrder)).toString('base64');
    const response = await post(body, { raw: true, isBase64Encoded: true });
    expect(response.statusCode).toBe(201);
  });

  it('rejects malformed JSON with 400 and does not touch the table', async () => {
    const response = await post('{"currency": "EUR", "items": [', { raw: true });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).message).toMatch(/^the request body is not valid JSON: /);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('rejects an empty body with 400', async () => {
    const response = await post('', { raw: true });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the request body is empty: send the order as a JSON object',
    });
  });

  it('rejects a body that is not an object with 400', async () => {
    const response = await post([validOrder]);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid order',
      errors: [{ path: '(body)', message: 'must be a JSON object' }],
    });
  });

  it('rejects invalid line items with 400, locating each problem', async () => {
    const response = await post({
      currency: 'EUR',
      items: [
        { sku: 'BOOK-042', quantity: 0, unitPriceCents: 1250 },
        { sku: 'book 42', quantity: 1.5, unitPriceCents: -1 },
      ],
    });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid order',
      errors: [
        { path: 'items[0].quantity', message: 'must be at least 1' },
        { path: 'items[1].sku', message: 'must be 2-32 uppercase letters, digits and "-" (e.g. "BOOK-042")' },
        { path: 'items[1].quantity', message: 'must be a whole number' },
        { path: 'items[1].unitPriceCents', message: 'must not be negative' },
      ],
    });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('rejects missing and mistyped fields with 400, saying which', async () => {
    const response = await post({ currency: 'JPY', items: [{ sku: 'BOOK-042', quantity: '2' }] });

    expect(JSON.parse(response.body).errors).toEqual([
      { path: 'currency', message: 'must be one of EUR, GBP, USD' },
      { path: 'items[0].quantity', message: 'must be a number' },
      { path: 'items[0].unitPriceCents', message: 'is required' },
    ]);
  });

  it('rejects an order without line items with 400', async () => {
    const response = await post({ currency: 'EUR', items: [] });
    expect(JSON.parse(response.body).errors).toEqual([
      { path: 'items', message: 'must have at least one line item' },
    ]);
  });

  it('rejects unknown fields with 400, one error per field', async () => {
    const response = await post({
      ...validOrder,
      owner: 'someone-else',
      items: [{ ...validOrder.items[0], discount: 5 }],
    });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors).toEqual(
      expect.arrayContaining([
        { path: 'owner', message: 'is not a known field' },
        { path: 'items[0].discount', message: 'is not a known field' },
      ]),
    );
  });

  it('rejects a request without an authenticated caller with 401', async () => {
    const response = await post(validOrder, { sub: null });
    expect(response.statusCode).toBe(401);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 409 when the id is already taken', async () => {
    dynamo
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    const response = await post(validOrder);
    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body).message).toMatch(
      /^order id [0-9a-f-]{36} is already taken; send the request again$/,
    );
  });

  it('fails with a 500 that reveals nothing but the request id when DynamoDB fails, and logs the error', async () => {
    dynamo.on(PutCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const response = await post(validOrder);

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      message: 'internal error',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    });
    const failure = logs.lines().find((l) => l.message === 'request failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      error: expect.objectContaining({ message: 'ProvisionedThroughputExceededException' }),
    });
  });

  it('fails with a 500 naming TABLE_NAME in the log when the variable is not set', async () => {
    delete process.env.TABLE_NAME;
    const response = await post(validOrder);

    expect(response.statusCode).toBe(500);
    expect(logs.text()).toContain('environment variable TABLE_NAME is not set');
  });
});
