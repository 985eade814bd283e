import { Parameters, resourceName } from '@shared-lambda-infra/contract';
import { Arn, ArnFormat, Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance';
import { ContractValue } from '../constructs/contract-parameter';
import { createPlatformKey } from '../constructs/kms';
import { LimitsWatch } from '../constructs/limits-watch';
import type { NetworkStack } from './network-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ObservabilityStack}. */
export interface ObservabilityStackProps extends PlatformStackProps {
  /** The network whose NAT gateways are watched. */
  readonly network: NetworkStack;
}

// NAT gateways publish one datapoint a minute; five of them smooth a single noisy minute without
// hiding an outage for long. The thresholds in config count events over this window.
const NAT_ALARM_PERIOD = Duration.minutes(5);
const NAT_NAMESPACE = 'AWS/NATGateway';

/**
 * The observability stack (`{project}-{env}-observability`): the alarm topic every platform alarm
 * notifies (each service's alarms go to the service's own topic, in its access stack), the platform
 * dashboard, and alarms on the shared network. Its alarm key also encrypts the services' topics.
 *
 * Other stacks (the API stack) add their own alarms with {@link alarmTopic} and their own widgets
 * to {@link dashboard}. Widgets added from another stack must be built from plain names (an API
 * name, a function name as a string), never from that stack's tokens: the dashboard lives here,
 * and the other stack already depends on this one for the topic, so a token would make this stack
 * depend on it too, a dependency cycle.
 */
export class ObservabilityStack extends PlatformStack {
  /** Topic every platform alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** The platform dashboard; other stacks add widgets built from plain names (no cross-stack tokens). */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The customer-managed key that encrypts {@link alarmTopic}. */
  public readonly alarmTopicKey: kms.IKey;
  /** The AWS limits watch: the limits function and its alarms (docs/limits.md). */
  public readonly limits: LimitsWatch;

  constructor(scope: Construct, props: ObservabilityStackProps) {
    super(scope, 'observability', props);
    this.alarmTopicKey = this.createAlarmTopicKey();
    this.alarmTopic = this.createAlarmTopic(this.alarmTopicKey);
    this.dashboard = this.createDashboard();
    this.watchNatGateways(props.network.natGatewayIds);
    this.limits = this.watchLimits(props.network);
    this.publishContract();
  }

  /**
   * The topic's key. A customer-managed key because the AWS managed `alias/aws/sns` key has a
   * fixed key policy that does not let CloudWatch use it: alarms publishing to a topic encrypted
   * with it fail with KMS AccessDenied, visible only in the alarm history.
   * @see https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
   */
  private createAlarmTopicKey(): kms.Key {
    return createPlatformKey(this, 'AlarmTopicKey', {
      nameScope: this.nameScope,
      identifier: 'alarms',
      encrypts: 'the alarm topic',
      removalPolicy: this.dataRemovalPolicy,
      statements: [
        // CloudWatch calls KMS itself when it publishes to an encrypted topic, and the account-root
        // statement of the default key policy does not cover service principals.
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccount',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: this.alarmSourceConditions(),
        }),
      ],
    });
  }

  private createAlarmTopic(key: kms.IKey): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: resourceName('snsTopic', { ...this.nameScope, resourceType: 'topic', identifier: 'alarms' }),
      displayName: `${this.nameScope.project} ${this.nameScope.env} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy that enforceSSL creates replaces SNS's default one, which is what let
    // CloudWatch publish: without this statement alarms fail with "no resource-based policy
    // allows the SNS:Publish action".
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: this.alarmSourceConditions(),
      }),
    );
    for (const email of this.config.observability.alarmEmails) {
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(email));
      acknowledge(
        subscription,
        'Serverless-SNSRedrivePolicy',
        'An email subscription is a human notification channel: alarm messages SNS could not mail would sit in a queue nobody watches, and the alarm history in CloudWatch already records every state change.',
      );
    }
    return topic;
  }

  /** Confines the CloudWatch service principal to alarms of this account and region (confused deputy). */
  private alarmSourceConditions(): Record<string, Record<string, string>> {
    const alarms = Arn.format(
      {
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      this,
    );
    return {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': alarms },
    };
  }

  private createDashboard(): cloudwatch.Dashboard {
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: resourceName('cloudWatchDashboard', {
        ...this.nameScope,
        resourceType: 'dashboard',
        identifier: 'platform',
      }),
      defaultInterval: Duration.hours(3),
    });
  }

  /**
   * NAT gateway widgets and alarms. A NAT gateway that runs out of source ports or drops packets
   * breaks every Lambda function's calls to the internet at once, and nothing in the functions'
   * own metrics says why.
   */
  private watchNatGateways(natGatewayIds: readonly string[]): void {
    if (natGatewayIds.length === 0) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: `## NAT\nnetwork.nat is \`${this.config.network.nat}\`: no NAT gateway to watch.`,
          width: 24,
          height: 2,
        }),
      );
      return;
    }
    const { natPortAllocationErrorThreshold, natPacketsDropThreshold } = this.config.observability;
    const alarms: cloudwatch.Alarm[] = [];
    natGatewayIds.forEach((natGatewayId, index) => {
      const n = index + 1;
      alarms.push(
        this.natAlarm(`Nat${n}PortAllocationErrors`, `nat-${n}-port-allocation-errors`, {
          metric: natMetric('ErrorPortAllocation', natGatewayId),
          threshold: natPortAllocationErrorThreshold,
          description: `NAT gateway ${n} could not allocate a source port: outbound connections from the VPC are failing.`,
        }),
        this.natAlarm(`Nat${n}PacketsDropped`, `nat-${n}-packets-dropped`, {
          metric: natMetric('PacketsDropCount', natGatewayId),
          threshold: natPacketsDropThreshold,
          description: `NAT gateway ${n} is dropping packets: outbound traffic from the VPC is being lost.`,
        }),
      );
    });
    const graph = (title: string, metrics: string[]) =>
      new cloudwatch.GraphWidget({
        title,
        width: 12,
        height: 6,
        left: natGatewayIds.flatMap((id, index) => metrics.map((m) => natMetric(m, id, index + 1))),
      });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## NAT gateways', width: 24, height: 1 }),
      graph('NAT bytes to and from destinations', ['BytesOutToDestination', 'BytesInFromDestination']),
      graph('NAT bytes to and from sources (the VPC)', ['BytesInFromSource', 'BytesOutToSource']),
      graph('NAT active connections', ['ActiveConnectionCount']),
      graph('NAT port allocation errors', ['ErrorPortAllocation']),
      graph('NAT packets dropped', ['PacketsDropCount']),
      new cloudwatch.AlarmStatusWidget({ title: 'NAT alarms', alarms, width: 12, height: 6 }),
    );
  }

  /**
   * The "Limits" section of the dashboard and its alarms: what AWS publishes against its quotas
   * (Lambda concurrency) and what the limits function publishes (lib/constructs/limits-watch.ts),
   * each alarming at 80% to the platform topic.
   */
  private watchLimits(network: NetworkStack): LimitsWatch {
    const watch = new LimitsWatch(this, 'Limits', {
      project: this.nameScope.project,
      environment: this.nameScope.env,
      vpcId: network.vpc.vpcId,
      lambdaEniQuota: this.config.quotas.lambdaEnisPerVpc,
      alarmTopic: this.alarmTopic,
      logRetention: this.config.observability.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: this.dataRemovalPolicy,
    });
    const metrics = watch.metrics();
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Limits\nUsage of AWS limits in percent; alarms at 80%. `npm run limits` and docs/limits.md say how each is raised.',
        width: 24,
        height: 2,
      }),
      new cloudwatch.GraphWidget({
        title: 'Account limits (% used)',
        width: 12,
        height: 6,
        left: [metrics.IamRoles, metrics.IamPolicies, metrics.CloudFormationStacks, metrics.SsmParameters],
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.GraphWidget({
        title: 'Network and Lambda limits (% used)',
        width: 12,
        height: 6,
        left: [metrics.SubnetAddresses, metrics.LambdaEnis, watch.concurrencyPercent()],
        leftYAxis: { min: 0, max: 100 },
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Limit alarms', alarms: watch.alarms, width: 24, height: 3 }),
    );
    return watch;
  }

  private natAlarm(
    id: string,
    identifier: string,
    props: { metric: cloudwatch.IMetric; threshold: number; description: string },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: resourceName('cloudWatchAlarm', { ...this.nameScope, resourceType: 'alarm', identifier }),
      alarmDescription: props.description,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // An idle NAT gateway publishes no datapoints: silence is health, not an outage.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    // Tell on-call when it is over, so nobody investigates an incident that has already ended.
    alarm.addOkAction(action);
    return alarm;
  }

  private publishContract(): void {
    const scope = this.nameScope;
    new ContractValue(this, 'AlarmTopicArn', {
      scope,
      parameter: Parameters.alarmTopicArn,
      value: this.alarmTopic.topicArn,
    });
    new ContractValue(this, 'LogRetentionDays', {
      scope,
      parameter: Parameters.logRetentionDays,
      value: String(this.config.observability.logRetentionDays),
    });
  }
}

/**
 * One NAT gateway metric. Dashboard metrics carry a label (`NAT 2 ...`) to tell the gateways apart;
 * alarm metrics do not, because a label turns the alarm into a metric-math alarm for no gain.
 */
function natMetric(metricName: string, natGatewayId: string, n?: number): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAT_NAMESPACE,
    metricName,
    dimensionsMap: { NatGatewayId: natGatewayId },
    statistic: metricName === 'ActiveConnectionCount' ? cloudwatch.Stats.MAXIMUM : cloudwatch.Stats.SUM,
    period: NAT_ALARM_PERIOD,
    label: n === undefined ? undefined : `NAT ${n} ${metricName}`,
  });
}
