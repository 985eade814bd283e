import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance';

/** Props of {@link createFunctionLogGroup}. */
export interface FunctionLogGroupProps {
  /** How long the function's logs are kept. */
  readonly retention: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Customer-managed key of the log group (its key policy must allow CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption at rest
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The log group of a platform function, created before the function (child `LogGroup` of `scope`)
 * so its retention and removal policy are the stack's, not those of the group Lambda would create
 * on the first invocation and keep forever.
 */
export function createFunctionLogGroup(scope: Construct, props: FunctionLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, 'LogGroup', {
    retention: props.retention,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    encryptionKey: props.encryptionKey,
  });
}

/** Props of {@link createFunctionRole}. */
export interface FunctionRoleProps {
  /** The function's own log group, the only one it may write to. */
  readonly logGroup: logs.ILogGroup;
  /** Description of the role's managed policy. */
  readonly policyDescription: string;
  /** Description of the role. */
  readonly roleDescription: string;
  /**
   * What the function may do besides writing its logs and traces. None may use Resource `"*"`: that
   * finding is acknowledged for the X-Ray statement.
   * @default - logs and traces only
   */
  readonly statements?: readonly iam.PolicyStatement[];
}

/**
 * The role of a platform function (children `Policy` and `Role` of `scope`): one customer-managed
 * policy with `statements`, then writing to its own log group and sending X-Ray traces. Not the
 * Lambda default role: that one attaches the AWSLambdaBasicExecutionRole managed policy (logs on
 * every log group) and CDK would add the X-Ray grant as an inline policy, which the NIST pack
 * rejects. Pass the role to the function with `withoutPolicyUpdates()` so CDK adds nothing to it.
 */
export function createFunctionRole(scope: Construct, props: FunctionRoleProps): iam.Role {
  const policy = new iam.ManagedPolicy(scope, 'Policy', {
    description: props.policyDescription,
    statements: [
      ...(props.statements ?? []),
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [props.logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'XRay',
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      }),
    ],
  });
  acknowledge(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; the log permissions are scoped to this function log group.',
  );
  return new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
    managedPolicies: [policy],
  });
}
