import { createHash } from 'node:crypto';
import { assertEnvironmentName, type NameScope } from '@shared-lambda-infra/contract';

/**
 * The clock the routes runtime reads and waits on. Production uses {@link SYSTEM_CLOCK}; the
 * scenario tests pass a virtual clock, so throttling and timeouts run in virtual time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1): the jitter. */
  random(): number;
}

/** The real clock: `Date.now`, `setTimeout`, `Math.random`. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Where the runtime reports what it did; `console` in production (Lambda sends it to its log group). */
export interface Log {
  /** A step worth knowing. */
  info(message: string, detail?: Record<string, unknown>): void;
  /** Something ignored or degraded. */
  warn(message: string, detail?: Record<string, unknown>): void;
  /** A failure. */
  error(message: string, detail?: Record<string, unknown>): void;
}

/** JSON lines on stdout/stderr, one object per event. */
export const CONSOLE_LOG: Log = {
  info: (message, detail) => console.log(JSON.stringify({ level: 'INFO', message, ...detail })),
  warn: (message, detail) => console.warn(JSON.stringify({ level: 'WARN', message, ...detail })),
  error: (message, detail) => console.error(JSON.stringify({ level: 'ERROR', message, ...detail })),
};

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Hex sha256 of the canonical JSON of `value`. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The project and environment the functions serve, from their environment variables. */
export function scopeFromEnv(env: NodeJS.ProcessEnv, projectVar: string, envVar: string): NameScope {
  const project = env[projectVar];
  const envName = env[envVar];
  if (!project || !envName) {
    throw new Error(`environment variables ${projectVar} and ${envVar} must be set (the CDK side sets both)`);
  }
  return { project, env: assertEnvironmentName(envName) };
}

/** The value of a required environment variable, or an error naming it. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} must be set (the CDK side sets it)`);
  return value;
}

/** `error.name` of an AWS SDK (or any) error. */
export function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

/** `error.message`, or the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Error names of AWS calls that are worth retrying: throttling (Parameter Store's 40 TPS default,
 * DynamoDB, SQS) and the services' own transient failures.
 */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
]);

/** Bounds of {@link withBackoff}. */
export interface Backoff {
  /** The clock it waits on. */
  readonly clock: Clock;
  /** Epoch ms after which no retry starts (the invocation's remaining time, less a margin). */
  readonly deadline: number;
  /** Backoff cap of the first retry in ms; it doubles with each retry. @default 100 */
  readonly baseMs?: number;
  /** Largest backoff cap in ms. @default 5000 */
  readonly maxMs?: number;
}

/**
 * Calls `call`, retrying {@link THROTTLING_ERRORS} with full jitter (AWS's advice: a random wait up
 * to a cap that doubles) as long as the wait ends before the deadline; then throws the last error.
 * Other errors are thrown at once.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export async function withBackoff<T>(call: () => Promise<T>, bounds: Backoff): Promise<T> {
  const base = bounds.baseMs ?? 100;
  const max = bounds.maxMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!THROTTLING_ERRORS.has(errorName(error))) throw error;
      const delay = Math.floor(bounds.clock.random() * Math.min(max, base * 2 ** (attempt - 1)));
      if (bounds.clock.now() + delay > bounds.deadline) throw error;
      await bounds.clock.sleep(delay);
    }
  }
}
