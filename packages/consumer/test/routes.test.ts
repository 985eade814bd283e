import { describe, expect, it } from 'vitest';
import { assertUnderBasePath, parseRoute, RouteTable } from '../src/private/routes';

function table(...routes: string[]): RouteTable {
  const t = new RouteTable();
  for (const route of routes) t.add({ parsed: parseRoute(route), authorization: 'jwt', target: 'Fn' });
  return t;
}

describe('parseRoute', () => {
  it('splits a route into method, path and segments', () => {
    expect(parseRoute('GET /orders/{id}')).toMatchObject({
      method: 'GET',
      path: '/orders/{id}',
      segments: ['orders', '{id}'],
    });
  });

  it('accepts a greedy variable as the last segment', () => {
    expect(parseRoute('ANY /orders/{proxy+}').segments).toEqual(['orders', '{proxy+}']);
  });

  it('rejects a route without a method', () => {
    expect(() => parseRoute('/orders')).toThrow('route "/orders" is malformed: expected "METHOD /path"');
  });

  it('rejects an unknown method and lists the known ones', () => {
    expect(() => parseRoute('FETCH /orders')).toThrow(
      'route "FETCH /orders" has an unknown method "FETCH": use one of GET, POST, PUT, PATCH, DELETE, HEAD, ANY',
    );
  });

  it('rejects a lowercase method', () => {
    expect(() => parseRoute('get /orders')).toThrow('unknown method "get"');
  });

  it('rejects OPTIONS, which the shared CORS preflight answers', () => {
    expect(() => parseRoute('OPTIONS /orders')).toThrow('OPTIONS is answered by the shared CORS preflight');
  });

  it('rejects a greedy variable before the last segment', () => {
    expect(() => parseRoute('GET /orders/{proxy+}/items')).toThrow(
      'route "GET /orders/{proxy+}/items" has an invalid path: segment 2 "{proxy+}": a greedy {name+} may only be the last segment',
    );
  });

  it('rejects characters API Gateway does not allow in a path', () => {
    expect(() => parseRoute('GET /orders/a b')).toThrow('is malformed');
    expect(() => parseRoute('GET /orders/{id')).toThrow('invalid path: segment 2 "{id"');
  });

  it('rejects "." and ".." segments and a variable twice in one path, as the receiver does', () => {
    expect(() => parseRoute('GET /orders/../admin')).toThrow(
      'route "GET /orders/../admin" has an invalid path: segment 2 "..": "." and ".." are removed from URLs by clients and proxies (RFC 3986)',
    );
    expect(() => parseRoute('GET /orders/./x')).toThrow('segment 2 ".": "." and ".."');
    expect(() => parseRoute('GET /orders/{id}/items/{id}')).toThrow(
      'segment 4 "{id}": path variable "id" appears twice in the path',
    );
  });
});

describe('assertUnderBasePath', () => {
  it('accepts the base path itself and paths below it', () => {
    expect(() => assertUnderBasePath(parseRoute('GET /orders'), 'orders', 'orders')).not.toThrow();
    expect(() => assertUnderBasePath(parseRoute('GET /orders/{id}'), 'orders', 'orders')).not.toThrow();
  });

  it('rejects a path that only starts with the same letters', () => {
    expect(() => assertUnderBasePath(parseRoute('GET /ordersx'), 'orders', 'orders')).toThrow(
      'route "GET /ordersx" is outside the base path of service "orders": its routes must start with "/orders"',
    );
  });
});

describe('RouteTable', () => {
  it('rejects the same method and path twice', () => {
    expect(() => table('GET /orders', 'GET /orders/')).toThrow('route "GET /orders/" is defined twice');
  });

  it('rejects differently named variables at the same level', () => {
    expect(() => table('GET /orders/{id}', 'DELETE /orders/{orderId}')).toThrow(
      'route "DELETE /orders/{orderId}" uses "{orderId}" where "GET /orders/{id}" uses "{id}": API Gateway allows one variable per level under /orders',
    );
  });

  it('rejects ANY next to a specific method on the same path', () => {
    expect(() => table('ANY /orders', 'GET /orders')).toThrow('overlaps "ANY /orders"');
  });

  it('accepts the same variable name on different methods and deeper paths', () => {
    expect(table('GET /orders/{id}', 'DELETE /orders/{id}', 'GET /orders/{id}/items').routes).toHaveLength(3);
  });
});
