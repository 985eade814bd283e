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
