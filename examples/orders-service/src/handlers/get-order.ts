import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../lib/dynamo';
import { apiHandler, HttpError } from '../lib/http';
import { isOrderId, type Order } from '../lib/orders';

/** `GET /orders/{id}`: one of the caller's orders. */
export const handler = apiHandler('getOrder', async ({ event, caller }) => {
  const id = event.pathParameters?.id ?? '';
  if (!isOrderId(id)) {
    throw new HttpError(400, 'invalid path parameters', [
      { path: 'id', message: `must be an order id (a UUID), got "${id}"` },
    ]);
  }
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName(), Key: { id } }));
  const order = Item as Order | undefined;
  // Another caller's order answers exactly like a missing one, so ids cannot be probed.
  if (!order || order.owner !== caller) {
    throw new HttpError(404, `order ${id} not found`);
  }
  return { statusCode: 200, body: order };
});
