import type { DeclaredRoute, ServiceRegistration } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { parseDeclaration, validateDeclaration, validateRoutes } from '../../functions/routes/validate';

const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
const LOCATION = { region: 'eu-west-1', account: '123456789012' };
const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 50, burstLimit: 100 },
  allowedAuthorizations: ['jwt'],
  cachingAllowed: false,
  resourceBudget: 10,
};
const REGISTRY = new Map([['orders', ORDERS]]);
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';

function check(...routes: Array<Partial<DeclaredRoute>>): string[] {
  return validateRoutes(
    SCOPE,
    LOCATION,
    ORDERS,
    routes.map(
      (r) =>
        ({ method: 'GET', path: '/orders', functionArn: FN, authorization: 'jwt', ...r }) as DeclaredRoute,
    ),
    REGISTRY,
  );
}

describe('validateRoutes', () => {
  it("accepts routes under the base path with the service's functions, an alias included", () => {
    expect(check({ path: '/orders' }, { path: '/orders/{id}/{rest+}', functionArn: `${FN}:live` })).toEqual(
      [],
    );
  });

  it('rejects OPTIONS, which the platform answers', () => {
    expect(check({ method: 'OPTIONS' as DeclaredRoute['method'] })).toEqual([
      "Declaration.routes[0].method: OPTIONS is the platform's: it answers every preflight from the platform CORS policy; remove the route",
    ]);
  });

  it('rejects a duplicate route', () => {
    expect(check({}, {})).toEqual(['route "GET /orders" (routes[1]): declared more than once']);
  });

  it('rejects a greedy variable before the last segment and a path under another base path', () => {
    expect(check({ path: '/orders/{all+}/x' })).toEqual([
      'Declaration.routes[0].path: segment 2 "{all+}": a greedy {name+} may only be the last segment',
    ]);
    expect(check({ path: '/ordersx' })).toEqual([
      'route "GET /ordersx" (routes[0]): path must be /orders or below it (the base path the registry gives service "orders")',
    ]);
  });

  it('rejects two variable names at the same position', () => {
    expect(check({ path: '/orders/{id}' }, { path: '/orders/{orderId}/items' })).toEqual([
      'route "GET /orders/{orderId}/items": path variable {orderId} conflicts with {id} of route "GET /orders/{id}" under /orders (API Gateway allows one variable name per position)',
    ]);
  });

  it('rejects a cache when the registry does not allow caching', () => {
    expect(check({ cache: { ttlSeconds: 60 } })).toEqual([
      'route "GET /orders" (routes[0]): cache is not allowed for service "orders" (the environment has no stage cache)',
    ]);
  });

  it('accepts a cached GET when the registry allows caching, and refuses a cached POST', () => {
    const caching: ServiceRegistration = { ...ORDERS, cachingAllowed: true };
    const cached = (method: DeclaredRoute['method']) =>
      validateRoutes(
        SCOPE,
        LOCATION,
        caching,
        [{ method, path: '/orders', functionArn: FN, authorization: 'jwt', cache: { ttlSeconds: 60 } }],
        new Map([['orders', caching]]),
      );
    expect(cached('GET')).toEqual([]);
    expect(cached('POST')).toEqual([
      'route "POST /orders" (routes[0]): only GET routes may be cached, not POST',
    ]);
  });

  it('finds no conflict between fixed segments, nor between routes that use one variable name', () => {
    expect(check({ path: '/orders/open' }, { path: '/orders/closed' }, { path: '/orders' })).toEqual([]);
    expect(check({ path: '/orders/{id}' }, { path: '/orders/{id}/items' })).toEqual([]);
    // Different positions whose segments spell the same text run together.
    expect(check({ path: '/orders/ab/{id}' }, { path: '/orders/a/b/{key}' })).toEqual([]);
  });

  it('rejects something that is not a function ARN', () => {
    expect(check({ functionArn: 'arn:aws:iam::123456789012:role/x' })).toEqual([
      'Declaration.routes[0].functionArn: must be a Lambda function ARN (arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]), got "arn:aws:iam::123456789012:role/x"',
    ]);
  });
});

describe('parseDeclaration', () => {
  it('names the fields a malformed declaration gets wrong', () => {
    expect(parseDeclaration('{"version":1,"routes":[{"method":"GET"}]}')).toEqual([
      'Declaration.routes[0].path: expected string, got nothing',
      'Declaration.routes[0].functionArn: expected string, got nothing',
      'Declaration.routes[0].authorization: expected "jwt", "none", "iam", got nothing',
    ]);
    expect(parseDeclaration('{"version":2,"routes":[]}')).toEqual(['Declaration.version: expected 1, got 2']);
  });
});

describe('the resource budget', () => {
  const routes = [
    { method: 'GET', path: '/orders', functionArn: FN, authorization: 'jwt' },
    { method: 'GET', path: '/orders/{id}', functionArn: FN, authorization: 'jwt' },
  ] as const;
  const small = { ...ORDERS, resourceBudget: 1 };

  it('refuses a new declaration over it', () => {
    expect(
      validateDeclaration(SCOPE, LOCATION, small, JSON.stringify({ version: 1, routes }), REGISTRY).problems,
    ).toEqual([
      'the routes need 2 API Gateway resources (distinct paths), more than the budget of 1 the registry gives service "orders" (services[].resourceBudget): declare fewer distinct paths, or ask the platform team for a larger budget',
    ]);
  });

  it('never takes a stored table off the stage when the budget shrank (the reconciler re-checks with validateRoutes)', () => {
    expect(validateRoutes(SCOPE, LOCATION, small, routes, REGISTRY)).toEqual([]);
  });
});

describe('validateRoutes: whose function (edges mutation testing found untested)', () => {
  const ORDERS_API: ServiceRegistration = { ...ORDERS, service: 'orders-api', basePath: 'orders-api' };
  const withRegistry = (registry: ServiceRegistration[], functionArn: string, location = LOCATION) =>
    validateRoutes(
      SCOPE,
      location,
      ORDERS,
      [{ method: 'GET', path: '/orders', functionArn, authorization: 'jwt' } as DeclaredRoute],
      new Map(registry.map((s) => [s.service, s])),
    );

  it('rejects a function ARN with text before it, and with text after it', () => {
    // The contract's declaration schema refuses both before the receiver's own ARN check runs.
    const refused = [
      expect.stringMatching(
        /^Declaration\.routes\[0\]\.functionArn: must be a Lambda function ARN \(arn:\{partition\}:lambda:/,
      ),
    ];
    expect(withRegistry([ORDERS], `x${FN}`)).toEqual(refused);
    expect(withRegistry([ORDERS], `${FN}:live:extra`)).toEqual(refused);
  });

  it("rejects a function of a registered service whose name extends the declaring service's (orders / orders-api)", () => {
    const theirs = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-api-get';
    expect(withRegistry([ORDERS, ORDERS_API], theirs)).toEqual([
      `route "GET /orders" (routes[0]): functionArn "${theirs}" must name one of the service's functions (shared-lambda-infra-dev-fn-orders-*)`,
    ]);
  });

  it('accepts a function named like a longer service while no such service is registered', () => {
    const own = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-api-get';
    expect(withRegistry([ORDERS], own)).toEqual([]);
  });

  it("rejects a function in another account or another Region than the shared API's", () => {
    const elsewhere = (arn: string) => [
      `route "GET /orders" (routes[0]): functionArn "${arn}" must be in account 123456789012, Region eu-west-1 (the shared API's)`,
    ];
    const otherAccount =
      'arn:aws:lambda:eu-west-1:999999999999:function:shared-lambda-infra-dev-fn-orders-get';
    const otherRegion =
      'arn:aws:lambda:us-east-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';
    expect(withRegistry([ORDERS], otherAccount)).toEqual(elsewhere(otherAccount));
    expect(withRegistry([ORDERS], otherRegion)).toEqual(elsewhere(otherRegion));
  });

  it('accepts a function in another partition where the shared API runs (aws-cn)', () => {
    const china = 'arn:aws-cn:lambda:cn-north-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';
    expect(withRegistry([ORDERS], china, { region: 'cn-north-1', account: '123456789012' })).toEqual([]);
  });
});
