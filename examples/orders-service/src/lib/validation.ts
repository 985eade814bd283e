import type * as z from 'zod';
import { type FieldError, HttpError } from './http';

/**
 * Parses `input` with `schema`, or throws a 400 {@link HttpError} that lists every problem with
 * its location (`items[0].quantity`).
 */
export function parseOrReject<T extends z.ZodType>(schema: T, input: unknown, message: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, message, result.error.issues.flatMap(toFieldErrors));
}

function toFieldErrors(issue: z.core.$ZodIssue): FieldError[] {
  // Zod reports unknown keys once, on the object; a caller fixes them one by one.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: 'is not a known field',
    }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** `['items', 0, 'quantity']` → `items[0].quantity`; the empty path (the whole input) → `(body)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
