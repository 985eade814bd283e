import {
  CloudFormationClient,
  DescribeAccountLimitsCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeNetworkInterfacesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler, LIMITS_ENV, publishLimits, settingsFrom } from '../../functions/limits/handler';

// The real handler against recorded AWS responses (aws-sdk-client-mock): what it publishes is
// computed by hand from the responses below.

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const cfn = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const cloudWatch = mockClient(CloudWatchClient);

const settings = { namespace: 'acme/Limits', environment: 'dev', vpcId: 'vpc-1', lambdaEniQuota: 500 };
const clients = () => ({
  ec2: new EC2Client({ region: 'eu-west-1' }),
  iam: new IAMClient({ region: 'us-east-1' }),
  cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
  ssm: new SSMClient({ region: 'eu-west-1' }),
  cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
});

beforeEach(() => {
  for (const m of [ec2, iam, cfn, ssm, cloudWatch]) m.reset();
  // A /24 (251 usable) with 51 free: 200 used = 79.68%; a /20 (4,091 usable) with 4,091 free: 0%.
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-a', CidrBlock: '10.0.0.0/24', AvailableIpAddressCount: 51 },
      { SubnetId: 'subnet-b', CidrBlock: '10.0.16.0/20', AvailableIpAddressCount: 4091 },
    ],
  });
  // Two pages: 3 Lambda ENIs and 2 others.
  ec2
    .on(DescribeNetworkInterfacesCommand)
    .resolvesOnce({
      NetworkInterfaces: [
        { InterfaceType: 'lambda' },
        { InterfaceType: 'lambda' },
        { InterfaceType: 'interface' },
      ],
      NextToken: 'page-2',
    })
    .resolvesOnce({ NetworkInterfaces: [{ InterfaceType: 'lambda' }, { InterfaceType: 'natGateway' }] });
  iam.on(GetAccountSummaryCommand).resolves({
    SummaryMap: { Roles: 850, RolesQuota: 1000, Policies: 300, PoliciesQuota: 1500 },
  });
  cfn.on(DescribeAccountLimitsCommand).resolves({
    AccountLimits: [
      { Name: 'StackLimit', Value: 2000 },
      { Name: 'StackOutputsLimit', Value: 200 },
    ],
  });
  cfn
    .on(ListStacksCommand)
    .resolvesOnce({ StackSummaries: Array.from({ length: 100 }, () => ({})) as never, NextToken: 't' })
    .resolvesOnce({ StackSummaries: Array.from({ length: 50 }, () => ({})) as never });
  ssm
    .on(DescribeParametersCommand)
    .resolvesOnce({ Parameters: Array.from({ length: 50 }, () => ({})), NextToken: 'n' })
    .resolvesOnce({ Parameters: Array.from({ length: 25 }, () => ({})) });
  cloudWatch.on(PutMetricDataCommand).resolves({});
});

afterEach(() => {
  delete process.env[LIMITS_ENV.namespace];
});

const metric = (
  name: string,
  value: number,
  unit = 'Percent',
  extra: Array<{ Name: string; Value: string }> = [],
) => ({
  MetricName: name,
  Value: value,
  Unit: unit,
  Dimensions: [{ Name: 'Environment', Value: 'dev' }, ...extra],
});

describe('limits function', () => {
  it('publishes each usage as a percentage of its limit', async () => {
    await publishLimits(clients(), settings);

    const calls = cloudWatch.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      Namespace: 'acme/Limits',
      MetricData: [
        metric('SubnetAddressesUsedPercent', 79.68, 'Percent', [{ Name: 'SubnetId', Value: 'subnet-a' }]),
        metric('SubnetAddressesUsedPercent', 0, 'Percent', [{ Name: 'SubnetId', Value: 'subnet-b' }]),
        metric('SubnetAddressesUsedPercent', 79.68),
        metric('LambdaEnisUsedPercent', 0.6),
        metric('VpcNetworkInterfaces', 5, 'Count'),
        metric('IamRolesUsedPercent', 85),
        metric('IamPoliciesUsedPercent', 20),
        metric('CloudFormationStacksUsedPercent', 7.5),
        metric('SsmParametersUsedPercent', 0.75),
      ],
    });
  });

  it('asks EC2 about the platform VPC only and counts only live stacks', async () => {
    await publishLimits(clients(), settings);

    expect(ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'vpc-id', Values: ['vpc-1'] },
    ]);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[1].args[0].input.NextToken).toBe('page-2');
    expect(cfn.commandCalls(ListStacksCommand)[0].args[0].input.StackStatusFilter).not.toContain(
      'DELETE_COMPLETE',
    );
  });

  it('publishes no account percentage AWS gives no quota for', async () => {
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 850 } });

    const data = await publishLimits(clients(), settings);

    expect(data.map((d) => d.MetricName)).not.toContain('IamRolesUsedPercent');
  });

  it('fails naming the missing environment variable', async () => {
    expect(() => settingsFrom({ [LIMITS_ENV.namespace]: 'acme/Limits' })).toThrow(
      'environment variable LIMITS_ENVIRONMENT is not set',
    );
    await expect(handler()).rejects.toThrow('environment variable LIMITS_NAMESPACE is not set');
  });
});
