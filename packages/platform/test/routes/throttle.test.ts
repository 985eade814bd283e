import { describe, expect, it } from 'vitest';
import {
  ControlPlaneLimiter,
  callWithRetry,
  TokenBucket,
  TransientApplyError,
} from '../../functions/routes/throttle';
import { awsError } from '../models/apigateway';
import { VirtualClock } from '../models/clock';

function ctx(clock: VirtualClock, deadlineMs: number) {
  return {
    clock,
    limiter: new ControlPlaneLimiter(clock),
    retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 20_000, deadline: clock.now() + deadlineMs },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through, then one call per refill interval', async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(1 / 5, 1, clock);
    const times: number[] = [];
    await clock.runUntil(
      clock.spawn(async () => {
        for (let i = 0; i < 3; i++) {
          await bucket.take();
          times.push(clock.now());
        }
      }),
    );
    expect(times).toEqual([0, 5_000, 10_000]);
  });
});

describe('callWithRetry', () => {
  it('paces CreateDeployment at one call per 5 s', async () => {
    const clock = new VirtualClock(0);
    const c = ctx(clock, 60_000);
    const times: number[] = [];
    await clock.runUntil(
      clock.spawn(async () => {
        for (let i = 0; i < 3; i++)
          await callWithRetry('CreateDeployment', 'deploy', async () => times.push(clock.now()), c);
      }),
    );
    expect(times).toEqual([0, 5_000, 10_000]);
  });

  it('retries TooManyRequestsException and returns the first success', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const result = await clock.runUntil(
      clock.spawn(() =>
        callWithRetry(
          'UpdateStage',
          'update',
          async () => {
            calls++;
            if (calls < 3) throw awsError('TooManyRequestsException', 'slow down');
            return 'ok';
          },
          ctx(clock, 60_000),
        ),
      ),
    );
    expect([result, calls]).toEqual(['ok', 3]);
  });

  it('gives up with a TransientApplyError when the deadline comes first', async () => {
    const clock = new VirtualClock(0);
    const run = clock.runUntil(
      clock.spawn(() =>
        callWithRetry(
          'PutRestApi',
          'PutRestApi',
          async () => {
            throw awsError('TooManyRequestsException', 'slow down');
          },
          ctx(clock, 10_000),
        ),
      ),
    );
    await expect(run).rejects.toThrow(TransientApplyError);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });

  it('passes a BadRequestException through at once', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const run = clock.runUntil(
      clock.spawn(() =>
        callWithRetry(
          'PutRestApi',
          'PutRestApi',
          async () => {
            calls++;
            throw awsError('BadRequestException', 'bad body');
          },
          ctx(clock, 10_000),
        ),
      ),
    );
    await expect(run).rejects.toThrow('bad body');
    expect(calls).toBe(1);
  });
});
