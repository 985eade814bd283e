import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  APIGatewayClient,
  ConflictException,
  CreateDeploymentCommand,
  DeleteDeploymentCommand,
  type Deployment,
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetStageCommand,
  GetStagesCommand,
  NotFoundException,
  type PatchOperation,
  TooManyRequestsException,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CREATE_FAILED_PHYSICAL_ID,
  createHandler,
  type HandlerOptions,
  onEvent,
} from '../functions/stage-redeploy/handler';
import { methodSettingPath } from '../functions/stage-redeploy/stage';

const api = mockClient(APIGatewayClient);
const client = new APIGatewayClient({ region: 'eu-west-1' });
const logger = new Logger({ logLevel: 'SILENT' });

/** A clock that records the waits and moves time forward instead of waiting. */
function testClock(random = 0.5) {
  let now = 1_700_000_000_000;
  const slept: number[] = [];
  return {
    slept,
    clock: {
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
      now: () => now,
      random: () => random,
    },
  };
}

function options(extra: Partial<HandlerOptions> = {}): HandlerOptions {
  return {
    client,
    logger,
    clock: testClock().clock,
    expected: { restApiId: 'abc123', stageName: 'dev' },
    ...extra,
  };
}

const PROPS = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:redeploy',
  RestApiId: 'abc123',
  StageName: 'dev',
  ServiceName: 'orders',
  Phase: 'after',
  BasePath: 'orders',
  Throttle: '{"rateLimit":20,"burstLimit":40}',
  RoutesFingerprint: 'fp1',
};

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  props: Partial<typeof PROPS> = {},
  extra: { PhysicalResourceId?: string; ResponseURL?: string } = {},
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: PROPS.ServiceToken,
    ResponseURL: extra.ResponseURL ?? 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/orders/1',
    RequestId: 'req-1',
    LogicalResourceId: 'RedeployAfter',
    ResourceType: 'Custom::SharedApiStageRedeploy',
    ResourceProperties: { ...PROPS, ...props },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  const PhysicalResourceId = extra.PhysicalResourceId ?? 'old-id';
  if (requestType === 'Update') {
    return { ...base, RequestType: 'Update', PhysicalResourceId, OldResourceProperties: { ...PROPS } };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId };
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

/** The usual world: one older deployment on the stage; CreateDeployment returns `d-new`, the newest. */
function stubApi(deployments: Deployment[] = [{ id: 'd-old', createdDate: at(0) }]) {
  const all = [...deployments];
  api.on(CreateDeploymentCommand).callsFake(() => {
    const id = `d-new${all.filter((d) => d.id?.startsWith('d-new')).length || ''}`;
    all.push({ id, createdDate: at(30 + all.length) });
    return { id };
  });
  api.on(GetDeploymentsCommand).callsFake(() => ({ items: [...all] }));
  api.on(UpdateStageCommand).resolves({});
  api.on(GetResourcesCommand).resolves({
    items: [
      { id: 'r0', path: '/' },
      { id: 'r1', path: '/orders', resourceMethods: { GET: {}, POST: {} } },
      { id: 'r2', path: '/orders/{id}', resourceMethods: { GET: {} } },
      { id: 'r3', path: '/orders-v2', resourceMethods: { GET: {} } },
      { id: 'r4', path: '/payments/{id}', resourceMethods: { GET: {} } },
    ],
  });
  api.on(GetStageCommand).resolves({ methodSettings: {} });
  api.on(GetStagesCommand).resolves({ item: [{ stageName: 'dev', deploymentId: 'd-new' }] });
  api.on(DeleteDeploymentCommand).resolves({});
  return all;
}

function stageDeploymentTargets(): string[] {
  return api
    .commandCalls(UpdateStageCommand)
    .flatMap((c) => c.args[0].input.patchOperations ?? [])
    .filter((op) => op.path === '/deploymentId')
    .map((op) => op.value as string);
}

function throttleOperations(): PatchOperation[] {
  return api
    .commandCalls(UpdateStageCommand)
    .flatMap((c) => c.args[0].input.patchOperations ?? [])
    .filter((op) => op.path !== '/deploymentId');
}

beforeEach(() => {
  api.reset();
});

describe('phase after', () => {
  it('creates a deployment without moving the stage, described by service, phase and fingerprint', async () => {
    stubApi();
    const result = await onEvent(event('Create'), options());
    const [create] = api.commandCalls(CreateDeploymentCommand);
    expect(create.args[0].input).toEqual({
      restApiId: 'abc123',
      description: 'orders after Create routes fp1',
    });
    expect(result).toEqual({
      PhysicalResourceId: 'orders-after-abc123-dev',
      Data: { DeploymentId: 'd-new', StageDeploymentId: 'd-new', ThrottledMethods: '3' },
    });
  });

  it('points the stage at the newest deployment, not at the one it created, when the list is out of order', async () => {
    // GIVEN another service's deployment, created after ours, listed before it
    api.on(CreateDeploymentCommand).resolves({ id: 'd-mine' });
    api.on(GetDeploymentsCommand).resolves({
      items: [
        { id: 'd-other', createdDate: at(50) },
        { id: 'd-old', createdDate: at(0) },
        { id: 'd-mine', createdDate: at(40) },
      ],
    });
    api.on(UpdateStageCommand).resolves({});
    api.on(GetResourcesCommand).resolves({ items: [] });
    api.on(GetStageCommand).resolves({});
    api.on(GetStagesCommand).resolves({ item: [] });
    // WHEN
    const result = await onEvent(event('Create'), options());
    // THEN
    expect(stageDeploymentTargets()).toEqual(['d-other']);
    expect(result.Data).toMatchObject({ DeploymentId: 'd-mine', StageDeploymentId: 'd-other' });
  });

  it('points the stage again when a newer deployment appears after its first write', async () => {
    api.on(CreateDeploymentCommand).resolves({ id: 'd-mine' });
    const mine = { id: 'd-mine', createdDate: at(40) };
    const later = { id: 'd-later', createdDate: at(45) };
    api
      .on(GetDeploymentsCommand)
      .resolvesOnce({ items: [mine] })
      .resolves({ items: [mine, later] });
    api.on(UpdateStageCommand).resolves({});
    api.on(GetResourcesCommand).resolves({ items: [] });
    api.on(GetStageCommand).resolves({});
    api.on(GetStagesCommand).resolves({ item: [] });
    await onEvent(event('Create'), options());
    expect(stageDeploymentTargets()).toEqual(['d-mine', 'd-later']);
  });

  it('takes one more snapshot when two deployments tie for the newest second', async () => {
    // GIVEN API Gateway's createdDate has one-second resolution: ours and another tie
    const { clock, slept } = testClock();
    stubApi();
    api.on(CreateDeploymentCommand).resolvesOnce({ id: 'd-a' }).resolves({ id: 'd-b' });
    const tied = [
      { id: 'd-a', createdDate: at(40) },
      { id: 'd-x', createdDate: at(40) },
    ];
    api
      .on(GetDeploymentsCommand)
      .resolvesOnce({ items: tied })
      .resolves({ items: [...tied, { id: 'd-b', createdDate: at(41) }] });
    // WHEN
    await onEvent(event('Create'), options({ clock }));
    // THEN a second snapshot, strictly newer than both, goes on the stage
    expect(api.commandCalls(CreateDeploymentCommand)).toHaveLength(2);
    expect(slept[0]).toBeGreaterThanOrEqual(1_000);
    expect(stageDeploymentTargets()).toEqual(['d-b']);
  });

  it('redeploys on Update and keeps the same physical id, so CloudFormation never replaces it', async () => {
    stubApi();
    const result = await onEvent(
      event('Update', { RoutesFingerprint: 'fp2' }, { PhysicalResourceId: 'orders-after-abc123-dev' }),
      options(),
    );
    expect(result.PhysicalResourceId).toBe('orders-after-abc123-dev');
    expect(api.commandCalls(CreateDeploymentCommand)[0].args[0].input.description).toBe(
      'orders after Update routes fp2',
    );
    expect(stageDeploymentTargets()).toEqual(['d-new']);
  });

  it('does nothing on Delete: the methods still exist, the before resource redeploys once they are gone', async () => {
    const result = await onEvent(
      event('Delete', {}, { PhysicalResourceId: 'orders-after-abc123-dev' }),
      options(),
    );
    expect(result).toEqual({ PhysicalResourceId: 'orders-after-abc123-dev', Data: {} });
    expect(api.calls()).toHaveLength(0);
  });

  it('answers the same event twice with the same physical id and leaves the stage on the newest deployment', async () => {
    stubApi();
    const first = await onEvent(event('Create'), options());
    const second = await onEvent(event('Create'), options());
    expect(second.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(stageDeploymentTargets()).toEqual(['d-new', 'd-new1']);
    // the deployment the stage used before is never deleted
    expect(api.commandCalls(DeleteDeploymentCommand)).toHaveLength(0);
  });

  it('rejects a Create whose REST API does not exist, naming the API and the fix', async () => {
    api
      .on(CreateDeploymentCommand)
      .rejects(new NotFoundException({ message: 'Invalid API identifier', $metadata: {} }));
    await expect(onEvent(event('Create'), options())).rejects.toThrow(
      /REST API "abc123" or its stage "dev" does not exist \(Invalid API identifier\); read RestApiId and StageName from the contract parameters/,
    );
  });
});

describe('phase before', () => {
  const before = { Phase: 'before' };

  it('does nothing on Create, since no method exists yet, and derives its id from the fingerprint', async () => {
    const result = await onEvent(event('Create', before), options());
    expect(result).toEqual({ PhysicalResourceId: 'orders-before-abc123-dev-fp1', Data: {} });
    expect(api.calls()).toHaveLength(0);
  });

  it('returns a new physical id on Update when the routes fingerprint changed, without calling API Gateway', async () => {
    const result = await onEvent(
      event(
        'Update',
        { ...before, RoutesFingerprint: 'fp2' },
        { PhysicalResourceId: 'orders-before-abc123-dev-fp1' },
      ),
      options(),
    );
    expect(result.PhysicalResourceId).toBe('orders-before-abc123-dev-fp2');
    expect(api.calls()).toHaveLength(0);
  });

  it('keeps its physical id on Update when only the throttle changed', async () => {
    const result = await onEvent(
      event(
        'Update',
        { ...before, Throttle: '{"rateLimit":5,"burstLimit":10}' },
        { PhysicalResourceId: 'orders-before-abc123-dev-fp1' },
      ),
      options(),
    );
    expect(result.PhysicalResourceId).toBe('orders-before-abc123-dev-fp1');
  });

  it('redeploys on Delete, after the removed methods are gone', async () => {
    stubApi();
    const result = await onEvent(
      event('Delete', before, { PhysicalResourceId: 'orders-before-abc123-dev-fp1' }),
      options(),
    );
    expect(result.PhysicalResourceId).toBe('orders-before-abc123-dev-fp1');
    expect(api.commandCalls(CreateDeploymentCommand)[0].args[0].input.description).toBe(
      'orders before Delete routes fp1',
    );
    expect(stageDeploymentTargets()).toEqual(['d-new']);
  });

  it('succeeds on Delete when the REST API no longer exists, so stack deletion does not hang', async () => {
    api
      .on(CreateDeploymentCommand)
      .rejects(new NotFoundException({ message: 'Invalid API identifier', $metadata: {} }));
    const result = await onEvent(
      event('Delete', before, { PhysicalResourceId: 'orders-before-abc123-dev-fp1' }),
      options(),
    );
    expect(result).toEqual({ PhysicalResourceId: 'orders-before-abc123-dev-fp1', Data: {} });
  });

  it('succeeds on Delete when the stage no longer exists', async () => {
    stubApi();
    api
      .on(UpdateStageCommand)
      .rejects(new NotFoundException({ message: 'Invalid stage identifier', $metadata: {} }));
    const result = await onEvent(event('Delete', before, { PhysicalResourceId: 'p' }), options());
    expect(result.Data).toEqual({});
  });
});

describe('throttling by API Gateway', () => {
  it('retries CreateDeployment after TooManyRequests twice, backing off with full jitter', async () => {
    const { clock, slept } = testClock(0.5);
    stubApi();
    api
      .on(CreateDeploymentCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} }))
      .rejectsOnce(new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} }))
      .resolves({ id: 'd-new' });
    const result = await onEvent(event('Create'), options({ clock }));
    expect(api.commandCalls(CreateDeploymentCommand)).toHaveLength(3);
    // caps 5 s then 10 s, times the jitter 0.5
    expect(slept).toEqual([2_500, 5_000]);
    expect(result.Data.DeploymentId).toBe('d-new');
  });

  it('retries a ConflictException from a concurrent change to the stage', async () => {
    stubApi();
    api
      .on(UpdateStageCommand)
      .rejectsOnce(new ConflictException({ message: 'Conflict', $metadata: {} }))
      .resolves({});
    await onEvent(event('Create'), options());
    expect(stageDeploymentTargets()).toEqual(['d-new', 'd-new']);
  });

  it('fails with a clear error when throttling outlasts the attempt bound', async () => {
    stubApi();
    api
      .on(CreateDeploymentCommand)
      .rejects(new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} }));
    await expect(onEvent(event('Create'), options({ maxAttempts: 4 }))).rejects.toThrow(
      /^CreateDeployment on REST API abc123 failed after 4 attempts over \d+ s \(TooManyRequestsException: Too Many Requests\)\. API Gateway is throttling/,
    );
    expect(api.commandCalls(CreateDeploymentCommand)).toHaveLength(4);
  });

  it('fails before the Lambda timeout when the next wait would pass the deadline', async () => {
    // waits of 4.95 s then 9.9 s: the second would end after the 12 s deadline
    const { clock } = testClock(0.99);
    stubApi();
    api
      .on(CreateDeploymentCommand)
      .rejects(new TooManyRequestsException({ message: 'Too Many Requests', $metadata: {} }));
    await expect(
      onEvent(event('Create'), options({ clock, deadline: clock.now() + 12_000 })),
    ).rejects.toThrow(/failed after 2 attempts .* no time is left to retry before the Lambda timeout/);
  });

  it('does not retry other errors', async () => {
    stubApi();
    api.on(CreateDeploymentCommand).rejects(new Error('AccessDenied'));
    await expect(onEvent(event('Create'), options())).rejects.toThrow('AccessDenied');
    expect(api.commandCalls(CreateDeploymentCommand)).toHaveLength(1);
  });
});

describe('method throttling', () => {
  it('encodes "/" as "~1" (and "~" as "~0") in method setting paths', () => {
    expect(methodSettingPath({ path: '/orders/{id}', method: 'GET' })).toBe('/~1orders~1{id}/GET');
    expect(methodSettingPath({ path: '/a~b', method: 'PUT' })).toBe('/~1a~0b/PUT');
  });

  it("applies the service's throttle to every method under its base path, and only there", async () => {
    stubApi();
    await onEvent(event('Create'), options());
    expect(throttleOperations()).toEqual([
      { op: 'replace', path: '/~1orders/GET/throttling/rateLimit', value: '20' },
      { op: 'replace', path: '/~1orders/GET/throttling/burstLimit', value: '40' },
      { op: 'replace', path: '/~1orders/POST/throttling/rateLimit', value: '20' },
      { op: 'replace', path: '/~1orders/POST/throttling/burstLimit', value: '40' },
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/rateLimit', value: '20' },
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/burstLimit', value: '40' },
    ]);
  });

  it('walks every page of GetResources', async () => {
    stubApi();
    api
      .on(GetResourcesCommand)
      .resolvesOnce({
        items: [{ id: 'r1', path: '/orders', resourceMethods: { GET: {} } }],
        position: 'page-2',
      })
      .resolvesOnce({ items: [{ id: 'r2', path: '/orders/{id}/items', resourceMethods: { DELETE: {} } }] });
    await onEvent(event('Create'), options());
    const calls = api.commandCalls(GetResourcesCommand);
    expect(calls.map((c) => c.args[0].input.position)).toEqual([undefined, 'page-2']);
    expect(throttleOperations().map((op) => op.path)).toContain(
      '/~1orders~1{id}~1items/DELETE/throttling/rateLimit',
    );
  });

  it('copies the stage-wide logging and metrics into new per-method entries and sends only differences', async () => {
    stubApi();
    api.on(GetStageCommand).resolves({
      methodSettings: {
        '*/*': { metricsEnabled: true, loggingLevel: 'INFO', dataTraceEnabled: false },
        'orders/GET': {
          throttlingRateLimit: 20,
          throttlingBurstLimit: 40,
          metricsEnabled: true,
          loggingLevel: 'INFO',
          dataTraceEnabled: false,
        },
        'orders/POST': {
          throttlingRateLimit: 99,
          throttlingBurstLimit: 40,
          metricsEnabled: true,
          loggingLevel: 'INFO',
          dataTraceEnabled: false,
        },
      },
    });
    api.on(GetResourcesCommand).resolves({
      items: [
        { id: 'r1', path: '/orders', resourceMethods: { GET: {}, POST: {} } },
        { id: 'r2', path: '/orders/{id}', resourceMethods: { GET: {} } },
      ],
    });
    await onEvent(event('Create'), options());
    expect(throttleOperations()).toEqual([
      { op: 'replace', path: '/~1orders/POST/throttling/rateLimit', value: '20' },
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/rateLimit', value: '20' },
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/burstLimit', value: '40' },
      { op: 'replace', path: '/~1orders~1{id}/GET/metrics/enabled', value: 'true' },
      { op: 'replace', path: '/~1orders~1{id}/GET/logging/loglevel', value: 'INFO' },
      { op: 'replace', path: '/~1orders~1{id}/GET/logging/dataTrace', value: 'false' },
    ]);
  });

  it("removes settings of routes that no longer exist under the base path, not other services' settings", async () => {
    stubApi();
    api.on(GetStageCommand).resolves({
      methodSettings: {
        'orders/legacy/GET': { throttlingRateLimit: 20 },
        'orders-v2/GET': { throttlingRateLimit: 1 },
      },
    });
    await onEvent(event('Delete', { Phase: 'before' }, { PhysicalResourceId: 'p' }), options());
    expect(throttleOperations()).toContainEqual({ op: 'remove', path: '/~1orders~1legacy/GET' });
    expect(throttleOperations().filter((op) => op.op === 'remove')).toHaveLength(1);
  });
});

describe('deployment cleanup', () => {
  it('deletes deployments beyond the newest ten that no stage uses', async () => {
    const deployments = Array.from({ length: 13 }, (_, i) => ({ id: `d${i}`, createdDate: at(i) }));
    stubApi(deployments);
    api.on(GetStagesCommand).resolves({ item: [{ deploymentId: 'd-new' }, { deploymentId: 'd1' }] });
    await onEvent(event('Create'), options());
    // 14 deployments with d-new: d0..d3 are beyond the newest 10, and d1 is in use
    expect(api.commandCalls(DeleteDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([
      'd3',
      'd2',
      'd0',
    ]);
  });

  it('logs, never throws, when a deletion fails', async () => {
    const deployments = Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, createdDate: at(i) }));
    stubApi(deployments);
    api.on(DeleteDeploymentCommand).rejects(new Error('BadRequest'));
    await expect(onEvent(event('Create'), options())).resolves.toMatchObject({
      PhysicalResourceId: 'orders-after-abc123-dev',
    });
  });
});

describe('properties', () => {
  it('rejects invalid properties, listing every problem with the value received', async () => {
    await expect(
      onEvent(
        event('Create', { Phase: 'during', Throttle: '{"rateLimit":0}', BasePath: '/orders' }),
        options(),
      ),
    ).rejects.toThrow(
      /has 3 invalid properties:\n {2}BasePath: expected the base path without slashes .*, got "\/orders"\n {2}Phase: expected "before" or "after", got "during"\n {2}Throttle: expected JSON/,
    );
  });

  it('rejects a request for another REST API than the one the provider serves', async () => {
    await expect(onEvent(event('Create', { RestApiId: 'zzz999' }), options())).rejects.toThrow(
      /RestApiId: this provider serves REST API "abc123", got "zzz999"; read RestApiId, StageName and the service token from the same environment's contract parameters/,
    );
  });

  it('succeeds on Delete with unusable properties, calling nothing', async () => {
    const result = await onEvent(
      event('Delete', { Phase: 'during' }, { PhysicalResourceId: 'x' }),
      options(),
    );
    expect(result).toEqual({ PhysicalResourceId: 'x', Data: {} });
    expect(api.calls()).toHaveLength(0);
  });
});

describe('Lambda entry point', () => {
  let server: http.Server;
  let url: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) });
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?signature=x`;
  });
  afterAll(() => {
    server.close();
  });
  beforeEach(() => {
    received.length = 0;
  });
  const context = { getRemainingTimeInMillis: () => 300_000 };

  it('answers SUCCESS to the response URL with an empty content type, the physical id and the data', async () => {
    stubApi();
    await createHandler(options())(event('Create', {}, { ResponseURL: url }), context);
    expect(received).toHaveLength(1);
    expect(received[0].headers['content-type']).toBe('');
    expect(received[0].body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'orders-after-abc123-dev',
      RequestId: 'req-1',
      LogicalResourceId: 'RedeployAfter',
      Data: { StageDeploymentId: 'd-new' },
    });
  });

  it('answers FAILED with the reason when a Create fails, and ignores the rollback Delete of that resource', async () => {
    stubApi();
    api.on(CreateDeploymentCommand).rejects(new Error('AccessDenied'));
    const handle = createHandler(options());
    await handle(event('Create', {}, { ResponseURL: url }), context);
    expect(received[0].body).toMatchObject({
      Status: 'FAILED',
      Reason: 'AccessDenied',
      PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID,
    });
    api.reset();
    await handle(
      event(
        'Delete',
        { Phase: 'before' },
        { ResponseURL: url, PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID },
      ),
      context,
    );
    expect(received[1].body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID,
    });
    expect(api.calls()).toHaveLength(0);
  });
});
