import { describe, expect, it } from 'vitest';
import {
  allParameters,
  type ContractParameter,
  ENVIRONMENTS,
  isServiceParameter,
  type NameScope,
  Parameters,
  type ServiceContractParameter,
} from '../src';

const scope: NameScope = { project: 'shared-lambda-infra', env: 'dev' };
const SEGMENT = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const PLATFORM_PATH = new RegExp(`^/(${SEGMENT})/(dev|staging|prod)/(${SEGMENT})/(${SEGMENT})$`);
const SERVICE_PATH = new RegExp(`^/(${SEGMENT})/(dev|staging|prod)/services/(${SEGMENT})/(${SEGMENT})$`);

function pathOf(p: ContractParameter | ServiceContractParameter, at: NameScope, service = 'orders'): string {
  // A platform entry also fits the per-service type (its path ignores the service), so narrow by hand.
  return isServiceParameter(p) ? p.path(at, service) : (p as ContractParameter).path(at);
}

describe('Parameters', () => {
  it.each(allParameters())(
    '%s has a path of the form /{project}/{env}/{component}/{attribute}',
    (_key, p) => {
      const path = pathOf(p, scope);
      const match = (isServiceParameter(p) ? SERVICE_PATH : PLATFORM_PATH).exec(path);

      expect(match).not.toBeNull();
      expect(match?.[1]).toBe(scope.project);
      expect(match?.[2]).toBe(scope.env);
      expect(path).toBe(
        `/${scope.project}/${scope.env}/${p.component.replace('{service}', 'orders')}/${p.attribute}`,
      );
    },
  );

  it.each(allParameters())('%s has a type, a producer and a description', (_key, p) => {
    expect(['String', 'StringList']).toContain(p.type);
    expect(['network', 'storage', 'iam', 'observability', 'api', 'github']).toContain(p.producer);
    expect(p.description.length).toBeGreaterThan(10);
  });

  it('gives every parameter its own path, in every environment', () => {
    for (const env of ENVIRONMENTS) {
      const paths = allParameters().map(([, p]) => pathOf(p, { ...scope, env }));

      expect(new Set(paths).size).toBe(paths.length);
    }
  });

  it('gives each service its own per-service paths', () => {
    const perService = allParameters().filter(([, p]) => isServiceParameter(p));
    const orders = perService.map(([, p]) => pathOf(p, scope, 'orders'));
    const shop = perService.map(([, p]) => pathOf(p, scope, 'shop'));

    expect(perService.length).toBeGreaterThan(0);
    for (const path of orders) expect(path).toContain('/services/orders/');
    for (const path of shop) expect(path).toContain('/services/shop/');
    expect(orders.filter((path) => shop.includes(path))).toEqual([]);
  });

  it('scopes paths by project and environment', () => {
    expect(Parameters.vpcId.path(scope)).toBe('/shared-lambda-infra/dev/network/vpc-id');
    expect(Parameters.vpcId.path({ project: 'other', env: 'prod' })).toBe('/other/prod/network/vpc-id');
    expect(Parameters.serviceBasePath.path(scope, 'orders')).toBe(
      '/shared-lambda-infra/dev/services/orders/base-path',
    );
  });

  it('rejects an invalid service name in a per-service path', () => {
    expect(() => Parameters.serviceBasePath.path(scope, 'Orders')).toThrow(
      'service name "Orders" is not valid',
    );
  });

  it('rejects an invalid project or environment in a path', () => {
    expect(() => Parameters.vpcId.path({ ...scope, project: 'Bad Project' })).toThrow(
      'project "Bad Project" is not valid',
    );
    expect(() => Parameters.vpcId.path({ ...scope, env: 'qa' as NameScope['env'] })).toThrow(
      'unknown environment "qa"',
    );
  });
});
