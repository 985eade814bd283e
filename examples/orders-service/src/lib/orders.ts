import * as z from 'zod';
import { HttpError } from './http';

/** Currencies the service accepts (ISO 4217). */
export const CURRENCIES = ['EUR', 'GBP', 'USD'] as const;

/** Most line items one order may have; keeps an item well under DynamoDB's 400 KB item limit. */
export const MAX_ITEMS = 50;

/** Name of the table's global secondary index on `owner`, newest order first. */
export const OWNER_INDEX = 'byOwner';

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/** One line of an order. Prices are integer cents, so totals never suffer from float rounding. */
const lineItem = z.strictObject({
  sku: z
    .string({ error: required('a string') })
    .regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'must be 2-32 uppercase letters, digits and "-" (e.g. "BOOK-042")'),
  quantity: z
    .number({ error: required('a number') })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000'),
  unitPriceCents: z
    .number({ error: required('a number') })
    .int('must be a whole number of cents')
    .min(0, 'must not be negative')
    .max(10_000_000, 'must be at most 10000000 (100000.00)'),
});

/** The body of `POST /orders`. Unknown fields are rejected, so a misspelt field is never silently dropped. */
export const createOrderBody = z.strictObject(
  {
    currency: z.enum(CURRENCIES, { error: required(`one of ${CURRENCIES.join(', ')}`) }),
    items: z
      .array(lineItem, { error: required('an array of line items') })
      .min(1, 'must have at least one line item')
      .max(MAX_ITEMS, `must have at most ${MAX_ITEMS} line items`),
    note: z.string('must be a string').max(500, 'must be at most 500 characters').optional(),
  },
  { error: 'must be a JSON object' },
);

/** A validated `POST /orders` body. */
export type CreateOrderInput = z.output<typeof createOrderBody>;

/** An order as stored and returned. */
export interface Order {
  /** Random UUID, the table's partition key. */
  readonly id: string;
  /** The `sub` of the caller who created it. */
  readonly owner: string;
  /** Lifecycle state; new orders are `PENDING`. */
  readonly status: 'PENDING';
  /** ISO 4217 currency of every price. */
  readonly currency: CreateOrderInput['currency'];
  /** Line items as submitted. */
  readonly items: CreateOrderInput['items'];
  /** Sum of quantity × unit price, in cents. */
  readonly totalCents: number;
  /** Free text from the customer. @default - none */
  readonly note?: string;
  /** ISO 8601 creation time (UTC); the owner index's sort key. */
  readonly createdAt: string;
}

/** Builds a new order from validated input. */
export function newOrder(input: CreateOrderInput, owner: string, id: string, now: Date): Order {
  const totalCents = input.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  return {
    id,
    owner,
    status: 'PENDING',
    currency: input.currency,
    items: input.items,
    totalCents,
    ...(input.note !== undefined && { note: input.note }),
    createdAt: now.toISOString(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` looks like an id this service generated. */
export function isOrderId(value: string): boolean {
  return UUID.test(value);
}

/** The owner index's key of an order: where the next page starts. */
export interface PageKey {
  /** The order id: the table's partition key, which DynamoDB includes in an index's LastEvaluatedKey. */
  readonly id: string;
  /** The caller the page belongs to (the index partition key); a token is accepted only for them. */
  readonly owner: string;
  /** ISO timestamp of the last order returned (the index sort key). */
  readonly createdAt: string;
}

/** An opaque pagination token: DynamoDB's `LastEvaluatedKey`, base64url-encoded JSON. */
export function encodePageToken(key: PageKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const pageKey = z.strictObject({ id: z.string(), owner: z.string(), createdAt: z.string() });

/**
 * Decodes a pagination token, or throws a 400. A token is accepted only for the caller it was
 * issued to: DynamoDB rejects an `ExclusiveStartKey` outside the key condition with a
 * ValidationException, which would otherwise surface as a 500.
 */
export function decodePageToken(token: string, caller: string): PageKey {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = pageKey.safeParse(decoded);
  if (!parsed.success || parsed.data.owner !== caller) {
    throw new HttpError(400, 'invalid query parameters', [
      {
        path: 'nextToken',
        message: 'is not a token this API returned; pass the nextToken of the previous page as is',
      },
    ]);
  }
  return parsed.data;
}
