import { assertSegment } from '@shared-lambda-infra/contract';

/**
 * Turns a construct id into the kebab-case identifier a physical name ends with:
 * `ListOrders` → `list-orders`, `getOrderV2` → `get-order-v2`, `APIHandler` → `api-handler`.
 *
 * Throws, naming the `name` prop as the fix, when the id cannot become a valid segment.
 */
export function identifierFromId(id: string, what: string): string {
  const kebab = id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
  try {
    return assertSegment('identifier', kebab);
  } catch {
    throw new Error(
      `${what} id "${id}" cannot name AWS resources (it becomes "${kebab}"): use an id that starts with a letter, or pass \`name\` (lowercase letters, digits and single hyphens, e.g. "list-orders")`,
    );
  }
}
