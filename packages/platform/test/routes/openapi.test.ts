import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { settingOperations, staleSettings } from '../../functions/routes/apply';
import type { PlatformSettings } from '../../functions/routes/interface';
import { composeApi, resourcesOf } from '../../functions/routes/openapi';

const ORDERS: ServiceRegistration = {
  service: 'orders',
  basePath: 'orders',
  throttle: { rateLimit: 50, burstLimit: 100 },
  allowedAuthorizations: ['jwt', 'iam'],
  cachingAllowed: true,
  resourceBudget: 10,
};
const FN = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-orders-get';
const AUTHORIZER = 'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-authorizer';

const SETTINGS: PlatformSettings = {
  version: 1,
  restApiId: 'abc123',
  stageName: 'dev',
  region: 'eu-west-1',
  account: '123456789012',
  apiName: 'shared',
  cors: {
    allowOrigins: ['https://app.example.com'],
    allowMethods: ['GET'],
    allowHeaders: ['Authorization'],
    allowCredentials: true,
    maxAgeSeconds: 600,
  },
  jwtAuthorizer: { functionArn: AUTHORIZER, identityHeader: 'Authorization', resultsCacheTtlSeconds: 300 },
  routes: [
    {
      method: 'GET',
      path: '/health',
      authorization: 'none',
      integration: { type: 'mock', statusCode: 200, body: '{}' },
    },
  ],
  caching: { enabled: true, encrypted: false },
  throttle: { rateLimit: 100, burstLimit: 200 },
};

describe('composeApi', () => {
  const composed = composeApi(SETTINGS, [
    {
      registration: ORDERS,
      routes: [
        {
          method: 'GET',
          path: '/orders/{id}',
          functionArn: FN,
          authorization: 'jwt',
          cache: { ttlSeconds: 60, queryKeys: ['page'] },
        },
      ],
    },
  ]);
  const paths = composed.body.paths as Record<string, Record<string, Record<string, unknown>>>;

  it('gives a cached route a Lambda proxy integration whose cache key holds the Authorization header, path and query', () => {
    expect(paths['/orders/{id}'].get).toEqual({
      parameters: [
        { name: 'id', in: 'path', required: true, type: 'string' },
        { name: 'Authorization', in: 'header', required: false, type: 'string' },
        { name: 'page', in: 'query', required: false, type: 'string' },
      ],
      responses: {},
      security: [{ jwt: [] }],
      'x-amazon-apigateway-integration': {
        type: 'aws_proxy',
        httpMethod: 'POST',
        uri: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${FN}/invocations`,
        passthroughBehavior: 'when_no_match',
        cacheKeyParameters: [
          'method.request.header.Authorization',
          'method.request.path.id',
          'method.request.querystring.page',
        ],
        cacheNamespace: '/orders/{id}',
      },
    });
  });

  it("answers every routed resource's preflight from the platform CORS policy", () => {
    expect(Object.keys(paths)).toEqual(['/health', '/orders/{id}']);
    const integration = paths['/health'].options['x-amazon-apigateway-integration'] as {
      responses: { default: { responseParameters: Record<string, string> } };
    };
    expect(integration.responses.default.responseParameters).toEqual({
      'method.response.header.Access-Control-Allow-Origin': "'https://app.example.com'",
      'method.response.header.Access-Control-Allow-Methods': "'GET'",
      'method.response.header.Access-Control-Allow-Headers': "'Authorization'",
      'method.response.header.Access-Control-Max-Age': "'600'",
      'method.response.header.Access-Control-Allow-Credentials': "'true'",
    });
  });

  it('declares the JWT authorizer, SigV4 and the CORS gateway responses', () => {
    expect(composed.body.securityDefinitions).toEqual({
      sigv4: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authtype': 'awsSigv4',
      },
      jwt: {
        type: 'apiKey',
        name: 'Authorization',
        in: 'header',
        'x-amazon-apigateway-authtype': 'custom',
        'x-amazon-apigateway-authorizer': {
          type: 'token',
          authorizerUri: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${AUTHORIZER}/invocations`,
          authorizerResultTtlInSeconds: 300,
        },
      },
    });
    expect(Object.keys(composed.body['x-amazon-apigateway-gateway-responses'] as object)).toEqual([
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]);
  });

  it('lists the per-method settings of service routes with the registry throttle and the cache', () => {
    expect(composed.methodSettings).toEqual([
      {
        path: '/orders/{id}',
        method: 'GET',
        throttle: { rateLimit: 50, burstLimit: 100 },
        cacheTtlSeconds: 60,
        cacheEncrypted: false,
      },
    ]);
    expect(composed.resources).toEqual(['/', '/health', '/orders', '/orders/{id}']);
  });

  it('drops route caching when the stage has no cache cluster', () => {
    const off = composeApi({ ...SETTINGS, caching: { enabled: false, encrypted: true } }, [
      {
        registration: ORDERS,
        routes: [
          {
            method: 'GET',
            path: '/orders',
            functionArn: FN,
            authorization: 'jwt',
            cache: { ttlSeconds: 60 },
          },
        ],
      },
    ]);
    expect(off.methodSettings).toEqual([
      { path: '/orders', method: 'GET', throttle: { rateLimit: 50, burstLimit: 100 } },
    ]);
  });

  it('gives no preflight and no gateway responses when CORS is off', () => {
    const off = composeApi({ ...SETTINGS, cors: undefined }, []);
    expect(off.body.paths).toEqual({ '/health': { get: expect.any(Object) } });
    expect(off.body['x-amazon-apigateway-gateway-responses']).toBeUndefined();
  });
});

describe('resourcesOf', () => {
  it('counts every prefix of every path once, and the root', () => {
    expect(resourcesOf(['/a/b/{c}', '/a/d'])).toEqual(['/', '/a', '/a/b', '/a/b/{c}', '/a/d']);
  });
});

describe('stage method settings', () => {
  const desired = [
    {
      path: '/orders/{id}',
      method: 'GET',
      throttle: { rateLimit: 5, burstLimit: 10 },
      cacheTtlSeconds: 30,
      cacheEncrypted: true,
    },
  ];

  it('copies the stage-wide values into a new per-method entry and sets throttling and caching', () => {
    expect(settingOperations({ '*/*': { metricsEnabled: true, loggingLevel: 'INFO' } }, desired)).toEqual([
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/rateLimit', value: '5' },
      { op: 'replace', path: '/~1orders~1{id}/GET/throttling/burstLimit', value: '10' },
      { op: 'replace', path: '/~1orders~1{id}/GET/metrics/enabled', value: 'true' },
      { op: 'replace', path: '/~1orders~1{id}/GET/logging/loglevel', value: 'INFO' },
      { op: 'replace', path: '/~1orders~1{id}/GET/caching/enabled', value: 'true' },
      { op: 'replace', path: '/~1orders~1{id}/GET/caching/ttlInSeconds', value: '30' },
      { op: 'replace', path: '/~1orders~1{id}/GET/caching/dataEncrypted', value: 'true' },
      {
        op: 'replace',
        path: '/~1orders~1{id}/GET/caching/requireAuthorizationForCacheControl',
        value: 'true',
      },
    ]);
  });

  it('sends nothing for an entry that already matches', () => {
    const current = {
      'orders/{id}/GET': {
        throttlingRateLimit: 5,
        throttlingBurstLimit: 10,
        cachingEnabled: true,
        cacheTtlInSeconds: 30,
        cacheDataEncrypted: true,
        requireAuthorizationForCacheControl: true,
      },
    };
    expect(settingOperations(current, desired)).toEqual([]);
  });

  it('removes entries of methods no route has, never the stage-wide one', () => {
    expect(staleSettings({ '*/*': {}, 'orders/GET': {}, 'orders/{id}/GET': {} }, desired)).toEqual([
      { op: 'remove', path: '/~1orders/GET' },
    ]);
  });
});
