import { describe, expect, it } from 'vitest';
import { serviceRegistration } from '../lib/registry';
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
