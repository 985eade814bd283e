import { Duration, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ServiceApi,
  ServiceFunction,
  type ServiceMonitoringOptions,
  ServiceQueueWorker,
  ServiceStack,
  ServiceStreamConsumer,
} from '../src';
import { HANDLER, parameterRef, templateOf, testApp } from './helpers';

const TOPIC_PARAMETER = '/shared-lambda-infra/dev/services/orders/alarm-topic-arn';

/** A service stack with an API route, a queue worker, a stream consumer and a function with an async DLQ. */
function ordersStack(monitoring?: ServiceMonitoringOptions | false): Template {
  const stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev', monitoring });
  const list = new ServiceFunction(stack, 'ListOrders', { entry: HANDLER, timeout: Duration.seconds(10) });
  new ServiceApi(stack, 'Api').addRoute('GET /orders', list);
  const worker = new ServiceFunction(stack, 'SendEmail', { entry: HANDLER, timeout: Duration.seconds(20) });
  new ServiceQueueWorker(stack, 'Emails', { handler: worker });
  const table = new dynamodb.TableV2(stack, 'Items', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  });
  const publish = new ServiceFunction(stack, 'Publish', { entry: HANDLER });
  new ServiceStreamConsumer(stack, 'Changes', { handler: publish, table });
  new ServiceFunction(stack, 'Audit', {
    entry: HANDLER,
    deadLetterQueue: new sqs.Queue(stack, 'AuditFailures', { enforceSSL: true }),
  });
  return templateOf(stack);
}

/** Alarm name → threshold. */
function thresholds(template: Template): Record<string, number> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => {
      const p = (a as { Properties: { AlarmName: string; Threshold: number } }).Properties;
      return [p.AlarmName.replace('shared-lambda-infra-dev-alarm-orders-', ''), p.Threshold];
    }),
  );
}

describe('ServiceStack monitoring', () => {
  let template: Template;

  beforeAll(() => {
    template = ordersStack();
  });

  it('alarms on every function, dead-letter queue and stream consumer by default, with the documented thresholds', () => {
    expect(thresholds(template)).toEqual({
      'list-orders-errors': 1,
      'list-orders-throttles': 1,
      'list-orders-duration': 8000, // 80% of 10 s
      'send-email-errors': 1,
      'send-email-throttles': 1,
      'send-email-duration': 16000, // 80% of 20 s
      'publish-errors': 1,
      'publish-throttles': 1,
      'publish-duration': 8000, // 80% of the 10 s default
      'audit-errors': 1,
      'audit-throttles': 1,
      'audit-duration': 8000,
      'changes-iterator-age': 300000, // 300 s, in ms
      'emails-dlq': 1,
      'changes-dlq': 1,
      'audit-dlq': 1,
    });
  });

  it("sends every alarm, and its end, to the service's own topic from the contract", () => {
    const topic = parameterRef(template, TOPIC_PARAMETER);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { AlarmActions: unknown[]; OKActions: unknown[] };
    }>;
    expect(alarms).toHaveLength(16);
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([topic]);
      expect(Properties.OKActions).toEqual([topic]);
    }
  });

  it('watches the iterator age of a stream consumer and the depth of each dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-orders-changes-iterator-age',
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-orders-emails-dlq',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
  });

  it('adds a dashboard named after the stack with the gateway signals of its base path and its functions', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Array<{
      Properties: { DashboardName: string; DashboardBody: unknown };
    }>;
    expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual(['shared-lambda-infra-dev-orders-api']);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    expect(body).toContain(
      '[\\"shared-lambda-infra/dev/ServiceApi\\",\\"Requests\\",\\"BasePath\\",\\"orders\\"',
    );
    expect(body).toContain(
      '\\"IntegrationLatency\\",\\"BasePath\\",\\"orders\\",{\\"label\\":\\"Integration latency p99\\",\\"period\\":60,\\"stat\\":\\"p99\\"',
    );
    expect(body).toContain('\\"AuthorizerDenied\\",\\"BasePath\\",\\"orders\\"');
    expect(body).toContain('list-orders: duration p99 (ms)');
    expect(body).toContain('changes: iterator age (ms, max)');
  });

  it('takes other thresholds, and leaves the dashboard out on request', () => {
    const tuned = ordersStack({
      errors: 5,
      throttles: 2,
      durationPercentOfTimeout: 50,
      iteratorAgeSeconds: 60,
      deadLetterMessages: 10,
      dashboard: false,
    });
    expect(thresholds(tuned)).toMatchObject({
      'list-orders-errors': 5,
      'list-orders-throttles': 2,
      'list-orders-duration': 5000,
      'changes-iterator-age': 60000,
      'emails-dlq': 10,
    });
    tuned.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('adds nothing with monitoring: false', () => {
    const none = ordersStack(false);
    none.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    none.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(
      Object.values(none.toJSON().Parameters ?? {}).map((p) => (p as { Default?: string }).Default),
    ).not.toContain(TOPIC_PARAMETER);
  });

  it('rejects a duration threshold that is not a share of the timeout, where the stack is written', () => {
    const stack = () =>
      new ServiceStack(testApp(), 'Orders', {
        service: 'orders',
        env: 'dev',
        monitoring: { durationPercentOfTimeout: 150 },
      });
    expect(stack).toThrow(
      'ServiceStack monitoring.durationPercentOfTimeout must be above 0 and at most 100 (a share of the timeout), got 150',
    );
  });

  it('rejects a count threshold below 1', () => {
    const stack = () =>
      new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev', monitoring: { errors: 0 } });
    expect(stack).toThrow('ServiceStack monitoring.errors must be a number of 1 or more, got 0');
  });
});

describe('ServiceStack monitoring without an API', () => {
  it("graphs the functions only, and names a second stack's queue alarms after that stack", () => {
    const stack = new ServiceStack(testApp(), 'Jobs', {
      service: 'orders',
      env: 'dev',
      stackIdentifier: 'jobs',
    });
    const nightly = new ServiceFunction(stack, 'Nightly', { entry: HANDLER });
    new ServiceQueueWorker(stack, 'Emails', { handler: nightly });
    const template = templateOf(stack);
    expect(thresholds(template)).toEqual({
      'nightly-errors': 1,
      'nightly-throttles': 1,
      'nightly-duration': 8000,
      'jobs-emails-dlq': 1,
    });
    const body = JSON.stringify(
      (Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as { Properties: object })
        .Properties,
    );
    expect(body).toContain('shared-lambda-infra-dev-orders-jobs');
    expect(body).not.toContain('ServiceApi');
    expect(Stack.of(stack).stackName).toBe('shared-lambda-infra-dev-orders-jobs');
  });
});
