import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { documentClient, tableName } from '../lib/dynamo';
import { apiHandler } from '../lib/http';
import { decodePageToken, encodePageToken, type Order, OWNER_INDEX, type PageKey } from '../lib/orders';
import { parseOrReject } from '../lib/validation';

/** Page size when the caller gives no `limit`. */
export const DEFAULT_LIMIT = 20;

const query = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 100')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
    .optional(),
  nextToken: z.string().min(1, 'must not be empty').optional(),
});

/**
 * `GET /orders?limit=&nextToken=`: the caller's orders, newest first, a page at a time. The
 * response has `nextToken` when there may be more.
 */
export const handler = apiHandler('listOrders', async ({ event, caller }) => {
  const params = parseOrReject(query, event.queryStringParameters ?? {}, 'invalid query parameters');
  const start = params.nextToken === undefined ? undefined : decodePageToken(params.nextToken, caller);
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: OWNER_INDEX,
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': caller },
      ScanIndexForward: false,
      Limit: params.limit ?? DEFAULT_LIMIT,
      ExclusiveStartKey: start,
    }),
  );
  const last = result.LastEvaluatedKey as PageKey | undefined;
  return {
    statusCode: 200,
    body: { items: (result.Items ?? []) as Order[], nextToken: last ? encodePageToken(last) : undefined },
  };
});
