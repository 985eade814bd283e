import { type Clock, errorMessage, errorName } from './common';

/**
 * Client-side rate limiting and retries for API Gateway's control plane. The quotas are fixed per
 * account and Region and cannot be raised, so the reconciler paces itself below them instead of
 * learning them from TooManyRequestsException; retries (full jitter) cover the calls other
 * clients (CloudFormation, the console) spend from the same quotas.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

/** A token bucket: `ratePerSecond` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /**
   * @param ratePerSecond refill rate.
   * @param burst bucket size; the bucket starts full.
   * @param clock the clock it refills and waits on.
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  /** Takes one token, waiting for it when the bucket is empty. */
  async take(): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.clock.sleep(wait);
    this.tokens -= 1;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/** The API Gateway control-plane operations the reconciler calls. */
export type ControlPlaneOperation = 'PutRestApi' | 'CreateDeployment' | 'GetStage' | 'UpdateStage';

/**
 * API Gateway's documented control-plane quotas (per account and Region): CreateDeployment 1 per
 * 5 s, PutRestApi 1 per s, GetResources 5 per 2 s, every operation together 10 per s (burst 40).
 */
export const CONTROL_PLANE_QUOTAS = {
  perOperation: {
    CreateDeployment: { ratePerSecond: 1 / 5, burst: 1 },
    PutRestApi: { ratePerSecond: 1, burst: 1 },
    GetResources: { ratePerSecond: 5 / 2, burst: 5 },
  } as Record<string, { ratePerSecond: number; burst: number }>,
  overall: { ratePerSecond: 10, burst: 40 },
} as const;

/** One bucket per rate-limited operation plus one for every call together. */
export class ControlPlaneLimiter {
  private readonly overall: TokenBucket;
  private readonly perOperation = new Map<string, TokenBucket>();

  /** @param clock the clock the buckets refill and wait on. */
  constructor(private readonly clock: Clock) {
    const { overall } = CONTROL_PLANE_QUOTAS;
    this.overall = new TokenBucket(overall.ratePerSecond, overall.burst, clock);
  }

  /** Waits until `operation` may be called without exceeding a quota. */
  async acquire(operation: ControlPlaneOperation): Promise<void> {
    const quota = CONTROL_PLANE_QUOTAS.perOperation[operation];
    if (quota) {
      let bucket = this.perOperation.get(operation);
      if (!bucket) {
        bucket = new TokenBucket(quota.ratePerSecond, quota.burst, this.clock);
        this.perOperation.set(operation, bucket);
      }
      await bucket.take();
    }
    await this.overall.take();
  }
}

/** Errors worth retrying: throttling, concurrent modification, API Gateway's own hiccups. */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'ConflictException',
  'ServiceUnavailableException',
  'InternalFailure',
]);

/**
 * The apply could not finish for a reason that is not the declaring service's fault (throttling,
 * the deadline, an outage): the reconcile is retried, and the pending requests keep waiting.
 */
export class TransientApplyError extends Error {
  /** @param message what failed and why it is retried. */
  constructor(message: string) {
    super(message);
    this.name = 'TransientApplyError';
  }
}

/** Bounds of {@link callWithRetry}. */
export interface RetryPolicy {
  /** Calls in total, the first included. */
  readonly maxAttempts: number;
  /** Backoff cap of the first retry in ms; it doubles with each retry. */
  readonly baseDelayMs: number;
  /** Largest backoff cap in ms. */
  readonly maxDelayMs: number;
  /** Epoch ms after which no call or retry starts. */
  readonly deadline: number;
}

/** Defaults: up to 10 calls, backoff caps 1, 2, 4 ... 20 s (the limiter already paces the first call). */
export const DEFAULT_RETRY_POLICY = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 20_000 } as const;

/** What {@link callWithRetry} needs. */
export interface CallContext {
  /** The shared limiter. */
  readonly limiter: ControlPlaneLimiter;
  /** The clock. */
  readonly clock: Clock;
  /** Retry bounds. */
  readonly retry: RetryPolicy;
}

/**
 * Calls `call` once the limiter allows `operation`, retrying {@link RETRYABLE_ERRORS} with full
 * jitter inside the deadline. Throws {@link TransientApplyError} when retries or time run out;
 * other errors (a BadRequestException: the body is wrong) are thrown as they are.
 */
export async function callWithRetry<T>(
  operation: ControlPlaneOperation,
  what: string,
  call: () => Promise<T>,
  ctx: CallContext,
): Promise<T> {
  const { clock, retry } = ctx;
  for (let attempt = 1; ; attempt++) {
    await ctx.limiter.acquire(operation);
    if (clock.now() > retry.deadline) {
      throw new TransientApplyError(`${what}: no time left before the deadline (attempt ${attempt})`);
    }
    try {
      return await call();
    } catch (error) {
      if (!RETRYABLE_ERRORS.has(errorName(error))) throw error;
      const detail = `${errorName(error)}: ${errorMessage(error)}`;
      if (attempt >= retry.maxAttempts) {
        throw new TransientApplyError(`${what} failed after ${attempt} attempts (${detail})`);
      }
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.floor(clock.random() * cap);
      if (clock.now() + delay > retry.deadline) {
        throw new TransientApplyError(
          `${what} failed (${detail}) and no time is left to retry before the deadline`,
        );
      }
      await clock.sleep(delay);
    }
  }
}
