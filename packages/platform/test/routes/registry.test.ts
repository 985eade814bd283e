import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { loadRegistry, RegistrationReader } from '../../functions/routes/registry';
import { ApiGatewayModel } from '../models/apigateway';
import { clients, FifoQueueModel, ParameterStoreModel, TableModel } from '../models/aws';
import { VirtualClock } from '../models/clock';
import { memoryLog } from '../models/world';

function ssmWith(parameters: Record<string, string>): SSMClient {
  const clock = new VirtualClock(0);
  const ssm = new ParameterStoreModel();
  for (const [k, v] of Object.entries(parameters)) ssm.parameters.set(k, v);
  return clients({
    apigateway: new ApiGatewayModel(clock, 'a', 'b'),
    table: new TableModel(),
    queue: new FifoQueueModel(clock, 1, 1),
    ssm,
  }).ssm;
}

const ORDERS = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 5, burstLimit: 10 },
  allowedAuthorizations: ['jwt'],
  cachingAllowed: false,
  resourceBudget: 10,
};

describe('loadRegistry', () => {
  it('reads every registration, skips the other per-service parameters', async () => {
    const ssm = ssmWith({
      '/shared-lambda-infra/dev/services/orders/registration': JSON.stringify(ORDERS),
      '/shared-lambda-infra/dev/services/orders/base-path': 'orders',
      '/shared-lambda-infra/prod/services/payments/registration': JSON.stringify({
        ...ORDERS,
        service: 'payments',
      }),
    });
    const registry = await loadRegistry(ssm, { project: 'shared-lambda-infra', env: 'dev' }, memoryLog());
    expect([...registry.keys()]).toEqual(['orders']);
    expect(registry.get('orders')?.throttle).toEqual({ rateLimit: 5, burstLimit: 10 });
  });

  it('treats a registration that names another service, or has no throttle, as not registered, and logs why', async () => {
    const log = memoryLog();
    const ssm = ssmWith({
      '/shared-lambda-infra/dev/services/orders/registration': JSON.stringify({
        ...ORDERS,
        service: 'payments',
      }),
      '/shared-lambda-infra/dev/services/stock/registration': JSON.stringify({
        ...ORDERS,
        service: 'stock',
        throttle: undefined,
      }),
    });
    const registry = await loadRegistry(ssm, { project: 'shared-lambda-infra', env: 'dev' }, log);
    expect(registry.size).toBe(0);
    expect(log.lines.map((l) => JSON.parse(l.slice(l.indexOf('{'))).problem)).toEqual([
      '"service" is "payments", expected "orders"',
      '"throttle" needs rateLimit > 0 and burstLimit >= 0',
    ]);
  });
});

describe('RegistrationReader', () => {
  const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
  function world(parameters: number) {
    const clock = new VirtualClock(0);
    const ssm = new ParameterStoreModel(clock);
    for (let i = 0; i < parameters; i++) {
      const service = `svc${String(i).padStart(3, '0')}`;
      ssm.parameters.set(
        `/shared-lambda-infra/dev/services/${service}/registration`,
        JSON.stringify({ ...ORDERS, service, basePath: service }),
      );
    }
    const sdk = clients({
      apigateway: new ApiGatewayModel(clock, 'a', 'b'),
      table: new TableModel(),
      queue: new FifoQueueModel(clock, 1, 1),
      ssm,
    });
    return { clock, ssm, reader: new RegistrationReader(sdk.ssm, SCOPE, memoryLog(), clock) };
  }

  it('reads one service of 1,000 registered with one GetParameters call, and answers from its cache for a minute', async () => {
    const { clock, ssm, reader } = world(1000);
    const first = await reader.read(['svc500', 'svc500-list'], clock.now() + 10_000);
    expect([...first.keys()]).toEqual(['svc500']);
    await reader.read(['svc500'], clock.now() + 10_000);
    expect(ssm.faults.calls).toEqual({ GetParameters: 1 });
    await clock.runUntil(clock.spawn(() => clock.sleep(61_000)));
    await reader.read(['svc500'], clock.now() + 10_000);
    expect(ssm.faults.calls).toEqual({ GetParameters: 2 });
  });

  it('waits out Parameter Store throttling with backoff within the deadline', async () => {
    const { clock, ssm, reader } = world(3);
    ssm.faults.throttledUntil = 2_000;
    const read = clock.spawn(() => reader.read(['svc001'], 20_000));
    const found = await clock.runUntil(read);
    expect([...found.keys()]).toEqual(['svc001']);
    expect(ssm.faults.throttled.GetParameters).toBeGreaterThan(1);
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
  });

  it('fails with the throttling error once the deadline leaves no time for another try', async () => {
    const { clock, ssm, reader } = world(3);
    ssm.faults.throttledUntil = 60_000;
    const read = clock.spawn(() => reader.read(['svc001'], 5_000));
    await expect(clock.runUntil(read)).rejects.toThrow('Rate exceeded');
    expect(clock.now()).toBeLessThanOrEqual(5_000);
  });
});
