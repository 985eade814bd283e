import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction, ServiceQueueWorker, ServiceStack } from '../src';
import { HANDLER, templateOf, testApp } from './helpers';

describe('ServiceQueueWorker', () => {
  let template: Template;
  let worker: ServiceQueueWorker;
  let tuned: ServiceQueueWorker;

  beforeAll(() => {
    const stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
    const handler = new ServiceFunction(stack, 'Worker', { entry: HANDLER, timeout: Duration.seconds(20) });
    const other = new ServiceFunction(stack, 'Other', { entry: HANDLER });
    worker = new ServiceQueueWorker(stack, 'Jobs', { handler });
    tuned = new ServiceQueueWorker(stack, 'Tuned', {
      handler: other,
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(5),
      maxReceiveCount: 7,
      visibilityTimeout: Duration.seconds(300),
      deadLetterRetention: Duration.days(4),
      maxConcurrency: 5,
    });
    template = templateOf(stack);
  });

  function queue(q: { node: { defaultChild?: unknown } }): Record<string, unknown> {
    const id = Stack.of(worker).resolve((q.node.defaultChild as { ref: string }).ref).Ref as string;
    return template.toJSON().Resources[id].Properties;
  }

  function mapping(queueOf: ServiceQueueWorker): Record<string, unknown> {
    const arn = Stack.of(worker).resolve(queueOf.queue.queueArn);
    const found = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(arn),
    );
    if (!found) throw new Error('no event source mapping for the queue');
    return found.Properties;
  }

  it('feeds the handler with partial batch responses, 10 messages at a time', () => {
    expect(mapping(worker)).toMatchObject({
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping(worker).MaximumBatchingWindowInSeconds).toBeUndefined();
    expect(mapping(worker).ScalingConfig).toBeUndefined();
  });

  it('parks a message in the dead-letter queue after three receives, kept 14 days', () => {
    expect(queue(worker.queue).RedrivePolicy).toEqual({
      deadLetterTargetArn: Stack.of(worker).resolve(worker.deadLetterQueue.queueArn),
      maxReceiveCount: 3,
    });
    expect(queue(worker.deadLetterQueue).MessageRetentionPeriod).toBe(1_209_600);
  });

  it('sets the visibility timeout to six times the handler timeout', () => {
    expect(queue(worker.queue).VisibilityTimeout).toBe(120);
  });

  it('encrypts both queues with SQS-managed keys, refuses plain HTTP and lets CloudFormation name them', () => {
    for (const q of [worker.queue, worker.deadLetterQueue]) {
      expect(queue(q).SqsManagedSseEnabled).toBe(true);
      expect(queue(q).QueueName).toBeUndefined();
    }
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('applies batch size, batching window and maximum concurrency', () => {
    expect(mapping(tuned)).toMatchObject({
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('applies maxReceiveCount, visibilityTimeout and deadLetterRetention', () => {
    expect(queue(tuned.queue)).toMatchObject({
      VisibilityTimeout: 300,
      RedrivePolicy: { maxReceiveCount: 7 },
    });
    expect(queue(tuned.deadLetterQueue).MessageRetentionPeriod).toBe(345_600);
  });

  it('rejects a maxReceiveCount SQS does not accept', () => {
    const stack = new ServiceStack(testApp(), 'Bad', { service: 'orders', env: 'dev' });
    const handler = new ServiceFunction(stack, 'Worker', { entry: HANDLER });
    expect(() => new ServiceQueueWorker(stack, 'Jobs', { handler, maxReceiveCount: 0 })).toThrow(
      'ServiceQueueWorker Bad/Jobs: maxReceiveCount must be an integer from 1 to 1000, got 0',
    );
  });

  it('rejects a stack that is not a ServiceStack', () => {
    const stack = new Stack(new App(), 'Plain');
    const handler = { addEventSource: () => undefined } as unknown as ServiceFunction;
    expect(() => new ServiceQueueWorker(stack, 'Jobs', { handler })).toThrow(/is not in a ServiceStack/);
  });
});
