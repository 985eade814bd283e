import { ACCESS_LOG_FIELDS } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { accessLogLine, clfTime } from '../../src/dev/access-log';

const ARRIVED = new Date(Date.UTC(2026, 11, 7, 3, 4, 5));

describe('accessLogLine', () => {
  it("has exactly the stage's access log fields, in their order, then basePath", () => {
    const line = accessLogLine({
      requestId: 'r-1',
      sourceIp: '127.0.0.1',
      httpMethod: 'GET',
      resourcePath: '/orders/{id}',
      status: 200,
      protocol: 'HTTP/1.1',
      responseLength: 42,
      responseLatencyMs: 12,
      integrationLatencyMs: 9,
      principalId: 'user-1',
      time: ARRIVED,
    });
    expect(Object.keys(line)).toEqual([...Object.keys(ACCESS_LOG_FIELDS), 'basePath']);
    expect(line).toEqual({
      requestId: 'r-1',
      extendedRequestId: 'r-1',
      ip: '127.0.0.1',
      caller: '-',
      user: '-',
      principalId: 'user-1',
      requestTime: '07/Dec/2026:03:04:05 +0000',
      httpMethod: 'GET',
      resourcePath: '/orders/{id}',
      status: '200',
      protocol: 'HTTP/1.1',
      responseLength: '42',
      responseLatency: '12',
      integrationLatency: '9',
      authorizerError: '-',
      errorType: '-',
      basePath: 'orders',
    });
  });

  it('writes - for what API Gateway would not know: no resource, no integration', () => {
    const line = accessLogLine({
      requestId: 'r-2',
      sourceIp: '10.0.0.1',
      httpMethod: 'GET',
      status: 403,
      protocol: 'HTTP/1.1',
      responseLength: 42,
      responseLatencyMs: 1,
      error: 'missingAuthenticationToken',
      time: ARRIVED,
    });
    expect(line).toMatchObject({
      resourcePath: '-',
      integrationLatency: '-',
      errorType: 'MISSING_AUTHENTICATION_TOKEN',
      basePath: '-',
    });
  });

  it("logs an authorizer's denial as ACCESS_DENIED with its reason, as the per-service metrics count it", () => {
    const line = accessLogLine({
      requestId: 'r-3',
      sourceIp: '10.0.0.1',
      httpMethod: 'POST',
      resourcePath: '/orders',
      status: 403,
      protocol: 'HTTP/1.1',
      responseLength: 80,
      responseLatencyMs: 3,
      error: 'accessDenied',
      authorizerError: 'token expired',
      time: ARRIVED,
    });
    expect(line).toMatchObject({
      errorType: 'ACCESS_DENIED',
      authorizerError: 'token expired',
      basePath: 'orders',
    });
  });
});

describe('clfTime', () => {
  it('formats the request time as API Gateway does, in UTC', () => {
    expect(clfTime(new Date(Date.UTC(2026, 0, 9, 23, 0, 59)))).toBe('09/Jan/2026:23:00:59 +0000');
  });
});
