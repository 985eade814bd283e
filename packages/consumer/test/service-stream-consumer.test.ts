import { Duration, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction, ServiceStack, ServiceStreamConsumer } from '../src';
import { HANDLER, templateOf, testApp } from './helpers';

describe('ServiceStreamConsumer', () => {
  let template: Template;
  let stack: ServiceStack;
  let consumer: ServiceStreamConsumer;
  let tuned: ServiceStreamConsumer;
  let fn: ServiceFunction;
  let other: ServiceFunction;

  beforeAll(() => {
    stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
    const table = new dynamodb.TableV2(stack, 'Items', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    fn = new ServiceFunction(stack, 'OnChange', { entry: HANDLER });
    other = new ServiceFunction(stack, 'Audit', { entry: HANDLER });
    consumer = new ServiceStreamConsumer(stack, 'Changes', { handler: fn, table });
    tuned = new ServiceStreamConsumer(stack, 'Tuned', {
      handler: other,
      table,
      batchSize: 25,
      startingPosition: lambda.StartingPosition.LATEST,
      retryAttempts: 10,
      bisectBatchOnError: false,
      maxRecordAge: Duration.hours(1),
      parallelizationFactor: 4,
      deadLetterRetention: Duration.days(2),
    });
    template = templateOf(stack);
  });

  function mapping(handler: ServiceFunction): Record<string, unknown> {
    const ref = stack.resolve(handler.functionName);
    const found = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify(ref),
    );
    if (!found) throw new Error('no event source mapping for the function');
    return found.Properties;
  }

  function queue(c: ServiceStreamConsumer): Record<string, unknown> {
    const id = stack.resolve(
      (c.deadLetterQueue.node.defaultChild as unknown as { logicalId: string }).logicalId,
    ) as string;
    return template.toJSON().Resources[id].Properties;
  }

  it('reads the stream from the oldest record, 100 at a time, bisecting failed batches and retrying three times', () => {
    expect(mapping(fn)).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping(fn).MaximumRecordAgeInSeconds).toBeUndefined();
    expect(mapping(fn).ParallelizationFactor).toBeUndefined();
  });

  it('describes batches it gave up on in its on-failure queue (encrypted, kept 14 days, generated name)', () => {
    expect(mapping(fn).DestinationConfig).toEqual({
      OnFailure: { Destination: stack.resolve(consumer.deadLetterQueue.queueArn) },
    });
    expect(queue(consumer)).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    expect(queue(consumer).QueueName).toBeUndefined();
  });

  it('applies batch size, starting position, retries, bisection, record age, parallelization and retention', () => {
    expect(mapping(other)).toMatchObject({
      BatchSize: 25,
      StartingPosition: 'LATEST',
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: false,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 4,
    });
    expect(queue(tuned).MessageRetentionPeriod).toBe(172_800);
  });

  it('rejects a table without a stream, naming the fix', () => {
    const s = new ServiceStack(testApp(), 'NoStream', { service: 'orders', env: 'dev' });
    const table = new dynamodb.TableV2(s, 'Plain', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    });
    const handler = new ServiceFunction(s, 'OnChange', { entry: HANDLER });
    expect(() => new ServiceStreamConsumer(s, 'Changes', { handler, table })).toThrow(
      'ServiceStreamConsumer NoStream/Changes: table NoStream/Plain has no stream; set `dynamoStream` (TableV2) or `stream` (Table), e.g. StreamViewType.NEW_AND_OLD_IMAGES',
    );
  });

  it('is placed only in a ServiceStack', () => {
    expect(Stack.of(consumer)).toBe(stack);
  });
});
