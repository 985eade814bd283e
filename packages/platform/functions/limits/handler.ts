/**
 * The limits function: publishes, on a schedule, the usage of the AWS limits AWS itself publishes
 * no metric for, each as a percentage of its limit (namespace `{project}/Limits`, dimension
 * `Environment`), so the observability stack can alarm at 80%:
 *
 * - `SubnetAddressesUsedPercent`: the fullest subnet of the VPC (and each subnet, dimension `SubnetId`)
 * - `LambdaEnisUsedPercent`: Lambda's Hyperplane ENIs in the VPC against `quotas.lambdaEnisPerVpc`
 * - `IamRolesUsedPercent`, `IamPoliciesUsedPercent`: GetAccountSummary's counts against its quotas
 * - `CloudFormationStacksUsedPercent`: live stacks against DescribeAccountLimits' StackLimit
 * - `SsmParametersUsedPercent`: parameters against the 10,000 standard parameters of an account
 */
import {
  CloudFormationClient,
  DescribeAccountLimitsCommand,
  ListStacksCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeNetworkInterfacesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

/** Environment variables the function reads. */
export const LIMITS_ENV = {
  namespace: 'LIMITS_NAMESPACE',
  environment: 'LIMITS_ENVIRONMENT',
  vpcId: 'LIMITS_VPC_ID',
  lambdaEniQuota: 'LIMITS_LAMBDA_ENI_QUOTA',
} as const;

/** The metric names, as the alarms read them. */
export const LIMIT_METRICS = {
  subnetAddresses: 'SubnetAddressesUsedPercent',
  lambdaEnis: 'LambdaEnisUsedPercent',
  vpcNetworkInterfaces: 'VpcNetworkInterfaces',
  iamRoles: 'IamRolesUsedPercent',
  iamPolicies: 'IamPoliciesUsedPercent',
  stacks: 'CloudFormationStacksUsedPercent',
  ssmParameters: 'SsmParametersUsedPercent',
} as const;

/**
 * Standard parameters per account and region: not in Service Quotas, so not readable at run time.
 * @see https://docs.aws.amazon.com/general/latest/gr/ssm.html
 */
export const SSM_STANDARD_PARAMETERS = 10_000;

/** Every stack status but DELETE_COMPLETE: deleted stacks do not count against the limit. */
const LIVE_STACK_STATUSES: StackStatus[] = [
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'CREATE_COMPLETE',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE',
  'REVIEW_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_IN_PROGRESS',
  'IMPORT_ROLLBACK_FAILED',
  'IMPORT_ROLLBACK_COMPLETE',
];

/** The function's settings. */
export interface LimitsSettings {
  /** CloudWatch namespace. */
  readonly namespace: string;
  /** Environment name (the `Environment` dimension). */
  readonly environment: string;
  /** The shared VPC. */
  readonly vpcId: string;
  /** The account's Lambda ENIs per VPC quota. */
  readonly lambdaEniQuota: number;
}

/** The AWS clients the function calls. */
export interface LimitsClients {
  readonly ec2: EC2Client;
  readonly iam: IAMClient;
  readonly cloudFormation: CloudFormationClient;
  readonly ssm: SSMClient;
  readonly cloudWatch: CloudWatchClient;
}

/** Reads the settings from the function's environment; throws naming a missing variable. */
export function settingsFrom(env: NodeJS.ProcessEnv): LimitsSettings {
  const read = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`environment variable ${key} is not set`);
    return value;
  };
  return {
    namespace: read(LIMITS_ENV.namespace),
    environment: read(LIMITS_ENV.environment),
    vpcId: read(LIMITS_ENV.vpcId),
    lambdaEniQuota: Number(read(LIMITS_ENV.lambdaEniQuota)),
  };
}

const percent = (used: number, limit: number) => Math.round((10_000 * used) / limit) / 100;

/** Measures every limit and publishes the metrics; returns what it published. */
export async function publishLimits(
  clients: LimitsClients,
  settings: LimitsSettings,
): Promise<MetricDatum[]> {
  const dimensions = [{ Name: 'Environment', Value: settings.environment }];
  const datum = (
    name: string,
    value: number,
    unit: 'Percent' | 'Count' = 'Percent',
    extra: MetricDatum['Dimensions'] = [],
  ): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: unit,
    Dimensions: [...dimensions, ...extra],
  });
  const data: MetricDatum[] = [];

  const subnets = await describeSubnets(clients.ec2, settings.vpcId);
  const subnetPercents = subnets.map((s) => {
    const usable = 2 ** (32 - Number(s.CidrBlock?.split('/')[1] ?? 32)) - 5;
    const used = percent(usable - (s.AvailableIpAddressCount ?? 0), usable);
    data.push(
      datum(LIMIT_METRICS.subnetAddresses, used, 'Percent', [{ Name: 'SubnetId', Value: s.SubnetId ?? '' }]),
    );
    return used;
  });
  if (subnetPercents.length > 0) data.push(datum(LIMIT_METRICS.subnetAddresses, Math.max(...subnetPercents)));

  const interfaces = await describeNetworkInterfaces(clients.ec2, settings.vpcId);
  const lambdaEnis = interfaces.filter((i) => i.InterfaceType === 'lambda').length;
  data.push(datum(LIMIT_METRICS.lambdaEnis, percent(lambdaEnis, settings.lambdaEniQuota)));
  data.push(datum(LIMIT_METRICS.vpcNetworkInterfaces, interfaces.length, 'Count'));

  const summary = (await clients.iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
  if (summary.RolesQuota)
    data.push(datum(LIMIT_METRICS.iamRoles, percent(summary.Roles ?? 0, summary.RolesQuota)));
  if (summary.PoliciesQuota) {
    data.push(datum(LIMIT_METRICS.iamPolicies, percent(summary.Policies ?? 0, summary.PoliciesQuota)));
  }

  const limits =
    (await clients.cloudFormation.send(new DescribeAccountLimitsCommand({}))).AccountLimits ?? [];
  const stackLimit = limits.find((l) => l.Name === 'StackLimit')?.Value;
  if (stackLimit)
    data.push(datum(LIMIT_METRICS.stacks, percent(await countStacks(clients.cloudFormation), stackLimit)));

  data.push(
    datum(LIMIT_METRICS.ssmParameters, percent(await countParameters(clients.ssm), SSM_STANDARD_PARAMETERS)),
  );

  // PutMetricData takes up to 1,000 metrics a call.
  for (let i = 0; i < data.length; i += 1000) {
    await clients.cloudWatch.send(
      new PutMetricDataCommand({ Namespace: settings.namespace, MetricData: data.slice(i, i + 1000) }),
    );
  }
  return data;
}

async function describeSubnets(ec2: EC2Client, vpcId: string) {
  const out = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken }),
    );
    out.push(...(page.Subnets ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function describeNetworkInterfaces(ec2: EC2Client, vpcId: string) {
  const out = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], NextToken }),
    );
    out.push(...(page.NetworkInterfaces ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

async function countStacks(cfn: CloudFormationClient): Promise<number> {
  let n = 0;
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStacksCommand({ StackStatusFilter: LIVE_STACK_STATUSES, NextToken }));
    n += page.StackSummaries?.length ?? 0;
    NextToken = page.NextToken;
  } while (NextToken);
  return n;
}

async function countParameters(ssm: SSMClient): Promise<number> {
  let n = 0;
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeParametersCommand({ MaxResults: 50, NextToken }));
    n += page.Parameters?.length ?? 0;
    NextToken = page.NextToken;
  } while (NextToken);
  return n;
}

/** Lambda entry point (an EventBridge schedule invokes it). */
export async function handler(): Promise<{ published: number }> {
  const data = await publishLimits(
    {
      ec2: new EC2Client({}),
      iam: new IAMClient({}),
      cloudFormation: new CloudFormationClient({}),
      ssm: new SSMClient({}),
      cloudWatch: new CloudWatchClient({}),
    },
    settingsFrom(process.env),
  );
  return { published: data.length };
}
