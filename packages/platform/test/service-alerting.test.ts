import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCdkJsonContext } from '../lib/app';
import { ServiceAccessStack } from '../lib/stacks/service-access-stack';
import { SERVICE_ALERTING_OVERRIDES } from './helpers/alerting-variant';
import { configFor, TEST_CONTEXT } from './helpers/synth';

// GIVEN two services: orders with an e-mail owner, a team name, a webhook and its own thresholds;
// billing with nothing but the registry's required keys (the config's observability.serviceAlarms apply). The compliance
// packs run over the same variant in compliance-variants.slow.test.ts.
const config = configFor('dev', SERVICE_ALERTING_OVERRIDES);

describe('ServiceAccessStack alerting', () => {
  let orders: Template;
  let billing: Template;

  beforeAll(() => {
    const app = new App({
      context: { ...loadCdkJsonContext(), ...TEST_CONTEXT },
      builtinCloudFormationValidation: false,
      treeMetadata: false,
    });
    const stacks = config.services.map((service) => new ServiceAccessStack(app, { config, service }));
    const assembly = app.synth();
    [orders, billing] = stacks.map((s) =>
      Template.fromJSON(assembly.getStackArtifact(s.artifactId).template),
    );
  });

  it("gives each service its own topic, outside the names the service's execution role may manage, encrypted with the platform's alarm key", () => {
    orders.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'shared-lambda-infra-dev-alarm-orders',
      KmsMasterKeyId: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([':alias/shared-lambda-infra-dev-key-alarms'])]),
      }),
    });
    billing.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'shared-lambda-infra-dev-alarm-billing' });
  });

  it("lets CloudWatch publish only for this account's alarms named for the service", () => {
    const policy = Object.values(orders.findResources('AWS::SNS::TopicPolicy'))[0] as {
      Properties: {
        PolicyDocument: {
          Statement: Array<{
            Sid?: string;
            Principal?: unknown;
            Condition: { StringEquals?: unknown; ArnLike: { 'aws:SourceArn'?: unknown[] } };
          }>;
        };
      };
    };
    const publish = policy.Properties.PolicyDocument.Statement.find(
      (s) => s.Sid === 'AllowThisServicesAlarms',
    );
    expect(publish?.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(publish?.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    const arns = (publish?.Condition.ArnLike['aws:SourceArn'] ?? []).map((a) =>
      JSON.stringify(a)
        .replace(/.*:alarm:/, 'alarm:')
        .replace(/"\]\]\}$/, ''),
    );
    expect(arns).toEqual([
      'alarm:shared-lambda-infra-dev-alarm-api-orders-*',
      'alarm:shared-lambda-infra-dev-alarm-orders-*',
      'alarm:shared-lambda-infra-dev-orders-*',
    ]);
  });

  it('subscribes the owners that are e-mail addresses, and the webhook over https', () => {
    const endpoints = Object.values(orders.findResources('AWS::SNS::Subscription')).map((s) => {
      const p = (s as { Properties: { Protocol: string; Endpoint: string } }).Properties;
      return `${p.Protocol} ${p.Endpoint}`;
    });
    expect(endpoints.sort()).toEqual([
      'email oncall@example.com',
      'email orders-team@example.com',
      'https https://hooks.example.com/services/orders',
    ]);
    billing.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('tags the topic and the alarms with the service, for cost allocation', () => {
    orders.hasResourceProperties('AWS::SNS::Topic', {
      Tags: Match.arrayWith([{ Key: 'Service', Value: 'orders' }]),
    });
    orders.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-orders-5xx-rate',
      Tags: Match.arrayWith([{ Key: 'Service', Value: 'orders' }]),
    });
  });

  it('publishes the topic ARN at /{project}/{env}/services/{service}/alarm-topic-arn', () => {
    const topic = Object.keys(orders.findResources('AWS::SNS::Topic'))[0];
    orders.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/shared-lambda-infra/dev/services/orders/alarm-topic-arn',
      Value: { Ref: topic },
    });
  });

  it("alarms on the service's gateway signals to its own topic, with the registry's thresholds over the config's", () => {
    const topic = Object.keys(orders.findResources('AWS::SNS::Topic'))[0];
    const alarms = (template: Template) =>
      Object.fromEntries(
        Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => {
          const p = (a as { Properties: { AlarmName: string; Threshold: number } }).Properties;
          return [p.AlarmName, p.Threshold];
        }),
      );
    // orders overrides every threshold in the registry (services[0].alarms)
    expect(alarms(orders)).toEqual({
      'shared-lambda-infra-dev-alarm-api-orders-5xx-rate': 2,
      'shared-lambda-infra-dev-alarm-api-orders-latency-p99': 1200,
      'shared-lambda-infra-dev-alarm-api-orders-throttled': 20,
      'shared-lambda-infra-dev-alarm-api-orders-authorizer-denials': 40,
    });
    // billing overrides none: the config's defaults (observability.serviceAlarms) apply
    expect(alarms(billing)).toEqual({
      'shared-lambda-infra-dev-alarm-api-billing-5xx-rate': 4,
      'shared-lambda-infra-dev-alarm-api-billing-latency-p99': 2500,
      'shared-lambda-infra-dev-alarm-api-billing-throttled': 75,
      'shared-lambda-infra-dev-alarm-api-billing-authorizer-denials': 150,
    });
    orders.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-orders-throttled',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
      Namespace: 'shared-lambda-infra/dev/ServiceApi',
      MetricName: 'Throttled',
      Dimensions: [{ Name: 'BasePath', Value: 'orders' }],
      Statistic: 'Sum',
      Period: 300,
    });
  });

  it("reads the service's metrics by its base path, not its name", () => {
    billing.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-billing-latency-p99',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Dimensions: [{ Name: 'BasePath', Value: 'invoices' }],
    });
    billing.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'shared-lambda-infra-dev-alarm-api-billing-5xx-rate',
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: '5XXError',
              Dimensions: [{ Name: 'BasePath', Value: 'invoices' }],
            }),
          }),
        }),
      ]),
    });
  });
});
