import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { errorName } from './common';
import {
  APPLIED_ITEM_KEY,
  type AppliedItem,
  PLATFORM_ITEM_KEY,
  type PlatformItem,
  ROUTES_TABLE,
  type ServiceItem,
} from './interface';

/** Any item of the desired-state table. */
export type StoredItem = ServiceItem | PlatformItem | AppliedItem;

/** The whole desired state, as one scan reads it. */
export interface DesiredState {
  /** Every service item, by service. */
  readonly services: Map<string, ServiceItem>;
  /** The platform's settings, once the api stack has sent them. */
  readonly platform?: PlatformItem;
  /** What the last apply put live. */
  readonly applied?: AppliedItem;
}

/** Thrown when a conditional write lost to another writer; read again and retry. */
export class VersionConflictError extends Error {
  constructor(key: string) {
    super(`item ${key} changed while it was being written`);
    this.name = 'VersionConflictError';
  }
}

/** Reads and writes the desired-state table with optimistic locking on `version`. */
export class RoutesStore {
  /**
   * @param db the document client.
   * @param tableName the table ({@link ROUTES_TABLE}).
   */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One item, or undefined. Strongly consistent: the reconciler must see what the receiver wrote. */
  async get<T extends StoredItem>(key: string): Promise<T | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [ROUTES_TABLE.partitionKey]: key },
        ConsistentRead: true,
      }),
    );
    return out.Item as T | undefined;
  }

  /**
   * Writes `item` if the stored version is still `expectedVersion` (undefined: the item must not
   * exist). Throws {@link VersionConflictError} otherwise.
   */
  async put(item: StoredItem, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...condition(expectedVersion),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw new VersionConflictError(item.pk);
      throw error;
    }
  }

  /** Deletes an item if its version is still `expectedVersion`; throws {@link VersionConflictError} otherwise. */
  async delete(key: string, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [ROUTES_TABLE.partitionKey]: key },
          ...condition(expectedVersion),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') throw new VersionConflictError(key);
      throw error;
    }
  }

  /** Every item (paginated scan, strongly consistent). */
  async readAll(): Promise<DesiredState> {
    const services = new Map<string, ServiceItem>();
    let platform: PlatformItem | undefined;
    let applied: AppliedItem | undefined;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const raw of page.Items ?? []) {
        const item = raw as StoredItem;
        if (item.kind === 'service') services.set(item.service, item);
        else if (item.pk === PLATFORM_ITEM_KEY) platform = item as PlatformItem;
        else if (item.pk === APPLIED_ITEM_KEY) applied = item as AppliedItem;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return { services, platform, applied };
  }

  /**
   * Read-modify-write with retries on version conflicts: `change` gets the current item (or
   * undefined) and returns the new one, or `null` to delete it, or `undefined` to leave it.
   */
  async update<T extends StoredItem>(
    key: string,
    change: (current: T | undefined) => T | null | undefined,
  ): Promise<T | null | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get<T>(key);
      const next = change(current);
      try {
        if (next === undefined) return undefined;
        if (next === null) {
          if (current) await this.delete(key, current.version);
          return null;
        }
        await this.put({ ...next, version: (current?.version ?? 0) + 1 }, current?.version);
        return next;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= 10) throw error;
      }
    }
  }
}

function condition(expectedVersion: number | undefined): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
} {
  return expectedVersion === undefined
    ? {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': ROUTES_TABLE.partitionKey },
      }
    : {
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': ROUTES_TABLE.versionAttribute },
        ExpressionAttributeValues: { ':version': expectedVersion },
      };
}
