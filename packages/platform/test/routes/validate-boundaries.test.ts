import type { DeclaredRoute, ServiceRegistration } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { parseDeclaration, validateRoutes } from '../../functions/routes/validate';

// The edges of the receiver's validation that mutation testing (docs/mutation.md) found no test for:
// each case is a declaration a hostile or careless service could send, with the exact answer.

const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
const LOCATION = { region: 'eu-west-1', account: '123456789012' };
const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 50, burstLimit: 100 },
  allowedAuthorizations: ['jwt'],
  cachingAllowed: false,
};
const ORDERS_API: ServiceRegistration = { ...ORDERS, service: 'orders-api', basePath: 'orders-api' };
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';

function check(
  routes: Array<Partial<DeclaredRoute>>,
  options: {
    registration?: ServiceRegistration;
    registry?: ServiceRegistration[];
    location?: typeof LOCATION;
  } = {},
): string[] {
  const registration = options.registration ?? ORDERS;
  const registry = options.registry ?? [registration];
  return validateRoutes(
    SCOPE,
    options.location ?? LOCATION,
    registration,
    routes.map(
      (r) =>
        ({ method: 'GET', path: '/orders', functionArn: FN, authorization: 'jwt', ...r }) as DeclaredRoute,
    ),
    new Map(registry.map((s) => [s.service, s])),
  );
}

describe('validateRoutes: whose function', () => {
  it("rejects a function of a registered service whose name extends the declaring service's (orders / orders-api)", () => {
    // orders-api's functions start with orders' prefix shared-lambda-infra-dev-fn-orders-.
    const theirs = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-api-get';
    expect(check([{ functionArn: theirs }], { registry: [ORDERS, ORDERS_API] })).toEqual([
      `route "GET /orders" (routes[0]): functionArn "${theirs}" must name one of the service's functions (shared-lambda-infra-dev-fn-orders-*)`,
    ]);
  });

  it('accepts a function named like a longer service when no such service is registered', () => {
    const own = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-api-get';
    expect(check([{ functionArn: own }], { registry: [ORDERS] })).toEqual([]);
  });

  it('rejects a function of the service in another Region, and in another account', () => {
    const otherRegion = FN.replace('eu-west-1', 'us-east-1');
    const otherAccount = FN.replace('123456789012', '210987654321');
    expect(check([{ functionArn: otherRegion }, { path: '/orders/x', functionArn: otherAccount }])).toEqual([
      `route "GET /orders" (routes[0]): functionArn "${otherRegion}" must be in account 123456789012, Region eu-west-1 (the shared API's)`,
      `route "GET /orders/x" (routes[1]): functionArn "${otherAccount}" must be in account 123456789012, Region eu-west-1 (the shared API's)`,
    ]);
  });

  it('rejects a function ARN with text before or after it', () => {
    expect(check([{ functionArn: `x${FN}` }, { path: '/orders/x', functionArn: `${FN}/x` }])).toEqual([
      `route "GET /orders" (routes[0]): functionArn "x${FN}" is not a Lambda function ARN`,
      `route "GET /orders/x" (routes[1]): functionArn "${FN}/x" is not a Lambda function ARN`,
    ]);
  });

  it('accepts a function of the service in another partition (aws-cn)', () => {
    const china = { region: 'cn-north-1', account: '123456789012' };
    const arn = 'arn:aws-cn:lambda:cn-north-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';
    expect(check([{ functionArn: arn }], { location: china })).toEqual([]);
  });
});

describe('validateRoutes: methods and paths', () => {
  it('names the allowed methods for a method that is not one, other than OPTIONS', () => {
    expect(check([{ method: 'TRACE' as DeclaredRoute['method'] }])).toEqual([
      'route "TRACE /orders" (routes[0]): method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, ANY',
    ]);
  });

  it('rejects a path without the leading "/", and a segment with a space', () => {
    expect(check([{ path: 'orders' }, { path: '/orders/a b' }])).toEqual([
      'route "GET orders" (routes[0]): path must be "/" then segments of letters, digits, "._-" or a {variable}',
      'route "GET orders" (routes[0]): path must be /orders or below it (the base path the registry gives service "orders")',
      'route "GET /orders/a b" (routes[1]): path must be "/" then segments of letters, digits, "._-" or a {variable}',
    ]);
  });

  it('rejects a segment that only ends, or only starts, with allowed characters', () => {
    expect(check([{ path: '/orders/a%b' }, { path: '/orders/{id}x' }])).toEqual([
      'route "GET /orders/a%b" (routes[0]): path must be "/" then segments of letters, digits, "._-" or a {variable}',
      'route "GET /orders/{id}x" (routes[1]): path must be "/" then segments of letters, digits, "._-" or a {variable}',
    ]);
  });
});

describe('validateRoutes: caching, where the registry allows it', () => {
  const caching = { ...ORDERS, cachingAllowed: true };

  it('accepts a cache of 1 to 3,600 seconds', () => {
    expect(
      check(
        [
          { cache: { ttlSeconds: 1 } },
          { path: '/orders/a', cache: { ttlSeconds: 3600 } },
          { path: '/orders/b', cache: { ttlSeconds: 300 } },
        ],
        { registration: caching },
      ),
    ).toEqual([]);
  });

  it('rejects 0, 3,601 and a fraction of a second', () => {
    expect(
      check(
        [
          { cache: { ttlSeconds: 0 } },
          { path: '/orders/a', cache: { ttlSeconds: 3601 } },
          { path: '/orders/b', cache: { ttlSeconds: 1.5 } },
        ],
        { registration: caching },
      ),
    ).toEqual([
      'route "GET /orders" (routes[0]): cache.ttlSeconds must be an integer from 1 to 3600, got 0',
      'route "GET /orders/a" (routes[1]): cache.ttlSeconds must be an integer from 1 to 3600, got 3601',
      'route "GET /orders/b" (routes[2]): cache.ttlSeconds must be an integer from 1 to 3600, got 1.5',
    ]);
  });
});

describe('validateRoutes: path variables', () => {
  it('accepts the same variable name at the same position in two routes', () => {
    expect(check([{ path: '/orders/{id}' }, { path: '/orders/{id}/items' }])).toEqual([]);
  });

  it('keeps the positions of /orders/ab and /orders/a/b apart', () => {
    expect(check([{ path: '/orders/ab/{id}' }, { path: '/orders/a/b/{key}' }])).toEqual([]);
  });
});

describe('parseDeclaration: what is not a declaration', () => {
  it('rejects a Declaration that is not a string', () => {
    expect(parseDeclaration(42)).toEqual([
      'Declaration: expected the JSON of the route table, got no string',
    ]);
  });

  it('rejects a Declaration that is not JSON, quoting the parser', () => {
    const problems = parseDeclaration('{"version":1,');
    expect(problems).toHaveLength(1);
    expect((problems as string[])[0]).toMatch(/^Declaration: not JSON \(.+\)$/);
  });

  it('names every field of a route that is not an object', () => {
    expect(parseDeclaration('{"version":1,"routes":[null]}')).toEqual([
      'Declaration.routes[0].method: expected a string',
      'Declaration.routes[0].path: expected a string',
      'Declaration.routes[0].functionArn: expected a string',
      'Declaration.routes[0].authorization: expected a string',
    ]);
  });
});
