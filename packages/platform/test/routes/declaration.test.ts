import {
  parseRoutesDeclaration,
  ROUTE_AUTHORIZATIONS,
  ROUTE_METHODS,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDeclaration } from '../../functions/routes/validate';

/**
 * The declaration check is total: any value whatsoever is either a well-typed declaration or refused
 * with a message naming the field. Crafted hostile values for every field (each with the message a
 * service team reads), then properties over arbitrary JSON.
 */

const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
const LOCATION = { region: 'eu-west-1', account: '123456789012' };
const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 50, burstLimit: 100 },
  allowedAuthorizations: ['jwt', 'iam'],
  cachingAllowed: true,
  resourceBudget: 20,
};
const REGISTRY = new Map([['orders', ORDERS]]);
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';
const ROUTE = { method: 'GET', path: '/orders', functionArn: FN, authorization: 'jwt' };

/** A declaration with `route` as its one route. */
const one = (route: Record<string, unknown>) =>
  JSON.stringify({ version: 1, routes: [{ ...ROUTE, ...route }] });

function problemsOf(raw: unknown): readonly string[] {
  const result = validateDeclaration(SCOPE, LOCATION, ORDERS, raw, REGISTRY);
  return result.problems;
}

const ANY_METHOD = 'expected "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY"';
const SEGMENT_RULE =
  'use 1-128 letters, digits and "._-", a {variable} or a greedy {proxy+} as the last segment';
const ARN_RULE =
  'must be a Lambda function ARN (arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}])';

describe('hostile values, field by field', () => {
  it.each([
    // the property itself
    ['Declaration a number', 5, 'Declaration: expected the JSON text of the route table, got 5'],
    [
      'Declaration an object',
      { version: 1 },
      'Declaration: expected the JSON text of the route table, got {"version":1}',
    ],
    [
      'Declaration not JSON',
      '{',
      "Declaration: not JSON (Expected property name or '}' in JSON at position 1)",
    ],
    [
      'Declaration over 100,000 characters',
      ' '.repeat(100_001),
      'Declaration: 100001 characters, more than 100000: split the service or declare fewer routes',
    ],
    [
      'a __proto__ key',
      '{"version":1,"routes":[],"__proto__":{"polluted":1}}',
      'Declaration: unknown field "__proto__"',
    ],
    [
      'a field of its own (basePath)',
      JSON.stringify({ version: 1, routes: [], basePath: 'payments' }),
      'Declaration: unknown field "basePath"',
    ],
    // version
    ['version 2', JSON.stringify({ version: 2, routes: [] }), 'Declaration.version: expected 1, got 2'],
    ['version "1"', JSON.stringify({ version: '1', routes: [] }), 'Declaration.version: expected 1, got "1"'],
    // routes
    [
      'routes an object',
      JSON.stringify({ version: 1, routes: {} }),
      'Declaration.routes: expected array, got {}',
    ],
    [
      'a route null',
      JSON.stringify({ version: 1, routes: [null] }),
      'Declaration.routes[0]: expected object, got null',
    ],
    [
      'a route with an integration of its own',
      one({ integration: { type: 'HTTP', uri: 'https://x' } }),
      'Declaration.routes[0]: unknown field "integration"',
    ],
    // method
    [
      'method OPTIONS',
      one({ method: 'OPTIONS' }),
      "Declaration.routes[0].method: OPTIONS is the platform's: it answers every preflight from the platform CORS policy; remove the route",
    ],
    ['method lowercase', one({ method: 'get' }), `Declaration.routes[0].method: ${ANY_METHOD}, got "get"`],
    ['method a number', one({ method: 5 }), `Declaration.routes[0].method: ${ANY_METHOD}, got 5`],
    // path: API Gateway's rules
    [
      'path with "."',
      one({ path: '/orders/./x' }),
      'Declaration.routes[0].path: segment 2 ".": "." and ".." are removed from URLs by clients and proxies (RFC 3986)',
    ],
    [
      'path with ".."',
      one({ path: '/orders/../payments' }),
      'Declaration.routes[0].path: segment 2 "..": "." and ".." are removed from URLs by clients and proxies (RFC 3986)',
    ],
    [
      'a path variable twice',
      one({ path: '/orders/{id}/items/{id}' }),
      'Declaration.routes[0].path: segment 4 "{id}": path variable "id" appears twice in the path',
    ],
    [
      'a greedy variable before the end',
      one({ path: '/orders/{all+}/x' }),
      'Declaration.routes[0].path: segment 2 "{all+}": a greedy {name+} may only be the last segment',
    ],
    [
      'an empty segment',
      one({ path: '/orders//x' }),
      'Declaration.routes[0].path: segment 2 "": empty (a "//" or a trailing "/")',
    ],
    [
      'a trailing slash',
      one({ path: '/orders/' }),
      'Declaration.routes[0].path: segment 2 "": empty (a "//" or a trailing "/")',
    ],
    ['a relative path', one({ path: 'orders' }), 'Declaration.routes[0].path: must start with "/"'],
    ['a space', one({ path: '/orders/a b' }), `Declaration.routes[0].path: segment 2 "a b": ${SEGMENT_RULE}`],
    [
      'percent-encoded dots',
      one({ path: '/orders/%2e%2e' }),
      `Declaration.routes[0].path: segment 2 "%2e%2e": ${SEGMENT_RULE}`,
    ],
    [
      'a variable with "-"',
      one({ path: '/orders/{a-b}' }),
      `Declaration.routes[0].path: segment 2 "{a-b}": ${SEGMENT_RULE}`,
    ],
    [
      'a non-ASCII letter',
      one({ path: '/orders/é' }),
      `Declaration.routes[0].path: segment 2 "é": ${SEGMENT_RULE}`,
    ],
    [
      'a path over 1,000 characters',
      one({ path: `/orders/${'a'.repeat(1000)}` }),
      'Declaration.routes[0].path: is 1008 characters long, more than 1000',
    ],
    [
      'path a list',
      one({ path: ['/orders'] }),
      'Declaration.routes[0].path: expected string, got ["/orders"]',
    ],
    // functionArn
    ['functionArn empty', one({ functionArn: '' }), `Declaration.routes[0].functionArn: ${ARN_RULE}, got ""`],
    [
      'functionArn an unresolved reference',
      one({ functionArn: { 'Fn::GetAtt': ['X', 'Arn'] } }),
      'Declaration.routes[0].functionArn: expected string, got {"Fn::GetAtt":["X","Arn"]}',
    ],
    [
      'functionArn with a 300-character qualifier',
      one({ functionArn: `${FN}:${'a'.repeat(300)}` }),
      `Declaration.routes[0].functionArn: ${ARN_RULE}, got "arn:aws:lambda:eu-west-1:123456789012:function:shared-la...`,
    ],
    // authorization
    [
      'authorization NONE',
      one({ authorization: 'NONE' }),
      'Declaration.routes[0].authorization: expected "jwt", "none", "iam", got "NONE"',
    ],
    [
      'authorization null',
      one({ authorization: null }),
      'Declaration.routes[0].authorization: expected "jwt", "none", "iam", got null',
    ],
    // cache
    ['cache a string', one({ cache: '60' }), 'Declaration.routes[0].cache: expected object, got "60"'],
    [
      'cache.ttlSeconds 0',
      one({ cache: { ttlSeconds: 0 } }),
      'Declaration.routes[0].cache.ttlSeconds: at least 1, got 0',
    ],
    [
      'cache.ttlSeconds 3601',
      one({ cache: { ttlSeconds: 3601 } }),
      'Declaration.routes[0].cache.ttlSeconds: at most 3600, got 3601',
    ],
    [
      'cache.ttlSeconds 1.5',
      one({ cache: { ttlSeconds: 1.5 } }),
      'Declaration.routes[0].cache.ttlSeconds: expected a whole number, got 1.5',
    ],
    [
      'cache.ttlSeconds "60"',
      one({ cache: { ttlSeconds: '60' } }),
      'Declaration.routes[0].cache.ttlSeconds: expected number, got "60"',
    ],
    [
      'cache.queryKeys a string (froze every reconcile before)',
      one({ cache: { ttlSeconds: 60, queryKeys: 'page' } }),
      'Declaration.routes[0].cache.queryKeys: expected array, got "page"',
    ],
    [
      'cache.queryKeys a number',
      one({ cache: { ttlSeconds: 60, queryKeys: [5] } }),
      'Declaration.routes[0].cache.queryKeys[0]: expected string, got 5',
    ],
    [
      'cache.queryKeys a name with a space',
      one({ cache: { ttlSeconds: 60, queryKeys: ['a b'] } }),
      'Declaration.routes[0].cache.queryKeys[0]: must be a query string name of 1-128 letters, digits and "._~-", got "a b"',
    ],
    [
      'cache.queryKeys a name twice',
      one({ cache: { ttlSeconds: 60, queryKeys: ['a', 'a'] } }),
      'Declaration.routes[0].cache.queryKeys: lists a name twice',
    ],
    [
      'cache.queryKeys 21 names',
      one({ cache: { ttlSeconds: 60, queryKeys: Array.from({ length: 21 }, (_, i) => `k${i}`) } }),
      'Declaration.routes[0].cache.queryKeys: at most 20 items, got ["k0","k1","k2","k3","k4","k5","k6","k7","k8","k9","k10",...',
    ],
    [
      'a cache field of its own',
      one({ cache: { ttlSeconds: 60, headers: ['X-Evil'] } }),
      'Declaration.routes[0].cache: unknown field "headers"',
    ],
    [
      'a cached POST',
      one({ method: 'POST', cache: { ttlSeconds: 60 } }),
      'route "POST /orders" (routes[0]): only GET routes may be cached, not POST',
    ],
  ])('%s: refused, naming the field', (_, raw, message) => {
    expect(problemsOf(raw)).toEqual([message]);
  });

  it('does not pollute prototypes while parsing', () => {
    problemsOf('{"version":1,"routes":[{"__proto__":{"polluted":true}}]}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('properties', () => {
  const valid = fc.record({
    method: fc.constantFrom(...ROUTE_METHODS),
    path: fc
      .array(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), { maxLength: 2 })
      .map((parts) => `/orders${parts.map((p) => `/${p}`).join('')}`),
    functionArn: fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((n) => `${FN.replace(/get$/, '')}${n}`),
    authorization: fc.constantFrom('jwt', 'iam'),
  });

  it('accepts every table built by the rules (unique method and path), unchanged', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(valid, { maxLength: 5, selector: (r) => `${r.method} ${r.path}` }),
        (routes) => {
          const result = validateDeclaration(
            SCOPE,
            LOCATION,
            ORDERS,
            JSON.stringify({ version: 1, routes }),
            REGISTRY,
          );
          expect(result.problems).toEqual([]);
          expect(result.declaration?.routes).toEqual(routes);
        },
      ),
    );
  });

  it('never throws on any JSON value, and answers either a declaration or problems naming a field', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const raw = JSON.stringify(value);
        const result = validateDeclaration(SCOPE, LOCATION, ORDERS, raw, REGISTRY);
        if (result.declaration) {
          expect(result.problems).toEqual([]);
        } else {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const p of result.problems) expect(p).toMatch(/^(Declaration[.[:]|route ")/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any value put in place of one field of a valid route unless the field allows it, naming that field', () => {
    const fields = {
      method: (v: unknown) => (ROUTE_METHODS as readonly unknown[]).includes(v),
      authorization: (v: unknown) => v === 'jwt' || v === 'iam',
      path: (v: unknown) => v === '/orders',
      functionArn: (v: unknown) => v === FN,
      cache: (v: unknown) => v === undefined,
    } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(fields) as Array<keyof typeof fields>)),
        fc.jsonValue(),
        (field, value) => {
          const raw = one({ [field]: value });
          const problems = problemsOf(raw);
          if (fields[field](value)) {
            expect(problems).toEqual([]);
          } else {
            expect(problems.length).toBeGreaterThan(0);
            // Every problem names the route or the field; none names another service.
            for (const p of problems) expect(p).toMatch(/^(Declaration\.routes\[0\]|route ")/);
            expect(problems.join('\n')).not.toMatch(/payments/);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('reads authorization types and methods from the contract lists the checks use', () => {
    // The oracle above names the registration's own allowed types; the contract lists all three.
    expect(ROUTE_AUTHORIZATIONS).toEqual(['jwt', 'none', 'iam']);
  });

  it('parses the same text the same way every time (no hidden state)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const raw = JSON.stringify({ version: 1, routes: [value] });
        expect(parseRoutesDeclaration(raw)).toEqual(parseRoutesDeclaration(raw));
      }),
      { numRuns: 100 },
    );
  });
});
