import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { kmsAliasName, type NameScope, Parameters, resourceName } from '@shared-lambda-infra/contract';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformApp } from '../lib/app';
import { applyLogRetention, LogRetention } from '../lib/constructs/log-retention';
import { configFor, sharedPlatform, synthPlatform, TEST_CONTEXT } from './helpers/synth';

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0];
}

function alarmName(scope: NameScope, identifier: string): string {
  return resourceName('cloudWatchAlarm', { ...scope, resourceType: 'alarm', identifier });
}

/** The NAT gateway alarms (the limit alarms of the same stack are tested in test/limits/). */
function natAlarms(template: Template): Array<{ [key: string]: { [key: string]: unknown } }> {
  return Object.values(
    template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/NATGateway' } }),
  );
}

describe('observability stack in dev (one NAT gateway, custom thresholds)', () => {
  let template: Template;
  let scope: NameScope;
  let topic: string;
  let key: string;

  beforeAll(() => {
    // GIVEN dev.yaml (nat: single, one alarm email, logRetentionDays 14) with distinctive thresholds
    const result = synthPlatform({
      env: 'dev',
      overrides: { observability: { natPortAllocationErrorThreshold: 5, natPacketsDropThreshold: 250 } },
    });
    template = result.template(result.stacks.observability);
    scope = result.stacks.observability.nameScope;
    topic = logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic');
    key = logicalId(template, 'AWS::KMS::Key', 'AlarmTopicKey');
  });

  it('names the alarm topic by the naming convention and encrypts it with its customer-managed key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: resourceName('snsTopic', { ...scope, resourceType: 'topic', identifier: 'alarms' }),
      KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });

  it('rotates the topic key, gives it the conventional alias and deletes it with a dev stack', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: kmsAliasName({ ...scope, resourceType: 'key', identifier: 'alarms' }),
    });
    expect(template.findResources('AWS::KMS::Key')[key]).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  it("lets this account's CloudWatch alarms use the topic key", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('denies KMS grants on the topic key except to AWS services acting for AWS resources', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:CreateGrant',
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          }),
        ]),
      },
    });
  });

  it('denies publishing without TLS and lets CloudWatch alarms of this account publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('subscribes the one address of alarmEmails in dev.yaml', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform-alerts@example.com',
      TopicArn: { Ref: topic },
    });
  });

  it('names the dashboard by the naming convention and graphs every NAT gateway metric', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard', {
      Properties: {
        DashboardName: resourceName('cloudWatchDashboard', {
          ...scope,
          resourceType: 'dashboard',
          identifier: 'platform',
        }),
      },
    });
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    for (const metric of [
      'BytesOutToDestination',
      'BytesInFromDestination',
      'BytesInFromSource',
      'BytesOutToSource',
      'ActiveConnectionCount',
      'ErrorPortAllocation',
      'PacketsDropCount',
    ]) {
      expect(body).toContain(`\\"AWS/NATGateway\\",\\"${metric}\\",\\"NatGatewayId\\"`);
    }
  });

  it('alarms on NAT port allocation errors at natPortAllocationErrorThreshold, notifying the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(scope, 'nat-1-port-allocation-errors'),
      Namespace: 'AWS/NATGateway',
      MetricName: 'ErrorPortAllocation',
      Dimensions: [{ Name: 'NatGatewayId', Value: Match.anyValue() }],
      Statistic: 'Sum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
    });
  });

  it('alarms on NAT dropped packets at natPacketsDropThreshold, notifying the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(scope, 'nat-1-packets-dropped'),
      Namespace: 'AWS/NATGateway',
      MetricName: 'PacketsDropCount',
      Threshold: 250,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('creates two alarms for the single NAT gateway of dev', () => {
    expect(natAlarms(template)).toHaveLength(2);
  });

  it('publishes alarmTopicArn and logRetentionDays (as a string) under their contract names', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.alarmTopicArn.path(scope),
      Type: 'String',
      Value: { Ref: topic },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.logRetentionDays.path(scope),
      Type: 'String',
      Value: '14',
    });
  });
});

describe('observability stack in prod (a NAT gateway per AZ, two alarm emails)', () => {
  let template: Template;
  let scope: NameScope;
  let key: string;

  beforeAll(() => {
    // GIVEN prod.yaml: nat perAz over three AZs, two alarm emails, logRetentionDays 365, retain
    const result = sharedPlatform('prod');
    template = result.template(result.stacks.observability);
    scope = result.stacks.observability.nameScope;
    key = logicalId(template, 'AWS::KMS::Key', 'AlarmTopicKey');
  });

  it('subscribes both addresses of alarmEmails in prod.yaml', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const endpoint of ['platform-alerts@example.com', 'oncall@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: endpoint });
    }
  });

  it('creates a port allocation and a dropped packets alarm for each of the three NAT gateways', () => {
    expect(natAlarms(template)).toHaveLength(6);
    for (const n of [1, 2, 3]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarmName(scope, `nat-${n}-port-allocation-errors`),
        Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarmName(scope, `nat-${n}-packets-dropped`),
        Threshold: 100,
      });
    }
  });

  it('watches three distinct NAT gateways', () => {
    const gateways = natAlarms(template).map((alarm) => JSON.stringify(alarm.Properties.Dimensions));
    expect(new Set(gateways).size).toBe(3);
  });

  it('publishes logRetentionDays 365 from prod.yaml', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.logRetentionDays.path(scope),
      Value: '365',
    });
  });

  it('retains the topic key when removalPolicy is retain', () => {
    expect(template.findResources('AWS::KMS::Key')[key]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('platform app in dev with a NAT instance and two extra log groups', () => {
  let observability: Template;

  beforeAll(() => {
    // GIVEN the dev platform with a NAT instance, and two log groups added to one of its stacks
    // (compliance-variants.test.ts runs the packs over the NAT instance variant)
    const platform = createPlatformApp({
      config: configFor('dev', { network: { nat: 'instance' } }),
      outdir: mkdtempSync(path.join(tmpdir(), 'observability-test-')),
      builtinCloudFormationValidation: false,
      context: { ...TEST_CONTEXT, 'aws:cdk:bundling-stacks': [] },
      compliance: false,
    });
    const stack = platform.stacks.observability;
    new logs.CfnLogGroup(stack, 'TestLogGroupWithoutRetention', {});
    new logs.CfnLogGroup(stack, 'TestLogGroupWithRetention', { retentionInDays: 3653 });
    // WHEN
    const assembly = platform.app.synth();
    observability = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
  });

  it('gives a log group without a retention observability.logRetentionDays', () => {
    const groups = observability.findResources('AWS::Logs::LogGroup');
    const id = Object.keys(groups).find((k) => k.startsWith('TestLogGroupWithoutRetention'));
    expect(id && groups[id].Properties).toMatchObject({ RetentionInDays: 14 });
  });

  it('keeps the retention of a log group that has one', () => {
    const groups = observability.findResources('AWS::Logs::LogGroup');
    const id = Object.keys(groups).find((k) => k.startsWith('TestLogGroupWithRetention'));
    expect(id && groups[id].Properties).toMatchObject({ RetentionInDays: 3653 });
  });

  it('creates no NAT alarm and says on the dashboard that there is no NAT gateway to watch', () => {
    expect(natAlarms(observability)).toHaveLength(0);
    const body = JSON.stringify(
      Object.values(observability.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
    );
    expect(body).toContain('no NAT gateway to watch');
  });
});

describe('LogRetention aspect', () => {
  it('rejects a default retention CloudWatch Logs does not accept', () => {
    expect(() => new LogRetention({ retentionDays: 10 })).toThrow(
      'LogRetention: retentionDays is 10, which CloudWatch Logs does not accept; use one of 1, 3, 5, 7, 14,',
    );
  });

  it('fails synthesis on a log group whose retention CloudWatch Logs does not accept', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Stack');
    new logs.CfnLogGroup(stack, 'Odd', { retentionInDays: 42 });
    applyLogRetention(app, 30);
    // THEN
    expect(() => app.synth()).toThrow(
      'log group Stack/Odd: RetentionInDays is 42, which CloudWatch Logs does not accept; use one of',
    );
  });

  it('leaves a retention given as a token for deploy time', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Stack');
    const days = new CfnParameter(stack, 'Days', { type: 'Number' });
    new logs.CfnLogGroup(stack, 'FromParameter', { retentionInDays: days.valueAsNumber });
    applyLogRetention(app, 30);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: { Ref: 'Days' },
    });
  });
});
