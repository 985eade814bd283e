import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { invariantProblems, servedState } from './models/invariant';
import { fnArn, platformSettings, route, World } from './models/world';

/**
 * Shared API v2 scenarios: the real receiver and reconciler against models of API Gateway,
 * CloudFormation, DynamoDB, SQS and SSM on a virtual clock. Each scenario ends by asserting the
 * invariant (models/invariant.ts).
 */

let world: World;
const registry = new Map<string, ServiceRegistration>();

async function setUp(services: string[] = ['orders'], overrides: Record<string, Partial<ServiceRegistration>> = {}) {
  world = await new World().start();
  registry.clear();
  for (const s of services) registry.set(s, world.register(s, overrides[s]));
  const [platform] = await world.run(() => world.deployPlatform());
  expect(platform).toBe('CREATE_COMPLETE');
  return world;
}

function expectInvariant() {
  expect(invariantProblems(world, registry)).toEqual([]);
}

function stackEvents(name: string): string[] {
  return world.cfn.stacks.get(`shared-lambda-infra-dev-${name}`)?.events ?? [];
}

afterEach(async () => {
  await world?.stop();
});

const ORDERS_V1 = [route('GET', '/orders', 'list'), route('GET', '/orders/{id}', 'get')];

describe('lifecycle', () => {
  it('one add: a new service stack completes once its routes are live', async () => {
    await setUp();
    const [status] = await world.run(() => world.deployService('orders', ORDERS_V1));
    expect(status).toBe('CREATE_COMPLETE');
    expect(servedState(world).methods).toEqual([
      'GET /health -> mock (NONE)',
      `GET /orders -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'list')}/invocations (CUSTOM)`,
      `GET /orders/{id} -> arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${fnArn('orders', 'get')}/invocations (CUSTOM)`,
    ]);
    expect(servedState(world).throttles).toEqual({
      'orders/GET': { rate: 50, burst: 100 },
      'orders/{id}/GET': { rate: 50, burst: 100 },
    });
    expectInvariant();
  });
});
