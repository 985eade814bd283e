import * as http from 'node:http';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayModel } from './apigateway';
import { ParameterStoreModel, TableModel } from './aws';
import { VirtualClock } from './clock';
import { CloudFormationModel } from './cloudformation';

/** The models reproduce the documented behaviours the scenarios rely on. */

function body(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

const HALF_BUILT = {
  swagger: '2.0',
  info: { title: 't', version: '1' },
  paths: { '/orders': { get: { responses: {} } } },
};

describe('API Gateway model', () => {
  it('refuses a deployment that catches a method without its integration', () => {
    const api = new ApiGatewayModel(new VirtualClock(0), 'api', 'dev');
    api.putRestApi({ restApiId: 'api', mode: 'merge', failOnWarnings: false, body: body(HALF_BUILT) });
    expect(() => api.createDeployment({ restApiId: 'api', stageName: 'dev' })).toThrow(
      'No integration defined for method (GET /orders)',
    );
  });

  it('refuses a body with a half-built method when failOnWarnings is set', () => {
    const api = new ApiGatewayModel(new VirtualClock(0), 'api', 'dev');
    expect(() =>
      api.putRestApi({ restApiId: 'api', mode: 'overwrite', failOnWarnings: true, body: body(HALF_BUILT) }),
    ).toThrow('Warnings found during import: No integration defined for method GET /orders');
  });

  it('throttles CreateDeployment to one call per 5 s', async () => {
    const clock = new VirtualClock(0);
    const api = new ApiGatewayModel(clock, 'api', 'dev');
    api.createDeployment({ restApiId: 'api' });
    expect(() => api.createDeployment({ restApiId: 'api' })).toThrow('Too Many Requests');
    await clock.runUntil(clock.spawn(() => clock.sleep(5_000)));
    expect(api.createDeployment({ restApiId: 'api' }).id).toBe('dep0002');
  });
});

describe('CloudFormation model', () => {
  let cfn: CloudFormationModel;
  afterEach(async () => cfn.stop());

  it('retries a failing cleanup-phase Delete 3 times, then skips it and still completes the update', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    const reply = (event: CloudFormationCustomResourceEvent, status: string, physicalId: string) =>
      new Promise<void>((resolve) => {
        const req = http.request(
          event.ResponseURL,
          { method: 'PUT', headers: { 'content-type': '' } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.end(
          JSON.stringify({
            Status: status,
            PhysicalResourceId: physicalId,
            RequestId: event.RequestId,
            StackId: event.StackId,
            LogicalResourceId: event.LogicalResourceId,
          }),
        );
      });
    cfn = new CloudFormationModel(
      clock,
      (event) => {
        seen.push(event.RequestType);
        // Every Update returns a new physical id (a replacement); every Delete fails.
        const physicalId = `${event.ResourceProperties.Value}`;
        void clock.spawn(() =>
          reply(event, event.RequestType === 'Delete' ? 'FAILED' : 'SUCCESS', physicalId),
        );
      },
      'eu-west-1',
      '123456789012',
    );
    await cfn.start();
    const deploy = (value: string) =>
      cfn.deploy('stack', { R: { type: 'Custom::Thing', properties: { Value: value }, serviceTimeout: 60 } });
    await clock.runUntil(clock.spawn(() => deploy('v1')));
    const status = await clock.runUntil(clock.spawn(() => deploy('v2')));
    expect(status).toBe('UPDATE_COMPLETE');
    expect(seen).toEqual(['Create', 'Update', 'Delete', 'Delete', 'Delete']);
    expect(cfn.stacks.get('stack')?.events.at(-1)).toBe('cleanup of R (v1) failed 3 times; skipped');
  });
});

describe('CloudFormation model: --no-rollback, answers and S3', () => {
  let cfn: CloudFormationModel;
  afterEach(async () => cfn.stop());

  function replying(clock: VirtualClock, status: (e: CloudFormationCustomResourceEvent) => string) {
    const urls: string[] = [];
    const codes: number[] = [];
    cfn = new CloudFormationModel(
      clock,
      (event) => {
        urls.push(event.ResponseURL);
        void clock.spawn(
          () =>
            new Promise<void>((resolve) => {
              const req = http.request(
                event.ResponseURL,
                { method: 'PUT', headers: { 'content-type': '' } },
                (res) => {
                  codes.push(res.statusCode ?? 0);
                  res.resume();
                  res.on('end', resolve);
                },
              );
              req.end(
                JSON.stringify({
                  Status: status(event),
                  PhysicalResourceId: 'p',
                  RequestId: event.RequestId,
                  StackId: event.StackId,
                  LogicalResourceId: event.LogicalResourceId,
                }),
              );
            }),
        );
      },
      'eu-west-1',
      '123456789012',
    );
    return { urls, codes };
  }

  it('with rollback disabled, a failed update stays UPDATE_FAILED with no rollback request, the failed resource at its old properties', async () => {
    const clock = new VirtualClock(0);
    replying(clock, (e) => (e.ResourceProperties.Value === 'bad' ? 'FAILED' : 'SUCCESS'));
    await cfn.start();
    const template = (a: string, b: string) => ({
      A: { type: 'Custom::Thing', properties: { Value: a }, serviceTimeout: 60 },
      B: { type: 'Custom::Thing', properties: { Value: b }, serviceTimeout: 60 },
    });
    await clock.runUntil(clock.spawn(() => cfn.deploy('stack', template('a1', 'b1'))));
    const status = await clock.runUntil(
      clock.spawn(() => cfn.deploy('stack', template('a2', 'bad'), { disableRollback: true })),
    );
    expect(status).toBe('UPDATE_FAILED');
    expect([...cfn.sent.values()].map((r) => `${r.requestType} ${r.logicalId}`)).toEqual([
      'Create A',
      'Create B',
      'Update A',
      'Update B',
    ]);
    expect(cfn.stacks.get('stack')?.template.A.properties.Value).toBe('a2');
    expect(cfn.stacks.get('stack')?.template.B.properties.Value).toBe('b1');
  });

  it('signs each ResponseURL with the time it issued the request, and answers S3 503 Slow Down when told to', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const { urls, codes } = replying(clock, () => 'SUCCESS');
    await cfn.start();
    cfn.slowDown = 1;
    const deploy = clock.spawn(() =>
      cfn.deploy('stack', { A: { type: 'Custom::Thing', properties: { Value: 'a' }, serviceTimeout: 60 } }),
    );
    const status = await clock.runUntil(deploy);
    // The only answer got a 503: nothing reached CloudFormation, which timed out.
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(codes[0]).toBe(503);
    expect(new URL(urls[0]).searchParams.get('X-Amz-Date')).toBe('20260101T120000Z');
  });
});

describe('Parameter Store and DynamoDB models', () => {
  it('Parameter Store takes 40 GetParameter/GetParameters/GetParametersByPath calls a second together, then throttles', async () => {
    const clock = new VirtualClock(0);
    const ssm = new ParameterStoreModel(clock);
    ssm.parameters.set('/p/a', '1');
    for (let i = 0; i < 20; i++) ssm.getParameters({ Names: ['/p/a', '/p/b'] });
    for (let i = 0; i < 20; i++) ssm.getByPath({ Path: '/p' });
    expect(() => ssm.getParameter({ Name: '/p/a' })).toThrow('Rate exceeded');
    await clock.runUntil(clock.spawn(() => clock.sleep(100)));
    expect(ssm.getParameters({ Names: ['/p/a', '/p/b'] })).toEqual({
      Parameters: [{ Name: '/p/a', Value: '1', Type: 'String' }],
      InvalidParameters: ['/p/b'],
    });
    expect(ssm.faults.throttled).toEqual({ GetParameter: 1 });
  });

  it('DynamoDB refuses an item over 400 KB', () => {
    const table = new TableModel();
    expect(() => table.put({ Item: { pk: 'x', blob: 'x'.repeat(401 * 1024) } })).toThrow(
      'Item size has exceeded the maximum allowed size',
    );
  });
});
