import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../lib/dynamo';
import { apiHandler, HttpError } from '../lib/http';
import { createOrderBody, newOrder } from '../lib/orders';
import { parseOrReject } from '../lib/validation';

/** `POST /orders`: validates the JSON body and stores a new order owned by the caller. */
export const handler = apiHandler('createOrder', async ({ event, caller }) => {
  const input = parseOrReject(
    createOrderBody,
    parseJsonBody(event.body, event.isBase64Encoded),
    'invalid order',
  );
  const order = newOrder(input, caller, randomUUID(), new Date());
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: order,
        // A put replaces whatever has the same key; the condition makes a (vanishingly unlikely)
        // UUID collision fail instead of overwriting somebody else's order.
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new HttpError(409, `order id ${order.id} is already taken; send the request again`);
    }
    throw error;
  }
  return { statusCode: 201, body: order, headers: { Location: `${event.path}/${order.id}` } };
});

function parseJsonBody(body: string | null, isBase64Encoded: boolean): unknown {
  if (body === null || body.trim() === '') {
    throw new HttpError(400, 'the request body is empty: send the order as a JSON object');
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
