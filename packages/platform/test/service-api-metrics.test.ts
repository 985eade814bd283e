import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceApiMetrics } from '../lib/constructs/service-api-metrics';
import { ACCESS_LOG_FORMAT } from '../lib/stacks/api-stack';
import { extract, type LogEvent, matches, type Processor, transform } from './helpers/log-filter';
import { TEST_CONTEXT } from './helpers/synth';

interface Filter {
  readonly pattern: string;
  readonly metricName: string;
  readonly metricValue: string;
  readonly dimensions: Record<string, string>;
}

/** The transformer and metric filters ServiceApiMetrics synthesizes for `basePaths`. */
function synthesize(basePaths: string[]): { processors: Processor[]; filters: Filter[] } {
  const app = new App({
    context: { ...TEST_CONTEXT },
    builtinCloudFormationValidation: false,
    treeMetadata: false,
  });
  const stack = new Stack(app, 'Api');
  const group = new logs.LogGroup(stack, 'AccessLogs');
  new ServiceApiMetrics(stack, 'ServiceMetrics', {
    nameScope: { project: 'shared-lambda-infra', env: 'dev' },
    accessLogGroup: group,
    basePaths,
  });
  interface Synthesized {
    Type: string;
    Properties: {
      TransformerConfig?: Processor[];
      FilterPattern: string;
      MetricTransformations: Array<{
        MetricName: string;
        MetricValue: string;
        Dimensions: Array<{ Key: string; Value: string }>;
      }>;
    };
  }
  const resources = Object.values(
    app.synth().getStackByName('Api').template.Resources as Record<string, Synthesized>,
  );
  const transformer = resources.find((r) => r.Type === 'AWS::Logs::Transformer');
  const filters = resources
    .filter((r) => r.Type === 'AWS::Logs::MetricFilter')
    .map((r) => {
      const [t] = r.Properties.MetricTransformations;
      if (!t) throw new Error('a metric filter without a transformation');
      return {
        pattern: r.Properties.FilterPattern,
        metricName: t.MetricName,
        metricValue: t.MetricValue,
        dimensions: Object.fromEntries(t.Dimensions.map((d) => [d.Key, d.Value])),
      };
    });
  return { processors: transformer?.Properties.TransformerConfig ?? [], filters };
}

/** Every datapoint the filters publish for one raw line, as `Metric BasePath=value: n`. */
function datapoints(line: string, synthesized: { processors: Processor[]; filters: Filter[] }): string[] {
  const event: LogEvent = transform(line, synthesized.processors);
  return synthesized.filters
    .map((f) => ({ f, point: extract(f, event) }))
    .filter(({ point }) => point !== undefined)
    .map(({ f, point }) => `${f.metricName} BasePath=${String(point?.dimensions.BasePath)}: ${point?.value}`)
    .sort();
}

// Lines in the exact format the stage writes (ACCESS_LOG_FORMAT: every value a string, `-` for none).
const LINES = {
  ok: '{"requestId":"5f3c1c1e-0d5b-4f0e-9a43-1f2b0c9d8e71","extendedRequestId":"Qm1XYFq2IAMEb7w=","ip":"203.0.113.7","caller":"-","user":"-","principalId":"user-42","requestTime":"07/Dec/2026:03:04:05 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","protocol":"HTTP/1.1","responseLength":"87","responseLatency":"45","integrationLatency":"38","authorizerError":"-","errorType":"-"}',
  serverError:
    '{"requestId":"8a1e2f04-6f0c-4b43-8d9e-2a1c7b6e5d40","extendedRequestId":"Qm1XZGHJIAMEb8A=","ip":"203.0.113.7","caller":"-","user":"-","principalId":"user-42","requestTime":"07/Dec/2026:03:04:06 +0000","httpMethod":"POST","resourcePath":"/orders","status":"502","protocol":"HTTP/1.1","responseLength":"36","responseLatency":"1203","integrationLatency":"1198","authorizerError":"-","errorType":"-"}',
  throttled:
    '{"requestId":"c0a80164-1b2c-4d5e-8f90-a1b2c3d4e5f6","extendedRequestId":"Qm1XaHKLIAMEb9B=","ip":"198.51.100.4","caller":"-","user":"-","principalId":"-","requestTime":"07/Dec/2026:03:04:07 +0000","httpMethod":"GET","resourcePath":"/orders","status":"429","protocol":"HTTP/1.1","responseLength":"32","responseLatency":"2","integrationLatency":"-","authorizerError":"-","errorType":"THROTTLED"}',
  unauthorized:
    '{"requestId":"d1e2f3a4-b5c6-4d7e-8f90-1a2b3c4d5e6f","extendedRequestId":"Qm1XbIMNIAMEbAC=","ip":"198.51.100.9","caller":"-","user":"-","principalId":"-","requestTime":"07/Dec/2026:03:04:08 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"401","protocol":"HTTP/1.1","responseLength":"26","responseLatency":"4","integrationLatency":"-","authorizerError":"Unauthorized","errorType":"UNAUTHORIZED"}',
  denied:
    '{"requestId":"e2f3a4b5-c6d7-4e8f-9a01-2b3c4d5e6f70","extendedRequestId":"Qm1XcJOPIAMEbBD=","ip":"198.51.100.9","caller":"-","user":"-","principalId":"-","requestTime":"07/Dec/2026:03:04:09 +0000","httpMethod":"DELETE","resourcePath":"/payments/{id}","status":"403","protocol":"HTTP/1.1","responseLength":"82","responseLatency":"6","integrationLatency":"-","authorizerError":"-","errorType":"ACCESS_DENIED"}',
  notFound:
    '{"requestId":"f3a4b5c6-d7e8-4f90-a1b2-3c4d5e6f7081","extendedRequestId":"Qm1XdKQRIAMEbCE=","ip":"203.0.113.7","caller":"-","user":"-","principalId":"user-42","requestTime":"07/Dec/2026:03:04:10 +0000","httpMethod":"GET","resourcePath":"/orders/{id}","status":"404","protocol":"HTTP/1.1","responseLength":"24","responseLatency":"31","integrationLatency":"27","authorizerError":"-","errorType":"-"}',
  health:
    '{"requestId":"a4b5c6d7-e8f9-4a01-b2c3-4d5e6f708192","extendedRequestId":"Qm1XeLSTIAMEbDF=","ip":"10.0.1.20","caller":"-","user":"-","principalId":"-","requestTime":"07/Dec/2026:03:04:11 +0000","httpMethod":"GET","resourcePath":"/health","status":"200","protocol":"HTTP/1.1","responseLength":"15","responseLatency":"3","integrationLatency":"1","authorizerError":"-","errorType":"-"}',
  noResource:
    '{"requestId":"b5c6d7e8-f9a0-4b12-c3d4-5e6f708192a3","extendedRequestId":"Qm1XfMUVIAMEbEG=","ip":"192.0.2.66","caller":"-","user":"-","principalId":"-","requestTime":"07/Dec/2026:03:04:12 +0000","httpMethod":"GET","resourcePath":"-","status":"403","protocol":"HTTP/1.1","responseLength":"42","responseLatency":"1","integrationLatency":"-","authorizerError":"-","errorType":"MISSING_AUTHENTICATION_TOKEN"}',
} as const;

describe('per-service gateway metrics on real access log lines', () => {
  let one: ReturnType<typeof synthesize>;

  beforeAll(() => {
    one = synthesize(['orders', 'payments']);
  });

  it("uses lines with exactly the fields of the stage's access log format", () => {
    const format = Object.keys(JSON.parse(ACCESS_LOG_FORMAT.toString()) as object);
    for (const line of Object.values(LINES)) expect(Object.keys(JSON.parse(line) as object)).toEqual(format);
  });

  it('counts a successful request, with its latency and integration latency', () => {
    expect(datapoints(LINES.ok, one)).toEqual([
      'IntegrationLatency BasePath=orders: 38',
      'Latency BasePath=orders: 45',
      'Requests BasePath=orders: 1',
    ]);
  });

  it('counts a 5XX', () => {
    expect(datapoints(LINES.serverError, one)).toEqual([
      '5XXError BasePath=orders: 1',
      'IntegrationLatency BasePath=orders: 1198',
      'Latency BasePath=orders: 1203',
      'Requests BasePath=orders: 1',
    ]);
  });

  it('counts a throttled request as a 4XX and a throttle, with no integration latency', () => {
    expect(datapoints(LINES.throttled, one)).toEqual([
      '4XXError BasePath=orders: 1',
      'Latency BasePath=orders: 2',
      'Requests BasePath=orders: 1',
      'Throttled BasePath=orders: 1',
    ]);
  });

  it('counts 401 Unauthorized and 403 AccessDenied from an authorizer as denials of their service', () => {
    expect(datapoints(LINES.unauthorized, one)).toEqual([
      '4XXError BasePath=orders: 1',
      'AuthorizerDenied BasePath=orders: 1',
      'Latency BasePath=orders: 4',
      'Requests BasePath=orders: 1',
    ]);
    expect(datapoints(LINES.denied, one)).toEqual([
      '4XXError BasePath=payments: 1',
      'AuthorizerDenied BasePath=payments: 1',
      'Latency BasePath=payments: 6',
      'Requests BasePath=payments: 1',
    ]);
  });

  it("counts the service's own 404 as a 4XX, not a denial", () => {
    expect(datapoints(LINES.notFound, one)).toEqual([
      '4XXError BasePath=orders: 1',
      'IntegrationLatency BasePath=orders: 27',
      'Latency BasePath=orders: 31',
      'Requests BasePath=orders: 1',
    ]);
  });

  it("publishes nothing for the platform's /health or a request that matched no resource", () => {
    expect(datapoints(LINES.health, one)).toEqual([]);
    expect(datapoints(LINES.noResource, one)).toEqual([]);
  });
});

describe('per-service gateway metrics, sharded', () => {
  // 1,000 base paths svc0..svc999: svc0..svc8* (889) in one shard, svc9* (111) in another.
  let sharded: ReturnType<typeof synthesize>;

  beforeAll(() => {
    sharded = synthesize(Array.from({ length: 1000 }, (_, i) => `svc${i}`));
  });

  it('has two sets of the seven filters', () => {
    expect(sharded.filters).toHaveLength(14);
  });

  it('counts each request in exactly one shard, with its base path as the dimension', () => {
    for (const basePath of ['svc0', 'svc812', 'svc9', 'svc999']) {
      const line = LINES.ok.replace('"/orders/{id}"', `"/${basePath}/{id}"`);
      expect(datapoints(line, sharded)).toEqual([
        `IntegrationLatency BasePath=${basePath}: 38`,
        `Latency BasePath=${basePath}: 45`,
        `Requests BasePath=${basePath}: 1`,
      ]);
    }
  });

  it('publishes nothing for a base path outside every shard', () => {
    expect(datapoints(LINES.ok, sharded)).toEqual([]);
  });
});

describe('the filter pattern model', () => {
  it('matches prefix wildcards, exact strings and numbers as CloudWatch documents them', () => {
    const event = { basePath: 'svc12', status: 429, integrationLatency: '-' };
    expect(matches('{ $.basePath = "svc1*" }', event)).toBe(true);
    expect(matches('{ $.basePath = "svc1" }', event)).toBe(false);
    expect(matches('{ $.status = 429 && $.basePath != "health" }', event)).toBe(true);
    expect(matches('{ $.integrationLatency >= 0 }', event)).toBe(false);
    expect(matches('{ ($.status = 401 || $.status = 429) && $.basePath = * }', event)).toBe(true);
    expect(matches('{ $.missing = * }', event)).toBe(false);
  });
});
