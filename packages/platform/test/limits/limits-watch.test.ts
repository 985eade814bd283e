import type { EnvironmentName } from '@shared-lambda-infra/contract';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedPlatform, synthPlatform } from '../helpers/synth';

// The limit alarms and the dashboard's Limits section are in the observability stack of every
// environment.

const LIMIT_METRICS = [
  'SubnetAddressesUsedPercent',
  'LambdaEnisUsedPercent',
  'IamRolesUsedPercent',
  'IamPoliciesUsedPercent',
  'CloudFormationStacksUsedPercent',
  'SsmParametersUsedPercent',
];

describe.each(['dev', 'staging', 'prod'] as const)('limits watch in %s', (env: EnvironmentName) => {
  let template: Template;
  let topic: string;

  beforeAll(() => {
    const platform = sharedPlatform(env);
    template = platform.template(platform.stacks.observability);
    topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  });

  it.each(LIMIT_METRICS)('alarms at 80%% of %s to the platform topic', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'shared-lambda-infra/Limits',
      MetricName: metricName,
      Dimensions: [{ Name: 'Environment', Value: env }],
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it("alarms at 80% of the account's Lambda concurrency quota with SERVICE_QUOTA() metric math", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 80,
      AlarmActions: [{ Ref: topic }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * usage / SERVICE_QUOTA(usage)', ReturnData: true }),
        Match.objectLike({
          Id: 'usage',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Usage',
              MetricName: 'ResourceCount',
              Dimensions: Match.arrayWith([{ Name: 'Resource', Value: 'ConcurrentExecutions' }]),
            },
          }),
        }),
      ]),
    });
  });

  it('runs the limits function every hour, with the VPC and the ENI quota it measures against', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          LIMITS_NAMESPACE: 'shared-lambda-infra/Limits',
          LIMITS_ENVIRONMENT: env,
          LIMITS_LAMBDA_ENI_QUOTA: '500',
          LIMITS_VPC_ID: Match.anyValue(),
        }),
      },
    });
  });

  it('lets the function publish metrics only in its own namespace', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'PublishOwnMetrics',
            Effect: 'Allow',
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'shared-lambda-infra/Limits' } },
          },
        ]),
      },
    });
  });

  it('has a Limits section on the platform dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);

    expect(body).toContain('## Limits');
    expect(body).toContain('Limit alarms');
    expect(body).toContain('SERVICE_QUOTA(usage)');
  });
});

describe('quotas.lambdaEnisPerVpc', () => {
  it('is the quota the limits function measures Lambda ENIs against', () => {
    const platform = synthPlatform({ env: 'dev', overrides: { quotas: { lambdaEnisPerVpc: 1200 } } });

    platform.template(platform.stacks.observability).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LIMITS_LAMBDA_ENI_QUOTA: '1200' }) },
    });
  });
});
