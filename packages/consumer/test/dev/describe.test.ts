import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Parameters } from '@shared-lambda-infra/contract';
import { Fn } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceApi, ServiceFunction, ServiceStack } from '../../src';
import { type DevService, describeService, type Template } from '../../src/dev/describe';
import { DevInputError, loadPlatformValues } from '../../src/dev/values';
import { HANDLER, testApp } from '../helpers';

const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;

function writeFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-lambda-values-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function build(): { stack: ServiceStack; template: Template } {
  const app = testApp();
  const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
  const table = new dynamodb.TableV2(stack, 'Table', {
    tableName: 'orders-table',
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  const fn = new ServiceFunction(stack, 'ListOrders', {
    entry: HANDLER,
    environment: {
      TABLE_NAME: table.tableName,
      TABLE_ARN: table.tableArn,
      ORIGINS: Fn.join(',', stack.platform.list(Parameters.corsAllowOrigins)),
      STAGE: stack.platform.stageName,
      FIXED: 'literal',
    },
  });
  const api = new ServiceApi(stack, 'Api');
  api.addRoute('GET /orders', fn);
  api.addRoute('DELETE /orders/{id}', fn, { authorization: 'iam' });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return { stack, template };
}

describe('describeService', () => {
  let built: { stack: ServiceStack; template: Template };
  let service: DevService;

  beforeAll(() => {
    built = build();
    const config = writeFile(
      'dev.yaml',
      'api:\n  stageName: v1\n  cors:\n    allowOrigins: ["http://localhost:5173", "https://app.example.com"]\n',
    );
    service = describeService(
      built.stack,
      built.template,
      loadPlatformValues({ scope: SCOPE, platformConfigFile: config }),
    );
  });

  it('lists the routes in declaration order with their authorization', () => {
    expect(service.routes.map((r) => [r.route, r.authorization])).toEqual([
      ['GET /orders', 'jwt'],
      ['DELETE /orders/{id}', 'iam'],
    ]);
  });

  it('runs one function for both routes, with its entry, timeout and physical name', () => {
    expect(service.functions.size).toBe(1);
    const fn = [...service.functions.values()][0];
    expect(fn?.entry).toBe(HANDLER);
    expect(fn?.handler).toBe('handler');
    expect(fn?.timeoutSeconds).toBe(10);
    expect(fn?.functionName).toBe('shared-lambda-infra-dev-fn-orders-list-orders');
  });

  it('resolves literals, resource names and contract values from the platform configuration', () => {
    const env = [...service.functions.values()][0]?.environment;
    expect(env).toMatchObject({
      FIXED: 'literal',
      TABLE_NAME: 'orders-table',
      ORIGINS: 'http://localhost:5173,https://app.example.com',
      STAGE: 'v1',
      POWERTOOLS_SERVICE_NAME: 'orders',
    });
  });

  it('shows a value only a deployment knows as a placeholder, and says which', () => {
    const fn = [...service.functions.values()][0];
    expect(fn?.environment.TABLE_ARN).toMatch(
      /^<unresolved TABLE_ARN: the Arn of resource Table\w+, known after deployment>$/,
    );
    expect(fn?.unresolved).toEqual([expect.stringMatching(/^TABLE_ARN \(the Arn of resource Table\w+/)]);
  });

  it('takes values from --params over the platform configuration, environment overrides included', () => {
    const params = writeFile(
      'params.json',
      JSON.stringify({
        '/shared-lambda-infra/dev/api/stage-name': 'local',
        corsAllowOrigins: ['http://127.0.0.1:8080'],
        environment: { TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-table' },
      }),
    );
    const described = describeService(
      built.stack,
      built.template,
      loadPlatformValues({ scope: SCOPE, paramsFile: params }),
    );
    const fn = [...described.functions.values()][0];
    expect(fn?.environment).toMatchObject({
      STAGE: 'local',
      ORIGINS: 'http://127.0.0.1:8080',
      TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-table',
    });
    expect(fn?.unresolved).toEqual([]);
  });

  it('rejects a route whose handler is not a ServiceFunction', () => {
    const app = testApp();
    const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
    const plain = new lambda.Function(stack, 'Plain', {
      functionName: 'shared-lambda-infra-dev-fn-orders-plain',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    new ServiceApi(stack, 'Api').addRoute('GET /orders', plain);
    const template = app.synth().getStackByName(stack.stackName).template as Template;
    expect(() => describeService(stack, template, loadPlatformValues({ scope: SCOPE }))).toThrow(
      'route "GET /orders": its handler Orders/Plain is not a ServiceFunction; the dev server runs ServiceFunctions only',
    );
  });
});

describe('loadPlatformValues', () => {
  it('rejects a params file with every problem listed at once', () => {
    const params = writeFile(
      'params.json',
      JSON.stringify({ corsAllowOrigin: ['x'], stageName: 3, environment: { A: 1 } }),
    );
    let error: unknown;
    try {
      loadPlatformValues({ scope: SCOPE, paramsFile: params });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DevInputError);
    const message = (error as Error).message;
    expect(message).toContain(`${params} has 3 problems:`);
    expect(message).toContain('corsAllowOrigin: not a contract parameter');
    expect(message).toContain('stageName: expected a string or a list of strings, got 3');
    expect(message).toContain('environment.A: expected a string, got 1');
  });

  it("takes the API's binary media types from the platform configuration, none when it lists none", () => {
    const config = writeFile('binary.yaml', 'api:\n  binaryMediaTypes: ["application/pdf", "image/*"]\n');
    expect(loadPlatformValues({ scope: SCOPE, platformConfigFile: config }).binaryMediaTypes).toEqual([
      'application/pdf',
      'image/*',
    ]);
    const none = writeFile('no-binary.yaml', 'api:\n  stageName: v1\n');
    expect(loadPlatformValues({ scope: SCOPE, platformConfigFile: none }).binaryMediaTypes).toEqual([]);
  });

  it('names api.binaryMediaTypes when the platform configuration gives it as text', () => {
    const config = writeFile('binary-text.yaml', 'api:\n  binaryMediaTypes: image/png\n');
    expect(() => loadPlatformValues({ scope: SCOPE, platformConfigFile: config })).toThrow(
      'api.binaryMediaTypes: expected a list of strings, got "image/png"',
    );
  });

  it('reads `aws ssm get-parameters-by-path` output', () => {
    const params = writeFile(
      'ssm.json',
      JSON.stringify({
        Parameters: [
          {
            Name: '/shared-lambda-infra/dev/api/cors-allow-origins',
            Type: 'StringList',
            Value: 'https://a.example.com,https://b.example.com',
          },
        ],
      }),
    );
    const values = loadPlatformValues({ scope: SCOPE, paramsFile: params });
    expect(values.byPath.get('/shared-lambda-infra/dev/api/cors-allow-origins')).toEqual([
      'https://a.example.com',
      'https://b.example.com',
    ]);
  });
});
