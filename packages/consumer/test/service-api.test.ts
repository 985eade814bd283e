import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceApi, ServiceFunction, ServiceStack } from '../src';
import { HANDLER, parameterRef, templateOf, testApp } from './helpers';

const PREFIX = '/shared-lambda-infra/dev';

type Fns = Record<'list' | 'get' | 'create', ServiceFunction>;

function build(routes: (api: ServiceApi, fns: Fns) => void): {
  template: Template;
  api: ServiceApi;
  fns: Fns;
} {
  const stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
  const fns = {
    list: new ServiceFunction(stack, 'ListOrders', { entry: HANDLER }),
    get: new ServiceFunction(stack, 'GetOrder', { entry: HANDLER }),
    create: new ServiceFunction(stack, 'CreateOrder', { entry: HANDLER }),
  };
  const api = new ServiceApi(stack, 'Api');
  routes(api, fns);
  return { template: templateOf(stack), api, fns };
}

/** The `Declaration` property, with the function ARNs' `Fn::GetAtt` turned back into JSON values. */
function declarationOf(template: Template): { version: number; routes: Array<Record<string, unknown>> } {
  const [resource] = Object.values(template.findResources('Custom::SharedApiRoutes')) as Array<{
    Properties: { Declaration: unknown };
  }>;
  const declaration = resource.Properties.Declaration as { 'Fn::Join': [string, unknown[]] } | string;
  if (typeof declaration === 'string') return JSON.parse(declaration);
  // Fn::Join of literal JSON pieces and Fn::GetAtt tokens: stand each token in as "<logicalId>".
  const text = declaration['Fn::Join'][1]
    .map((part) =>
      typeof part === 'string' ? part : `<${(part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]}>`,
    )
    .join('');
  return JSON.parse(text);
}

describe('ServiceApi', () => {
  let template: Template;
  let api: ServiceApi;
  let fns: Fns;

  beforeAll(() => {
    ({ template, api, fns } = build((a, f) => {
      a.addRoute('GET /orders', f.list);
      a.addRoute('GET /orders/{id}', f.get, { cache: { ttlSeconds: 60 } });
      a.addRoute('POST /orders', f.create, { authorization: 'none' });
      a.addRoute('DELETE /orders/{id}', f.get, { authorization: 'iam' });
    }));
  });

  it('creates no API Gateway resource at all', () => {
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    expect(types.filter((t) => t.startsWith('AWS::ApiGateway::'))).toEqual([]);
    expect(types).not.toContain('Custom::SharedApiStageRedeploy');
  });

  it('declares the whole route table in one Custom::SharedApiRoutes resource', () => {
    template.resourceCountIs('Custom::SharedApiRoutes', 1);
    const getOrder = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('GetOrder'),
    );
    const listOrders = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('ListOrders'),
    );
    const createOrder = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('CreateOrder'),
    );
    expect(declarationOf(template)).toEqual({
      version: 1,
      routes: [
        { method: 'GET', path: '/orders', functionArn: `<${listOrders}>`, authorization: 'jwt' },
        { method: 'POST', path: '/orders', functionArn: `<${createOrder}>`, authorization: 'none' },
        { method: 'DELETE', path: '/orders/{id}', functionArn: `<${getOrder}>`, authorization: 'iam' },
        {
          method: 'GET',
          path: '/orders/{id}',
          functionArn: `<${getOrder}>`,
          authorization: 'jwt',
          cache: { ttlSeconds: 60 },
        },
      ],
    });
  });

  it("uses the platform's routes receiver as service token, with a 900 s service timeout", () => {
    template.hasResourceProperties('Custom::SharedApiRoutes', {
      ServiceToken: parameterRef(template, `${PREFIX}/api/routes-service-token`),
      ServiceTimeout: '900',
    });
  });

  it('exposes the routes it declared, with their handlers, for local development', () => {
    expect(api.routes.map((r) => [r.route, r.handler, r.authorization, r.cache])).toEqual([
      ['GET /orders', fns.list, 'jwt', undefined],
      ['GET /orders/{id}', fns.get, 'jwt', { ttlSeconds: 60 }],
      ['POST /orders', fns.create, 'none', undefined],
      ['DELETE /orders/{id}', fns.get, 'iam', undefined],
    ]);
    expect(api.routes[1]).toMatchObject({ method: 'GET', path: '/orders/{id}' });
  });

  it('scopes each Lambda permission to this API, stage, method and path', () => {
    const sourceArn = (path: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          parameterRef(template, `${PREFIX}/api/rest-api-id`),
          '/',
          parameterRef(template, `${PREFIX}/api/stage-name`),
          path,
        ],
      ],
    });
    template.resourceCountIs('AWS::Lambda::Permission', 4);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GetOrder'), 'Arn'] },
      SourceArn: sourceArn('/GET/orders/*'),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GetOrder'), 'Arn'] },
      SourceArn: sourceArn('/DELETE/orders/*'),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: sourceArn('/GET/orders') });
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: sourceArn('/POST/orders') });
  });

  it('asserts at deploy time that the base path matches the one the platform registered', () => {
    const rules = template.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    const basePathRule = Object.entries(rules).find(([id]) => id.startsWith('ApiBasePathRule'));
    expect(basePathRule?.[1].Assertions[0].Assert).toEqual({
      'Fn::Equals': [parameterRef(template, `${PREFIX}/services/orders/base-path`), 'orders'],
    });
  });
});

describe('ServiceApi declaration', () => {
  it('is the same JSON whatever order the routes are added in', () => {
    const a = build((api, f) => {
      api.addRoute('GET /orders', f.list);
      api.addRoute('POST /orders', f.create);
    });
    const b = build((api, f) => {
      api.addRoute('POST /orders', f.create);
      api.addRoute('GET /orders', f.list);
    });
    expect(declarationOf(a.template)).toEqual(declarationOf(b.template));
  });

  it('declares an empty table when no route is added, so the platform removes them all', () => {
    const { template } = build(() => {});
    expect(declarationOf(template)).toEqual({ version: 1, routes: [] });
  });
});

describe('ServiceApi failures', () => {
  function api(props?: { basePath?: string }): { api: ServiceApi; fn: ServiceFunction } {
    const stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
    return {
      api: new ServiceApi(stack, 'Api', props),
      fn: new ServiceFunction(stack, 'Fn', { entry: HANDLER }),
    };
  }

  it("rejects a stack other than the service's routes stack", () => {
    const stack = new ServiceStack(testApp(), 'Jobs', {
      service: 'orders',
      env: 'dev',
      stackIdentifier: 'jobs',
    });
    expect(() => new ServiceApi(stack, 'Api')).toThrow(
      'ServiceApi Jobs/Api is in stack "shared-lambda-infra-dev-orders-jobs", but the platform accepts the routes of service "orders" only from its routes stack "shared-lambda-infra-dev-orders-api"',
    );
  });

  it("rejects another service's function at synth: the receiver would refuse it", () => {
    const { api: a } = api();
    const payments = lambda.Function.fromFunctionArn(
      Stack.of(a),
      'Payments',
      'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-payments-pay',
    );
    expect(() => a.addRoute('GET /orders', payments)).toThrow(
      'route "GET /orders" targets function "shared-lambda-infra-dev-fn-payments-pay", which is not one of the functions of service "orders" (named shared-lambda-infra-dev-fn-orders-*, as ServiceFunction names them): the platform refuses a route to another service\'s function; route to a ServiceFunction of this service',
    );
  });

  it("rejects a function whose name CloudFormation generates (never the service's prefix)", () => {
    const { api: a } = api();
    const plain = new lambda.Function(Stack.of(a), 'Plain', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    expect(() => a.addRoute('GET /orders', plain)).toThrow(
      'route "GET /orders" targets Orders/Plain, whose name CloudFormation will generate from the stack name',
    );
  });

  it('leaves a name known only at deploy time to the receiver, and accepts a named function of its own', () => {
    const { api: a } = api();
    const stack = Stack.of(a);
    const name = new CfnParameter(stack, 'FnName').valueAsString;
    const deployTime = lambda.Function.fromFunctionName(stack, 'DeployTime', name);
    expect(() => a.addRoute('GET /orders', deployTime)).not.toThrow();
    const own = lambda.Function.fromFunctionName(stack, 'Own', 'shared-lambda-infra-dev-fn-orders-own');
    expect(() => a.addRoute('GET /orders/{id}', own)).not.toThrow();
  });

  it('rejects a route outside the base path', () => {
    const { api: a, fn } = api();
    expect(() => a.addRoute('GET /customers', fn)).toThrow(
      'route "GET /customers" is outside the base path of service "orders": its routes must start with "/orders"',
    );
  });

  it('checks routes against a base path given as a prop', () => {
    const { api: a, fn } = api({ basePath: 'shop-orders' });
    expect(() => a.addRoute('GET /orders', fn)).toThrow('its routes must start with "/shop-orders"');
    expect(() => a.addRoute('GET /shop-orders', fn)).not.toThrow();
  });

  it('rejects a base path with slashes', () => {
    expect(() => api({ basePath: '/orders' })).toThrow(
      'base path "/orders" is not valid: write the one segment registered for the service, without slashes',
    );
  });

  it('rejects a malformed route and an unknown method', () => {
    const { api: a, fn } = api();
    expect(() => a.addRoute('GET orders', fn)).toThrow('route "GET orders" is malformed');
    expect(() => a.addRoute('FETCH /orders', fn)).toThrow('unknown method "FETCH"');
  });

  it('rejects a route defined twice', () => {
    const { api: a, fn } = api();
    a.addRoute('GET /orders', fn);
    expect(() => a.addRoute('GET /orders', fn)).toThrow('route "GET /orders" is defined twice');
  });

  it('rejects sibling path variables with different names', () => {
    const { api: a, fn } = api();
    a.addRoute('GET /orders/{id}', fn);
    expect(() => a.addRoute('PUT /orders/{orderId}', fn)).toThrow(
      'API Gateway allows one variable per level under /orders',
    );
  });

  it('rejects an unknown authorization', () => {
    const { api: a, fn } = api();
    expect(() => a.addRoute('GET /orders', fn, { authorization: 'cognito' as 'jwt' })).toThrow(
      "authorization \"cognito\" is not known: use 'jwt' (the default), 'none' or 'iam'",
    );
  });

  it('rejects a cache on a method other than GET', () => {
    const { api: a, fn } = api();
    expect(() => a.addRoute('POST /orders', fn, { cache: { ttlSeconds: 60 } })).toThrow(
      'route "POST /orders" asks for a cache, but only GET routes may be cached',
    );
  });

  it('rejects a cache TTL outside 1-3600 seconds', () => {
    const { api: a, fn } = api();
    expect(() => a.addRoute('GET /orders', fn, { cache: { ttlSeconds: 0 } })).toThrow(
      'route "GET /orders" has cache.ttlSeconds 0: use a whole number of seconds from 1 to 3600',
    );
    expect(() => a.addRoute('GET /orders/{id}', fn, { cache: { ttlSeconds: 3601 } })).toThrow(
      'cache.ttlSeconds 3601',
    );
  });
});
