import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PendingResponse } from '../../functions/routes/interface';
import { candidateService, issuedAtOf } from '../../functions/routes/receiver';
import { AnswerRefusedError, answer } from '../../functions/routes/respond';
import { responseUrlProblem } from '../../functions/routes/response-url';
import { declarationSizeProblem } from '../../functions/routes/store';
import { VirtualClock } from '../models/clock';
import { route } from '../models/world';

/** Answers to CloudFormation over real HTTP on 127.0.0.1, and the receiver's small parsers. */

let server: http.Server | undefined;

async function s3(statuses: number[]): Promise<{ url: string; puts: () => number }> {
  let puts = 0;
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      puts++;
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`, puts: () => puts };
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running) await new Promise((resolve) => running.close(resolve));
});

function pending(responseUrl: string): PendingResponse {
  return {
    responseUrl,
    requestId: 'r1',
    stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
    logicalResourceId: 'Routes',
    requestType: 'Update',
    physicalResourceId: 'p',
    receivedAt: 0,
    mustSucceed: true,
    declarationHash: '',
  };
}

const EU_WEST_1 = { region: 'eu-west-1', partition: 'aws' };

/** The test server stands in for CloudFormation's response bucket: only its URL may be answered. */
function only(url: string) {
  return (u: unknown) => (u === url ? undefined : 'not the test server');
}

describe('answer', () => {
  it("retries S3's 503 Slow Down and 500 with backoff until the PUT is taken", async () => {
    const target = await s3([503, 503, 500]);
    const clock = new VirtualClock(0);
    await clock.runUntil(
      clock.spawn(() =>
        answer(
          pending(target.url),
          { status: 'SUCCESS' },
          { clock, deadline: 60_000, responseUrlCheck: only(target.url) },
        ),
      ),
    );
    expect(target.puts()).toBe(4);
  });

  it('does not retry a 403 (an expired or foreign URL): it is final', async () => {
    const target = await s3([403]);
    const clock = new VirtualClock(0);
    await expect(
      clock.runUntil(
        clock.spawn(() =>
          answer(
            pending(target.url),
            { status: 'SUCCESS' },
            { clock, deadline: 60_000, responseUrlCheck: only(target.url) },
          ),
        ),
      ),
    ).rejects.toBeInstanceOf(AnswerRefusedError);
    expect(target.puts()).toBe(1);
  });

  it('gives up with the last error when S3 keeps answering 503 past the deadline', async () => {
    const target = await s3(Array.from({ length: 100 }, () => 503));
    const clock = new VirtualClock(0);
    await expect(
      clock.runUntil(
        clock.spawn(() =>
          answer(
            pending(target.url),
            { status: 'FAILED' },
            { clock, deadline: 3_000, responseUrlCheck: only(target.url) },
          ),
        ),
      ),
    ).rejects.toThrow('HTTP 503');
    expect(clock.now()).toBeLessThanOrEqual(3_000);
  });
});

describe('receiver parsers', () => {
  it('reads when CloudFormation issued a request from its pre-signed URL, else takes the receipt time', () => {
    const clock = new VirtualClock(Date.UTC(2030, 0, 1));
    expect(
      issuedAtOf('https://bucket.s3.amazonaws.com/x?X-Amz-Date=20260102T030405Z&X-Amz-Expires=7200', clock),
    ).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(issuedAtOf('https://bucket.s3.amazonaws.com/x', clock)).toBe(Date.UTC(2030, 0, 1));
  });

  it('takes the one service a stack name can belong to, and none from a name that is not a routes stack', () => {
    const scope = { project: 'shared-lambda-infra', env: 'dev' } as const;
    const id = (name: string) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/0a1b`;
    expect(candidateService(scope, id('shared-lambda-infra-dev-orders-api-api'))).toBe('orders-api');
    expect(candidateService(scope, id('shared-lambda-infra-dev-orders-web'))).toBeUndefined();
    expect(candidateService(scope, id('shared-lambda-infra-prod-orders-api'))).toBeUndefined();
    expect(candidateService(scope, id('shared-lambda-infra-dev-Orders--x-api'))).toBeUndefined();
  });

  it('refuses a table over 64 KiB of JSON, naming its size and the limit', () => {
    const routes = Array.from({ length: 500 }, (_, i) => route('GET', `/orders/r${i}/a/long/path`, 'list'));
    expect(declarationSizeProblem(routes)).toMatch(
      /^the route table is \d+ bytes of JSON, more than the 65536 bytes \(64 KiB\) a service may declare/,
    );
    expect(declarationSizeProblem(routes.slice(0, 10))).toBeUndefined();
  });

  it('never contacts a URL its check refuses: the refusal is final and nothing is PUT', async () => {
    const target = await s3([200]);
    const clock = new VirtualClock(0);
    await expect(
      clock.runUntil(
        clock.spawn(() =>
          answer(
            pending(target.url),
            { status: 'SUCCESS' },
            { clock, deadline: 60_000, responseUrlCheck: (u) => responseUrlProblem(u, EU_WEST_1) },
          ),
        ),
      ),
    ).rejects.toThrow('not answered: ResponseURL must be https, not http');
    expect(target.puts()).toBe(0);
  });
});
