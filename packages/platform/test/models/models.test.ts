import * as http from 'node:http';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiGatewayModel } from './apigateway';
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
