import { type NameScope, resourceName } from '@shared-lambda-infra/contract';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Alarm thresholds of {@link ApiMonitoring} (the `api.alarms` config). */
export interface ApiAlarmThresholds {
  /** 5XX responses as a percentage of requests, per minute. */
  readonly serverErrorRatePercent: number;
  /** p99 latency in milliseconds, per minute. */
  readonly latencyP99Ms: number;
  /** Throttled (429) requests in five minutes. */
  readonly throttledRequests: number;
  /** Authorizer function errors in five minutes. */
  readonly authorizerErrors: number;
}

/** Props of {@link ApiMonitoring}. */
export interface ApiMonitoringProps {
  /** Project and environment, for alarm names. */
  readonly nameScope: NameScope;
  /** The API's name: a plain string (the `ApiName` metric dimension), never a token. */
  readonly apiName: string;
  /** The stage's name: a plain string (the `Stage` metric dimension), never a token. */
  readonly stageName: string;
  /** Thresholds from config. */
  readonly thresholds: ApiAlarmThresholds;
  /** Topic every alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  /** The stage's JSON access log group, whose `status` field yields the 429 count. */
  readonly accessLogGroup: logs.ILogGroup;
  /**
   * The authorizer function's name, a plain string.
   * @default - no authorizer alarm or widget
   */
  readonly authorizerFunctionName?: string;
  /**
   * Dashboard to add the API's widgets to (it may live in another stack).
   * @default - no widgets
   */
  readonly dashboard?: cloudwatch.Dashboard;
  /**
   * Whether the stage has a cache cluster (adds a cache hit/miss widget).
   * @default false
   */
  readonly cache?: boolean;
  /**
   * The routes reconciler's metrics (plain names, no tokens), for the reconcile failures and lag
   * widget.
   * @default - no routes widget
   */
  readonly routes?: RoutesMetrics;
}

/** What {@link ApiMonitoring} reads of the routes reconciler. */
export interface RoutesMetrics {
  /** Failed applies, summed per period. */
  metricFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Longest wait from a request's arrival to its routes being live. */
  metricLagSeconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

// REST APIs publish per-minute datapoints; 3 bad minutes out of 5 ignore one slow or failing minute
// (a cold start burst) without hiding an outage for long.
const PERIOD = Duration.minutes(1);
const EVALUATION_PERIODS = 5;
const DATAPOINTS_TO_ALARM = 3;
// Counts (throttles, authorizer errors) are summed over five minutes, the window the thresholds mean.
const COUNT_PERIOD = Duration.minutes(5);

/**
 * Alarms and dashboard widgets of the shared REST API.
 *
 * Every metric is built from plain names (API, stage, function) rather than from the resources'
 * tokens: the dashboard lives in the observability stack, which the API stack depends on for the
 * alarm topic, so a token from the API stack in a widget would make the dependency a cycle.
 *
 * REST APIs publish no throttle metric (4XXError mixes 429 with every other client error), so the
 * 429 count comes from a metric filter on the stage's access log, whose `status` field is exact.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
 */
export class ApiMonitoring extends Construct {
  /** The alarms, by purpose. */
  public readonly alarms: {
    readonly serverErrorRate: cloudwatch.Alarm;
    readonly latencyP99: cloudwatch.Alarm;
    readonly throttledRequests: cloudwatch.Alarm;
    readonly authorizerErrors?: cloudwatch.Alarm;
  };
  /** Namespace of the custom `ThrottledRequests` metric the access-log filter publishes. */
  public readonly throttleNamespace: string;

  private readonly props: ApiMonitoringProps;

  constructor(scope: Construct, id: string, props: ApiMonitoringProps) {
    super(scope, id);
    this.props = props;
    this.validate();
    this.throttleNamespace = `${props.nameScope.project}/${props.nameScope.env}/api`;
    this.createThrottleMetricFilter();
    this.alarms = {
      serverErrorRate: this.alarm('ServerErrorRate', 'api-5xx-rate', this.serverErrorRate(), {
        threshold: props.thresholds.serverErrorRatePercent,
        description: `5XX responses reached ${props.thresholds.serverErrorRatePercent}% of requests on ${props.apiName}/${props.stageName}.`,
      }),
      latencyP99: this.alarm('LatencyP99', 'api-latency-p99', this.apiMetric('Latency', 'p99', PERIOD), {
        threshold: props.thresholds.latencyP99Ms,
        description: `p99 latency reached ${props.thresholds.latencyP99Ms} ms on ${props.apiName}/${props.stageName}.`,
      }),
      throttledRequests: this.alarm('ThrottledRequests', 'api-throttled', this.throttled(), {
        threshold: props.thresholds.throttledRequests,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        description: `${props.thresholds.throttledRequests} or more requests were throttled (429) in 5 minutes on ${props.apiName}/${props.stageName}.`,
      }),
      authorizerErrors: props.authorizerFunctionName
        ? this.alarm('AuthorizerErrors', 'api-authorizer-errors', this.authorizerMetric('Errors', 'Sum'), {
            threshold: props.thresholds.authorizerErrors,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            description: `The shared JWT authorizer failed ${props.thresholds.authorizerErrors} or more times in 5 minutes (JWKS unreachable or misconfigured; callers get 500).`,
          })
        : undefined,
    };
    if (props.dashboard) this.addWidgets(props.dashboard);
  }

  private validate(): void {
    const plain: Array<[string, string | undefined]> = [
      ['apiName', this.props.apiName],
      ['stageName', this.props.stageName],
      ['authorizerFunctionName', this.props.authorizerFunctionName],
    ];
    for (const [name, value] of plain) {
      if (value !== undefined && Token.isUnresolved(value)) {
        throw new Error(
          `ApiMonitoring ${name} is a token (${value}); pass the plain name computed from config, since a token would tie the dashboard's stack to this one`,
        );
      }
    }
  }

  private createThrottleMetricFilter(): void {
    new logs.MetricFilter(this, 'ThrottledRequestsFilter', {
      logGroup: this.props.accessLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: this.throttleNamespace,
      metricName: 'ThrottledRequests',
      metricValue: '1',
      // Every other request counts 0, so the metric exists (and the alarm has data) whenever there is traffic.
      defaultValue: 0,
    });
  }

  private apiMetric(metricName: string, statistic: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: this.props.apiName, Stage: this.props.stageName },
      statistic,
      period,
    });
  }

  private serverErrorRate(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      // A minute without requests has no rate; 0 keeps the alarm quiet instead of dividing by zero.
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: this.apiMetric('5XXError', 'Sum', PERIOD),
        requests: this.apiMetric('Count', 'Sum', PERIOD),
      },
      label: '5XX rate (%)',
      period: PERIOD,
    });
  }

  private throttled(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.throttleNamespace,
      metricName: 'ThrottledRequests',
      statistic: 'Sum',
      period: COUNT_PERIOD,
      label: 'Throttled (429)',
    });
  }

  private authorizerMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: this.props.authorizerFunctionName as string },
      statistic,
      period: COUNT_PERIOD,
    });
  }

  private alarm(
    id: string,
    identifier: string,
    metric: cloudwatch.IMetric,
    options: {
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: resourceName('cloudWatchAlarm', {
        ...this.props.nameScope,
        resourceType: 'alarm',
        identifier,
      }),
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? EVALUATION_PERIODS,
      datapointsToAlarm: options.datapointsToAlarm ?? DATAPOINTS_TO_ALARM,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.props.alarmTopic));
    alarm.addOkAction(new cloudwatchActions.SnsAction(this.props.alarmTopic));
    return alarm;
  }

  private addWidgets(dashboard: cloudwatch.Dashboard): void {
    const { apiName, stageName, thresholds } = this.props;
    const line = (value: number, label: string): cloudwatch.HorizontalAnnotation => ({ value, label });
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.TextWidget({
        markdown: `## Shared REST API \`${apiName}\`, stage \`${stageName}\``,
        width: 24,
        height: 1,
      }),
      new cloudwatch.GraphWidget({
        title: 'Requests and errors',
        left: [
          this.apiMetric('Count', 'Sum', PERIOD),
          this.apiMetric('4XXError', 'Sum', PERIOD),
          this.apiMetric('5XXError', 'Sum', PERIOD),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: '5XX rate (%)',
        left: [this.serverErrorRate()],
        leftAnnotations: [line(thresholds.serverErrorRatePercent, 'alarm')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency (ms)',
        left: [
          this.apiMetric('Latency', 'p50', PERIOD),
          this.apiMetric('Latency', 'p99', PERIOD),
          this.apiMetric('IntegrationLatency', 'p99', PERIOD),
        ],
        leftAnnotations: [line(thresholds.latencyP99Ms, 'p99 alarm')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttled requests (429)',
        left: [this.throttled()],
        leftAnnotations: [line(thresholds.throttledRequests, 'alarm')],
        width: 8,
      }),
    ];
    if (this.props.authorizerFunctionName) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'JWT authorizer',
          left: [this.authorizerMetric('Invocations', 'Sum'), this.authorizerMetric('Errors', 'Sum')],
          right: [this.authorizerMetric('Duration', 'p99')],
          leftAnnotations: [line(thresholds.authorizerErrors, 'errors alarm')],
          width: 8,
        }),
      );
    }
    if (this.props.cache) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Cache',
          left: [
            this.apiMetric('CacheHitCount', 'Sum', PERIOD),
            this.apiMetric('CacheMissCount', 'Sum', PERIOD),
          ],
          width: 8,
        }),
      );
    }
    if (this.props.routes) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: 'Routes reconciler: failures and lag',
          left: [this.props.routes.metricFailures({ label: 'Failed applies' })],
          right: [this.props.routes.metricLagSeconds({ label: 'Lag to live (s, max)' })],
          width: 8,
        }),
      );
    }
    dashboard.addWidgets(...widgets);
  }
}
