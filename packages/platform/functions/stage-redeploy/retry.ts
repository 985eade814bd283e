/**
 * Retries with exponential backoff and full jitter for API Gateway's control plane, which throttles
 * CreateDeployment and UpdateStage per account (TooManyRequestsException) and rejects concurrent
 * changes to one API (ConflictException) while two service stacks deploy at once.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

/** Error names worth retrying: throttling and concurrent modification. */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'ConflictException',
]);

/** The clock the retry loop reads and waits on; tests pass one that does not wait. */
export interface Clock {
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** A number in [0, 1): the jitter. */
  random(): number;
}

/** The real clock: `setTimeout`, `Date.now`, `Math.random`. */
export const SYSTEM_CLOCK: Clock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

/** Bounds of {@link withRetry}. */
export interface RetryPolicy {
  /** Calls in total, the first included. */
  readonly maxAttempts: number;
  /** Backoff cap of the first retry, in ms; it doubles with each retry. */
  readonly baseDelayMs: number;
  /** Largest backoff cap, in ms. */
  readonly maxDelayMs: number;
  /** Epoch ms after which no retry starts, so the handler still answers CloudFormation in time. */
  readonly deadline: number;
}

/**
 * Defaults: at most 8 calls, backoff caps 5, 10, 20 then 30 s. CreateDeployment allows one call
 * per 5 seconds per account (a fixed quota), so the first cap is one quota slot; the worst case
 * waits ~2.5 minutes in total, inside the 5-minute Lambda timeout, and on average half of that
 * (full jitter), which spreads ~15 concurrent service deploys over the quota.
 */
export const DEFAULT_RETRY = { maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 30_000 } as const;

/** Thrown when the retries ran out; the message says which call, how often and what to do. */
export class RetriesExhaustedError extends Error {
  /**
   * @param message what failed, after how many attempts, and what the service team should do.
   * @param lastError the error of the last attempt, kept so the logs show API Gateway's own reason.
   */
  constructor(
    message: string,
    public readonly lastError: unknown,
  ) {
    super(message);
    this.name = 'RetriesExhaustedError';
  }
}

/** Runs `call`, retrying {@link RETRYABLE_ERRORS} within `policy`; other errors are thrown at once. */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  clock: Clock,
): Promise<T> {
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (!RETRYABLE_ERRORS.has(name)) throw error;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.floor(clock.random() * cap);
      const elapsed = Math.round((clock.now() - started) / 1000);
      const detail = `${name}: ${(error as Error).message}`;
      if (attempt >= policy.maxAttempts) {
        throw new RetriesExhaustedError(
          `${what} failed after ${attempt} attempts over ${elapsed} s (${detail}). API Gateway is throttling control-plane calls in this account; deploy the service again when fewer deployments run at once.`,
          error,
        );
      }
      if (clock.now() + delay > policy.deadline) {
        throw new RetriesExhaustedError(
          `${what} failed after ${attempt} attempts over ${elapsed} s (${detail}); no time is left to retry before the Lambda timeout. Deploy the service again when fewer deployments run at once.`,
          error,
        );
      }
      await clock.sleep(delay);
    }
  }
}
