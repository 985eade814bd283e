import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

/** The calls a {@link FakeDynamoDb} received, for assertions. */
export interface DynamoCall {
  readonly operation: string;
  readonly tableName: string;
}

/** A DynamoDB endpoint on 127.0.0.1 (JSON protocol), enough for the orders handlers. */
export interface FakeDynamoDb {
  readonly url: string;
  readonly calls: DynamoCall[];
  close(): Promise<void>;
}

/**
 * A small model of the DynamoDB operations the example's handlers make, over HTTP as the AWS SDK
 * speaks it (`X-Amz-Target: DynamoDB_20120810.<Operation>`), so the handlers run unchanged in the
 * dev server's worker threads (where a mocked client could not reach): PutItem (with
 * `attribute_not_exists(id)`), GetItem by `id`, and Query of the owner index, newest first, paged.
 */
export async function startFakeDynamoDb(): Promise<FakeDynamoDb> {
  const items = new Map<string, Item>();
  const calls: DynamoCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      calls.push({ operation, tableName: String(input.TableName) });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      switch (operation) {
        case 'PutItem': {
          const item = input.Item as Item;
          const id = (item.id as { S: string }).S;
          if (items.has(id)) {
            return send(400, {
              __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
              message: 'The conditional request failed',
            });
          }
          items.set(id, item);
          return send(200, {});
        }
        case 'GetItem': {
          const id = ((input.Key as Item).id as { S: string }).S;
          const item = items.get(id);
          return send(200, item ? { Item: item } : {});
        }
        case 'Query': {
          const owner = ((input.ExpressionAttributeValues as Item)[':owner'] as { S: string }).S;
          const all = [...items.values()]
            .filter((i) => (i.owner as { S: string }).S === owner)
            .sort((a, b) => ((b.createdAt as { S: string }).S < (a.createdAt as { S: string }).S ? -1 : 1));
          const start = input.ExclusiveStartKey
            ? all.findIndex(
                (i) =>
                  (i.id as { S: string }).S === ((input.ExclusiveStartKey as Item).id as { S: string }).S,
              ) + 1
            : 0;
          const limit = Number(input.Limit ?? all.length);
          const page = all.slice(start, start + limit);
          const more = start + limit < all.length;
          const lastItem = page[page.length - 1];
          return send(200, {
            Items: page,
            Count: page.length,
            ...(more && lastItem
              ? {
                  LastEvaluatedKey: { id: lastItem.id, owner: lastItem.owner, createdAt: lastItem.createdAt },
                }
              : {}),
          });
        }
        default:
          return send(400, {
            __type: 'com.amazon.coral.service#UnknownOperationException',
            message: operation,
          });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
