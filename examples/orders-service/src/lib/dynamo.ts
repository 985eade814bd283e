import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB document client, created once per execution environment so warm invocations reuse
 * its connections.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  // Optional order fields are left out of the item rather than stored as NULL.
  marshallOptions: { removeUndefinedValues: true },
});

/**
 * The orders table name, from the `TABLE_NAME` environment variable the stack sets.
 *
 * Read per call rather than at module load, so a missing variable fails the request with a
 * logged error that names it, instead of failing the cold start with a stack trace.
 */
export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) {
    throw new Error(
      'environment variable TABLE_NAME is not set: the function needs the name of the orders table (set it in the stack)',
    );
  }
  return name;
}
