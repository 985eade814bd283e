import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Backoff, canonicalJson, errorName, withBackoff } from './common';
import {
  APPLIED_ITEM_KEY,
  type AppliedItem,
  MAX_DECLARATION_BYTES,
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
    private readonly backoff?: Backoff,
  ) {}

  /** The same store, retrying throttled calls with jittered backoff until `backoff.deadline`. */
  bounded(backoff: Backoff): RoutesStore {
    return new RoutesStore(this.db, this.tableName, backoff);
  }

  private send<T>(command: GetCommand | PutCommand | DeleteCommand | ScanCommand): Promise<T> {
    // biome-ignore lint/suspicious/noExplicitAny: the document client's send is overloaded per command
    const call = () => (this.db.send as (c: unknown) => Promise<any>).call(this.db, command) as Promise<T>;
    return this.backoff ? withBackoff(call, this.backoff) : call();
  }

  /** One item, or undefined. Strongly consistent: the reconciler must see what the receiver wrote. */
  async get<T extends StoredItem>(key: string): Promise<T | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
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
      await this.send(
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
      await this.send(
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
      const page = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const raw of page.Items ?? []) {
        // Whatever is stored (an older format, a hand edit, a poisoned table) must not make a
        // reconcile throw: an item that is not usable is left out, its service then has no state.
        if (raw?.kind === 'service') {
          const item = serviceItemOf(raw);
          if (item) services.set(item.service, item);
        } else if (raw?.pk === PLATFORM_ITEM_KEY && raw.kind === 'platform') {
          platform = { ...(raw as unknown as PlatformItem), pending: pendingOf(raw.pending) };
        } else if (raw?.pk === APPLIED_ITEM_KEY) applied = raw as unknown as AppliedItem;
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

/**
 * A service item as stored, with the lists every reader iterates made lists. `undefined` when the
 * item lacks what identifies it (no service name, no stack id): such an item cannot be acted on.
 */
export function serviceItemOf(raw: Record<string, unknown>): ServiceItem | undefined {
  if (typeof raw.service !== 'string' || typeof raw.pk !== 'string' || typeof raw.version !== 'number')
    return undefined;
  const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
  return {
    ...(raw as unknown as ServiceItem),
    stackId: typeof raw.stackId === 'string' ? raw.stackId : '',
    logicalResourceId: typeof raw.logicalResourceId === 'string' ? raw.logicalResourceId : '',
    routes: list(raw.routes),
    declarationHash: typeof raw.declarationHash === 'string' ? raw.declarationHash : '',
    deleted: raw.deleted === true,
    succeededHashes: list<string>(raw.succeededHashes).filter((h) => typeof h === 'string'),
    pending: pendingOf(raw.pending),
    outbox: list<{ pending?: unknown; status?: unknown }>(raw.outbox).filter(
      (o) => isPending(o?.pending) && (o.status === 'SUCCESS' || o.status === 'FAILED'),
    ) as ServiceItem['outbox'],
    answered: list<string>(raw.answered),
    tombstones: list(raw.tombstones),
  };
}

function isPending(p: unknown): boolean {
  const r = p as Record<string, unknown> | undefined;
  return (
    !!r &&
    typeof r.responseUrl === 'string' &&
    typeof r.requestId === 'string' &&
    typeof r.stackId === 'string' &&
    typeof r.logicalResourceId === 'string'
  );
}

function pendingOf(raw: unknown): ServiceItem['pending'] {
  return (Array.isArray(raw) ? raw : []).filter(isPending) as ServiceItem['pending'];
}

/**
 * Why a route table is too large to store, or undefined. The limit ({@link MAX_DECLARATION_BYTES})
 * keeps every service item far below DynamoDB's 400 KB, whatever the other services declared.
 */
export function declarationSizeProblem(routes: unknown): string | undefined {
  const bytes = Buffer.byteLength(canonicalJson(routes));
  return bytes > MAX_DECLARATION_BYTES
    ? `the route table is ${bytes} bytes of JSON, more than the ${MAX_DECLARATION_BYTES} bytes (${MAX_DECLARATION_BYTES / 1024} KiB) a service may declare; split the service or remove routes`
    : undefined;
}
