import * as http from 'node:http';
import * as https from 'node:https';
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

/**
 * PUTs the answer to the request's pre-signed S3 URL, with up to 3 attempts. The URL was signed
 * without a content type, so the request sends an empty one (a default such as `text/plain`
 * breaks the signature).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 */
export async function answer(request: PendingResponse, result: CfnAnswer): Promise<void> {
  const payload = JSON.stringify({
    Status: result.status,
    Reason: (result.reason ?? (result.status === 'SUCCESS' ? 'OK' : 'failed')).slice(0, MAX_REASON),
    PhysicalResourceId: request.physicalResourceId,
    StackId: request.stackId,
    RequestId: request.requestId,
    LogicalResourceId: request.logicalResourceId,
    Data: {},
  });
  const url = new URL(request.responseUrl);
  const transport = url.protocol === 'http:' ? http : https;
  for (let attempt = 1; ; attempt++) {
    try {
      await put(transport, url, payload);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
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
        res.on('end', () =>
          res.statusCode && res.statusCode < 300
            ? resolve()
            : reject(new Error(`CloudFormation response URL answered HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('CloudFormation response URL did not answer in 10 s')));
    req.on('error', reject);
    req.end(payload);
  });
}
