import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LIMIT_METRICS, LIMITS_ENV } from '../../functions/limits/handler';
import { acknowledge, acknowledgeLogGroup } from '../compliance';
import { createFunctionLogGroup, createFunctionRole } from './platform-function';

/** Share of a limit at which an alarm fires. */
export const LIMIT_ALARM_PERCENT = 80;

/** Props of {@link LimitsWatch}. */
export interface LimitsWatchProps {
  /** Project name: the metrics' namespace is `{project}/Limits`. */
  readonly project: string;
  /** Environment name: the metrics' `Environment` dimension. */
  readonly environment: string;
  /** The shared VPC whose subnets and ENIs are measured. */
  readonly vpcId: string;
  /** The account's Lambda ENIs per VPC quota (config `quotas.lambdaEnisPerVpc`). */
  readonly lambdaEniQuota: number;
  /** Topic the alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * How often the limits are measured.
   * @default Duration.hours(1)
   */
  readonly interval?: Duration;
}

/**
 * Watches the AWS limits AWS publishes no usage metric for: a small scheduled function
 * (functions/limits/handler.ts) publishes each usage as a percentage of its limit, and an alarm at
 * {@link LIMIT_ALARM_PERCENT}% per metric notifies the platform topic. Lambda concurrency, which
 * AWS does publish (AWS/Usage), is alarmed with `SERVICE_QUOTA()` metric math instead.
 */
export class LimitsWatch extends Construct {
  /** The scheduled function. */
  public readonly function: nodejs.NodejsFunction;
  /** Every alarm, for the dashboard's alarm status widget. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The namespace of the published metrics. */
  public readonly namespace: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: LimitsWatchProps,
  ) {
    super(scope, id);
    this.namespace = `${props.project}/Limits`;
    this.function = this.createFunction();
    this.schedule();
    for (const [name, metric] of Object.entries(this.metrics(false))) this.alarm(name, metric);
    this.alarm('LambdaConcurrency', this.concurrencyPercent());
    this.acknowledgeFindings();
  }

  /**
   * The published percentages, by alarm id. Dashboard metrics carry a label; alarm metrics do not,
   * because a label turns an alarm into a metric-math alarm for no gain.
   */
  metrics(labelled = true): Record<string, cloudwatch.IMetric> {
    const m = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: this.namespace,
        metricName,
        dimensionsMap: { Environment: this.props.environment },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.hours(1),
        label: labelled ? label : undefined,
      });
    return {
      SubnetAddresses: m(LIMIT_METRICS.subnetAddresses, 'Fullest subnet: addresses used %'),
      LambdaEnis: m(LIMIT_METRICS.lambdaEnis, 'Lambda ENIs of the VPC: % of quota'),
      IamRoles: m(LIMIT_METRICS.iamRoles, 'IAM roles: % of quota'),
      IamPolicies: m(LIMIT_METRICS.iamPolicies, 'IAM managed policies: % of quota'),
      CloudFormationStacks: m(LIMIT_METRICS.stacks, 'CloudFormation stacks: % of limit'),
      SsmParameters: m(LIMIT_METRICS.ssmParameters, 'SSM parameters: % of 10,000'),
    };
  }

  /**
   * Lambda's concurrent executions of the account and region against the account's applied quota,
   * in percent: AWS publishes the usage in AWS/Usage and SERVICE_QUOTA() reads the quota.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Service-Quota-Integration.html
   */
  concurrencyPercent(): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: '100 * usage / SERVICE_QUOTA(usage)',
      usingMetrics: {
        usage: new cloudwatch.Metric({
          namespace: 'AWS/Usage',
          metricName: 'ResourceCount',
          dimensionsMap: {
            Service: 'Lambda',
            Type: 'Resource',
            Resource: 'ConcurrentExecutions',
            Class: 'None',
          },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(5),
        }),
      },
      label: 'Lambda concurrent executions: % of quota',
      period: Duration.minutes(5),
    });
  }

  private createFunction(): nodejs.NodejsFunction {
    const logGroup = createFunctionLogGroup(this, {
      retention: this.props.logRetention,
      removalPolicy: this.props.logRemovalPolicy,
    });
    const role = createFunctionRole(this, {
      logGroup,
      policyDescription: 'Limits function: reads the counts AWS publishes no metric for and publishes them.',
      roleDescription: 'Limits function (read-only describes and its own metric namespace).',
      statements: [
        // Describe, list and summary calls of these services support no resource-level permissions.
        new iam.PolicyStatement({
          sid: 'ReadUsage',
          actions: [
            'ec2:DescribeSubnets',
            'ec2:DescribeNetworkInterfaces',
            'iam:GetAccountSummary',
            'cloudformation:DescribeAccountLimits',
            'cloudformation:ListStacks',
            'ssm:DescribeParameters',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'PublishOwnMetrics',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': this.namespace } },
        }),
      ],
    });
    acknowledge(
      this.node.findChild('Policy'),
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeSubnets, ec2:DescribeNetworkInterfaces, iam:GetAccountSummary, cloudformation:DescribeAccountLimits, cloudformation:ListStacks and ssm:DescribeParameters support no resource-level permissions (Service Authorization Reference); cloudwatch:PutMetricData has none either and is confined to the namespace {project}/Limits by the cloudwatch:namespace condition.',
    );
    return new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'functions', 'limits', 'handler.ts'),
      handler: 'handler',
      description:
        'Publishes the usage of the AWS limits AWS publishes no metric for, as a percentage of each limit.',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      // One run at a time: a second would publish the same figures.
      reservedConcurrentExecutions: 1,
      role: role.withoutPolicyUpdates(),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      // The next scheduled run measures again; a retry would only publish twice.
      retryAttempts: 0,
      environment: {
        [LIMITS_ENV.namespace]: this.namespace,
        [LIMITS_ENV.environment]: this.props.environment,
        [LIMITS_ENV.vpcId]: this.props.vpcId,
        [LIMITS_ENV.lambdaEniQuota]: String(this.props.lambdaEniQuota),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        externalModules: [],
        esbuildArgs: { '--conditions': '@shared-lambda-infra/source' },
      },
    });
  }

  private schedule(): void {
    new events.Rule(this, 'Schedule', {
      description: 'Runs the limits function.',
      schedule: events.Schedule.rate(this.props.interval ?? Duration.hours(1)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }

  private alarm(id: string, metric: cloudwatch.IMetric): void {
    const identifier = id.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmDescription: `${identifier}: past ${LIMIT_ALARM_PERCENT}% of its AWS limit (docs/limits.md says how to raise it).`,
      metric,
      threshold: LIMIT_ALARM_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // Before the first run, and for AWS/Usage with no executions, there is no datapoint: not a breach.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.props.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }

  private acknowledgeFindings(): void {
    const fn = this.function;
    const vpcReason =
      'The function calls only AWS control-plane APIs (EC2, IAM, CloudFormation, SSM describes and CloudWatch PutMetricData) and reaches no private resource.';
    acknowledge(fn, 'NIST.800.53.R5-LambdaInsideVPC', vpcReason);
    acknowledge(fn, 'cdk-validator-cfnguard::lambda_inside_vpc_check', vpcReason);
    const asyncReason =
      'The hourly schedule invokes it; a failed run is followed by the next one, and a missing datapoint is not a breach, so a failed event has nothing to replay.';
    acknowledge(fn, 'Serverless-LambdaDLQ', asyncReason);
    acknowledge(fn, 'NIST.800.53.R5-LambdaDLQ', asyncReason);
    const invokeConfig = fn.node.tryFindChild('EventInvokeConfig');
    if (invokeConfig) acknowledge(invokeConfig, 'Serverless-LambdaAsyncFailureDestination', asyncReason);
    acknowledge(
      this.node.findChild('Schedule'),
      'Serverless-EventBusDLQ',
      'The hourly event only starts a measurement: one EventBridge fails to deliver is replaced by the next an hour later.',
    );
    const logGroup = this.node.findChild('LogGroup');
    const kmsReason =
      'The log holds counts of subnets, interfaces, roles, stacks and parameters (no data); CloudWatch Logs encrypts it at rest with its own key.';
    acknowledgeLogGroup(logGroup, {
      encryption: kmsReason,
      retentionDays: this.props.logRetention,
      retention: `Retention follows the platform's observability.logRetentionDays (${this.props.logRetention} days); the figures themselves are kept as CloudWatch metrics for 15 months.`,
    });
  }
}
