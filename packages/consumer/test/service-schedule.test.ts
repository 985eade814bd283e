import { Duration, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction, ServiceSchedule, ServiceStack } from '../src';
import { HANDLER, templateOf, testApp } from './helpers';

describe('ServiceSchedule', () => {
  let template: Template;
  let stack: ServiceStack;
  let nightly: ServiceSchedule;
  let tuned: ServiceSchedule;
  let fn: ServiceFunction;
  let dlq: sqs.Queue;

  beforeAll(() => {
    stack = new ServiceStack(testApp(), 'Orders', { service: 'orders', env: 'dev' });
    fn = new ServiceFunction(stack, 'Report', { entry: HANDLER });
    dlq = new sqs.Queue(stack, 'Missed');
    nightly = new ServiceSchedule(stack, 'NightlyReport', {
      handler: fn,
      schedule: scheduler.ScheduleExpression.rate(Duration.days(1)),
    });
    tuned = new ServiceSchedule(stack, 'Tuned', {
      handler: fn,
      name: 'hourly',
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      input: scheduler.ScheduleTargetInput.fromObject({ kind: 'hourly' }),
      enabled: false,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      deadLetterQueue: dlq,
      description: 'hourly report',
    });
    template = templateOf(stack);
  });

  function props(s: ServiceSchedule): Record<string, unknown> {
    const id = stack.resolve((s.schedule.node.defaultChild as scheduler.CfnSchedule).logicalId) as string;
    return template.toJSON().Resources[id].Properties;
  }

  function role(s: ServiceSchedule): Record<string, unknown> {
    const id = stack.resolve(
      (s.role.node.defaultChild as unknown as { logicalId: string }).logicalId,
    ) as string;
    return template.toJSON().Resources[id].Properties;
  }

  it('invokes the function on its schedule, enabled, retrying twice, with a generated name', () => {
    const p = props(nightly);
    expect(p).toMatchObject({ ScheduleExpression: 'rate(1 day)', State: 'ENABLED' });
    expect(p.Name).toBeUndefined();
    expect(p.Target).toMatchObject({
      Arn: stack.resolve(fn.functionArn),
      RoleArn: stack.resolve(nightly.role.roleArn),
      RetryPolicy: { MaximumRetryAttempts: 2 },
    });
  });

  it('has a role of its own, named in the service prefix, for Scheduler in this account only, with the boundary', () => {
    expect(role(nightly)).toMatchObject({
      RoleName: 'shared-lambda-infra-dev-role-orders-schedule-nightly-report',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      PermissionsBoundary: {
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary',
      },
    });
  });

  it('lets its role invoke this function and nothing else', () => {
    const roleId = stack.resolve(
      (nightly.role.node.defaultChild as unknown as { logicalId: string }).logicalId,
    );
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> })
            .Statement,
      );
    const fnId = stack.resolve((fn.node.defaultChild as unknown as { logicalId: string }).logicalId);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [fnId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] },
        ],
      },
    ]);
  });

  it('applies name, input, enabled, retries, event age, dead-letter queue and description', () => {
    expect(role(tuned).RoleName).toBe('shared-lambda-infra-dev-role-orders-schedule-hourly');
    expect(props(tuned)).toMatchObject({
      State: 'DISABLED',
      Description: 'hourly report',
      Target: {
        Input: '{"kind":"hourly"}',
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
        DeadLetterConfig: { Arn: stack.resolve(dlq.queueArn) },
      },
    });
  });

  it('rejects an id that cannot name the role', () => {
    const other = new ServiceStack(testApp(), 'Other', { service: 'orders', env: 'dev' });
    const handler = new ServiceFunction(other, 'Report', { entry: HANDLER });
    expect(
      () =>
        new ServiceSchedule(other, '9am', {
          handler,
          schedule: scheduler.ScheduleExpression.rate(Duration.days(1)),
        }),
    ).toThrow(/ServiceSchedule id "9am" cannot name AWS resources/);
  });

  it('is placed only in a ServiceStack', () => {
    expect(Stack.of(nightly)).toBe(stack);
  });
});
