import { describe, expect, it } from 'vitest';
import { resourceBudget, serviceRegistration } from '../lib/registry';
import { configFor } from './helpers/synth';

const orders = { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' };

describe('serviceRegistration', () => {
  it('takes the throttle override, the API authorizer, dev public routes and no caching from config/dev.yaml', () => {
    const config = configFor('dev');
    expect(serviceRegistration(config, config.services[0])).toEqual({
      service: 'orders',
      basePath: 'orders',
      throttle: { rateLimit: 20, burstLimit: 40 },
      allowedAuthorizations: ['jwt', 'none', 'iam'],
      cachingAllowed: false,
      resourceBudget: 298,
    });
  });

  it('allows caching once the stage has a cache cluster', () => {
    const config = configFor('dev', { api: { cache: { sizeGb: '0.5' } } });
    expect(serviceRegistration(config, config.services[0]).cachingAllowed).toBe(true);
  });

  it('falls back to api.throttle and allows no jwt route without an authorizer', () => {
    const config = configFor('dev', { api: { authorizer: undefined }, services: [orders] });
    expect(serviceRegistration(config, config.services[0])).toMatchObject({
      throttle: { rateLimit: 50, burstLimit: 100 },
      allowedAuthorizations: ['none', 'iam'],
    });
  });

  it.each([
    ['staging', undefined, ['jwt', 'iam']],
    ['prod', undefined, ['jwt', 'iam']],
    ['prod', true, ['jwt', 'none', 'iam']],
    ['dev', false, ['jwt', 'iam']],
  ] as const)('in %s with allowPublicRoutes %s allows %j', (env, allowPublicRoutes, expected) => {
    const config = configFor(env, {
      services: [{ ...orders, allowPublicRoutes, repositoryOwnerId: 1, repositoryId: 2 }],
    });
    expect(serviceRegistration(config, config.services[0]).allowedAuthorizations).toEqual(expected);
  });
});

describe('resourceBudget', () => {
  const svc = (name: string, budget?: number) => ({
    name,
    repository: `acme/${name}`,
    basePath: name,
    ...(budget === undefined ? {} : { resourceBudget: budget }),
  });

  it("gives each service an even share of the quota left after the platform's / and /health, rounded down", () => {
    const config = configFor('dev', { services: [svc('orders'), svc('payments'), svc('stock')] });
    // (300 - 2) / 3 = 99.33
    expect(config.services.map((s) => resourceBudget(config, s))).toEqual([99, 99, 99]);
  });

  it('takes a per-service override, and shares what is left among the others', () => {
    const config = configFor('dev', {
      api: { quotas: { resourcesPerApi: 100 } },
      services: [svc('orders', 50), svc('payments'), svc('stock')],
    });
    // orders 50; (100 - 2 - 50) / 2 = 24 for each of the others
    expect(config.services.map((s) => resourceBudget(config, s))).toEqual([50, 24, 24]);
    expect(serviceRegistration(config, config.services[1]).resourceBudget).toBe(24);
  });
});
