import {
  kmsAliasName,
  type NameScope,
  SERVICE_API_METRIC_DIMENSION,
  SERVICE_API_METRICS,
  serviceAlarmNamePattern,
  serviceAlarmTopicName,
  serviceApiMetricsNamespace,
  serviceGatewayAlarmName,
  serviceStackNamePrefix,
} from '@shared-lambda-infra/contract';
import { Arn, ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { z } from 'zod';
import { acknowledge } from '../compliance';

/** Thresholds of a service's gateway alarms (`observability.serviceAlarms`, overridden by `services[].alarms`). */
export interface ServiceAlarmThresholds {
  /** 5XX responses as a percentage of the service's requests, per minute, in 3 of 5 minutes. */
  readonly serverErrorRatePercent: number;
  /** p99 latency in milliseconds, per minute, in 3 of 5 minutes. */
  readonly latencyP99Ms: number;
  /** Throttled (429) requests in five minutes. */
  readonly throttledRequests: number;
  /** Requests an authorizer refused (401, 403) in five minutes. */
  readonly authorizerDenials: number;
}

/** Props of {@link ServiceAlerting}. */
export interface ServiceAlertingProps {
  /** Project and environment. */
  readonly nameScope: NameScope;
  /** The registered service. */
  readonly service: string;
  /** Its base path: the `BasePath` dimension value of its gateway metrics. */
  readonly basePath: string;
  /** The alarm thresholds, defaults already applied. */
  readonly thresholds: ServiceAlarmThresholds;
  /**
   * Who answers for the service (registry `owners`); entries that are e-mail addresses are subscribed.
   * @default - no e-mail subscription
   */
  readonly owners?: readonly string[];
  /**
   * An https chat or incident webhook subscribed to the topic (registry `alarmWebhook`).
   * @default - no webhook
   */
  readonly webhook?: string;
}

// Gateway metrics are per minute; 3 bad minutes out of 5 ignore one burst without hiding an outage
// for long. Counts are summed over five minutes, the window their thresholds mean.
const PERIOD = Duration.minutes(1);
const COUNT_PERIOD = Duration.minutes(5);

/**
 * One service's alarm topic and the platform's default alarms on its gateway signals.
 *
 * The topic is encrypted with the platform's alarm key (`alias/{project}-{env}-key-alarms`, whose
 * key policy already lets CloudWatch alarms of the account use it), so 1,000 services add no KMS
 * key; CloudWatch may publish only for the alarms named for this service (its own, and the
 * platform's `{project}-{env}-alarm-api-{service}-*`). The platform topic keeps platform alarms only.
 */
export class ServiceAlerting extends Construct {
  /** The service's alarm topic. */
  public readonly topic: sns.Topic;
  /** The alarms on the service's gateway signals, by purpose. */
  public readonly alarms: {
    readonly serverErrorRate: cloudwatch.Alarm;
    readonly latencyP99: cloudwatch.Alarm;
    readonly throttledRequests: cloudwatch.Alarm;
    readonly authorizerDenials: cloudwatch.Alarm;
  };

  private readonly props: ServiceAlertingProps;

  constructor(scope: Construct, id: string, props: ServiceAlertingProps) {
    super(scope, id);
    this.props = props;
    this.topic = this.createTopic();
    this.subscribeOwners();
    const { thresholds, service, basePath } = props;
    this.alarms = {
      serverErrorRate: this.alarm('ServerErrorRate', '5xx-rate', this.serverErrorRate(), {
        threshold: thresholds.serverErrorRatePercent,
        description: `5XX responses reached ${thresholds.serverErrorRatePercent}% of the requests to /${basePath} (service ${service}) in 3 of 5 minutes.`,
      }),
      latencyP99: this.alarm('LatencyP99', 'latency-p99', this.metric('latency', 'p99', PERIOD), {
        threshold: thresholds.latencyP99Ms,
        description: `p99 latency of /${basePath} (service ${service}) reached ${thresholds.latencyP99Ms} ms in 3 of 5 minutes.`,
      }),
      throttledRequests: this.alarm('Throttled', 'throttled', this.metric('throttled', 'Sum', COUNT_PERIOD), {
        threshold: thresholds.throttledRequests,
        single: true,
        description: `${thresholds.throttledRequests} or more requests to /${basePath} (service ${service}) were throttled (429) in 5 minutes: its registry throttle or the stage's is too low for its traffic.`,
      }),
      authorizerDenials: this.alarm(
        'AuthorizerDenials',
        'authorizer-denials',
        this.metric('authorizerDenied', 'Sum', COUNT_PERIOD),
        {
          threshold: thresholds.authorizerDenials,
          single: true,
          description: `An authorizer refused ${thresholds.authorizerDenials} or more requests to /${basePath} (service ${service}) in 5 minutes (401 or 403): expired or foreign tokens, or a caller probing.`,
        },
      ),
    };
  }

  private createTopic(): sns.Topic {
    const { nameScope, service } = this.props;
    const key = kms.Alias.fromAliasName(
      this,
      'AlarmKey',
      kmsAliasName({ ...nameScope, resourceType: 'key', identifier: 'alarms' }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      topicName: serviceAlarmTopicName(nameScope, service),
      displayName: `${service} alarms (${nameScope.env})`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL's topic policy replaces the default one that let CloudWatch publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisServicesAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': this.alarmArns() },
        },
      }),
    );
    return topic;
  }

  /** The alarms that may notify the topic: the platform's on the service, and the service's own. */
  private alarmArns(): string[] {
    const { nameScope, service } = this.props;
    const alarm = (pattern: string) =>
      Arn.format(
        {
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: pattern,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        },
        Stack.of(this),
      );
    return [
      alarm(`${serviceGatewayAlarmName(nameScope, service, 'x').slice(0, -1)}*`),
      alarm(serviceAlarmNamePattern(nameScope, service)),
      alarm(`${serviceStackNamePrefix(nameScope, service)}*`),
    ];
  }

  private subscribeOwners(): void {
    const emails = (this.props.owners ?? []).filter((owner) => z.email().safeParse(owner).success);
    for (const email of emails) {
      const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(email));
      acknowledge(
        subscription,
        'Serverless-SNSRedrivePolicy',
        "An e-mail subscription of the service's owners is a human notification channel: messages SNS could not mail would sit in a queue nobody watches, and the alarm history in CloudWatch records every state change.",
      );
    }
    if (this.props.webhook) {
      const subscription = this.topic.addSubscription(
        new subscriptions.UrlSubscription(this.props.webhook, { protocol: sns.SubscriptionProtocol.HTTPS }),
      );
      acknowledge(
        subscription,
        'Serverless-SNSRedrivePolicy',
        "The service's chat webhook: SNS retries an HTTPS delivery by its delivery policy, and an alarm notification that still fails is superseded by the next state change, which the alarm history records; a dead-letter queue would hold stale alarms nobody reads.",
      );
    }
  }

  private metric(
    key: keyof typeof SERVICE_API_METRICS,
    statistic: string,
    period: Duration,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: serviceApiMetricsNamespace(this.props.nameScope),
      metricName: SERVICE_API_METRICS[key],
      dimensionsMap: { [SERVICE_API_METRIC_DIMENSION]: this.props.basePath },
      statistic,
      period,
    });
  }

  private serverErrorRate(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      // A minute without requests has no rate; 0 keeps the alarm quiet instead of dividing by zero.
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: this.metric('serverErrors', 'Sum', PERIOD),
        requests: this.metric('requests', 'Sum', PERIOD),
      },
      label: '5XX rate (%)',
      period: PERIOD,
    });
  }

  private alarm(
    id: string,
    identifier: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; description: string; single?: boolean },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: serviceGatewayAlarmName(this.props.nameScope, this.props.service, identifier),
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.single ? 1 : 5,
      datapointsToAlarm: options.single ? 1 : 3,
      // No requests, no datapoints: silence is not an outage of the service.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
