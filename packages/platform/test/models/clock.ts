import type { Clock } from '../../functions/routes/common';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/**
 * A virtual clock for scenario tests: time moves only when every actor (a stack deploy, a Lambda
 * invocation, the queue poller) is waiting on this clock, and then jumps to the next timer. Real
 * I/O (the HTTP answers to CloudFormation on 127.0.0.1) keeps its actor active, so time never moves
 * under a request in flight. Seeded jitter makes every run identical.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private active = 0;
  private seed: number;

  /**
   * @param start epoch ms at which virtual time starts.
   * @param seed seed of the jitter generator.
   */
  constructor(start = Date.UTC(2026, 0, 1), seed = 42) {
    this.t = start;
    this.seed = seed;
  }

  /** Virtual epoch ms. */
  now(): number {
    return this.t;
  }

  /** Deterministic numbers in [0, 1) (mulberry32). */
  random(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let r = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  }

  /** Waits `ms` of virtual time; the calling actor counts as idle meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.active--;
      this.addTimer(Math.max(0, ms), () => {
        this.active++;
        resolve();
      });
    });
  }

  /**
   * Waits for `promise` or `timeoutMs` of virtual time, whichever comes first (`undefined` on
   * timeout). The caller is idle meanwhile; it becomes active again in the same tick the promise
   * settles, so time cannot jump past that moment.
   */
  waitFor<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      let done = false;
      this.active--;
      this.addTimer(timeoutMs, () => {
        if (done) return;
        done = true;
        this.active++;
        resolve(undefined);
      });
      promise.then(
        (value) => {
          if (done) return;
          done = true;
          this.active++;
          resolve(value);
        },
        (error) => {
          if (done) return;
          done = true;
          this.active++;
          reject(error);
        },
      );
    });
  }

  /**
   * Never settles, and the calling actor counts as idle from now on: what a call looks like from a
   * Lambda invocation that crashed (or was frozen) in the middle of it.
   */
  hang(): Promise<never> {
    this.active--;
    return new Promise<never>(() => undefined);
  }

  /** Starts an actor: `fn` runs concurrently with the others, in virtual time. */
  spawn<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    return Promise.resolve()
      .then(fn)
      .finally(() => {
        this.active--;
      });
  }

  /**
   * Drives virtual time until `done` settles: whenever no actor is active, time jumps to the next
   * timer. Throws when nothing can move any more (a deadlock in the scenario).
   */
  async runUntil<T>(done: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    const watched = done.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    const end = this.t + limitMs;
    for (;;) {
      await this.idle();
      if (settled) return watched;
      const next = this.timers.shift();
      if (!next)
        throw new Error(`virtual clock: nothing left to run at +${this.t} ms and the scenario is not done`);
      if (next.at > end) throw new Error('virtual clock: the scenario ran past its time limit');
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
  }

  private addTimer(ms: number, fire: () => void): void {
    const timer = { at: this.t + ms, seq: this.seq++, fire };
    const i = this.timers.findIndex((x) => x.at > timer.at);
    if (i < 0) this.timers.push(timer);
    else this.timers.splice(i, 0, timer);
  }

  private async idle(): Promise<void> {
    // Macrotask turns let microtasks and real I/O (127.0.0.1 HTTP) finish before time moves.
    do {
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.active > 0);
    await new Promise((resolve) => setImmediate(resolve));
    if (this.active > 0) return this.idle();
  }
}
