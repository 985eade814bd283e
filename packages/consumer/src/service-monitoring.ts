import {
  Parameters,
  SERVICE_API_METRIC_DIMENSION,
  SERVICE_API_METRICS,
  serviceAlarmName,
  serviceApiMetricsNamespace,
  serviceStackNamePrefix,
} from '@shared-lambda-infra/contract';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { identifierFromId } from './private/identifier';
import { ServiceApi } from './service-api';
import { ServiceFunction } from './service-function';
import { ServicePlatform } from './service-platform';
import { ServiceQueueWorker } from './service-queue-worker';
import { ServiceStreamConsumer } from './service-stream-consumer';

/** Defaults of {@link ServiceMonitoringOptions}, in one place. */
export const SERVICE_MONITORING_DEFAULTS = {
  // One failed invocation in five minutes is news for a service that owns its errors.
  errors: 1,
  // Any throttle means the function hit its (or the account's) concurrency: callers got 429 or retries.
  throttles: 1,
  // p99 at 80% of the timeout leaves room to act before invocations start timing out.
  durationPercentOfTimeout: 80,
  // A message in a dead-letter queue is an event the service lost until someone redrives it.
  deadLetterMessages: 1,
  // Five minutes behind a stream is past the point where consumers notice stale data.
  iteratorAgeSeconds: 300,
  dashboard: true,
} as const;

/**
 * What {@link ServiceStack} watches by default (`monitoring` prop): every threshold overridable.
 * Alarms notify the service's own alarm topic (`serviceAlarmTopicArn`), where its owners are
 * subscribed; OK notifications too, so nobody investigates an incident that has ended.
 */
export interface ServiceMonitoringOptions {
  /**
   * Errors of one function in five minutes that raise its alarm.
   * @default 1
   */
  readonly errors?: number;
  /**
   * Throttled invocations of one function in five minutes that raise its alarm.
   * @default 1
   */
  readonly throttles?: number;
  /**
   * p99 duration of one function over five minutes, as a percentage of its timeout, that raises its
   * alarm (only for functions whose timeout is known at synth time).
   * @default 80
   */
  readonly durationPercentOfTimeout?: number;
  /**
   * Messages visible in a dead-letter queue (a queue worker's, a stream consumer's on-failure
   * destination, a function's async `deadLetterQueue`) that raise its alarm.
   * @default 1
   */
  readonly deadLetterMessages?: number;
  /**
   * Age in seconds of the newest record a stream consumer has read, behind the stream's head, that
   * raises its alarm.
   * @default 300
   */
  readonly iteratorAgeSeconds?: number;
  /**
   * A dashboard named after the stack, with the service's gateway signals (when the stack has a
   * ServiceApi) and its functions' signals.
   * @default true
   */
  readonly dashboard?: boolean;
}

const PERIOD = Duration.minutes(5);

/**
 * Alarms on a service stack's functions, dead-letter queues and stream consumers, to the service's
 * own alarm topic, and the service dashboard. {@link ServiceStack} adds it (unless `monitoring:
 * false`) once the app has built everything, so it sees every {@link ServiceFunction},
 * {@link ServiceQueueWorker}, {@link ServiceStreamConsumer} and {@link ServiceApi} of the stack.
 *
 * Alarm names are `{project}-{env}-alarm-{service}-{identifier}-{what}`, the names the service's
 * execution role may create and the service's topic accepts alarms from.
 */
export class ServiceMonitoring extends Construct {
  /** Every alarm, in creation order. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The service dashboard; absent with `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly options: Required<ServiceMonitoringOptions>;
  private readonly platform: ServicePlatform;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, options: ServiceMonitoringOptions = {}) {
    super(scope, id);
    this.options = monitoringOptions(options);
    this.platform = ServicePlatform.of(this);
    this.topic = sns.Topic.fromTopicArn(
      this,
      'AlarmTopic',
      this.platform.serviceValue(Parameters.serviceAlarmTopicArn),
    );
    const stack = Stack.of(this);
    const all = stack.node.findAll();
    const functions = all.filter((c): c is ServiceFunction => c instanceof ServiceFunction);
    const streams = all.filter((c): c is ServiceStreamConsumer => c instanceof ServiceStreamConsumer);
    const deadLetterQueues = this.deadLetterQueues(all, functions);
    const widgets: cloudwatch.IWidget[][] = [];
    const api = all.find((c): c is ServiceApi => c instanceof ServiceApi);
    if (api) widgets.push(this.gatewayWidgets(api.basePath));
    for (const fn of functions) widgets.push(this.watchFunction(fn));
    for (const consumer of streams) widgets.push(this.watchStream(consumer));
    for (const [name, queue] of deadLetterQueues) widgets.push(this.watchDeadLetterQueue(name, queue));
    if (this.options.dashboard) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        dashboardName: stack.stackName,
        defaultInterval: Duration.hours(3),
      });
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: `## ${this.platform.service} (${this.platform.nameScope.env})`,
          width: 24,
          height: 1,
        }),
      );
      for (const row of widgets) this.dashboard.addWidgets(...row);
      // An alarm status widget shows at most 100 alarms.
      for (let i = 0; i < this.alarms.length; i += 100) {
        this.dashboard.addWidgets(
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: this.alarms.slice(i, i + 100),
            width: 24,
          }),
        );
      }
    }
  }

  /** Dead-letter queues of the stack, by an identifier for their alarm name. */
  private deadLetterQueues(
    all: readonly Construct[],
    functions: readonly ServiceFunction[],
  ): Array<[string, sqs.IQueue]> {
    const queues: Array<[string, sqs.IQueue]> = [];
    for (const c of all) {
      if (c instanceof ServiceQueueWorker || c instanceof ServiceStreamConsumer) {
        queues.push([this.constructIdentifier(c, 'Dead-letter queue owner'), c.deadLetterQueue]);
      }
    }
    for (const fn of functions) {
      if (fn.deadLetterQueue) queues.push([fn.identifier, fn.deadLetterQueue]);
    }
    return queues;
  }

  /**
   * The identifier of a construct in an alarm name. Alarm names are unique in the account, and two
   * stacks of one service may both have a `Jobs` worker: outside the `api` stack, the stack's
   * identifier comes first (`jobs-...` in `{project}-{env}-{service}-jobs`).
   */
  private constructIdentifier(c: Construct, what: string): string {
    const stack = Stack.of(this).stackName;
    const prefix = serviceStackNamePrefix(this.platform.nameScope, this.platform.service);
    const stackIdentifier = stack.startsWith(prefix) ? stack.slice(prefix.length) : 'api';
    const id = identifierFromId(c.node.id, what);
    return stackIdentifier === 'api' ? id : `${stackIdentifier}-${id}`;
  }

  private gatewayWidgets(basePath: string): cloudwatch.IWidget[] {
    const metric = (key: keyof typeof SERVICE_API_METRICS, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: serviceApiMetricsNamespace(this.platform.nameScope),
        metricName: SERVICE_API_METRICS[key],
        dimensionsMap: { [SERVICE_API_METRIC_DIMENSION]: basePath },
        statistic,
        period: Duration.minutes(1),
        label,
      });
    return [
      new cloudwatch.TextWidget({ markdown: `### Shared API: /${basePath}`, width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Requests and errors',
        left: [metric('requests', 'Sum'), metric('clientErrors', 'Sum'), metric('serverErrors', 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency (ms)',
        left: [
          metric('latency', 'p50', 'Latency p50'),
          metric('latency', 'p99', 'Latency p99'),
          metric('integrationLatency', 'p99', 'Integration latency p99'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttled (429) and authorizer denials',
        left: [metric('throttled', 'Sum'), metric('authorizerDenied', 'Sum')],
        width: 8,
      }),
    ];
  }

  private watchFunction(fn: ServiceFunction): cloudwatch.IWidget[] {
    const { errors, throttles, durationPercentOfTimeout } = this.options;
    const name = fn.identifier;
    this.alarm(
      `${name}-errors`,
      fn.metricErrors({ period: PERIOD }),
      errors,
      `${name} failed ${errors} or more times in 5 minutes.`,
    );
    this.alarm(
      `${name}-throttles`,
      fn.metricThrottles({ period: PERIOD }),
      throttles,
      `${name} was throttled ${throttles} or more times in 5 minutes: it reached its reserved or the account's concurrency.`,
    );
    const duration = fn.metricDuration({ period: PERIOD, statistic: 'p99' });
    const timeoutMs = knownMilliseconds(fn.timeout);
    const annotations: cloudwatch.HorizontalAnnotation[] = [];
    if (timeoutMs !== undefined) {
      const threshold = Math.round((timeoutMs * durationPercentOfTimeout) / 100);
      this.alarm(
        `${name}-duration`,
        duration,
        threshold,
        `p99 duration of ${name} reached ${durationPercentOfTimeout}% of its ${timeoutMs} ms timeout in 5 minutes.`,
      );
      annotations.push({ value: timeoutMs, label: 'timeout' }, { value: threshold, label: 'alarm' });
    }
    return [
      new cloudwatch.GraphWidget({
        title: `${name}: invocations, errors, throttles`,
        left: [
          fn.metricInvocations({ period: PERIOD }),
          fn.metricErrors({ period: PERIOD }),
          fn.metricThrottles({ period: PERIOD }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: duration p99 (ms)`,
        left: [duration],
        leftAnnotations: annotations,
        width: 12,
      }),
    ];
  }

  private watchStream(consumer: ServiceStreamConsumer): cloudwatch.IWidget[] {
    const fn = consumer.handler;
    const name = this.constructIdentifier(consumer, 'Stream consumer');
    const seconds = this.options.iteratorAgeSeconds;
    const age = fn.metric('IteratorAge', { period: PERIOD, statistic: 'Maximum' });
    this.alarm(
      `${name}-iterator-age`,
      age,
      seconds * 1000,
      `${name} is ${seconds} s or more behind its stream: records wait longer than the service expects.`,
    );
    return [new cloudwatch.GraphWidget({ title: `${name}: iterator age (ms, max)`, left: [age], width: 12 })];
  }

  private watchDeadLetterQueue(name: string, queue: sqs.IQueue): cloudwatch.IWidget[] {
    const depth = queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' });
    const threshold = this.options.deadLetterMessages;
    this.alarm(
      `${name}-dlq`,
      depth,
      threshold,
      `${threshold} or more messages wait in the dead-letter queue of ${name}: events the service failed to process.`,
    );
    return [new cloudwatch.GraphWidget({ title: `${name}: dead-letter messages`, left: [depth], width: 12 })];
  }

  private alarm(
    identifier: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
  ): void {
    const { nameScope, service } = this.platform;
    const alarm = new cloudwatch.Alarm(this, `Alarm-${identifier}`, {
      alarmName: serviceAlarmName(nameScope, service, identifier),
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // No invocations, no datapoints: an idle function is healthy.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}

/**
 * The options with their defaults, checked: throws, naming the option, the value and what is
 * allowed, when a threshold is not a count of 1 or more or a share of the timeout.
 */
export function monitoringOptions(given: ServiceMonitoringOptions): Required<ServiceMonitoringOptions> {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const options: Required<ServiceMonitoringOptions> = { ...SERVICE_MONITORING_DEFAULTS, ...defined };
  checkOptions(options);
  return options;
}

function checkOptions(options: Required<ServiceMonitoringOptions>): void {
  const positive: Array<keyof ServiceMonitoringOptions> = [
    'errors',
    'throttles',
    'deadLetterMessages',
    'iteratorAgeSeconds',
  ];
  for (const key of positive) {
    const value = options[key] as number;
    if (!(Number.isFinite(value) && value >= 1)) {
      throw new Error(`ServiceStack monitoring.${key} must be a number of 1 or more, got ${value}`);
    }
  }
  const percent = options.durationPercentOfTimeout;
  if (!(percent > 0 && percent <= 100)) {
    throw new Error(
      `ServiceStack monitoring.durationPercentOfTimeout must be above 0 and at most 100 (a share of the timeout), got ${percent}`,
    );
  }
}

function knownMilliseconds(duration: Duration | undefined): number | undefined {
  if (!duration) return undefined;
  const ms = duration.toMilliseconds();
  return Token.isUnresolved(ms) ? undefined : ms;
}
