import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import type { DevFunction } from './describe';

/** What one invocation of a function returned. */
export type InvocationResult =
  /** The handler returned: its result, JSON-serialized as Lambda does (`null` for undefined). */
  | { readonly kind: 'result'; readonly payload: string | null }
  /** The handler threw, the module failed to load, or the bundle did not build. */
  | { readonly kind: 'error'; readonly errorType: string; readonly errorMessage: string }
  /** The function ran longer than its timeout; its runtime was stopped. */
  | { readonly kind: 'timeout'; readonly timeoutSeconds: number };

/** Lambda's synchronous invocation payload limit, in bytes (request and response). */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

// The runtime inside each worker thread: a plain CommonJS script, so it runs the same whether the
// CLI itself was loaded from built JavaScript or from TypeScript sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
process.setSourceMapsEnabled(true);
let mod, initError;
try { mod = require(workerData.bundle); } catch (error) { initError = error; }
parentPort.on('message', async ({ id, event, deadline, context }) => {
  try {
    if (initError) throw initError;
    const handler = mod && mod[workerData.handler];
    if (typeof handler !== 'function') {
      throw new Error(workerData.entry + ' does not export a function named "' + workerData.handler + '"');
    }
    const ctx = { ...context, callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    const result = await new Promise((resolve, reject) => {
      const returned = handler(event, ctx, (error, value) => (error ? reject(error) : resolve(value)));
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    });
    parentPort.postMessage({ id, payload: result === undefined ? null : JSON.stringify(result) });
  } catch (error) {
    console.error(error);
    parentPort.postMessage({ id, error: {
      errorType: (error && error.name) || 'Error',
      errorMessage: (error && error.message) || String(error) } });
  }
});
`;

interface Pending {
  resolve(result: InvocationResult): void;
  timer: NodeJS.Timeout;
  worker: Worker;
}

/** Options of {@link FunctionRuntime}. */
export interface FunctionRuntimeOptions {
  /** Where bundles are written; must be inside the service so `@aws-sdk/*` resolves from its node_modules. */
  readonly buildDir: string;
  /** Variables every function sees before its own (the dev server's environment). */
  readonly baseEnvironment: Readonly<Record<string, string | undefined>>;
  /** Region in `AWS_REGION`. */
  readonly region: string;
  /** Console lines (builds, reloads). */
  readonly log: (line: string) => void;
}

/**
 * One function, run as Lambda runs it: bundled with esbuild (rebuilt on every source change), loaded
 * once per execution environment (a worker thread with the function's own environment variables),
 * one worker reused for every invocation until the code changes, and stopped when an invocation
 * exceeds the function's timeout.
 */
export class FunctionRuntime {
  private context?: esbuild.BuildContext;
  private ready?: Promise<void>;
  private stopped = false;
  private worker?: Worker;
  private buildErrors: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly retiring = new Set<Worker>();
  private nextId = 1;
  private readonly bundle: string;

  constructor(
    private readonly fn: DevFunction,
    private readonly options: FunctionRuntimeOptions,
  ) {
    this.bundle = path.join(options.buildDir, `${fn.functionName}.js`);
  }

  /**
   * Builds the bundle and watches its sources; resolves after the first build (a failed build
   * resolves too: invocations answer its errors). Called again, returns the same first build, so
   * the server can start every build without waiting and each invocation waits for its own.
   */
  public start(): Promise<void> {
    this.ready ??= this.watch().catch((error: unknown) => {
      this.buildErrors = [(error as Error).message ?? String(error)];
      this.options.log(`${this.fn.path}: build failed\n  ${this.buildErrors.join('\n  ')}`);
    });
    return this.ready;
  }

  private async watch(): Promise<void> {
    fs.mkdirSync(this.options.buildDir, { recursive: true });
    const { bundling } = this.fn;
    let first = true;
    let resolveFirst: () => void = () => {};
    const firstBuild = new Promise<void>((resolve) => {
      resolveFirst = resolve;
    });
    const context = await esbuild.context({
      entryPoints: [this.fn.entry],
      outfile: this.bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      // The Node.js running the dev server, not the Lambda runtime's: the bundle runs here.
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: true,
      external: bundling.externalModules ?? ['@aws-sdk/*'],
      define: bundling.define,
      loader: bundling.loader as Record<string, esbuild.Loader> | undefined,
      tsconfig: bundling.tsconfig,
      logLevel: 'silent',
      plugins: [
        {
          name: 'shared-lambda-dev-reload',
          setup: (build) => {
            build.onEnd((result) => {
              this.onBuilt(result, first);
              if (first) resolveFirst();
              first = false;
            });
          },
        },
      ],
    });
    this.context = context;
    if (this.stopped) {
      await context.dispose();
      return;
    }
    await context.watch();
    await firstBuild;
  }

  /** Invokes the handler with `event`, enforcing the function's timeout. */
  public async invoke(event: unknown, context: Record<string, unknown>): Promise<InvocationResult> {
    await this.start();
    if (this.buildErrors.length > 0) {
      return {
        kind: 'error',
        errorType: 'BuildError',
        errorMessage: `${this.fn.entry} does not build:\n${this.buildErrors.join('\n')}`,
      };
    }
    const worker = this.currentWorker();
    const id = this.nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<InvocationResult>((resolve) => {
      const timer = setTimeout(() => {
        this.options.log(
          `${this.fn.path}: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
        );
        this.pending.delete(id);
        resolve({ kind: 'timeout', timeoutSeconds: this.fn.timeoutSeconds });
        // Lambda discards an execution environment whose invocation timed out.
        this.stopWorker(worker);
      }, timeoutMs);
      this.pending.set(id, { resolve, timer, worker });
      worker.postMessage({ id, event, deadline: Date.now() + timeoutMs, context });
    });
  }

  /**
   * Stops watching; the worker stops once its running invocations have answered (the stack changed
   * and a new runtime replaces this one).
   */
  public async retireAll(): Promise<void> {
    this.stopped = true;
    await this.ready;
    await this.context?.dispose();
    if (this.worker) this.retire(this.worker);
  }

  /** Stops watching and stops the function's worker. */
  public async stop(): Promise<void> {
    this.stopped = true;
    await this.ready;
    await this.context?.dispose();
    const workers = [...this.retiring, ...(this.worker ? [this.worker] : [])];
    this.worker = undefined;
    this.retiring.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private onBuilt(result: esbuild.BuildResult, first: boolean): void {
    if (result.errors.length > 0) {
      this.buildErrors = result.errors.map(
        (e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}`,
      );
      this.options.log(`${this.fn.path}: build failed\n  ${this.buildErrors.join('\n  ')}`);
      return;
    }
    this.buildErrors = [];
    if (this.worker) this.retire(this.worker);
    if (!first) this.options.log(`${this.fn.path}: reloaded ${path.relative(process.cwd(), this.fn.entry)}`);
  }

  private currentWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bundle: this.bundle, handler: this.fn.handler, entry: this.fn.entry },
      env: this.environment(),
    });
    worker.on(
      'message',
      (message: {
        id: number;
        payload?: string | null;
        error?: { errorType: string; errorMessage: string };
      }) => {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.pending.delete(message.id);
        pending.resolve(
          message.error
            ? { kind: 'error', ...message.error }
            : { kind: 'result', payload: message.payload ?? null },
        );
        if (this.retiring.has(worker) && !this.busy(worker)) this.stopWorker(worker);
      },
    );
    worker.on('error', (error) => this.failPending(worker, error));
    worker.on('exit', () => {
      this.failPending(worker, new Error('the runtime exited (process.exit or a crash)'));
      if (this.worker === worker) this.worker = undefined;
    });
    // A runtime the stack no longer uses still answers the invocations it had taken.
    if (this.stopped) this.retiring.add(worker);
    else this.worker = worker;
    return worker;
  }

  private environment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.baseEnvironment)) if (v !== undefined) env[k] = v;
    return {
      ...env,
      // What the Lambda runtime sets; the function's own variables come last and win, as in Lambda.
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: this.fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs_shared-lambda-dev',
      ...this.fn.environment,
    };
  }

  /** New code: new invocations get a new worker; those running in the old one finish first. */
  private retire(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    if (this.busy(worker)) this.retiring.add(worker);
    else this.stopWorker(worker);
  }

  private stopWorker(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    this.retiring.delete(worker);
    void worker.terminate();
  }

  private busy(worker: Worker): boolean {
    return [...this.pending.values()].some((p) => p.worker === worker);
  }

  private failPending(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, pending] of this.pending) {
      if (pending.worker !== worker) continue;
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.resolve({ kind: 'error', errorType: 'Runtime.ExitError', errorMessage: error.message });
    }
  }
}
