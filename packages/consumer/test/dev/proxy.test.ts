import { describe, expect, it } from 'vitest';
import {
  decodesBinaryResponse,
  MalformedResult,
  matchRoute,
  proxyEvent,
  proxyResponse,
} from '../../src/dev/proxy';

const ROUTES = [
  { method: 'GET', path: '/orders' },
  { method: 'POST', path: '/orders' },
  { method: 'GET', path: '/orders/{id}' },
  { method: 'GET', path: '/orders/search' },
  { method: 'ANY', path: '/orders/files/{proxy+}' },
];

describe('matchRoute', () => {
  it('prefers a literal segment over a variable at the same level', () => {
    const match = matchRoute(ROUTES, 'GET', '/orders/search');
    expect(match).toEqual({
      kind: 'route',
      route: { method: 'GET', path: '/orders/search' },
      pathParameters: null,
    });
  });

  it('binds a variable segment, decoded', () => {
    const match = matchRoute(ROUTES, 'GET', '/orders/a%20b');
    expect(match).toEqual({ kind: 'route', route: ROUTES[2], pathParameters: { id: 'a b' } });
  });

  it('binds the rest of the path to a greedy variable, for any method through ANY', () => {
    const match = matchRoute(ROUTES, 'DELETE', '/orders/files/2026/11/a.pdf');
    expect(match).toEqual({ kind: 'route', route: ROUTES[4], pathParameters: { proxy: '2026/11/a.pdf' } });
  });

  it('finds nothing for a method the resource does not declare', () => {
    expect(matchRoute(ROUTES, 'DELETE', '/orders/123')).toEqual({ kind: 'none' });
  });

  it('finds nothing for a path no route has', () => {
    expect(matchRoute(ROUTES, 'GET', '/payments')).toEqual({ kind: 'none' });
    expect(matchRoute(ROUTES, 'GET', '/orders/1/2')).toEqual({ kind: 'none' });
  });

  it('answers OPTIONS on a routed resource as the preflight', () => {
    expect(matchRoute(ROUTES, 'OPTIONS', '/orders/123')).toEqual({
      kind: 'preflight',
      resource: '/orders/{id}',
    });
  });
});

describe('proxyEvent', () => {
  const context = {
    resource: '/orders',
    pathParameters: null,
    stage: 'dev',
    requestId: 'req-1',
    accountId: '000000000000',
    apiId: 'local',
    binaryMediaTypes: ['image/*'],
  };

  it('base64-encodes the body of a binary media type', () => {
    const event = proxyEvent(
      {
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'image/png' },
        rawHeaders: ['Content-Type', 'image/png'],
        body: Buffer.from([0xff, 0x00, 0x01]),
        sourceIp: '127.0.0.1',
      },
      context,
    );
    expect(event.body).toBe('/wAB');
    expect(event.isBase64Encoded).toBe(true);
  });

  it('keeps every value of a repeated header in multiValueHeaders and the last in headers', () => {
    const event = proxyEvent(
      {
        method: 'GET',
        url: '/orders',
        headers: {},
        rawHeaders: ['X-Tag', 'a', 'X-Tag', 'b'],
        body: Buffer.alloc(0),
        sourceIp: '127.0.0.1',
      },
      context,
    );
    expect(event.headers).toEqual({ 'X-Tag': 'b' });
    expect(event.multiValueHeaders).toEqual({ 'X-Tag': ['a', 'b'] });
    expect(event.queryStringParameters).toBeNull();
    expect(event.body).toBeNull();
  });
});

describe('proxyResponse', () => {
  it('maps statusCode, headers, multiValueHeaders and a base64 body', () => {
    const response = proxyResponse(
      JSON.stringify({
        statusCode: 201,
        headers: { 'X-One': '1' },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: 'aGk=',
        isBase64Encoded: true,
      }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'X-One': ['1'], 'Set-Cookie': ['a=1', 'b=2'] });
    expect(response.body.toString()).toBe('hi');
  });

  it('passes a base64 body through as text when the request is not for a binary type, as API Gateway does', () => {
    const response = proxyResponse(
      JSON.stringify({ statusCode: 200, body: 'aGk=', isBase64Encoded: true }),
      false,
    );
    expect(response.body.toString()).toBe('aGk=');
  });

  it.each([
    ['the first Accept type is a binary type', 'image/png, */*;q=0.8', ['image/png'], true],
    ['it matches a wildcard subtype', 'image/webp', ['image/*'], true],
    ['only a later Accept type is binary', 'text/html, image/png', ['image/png'], false],
    ['the Accept type has parameters and another case', 'Application/PDF; q=1', ['application/pdf'], true],
    ['the API lists */*', 'text/html', ['*/*'], true],
    ['there is no Accept header and the API lists */*', undefined, ['*/*'], true],
    ['there is no Accept header', undefined, ['image/png'], false],
    ['the API has no binary media type', 'image/png', [], false],
    ['curl asks for anything (Accept: */*)', '*/*', ['image/png'], false],
    ['the API lists a type in capitals', 'image/png', ['Image/PNG'], true],
  ])('decodes a base64 result when %s: %s', (_, accept, types, decoded) => {
    expect(decodesBinaryResponse(accept, types)).toBe(decoded);
  });

  it.each([
    ['a result that is not an object', '"ok"', 'the result is string "ok"'],
    ['no result at all', null, 'the result is null'],
    [
      'a key API Gateway does not accept',
      '{"statusCode":200,"status":"ok"}',
      'keys API Gateway does not accept: status',
    ],
    ['no statusCode', '{"body":"x"}', 'statusCode must be an integer HTTP status, got missing'],
    [
      'a statusCode that is a string',
      '{"statusCode":"200"}',
      'statusCode must be an integer HTTP status, got string',
    ],
    ['a body that is an object', '{"statusCode":200,"body":{"a":1}}', 'body must be a string'],
    ['a header that is an object', '{"statusCode":200,"headers":{"X":{}}}', 'headers.X must be a string'],
  ])('rejects %s as malformed (API Gateway answers 502)', (_, payload, message) => {
    expect(() => proxyResponse(payload)).toThrow(MalformedResult);
    expect(() => proxyResponse(payload)).toThrow(message);
  });
});
