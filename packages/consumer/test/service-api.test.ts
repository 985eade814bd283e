import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceApi, ServiceFunction, ServiceStack } from '../src';
import { HANDLER, parameterRef, templateOf, testApp } from './helpers';

const PREFIX = '/shared-lambda-infra/dev';

interface Built {
  template: Template;
}

function build(routes: (api: ServiceApi, fns: Record<string, ServiceFunction>) => void): Built {
  const stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
  const fns = {
    list: new ServiceFunction(stack, 'ListOrders', { entry: HANDLER }),
    get: new ServiceFunction(stack, 'GetOrder', { entry: HANDLER }),
    create: new ServiceFunction(stack, 'CreateOrder', { entry: HANDLER }),
  };
  const api = new ServiceApi(stack, 'Api');
  routes(api, fns);
  return { template: templateOf(stack) };
}

function fingerprint(template: Template): string {
  const [before] = Object.values(
    template.findResources('Custom::SharedApiStageRedeploy', { Properties: { Phase: 'before' } }),
  );
  return before.Properties.RoutesFingerprint;
}

describe('ServiceApi', () => {
  let template: Template;
  let methods: Record<string, { Properties: Record<string, unknown>; DependsOn?: string[] }>;

  beforeAll(() => {
    ({ template } = build((api, fns) => {
      api.addRoute('GET /orders', fns.list);
      api.addRoute('GET /orders/{id}', fns.get);
      api.addRoute('POST /orders', fns.create, { authorization: 'none' });
      api.addRoute('DELETE /orders/{id}', fns.get, { authorization: 'iam' });
    }));
    methods = template.findResources('AWS::ApiGateway::Method') as typeof methods;
  });

  function method(
    httpMethod: string,
    resourceId: unknown,
  ): { Properties: Record<string, unknown>; DependsOn?: string[] } {
    const found = Object.values(methods).find(
      (m) =>
        m.Properties.HttpMethod === httpMethod &&
        JSON.stringify(m.Properties.ResourceId) === JSON.stringify(resourceId),
    );
    if (!found) throw new Error(`no ${httpMethod} method on ${JSON.stringify(resourceId)}`);
    return found;
  }

  const baseResource = () => parameterRef(template, `${PREFIX}/services/orders/base-resource-id`);
  const idResource = () => ({ Ref: Object.keys(template.findResources('AWS::ApiGateway::Resource'))[0] });

  it('creates child resources under the base resource the platform published for the service', () => {
    template.resourceCountIs('AWS::ApiGateway::Resource', 1);
    template.hasResourceProperties('AWS::ApiGateway::Resource', {
      ParentId: baseResource(),
      PathPart: '{id}',
      RestApiId: parameterRef(template, `${PREFIX}/api/rest-api-id`),
    });
  });

  it('puts routes on the base path itself on the base resource', () => {
    expect(method('GET', baseResource()).Properties.RestApiId).toEqual(
      parameterRef(template, `${PREFIX}/api/rest-api-id`),
    );
  });

  it('integrates each route with its function as a Lambda proxy', () => {
    expect(method('GET', idResource()).Properties.Integration).toEqual({
      Type: 'AWS_PROXY',
      IntegrationHttpMethod: 'POST',
      Uri: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            ':lambda:path/2015-03-31/functions/',
            { 'Fn::GetAtt': [expect.stringMatching(/^GetOrder/), 'Arn'] },
            '/invocations',
          ],
        ],
      },
    });
  });

  it('uses the shared JWT authorizer by default', () => {
    expect(method('GET', baseResource()).Properties).toMatchObject({
      AuthorizationType: 'CUSTOM',
      AuthorizerId: parameterRef(template, `${PREFIX}/api/authorizer-id`),
    });
  });

  it("leaves a route open with authorization 'none'", () => {
    const props = method('POST', baseResource()).Properties;
    expect(props.AuthorizationType).toBe('NONE');
    expect(props.AuthorizerId).toBeUndefined();
  });

  it("requires SigV4 with authorization 'iam'", () => {
    expect(method('DELETE', idResource()).Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('answers CORS preflights on every routed resource from the platform CORS parameters', () => {
    const join = (key: string) => ({ 'Fn::Join': [',', parameterRef(template, `${PREFIX}/api/${key}`)] });
    for (const resource of [baseResource(), idResource()]) {
      const options = method('OPTIONS', resource).Properties;
      expect(options.AuthorizationType).toBe('NONE');
      expect(options.Integration).toMatchObject({
        Type: 'MOCK',
        IntegrationResponses: [
          {
            StatusCode: '204',
            ResponseParameters: {
              'method.response.header.Access-Control-Allow-Headers': {
                'Fn::Join': ['', ["'", join('cors-allow-headers'), "'"]],
              },
              'method.response.header.Access-Control-Allow-Methods': {
                'Fn::Join': ['', ["'", join('cors-allow-methods'), "'"]],
              },
              'method.response.header.Vary': "'Origin'",
            },
            ResponseTemplates: {
              'application/json': {
                'Fn::Join': [
                  '',
                  [expect.stringContaining('$origin'), join('cors-allow-origins'), expect.any(String)],
                ],
              },
            },
          },
        ],
      });
    }
    template.resourceCountIs('AWS::ApiGateway::Method', 6);
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
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: sourceArn('/GET/orders') });
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: sourceArn('/DELETE/orders/*') });
  });

  it('adds the redeploy resources with the properties the platform provider reads', () => {
    const common = {
      ServiceToken: parameterRef(template, `${PREFIX}/api/redeploy-service-token`),
      RestApiId: parameterRef(template, `${PREFIX}/api/rest-api-id`),
      StageName: parameterRef(template, `${PREFIX}/api/stage-name`),
      ServiceName: 'orders',
      BasePath: 'orders',
      Throttle: parameterRef(template, `${PREFIX}/services/orders/throttle`),
      RoutesFingerprint: Match.stringLikeRegexp('^[0-9a-f]{16}$'),
    };
    template.resourceCountIs('Custom::SharedApiStageRedeploy', 2);
    template.hasResourceProperties('Custom::SharedApiStageRedeploy', { ...common, Phase: 'before' });
    template.hasResourceProperties('Custom::SharedApiStageRedeploy', { ...common, Phase: 'after' });
  });

  it('makes every method depend on the before resource, and the after resource on every method', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; DependsOn?: string[]; Properties: { Phase?: string } }
    >;
    const idOf = (phase: string) =>
      Object.keys(resources).find(
        (k) =>
          resources[k].Type === 'Custom::SharedApiStageRedeploy' && resources[k].Properties.Phase === phase,
      ) as string;
    const methodIds = Object.keys(methods);
    for (const id of methodIds) expect(resources[id].DependsOn).toContain(idOf('before'));
    expect(resources[idOf('after')].DependsOn).toEqual(expect.arrayContaining(methodIds));
    expect(resources[idOf('before')].DependsOn).toBeUndefined();
  });

  it('asserts at deploy time that the base path matches the one the platform registered', () => {
    const rules = template.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    const basePathRule = Object.entries(rules).find(([id]) => id.startsWith('ApiBasePathRule'));
    expect(basePathRule?.[1].Assertions[0].Assert).toEqual({
      'Fn::Equals': [parameterRef(template, `${PREFIX}/services/orders/base-path`), 'orders'],
    });
  });
});

describe('ServiceApi fingerprint', () => {
  const base = (api: ServiceApi, fns: Record<string, ServiceFunction>) => {
    api.addRoute('GET /orders', fns.list);
    api.addRoute('GET /orders/{id}', fns.get);
  };
  let reference: string;

  beforeAll(() => {
    reference = fingerprint(build(base).template);
  });

  it('is the same for the same routes', () => {
    expect(fingerprint(build(base).template)).toBe(reference);
  });

  it('changes when a route is added', () => {
    const changed = build((api, fns) => {
      base(api, fns);
      api.addRoute('POST /orders', fns.create);
    });
    expect(fingerprint(changed.template)).not.toBe(reference);
  });

  it("changes when a route's target changes", () => {
    const changed = build((api, fns) => {
      api.addRoute('GET /orders', fns.list);
      api.addRoute('GET /orders/{id}', fns.create);
    });
    expect(fingerprint(changed.template)).not.toBe(reference);
  });

  it("changes when a route's authorization changes", () => {
    const changed = build((api, fns) => {
      api.addRoute('GET /orders', fns.list, { authorization: 'iam' });
      api.addRoute('GET /orders/{id}', fns.get);
    });
    expect(fingerprint(changed.template)).not.toBe(reference);
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
});
