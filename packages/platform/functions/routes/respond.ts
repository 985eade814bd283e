import * as http from 'node:http';
import * as https from 'node:https';
import { type Clock, SYSTEM_CLOCK } from './common';
import type { PendingResponse } from './interface';

/** The answer to one CloudFormation custom-resource request. */
export interface CfnAnswer {
  /** `SUCCESS` or `FAILED`. */
  readonly status: 'SUCCESS' | 'FAILED';
  /** Why it failed (shown in the stack events), or a short note. */
  readonly reason?: string;
}

/** CloudFormation shows at most 4 KB of a reason; keep room for its own prefix. */
const MAX_REASON = 3_500;

/** How an answer is retried. */
export interface AnswerOptions {
  /** The clock of the backoff. @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** Epoch ms after which no retry starts. @default - 20 s from the first attempt */
  readonly deadline?: number;
  /**
   * Why a ResponseURL may not be answered, or `undefined` when it may (no default: every caller
   * says which URLs are CloudFormation's, e.g. `responseUrlProblem` of its own Region).
   */
  readonly responseUrlCheck: (responseUrl: unknown) => string | undefined;
}

/** The ResponseURL refused the answer for good (HTTP 4xx: expired, or not CloudFormation's). */
export class AnswerRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnswerRefusedError';
  }
}

/**
 * The URL an answer is PUT to. The single place where a ResponseURL is turned into a target, so
 * every answer, the receiver's and the reconciler's, passes the check (https on CloudFormation's
 * response hosts): a URL that fails it is never contacted ({@link AnswerRefusedError}, final).
 */
export function responseTarget(
  responseUrl: string,
  check: (responseUrl: unknown) => string | undefined,
): URL {
  const problem = check(responseUrl);
  if (problem) throw new AnswerRefusedError(`not answered: ${problem}`);
  return new URL(responseUrl);
}

/**
 * PUTs the answer to the request's pre-signed S3 URL. The URL was signed without a content type,
 * so the request sends an empty one (a default such as `text/plain` breaks the signature).
 *
 * S3 answers 503 (Slow Down) and 500 now and then, and a connection may drop: those are retried
 * with full-jitter backoff (caps 0.2, 0.4, 0.8 ... 5 s) until the deadline, since a lost answer to
 * a rollback or a Delete leaves the stack in *_FAILED. A 4xx is final ({@link AnswerRefusedError}).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
 */
export async function answer(
  request: PendingResponse,
  result: CfnAnswer,
  options: AnswerOptions,
): Promise<void> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const deadline = options.deadline ?? clock.now() + 20_000;
  const payload = JSON.stringify({
    Status: result.status,
    Reason: (result.reason ?? (result.status === 'SUCCESS' ? 'OK' : 'failed')).slice(0, MAX_REASON),
    PhysicalResourceId: request.physicalResourceId,
    StackId: request.stackId,
    RequestId: request.requestId,
    LogicalResourceId: request.logicalResourceId,
    Data: {},
  });
  const url = responseTarget(request.responseUrl, options.responseUrlCheck);
  const transport = url.protocol === 'http:' ? http : https;
  for (let attempt = 1; ; attempt++) {
    try {
      await put(transport, url, payload);
      return;
    } catch (error) {
      if (error instanceof AnswerRefusedError) throw error;
      const delay = Math.floor(clock.random() * Math.min(5_000, 200 * 2 ** (attempt - 1)));
      if (clock.now() + delay > deadline) throw error;
      await clock.sleep(delay);
    }
  }
}

function put(transport: typeof http | typeof https, url: URL, payload: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(payload) },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve();
          else if (code >= 400 && code < 500 && code !== 429)
            reject(new AnswerRefusedError(`CloudFormation response URL answered HTTP ${code}`));
          else reject(new Error(`CloudFormation response URL answered HTTP ${code}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('CloudFormation response URL did not answer in 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}
