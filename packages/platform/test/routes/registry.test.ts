import type { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../functions/routes/registry';
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
