import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { vi } from 'vitest';

/** The bearer token every test request carries; no log line may contain it. */
export const BEARER_TOKEN =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJ1c2VyLTEyMyIsImF1ZCI6Im9yZGVycy1hcGkifQ.c2lnbmF0dXJl';

/** The caller the authorizer vouches for. */
export const CALLER = 'user-123';

/** Options of {@link apiEvent}. */
export interface EventOptions {
  readonly method: 'GET' | 'POST';
  /** API Gateway resource template, e.g. `/orders/{id}`. */
  readonly resource: string;
  /** Concrete path, e.g. `/orders/6f1c…`. @default resource */
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string> | undefined;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean | undefined;
  /** `sub` in the authorizer context; `null` for an event without authorizer context. @default CALLER */
  readonly sub?: string | null | undefined;
  readonly headers?: Record<string, string>;
  readonly requestId?: string;
}

/**
 * A REST API Lambda proxy event as API Gateway sends it for a route behind the shared Lambda
 * authorizer (the authorizer's context appears under `requestContext.authorizer`).
 */
export function apiEvent(options: EventOptions): APIGatewayProxyEvent {
  const path = options.path ?? options.resource;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: `Bearer ${BEARER_TOKEN}`,
    Host: 'abc123def4.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...(options.body ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  const sub = options.sub === undefined ? CALLER : options.sub;
  return {
    resource: options.resource,
    path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query
      ? Object.fromEntries(Object.entries(options.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123def4',
      authorizer: sub === null ? undefined : { principalId: sub, sub, integrationLatency: 41 },
      domainName: 'abc123def4.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123def4',
      extendedRequestId: 'Ek7yAFmDjoEFXYw=',
      httpMethod: options.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: `/dev${path}`,
      protocol: 'HTTP/1.1',
      requestId: options.requestId ?? 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1_767_225_600_000,
      resourceId: 'x1y2z3',
      resourcePath: options.resource,
      stage: 'dev',
    },
  };
}

/** The Lambda context of one invocation. */
export function lambdaContext(awsRequestId = '3f1d7c2e-1111-4a4a-9b9b-0123456789ab'): Context {
  return {
    awsRequestId,
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'shared-lambda-infra-dev-fn-orders-list',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-list',
    logGroupName: '/aws/lambda/shared-lambda-infra-dev-fn-orders-list',
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Captures what the Powertools logger writes: it writes JSON lines to process.stdout and
 * process.stderr directly, not through `console`. Undone by `vi.restoreAllMocks()`.
 */
export function captureLogs(): { text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const record = (chunk: unknown): boolean => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(record);
  vi.spyOn(process.stderr, 'write').mockImplementation(record);
  const text = () => chunks.join('');
  return {
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
