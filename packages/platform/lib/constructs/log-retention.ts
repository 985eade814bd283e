import { AspectPriority, Aspects, type IAspect, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../compliance';
import { LOG_RETENTION_DAYS } from '../config/defaults';

// Control Tower CT.CLOUDWATCH.PR.2 asks for at least a year.
const ONE_YEAR = 365;

/** Props of {@link LogRetention}. */
export interface LogRetentionProps {
  /**
   * Retention in days given to every log group that has none: one of the values CloudWatch Logs
   * accepts ({@link LOG_RETENTION_DAYS}).
   */
  readonly retentionDays: number;
}

/**
 * Gives every `AWS::Logs::LogGroup` below the scope it is applied to a retention, and fails
 * synthesis on a retention CloudWatch Logs would reject.
 *
 * A log group without `RetentionInDays` keeps its events forever and is billed for them forever;
 * the Control Tower control CT.CLOUDWATCH.PR.2 rejects it too. Log groups that already have a
 * valid retention keep it: a stack that needs longer retention (audit logs) sets its own.
 *
 * Note that an L2 `logs.LogGroup` created with `RetentionDays.INFINITE` renders no retention, so
 * this aspect gives it the platform retention: infinite retention is not allowed on the platform.
 *
 * The check runs at synthesis rather than at deploy time because CloudFormation only rejects a
 * wrong value when it reaches the log group, half-way through an update, and then rolls back.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export class LogRetention implements IAspect {
  /** The retention given to log groups that have none. */
  public readonly retentionDays: number;

  constructor(props: LogRetentionProps) {
    assertRetention(props.retentionDays, 'LogRetention: retentionDays');
    this.retentionDays = props.retentionDays;
  }

  /** Sets or checks the retention of one construct when it is a log group. */
  public visit(node: IConstruct): void {
    if (!logs.CfnLogGroup.isCfnLogGroup(node)) return;
    const current = node.retentionInDays;
    if (current === undefined) {
      node.retentionInDays = this.retentionDays;
      if (this.retentionDays < ONE_YEAR) {
        // The retention is the environment's decision (observability.logRetentionDays), so the
        // acknowledgement belongs where that decision is applied, not in every stack.
        acknowledge(
          node,
          'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
          `observability.logRetentionDays is ${this.retentionDays} in this environment: a cost choice made in this environment's config; set it to 365 or more to meet the control.`,
        );
      }
      return;
    }
    // A token (a parameter, an imported value) is only known at deploy time.
    if (Token.isUnresolved(current)) return;
    assertRetention(current, `log group ${node.node.path}: RetentionInDays`);
  }
}

/**
 * Applies {@link LogRetention} to every construct below `scope` (the whole app, from
 * lib/platform.ts), as a mutating aspect so it runs before the compliance packs read the templates.
 */
export function applyLogRetention(scope: IConstruct, retentionDays: number): LogRetention {
  const aspect = new LogRetention({ retentionDays });
  Aspects.of(scope).add(aspect, { priority: AspectPriority.MUTATING });
  return aspect;
}

/** True when CloudWatch Logs accepts `days` as a retention. */
export function isValidLogRetention(days: number): boolean {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days);
}

function assertRetention(days: number, what: string): void {
  if (!isValidLogRetention(days)) {
    throw new Error(
      `${what} is ${days}, which CloudWatch Logs does not accept; use one of ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
}
