import { serviceRoleName } from '@shared-lambda-infra/contract';
import { Aws, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { identifierFromId } from './private/identifier';
import { ServicePlatform } from './service-platform';

/** Defaults of {@link ServiceScheduleProps}, in one place. */
export const SERVICE_SCHEDULE_DEFAULTS = {
  // EventBridge Scheduler's own default is 185 retries over 24 hours, far too many for a job that
  // runs again at its next tick.
  retryAttempts: 2,
} as const;

/** Props of {@link ServiceSchedule}. */
export interface ServiceScheduleProps {
  /** The function to invoke (usually a `ServiceFunction`). */
  readonly handler: lambda.IFunction;
  /**
   * When to invoke it: `ScheduleExpression.rate(Duration.minutes(5))`,
   * `ScheduleExpression.cron({ minute: '0', hour: '3' })` (in `timeZone`), or `at(date)`.
   */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * The identifier in the schedule role's name, `{project}-{env}-role-{service}-schedule-{name}`.
   * CAUTION: changing it replaces the role.
   * @default - the construct id in kebab-case (`NightlyReport` → `nightly-report`)
   */
  readonly name?: string;
  /**
   * The event the function receives.
   * @default - the Scheduler's default: `{}`-like context of the schedule
   */
  readonly input?: scheduler.ScheduleTargetInput;
  /**
   * Whether the schedule runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Retries of a failed invocation (0–185).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps retrying one invocation (1 minute – 24 hours).
   * @default - Scheduler's default (24 hours)
   */
  readonly maxEventAge?: Duration;
  /**
   * Where Scheduler sends an invocation it gave up on. The schedule's role gets `sqs:SendMessage`
   * on it.
   * @default - none: a failed invocation is dropped after its retries
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * A description shown in the console.
   * @default - none
   */
  readonly description?: string;
}

/**
 * An EventBridge Scheduler schedule that invokes a function, with a role of its own: named inside
 * the service's role prefix, trusted by `scheduler.amazonaws.com` only for schedules of this
 * account, allowed to invoke this function alone, and bounded by the platform's permissions
 * boundary like every role in a `ServiceStack`. The schedule keeps a CloudFormation-generated
 * name in the default schedule group.
 *
 * @example
 * new ServiceSchedule(stack, 'NightlyReport', {
 *   handler: report,
 *   schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
 * });
 */
export class ServiceSchedule extends Construct {
  /** The schedule. */
  public readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes to invoke the function. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceScheduleProps) {
    super(scope, id);
    const platform = ServicePlatform.of(this);
    const identifier = props.name ?? identifierFromId(id, 'ServiceSchedule');
    this.role = new iam.Role(this, 'Role', {
      roleName: serviceRoleName(platform.nameScope, platform.service, `schedule-${identifier}`),
      // Confused-deputy protection: only schedules in this account may use the role.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Invokes ${platform.service} function on schedule ${identifier}`,
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: props.schedule,
      enabled: props.enabled ?? true,
      description: props.description,
      target: new targets.LambdaInvoke(props.handler, {
        role: this.role,
        input: props.input,
        retryAttempts: props.retryAttempts ?? SERVICE_SCHEDULE_DEFAULTS.retryAttempts,
        maxEventAge: props.maxEventAge,
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}
