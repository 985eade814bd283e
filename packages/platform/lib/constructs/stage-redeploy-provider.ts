import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, wildcardFindingId } from '../compliance';
import { createFunctionLogGroup, createFunctionRole } from './platform-function';

/**
 * Defaults of {@link StageRedeployProviderProps}. The platform config does not expose these (the API
 * stack passes only log retention and removal policy from config), so they live with the construct.
 */
export const STAGE_REDEPLOY_DEFAULTS = {
  logRetention: logs.RetentionDays.ONE_MONTH,
  keepDeployments: 10,
  // CloudFormation waits for the answer; the handler stops retrying ~15 s before this, so it always
  // answers (FAILED with the reason) instead of leaving the stack waiting for the 1-hour timeout.
  timeout: Duration.minutes(5),
  memorySize: 256,
} as const;

/** Props of {@link StageRedeployProvider}. */
export interface StageRedeployProviderProps {
  /** The shared REST API whose stage the handler redeploys. Its IAM policy is scoped to this API only. */
  readonly restApi: apigateway.IRestApi;
  /** The stage the handler points at the newest deployment. */
  readonly stageName: string;
  /**
   * Retention of the handler's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the handler's log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Customer-managed KMS key for the handler's log group (its key policy must allow CloudWatch Logs).
   * @default - CloudWatch Logs' own encryption at rest
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * How many of the newest deployments to keep; older ones no stage uses are deleted after each
   * redeploy (best-effort). Each service deploy creates one or two deployments, and old ones are
   * only useful for a manual rollback of the stage.
   * @default 10
   */
  readonly keepDeployments?: number;
  /**
   * Reserved concurrency of the handler. A small value (1–2) serialises concurrent service deploys,
   * which spares API Gateway's CreateDeployment quota (CloudFormation invokes asynchronously, so
   * throttled invocations are queued by Lambda, not lost). CAUTION: reserving concurrency fails in
   * accounts whose concurrency quota is still the new-account value of 10.
   * @default - unreserved; the handler's retries absorb API Gateway throttling instead
   */
  readonly reservedConcurrency?: number;
  /**
   * Lambda timeout; the handler bounds its retries to finish ~15 s before it.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * The provider of the `Custom::SharedApiStageRedeploy` resource (see `@shared-lambda-infra/contract`
 * `redeploy.ts`): one Lambda function that redeploys the shared stage when a service stack adds,
 * changes or removes routes, and applies the service's method throttling.
 *
 * It is a plain custom-resource handler that answers CloudFormation's pre-signed URL itself rather
 * than a `custom-resources.Provider`: the Provider framework adds a second Lambda function (runtime
 * chosen by CDK, managed-policy role, `function:*` invoke grant) that brings its own set of
 * compliance findings and cold starts for no benefit here: the handler needs no async polling.
 *
 * @example
 * const redeploy = new StageRedeployProvider(this, 'StageRedeploy', { restApi, stageName: 'dev' });
 * new ContractValue(this, 'RedeployServiceToken', {
 *   scope: this.nameScope, parameter: Parameters.redeployServiceToken, value: redeploy.serviceToken,
 * });
 */
export class StageRedeployProvider extends Construct {
  /** The service token (function ARN) service stacks put in their redeploy custom resources. */
  public readonly serviceToken: string;
  /** The handler function. */
  public readonly function: lambda.IFunction;

  private readonly props: StageRedeployProviderProps;

  constructor(scope: Construct, id: string, props: StageRedeployProviderProps) {
    super(scope, id);
    this.props = props;
    const keep = props.keepDeployments ?? STAGE_REDEPLOY_DEFAULTS.keepDeployments;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new Error(
        `StageRedeployProvider keepDeployments must be a whole number of at least 1, got ${keep}; pass e.g. ${STAGE_REDEPLOY_DEFAULTS.keepDeployments}`,
      );
    }
    const logGroup = this.createLogGroup();
    const role = this.createRole(logGroup);
    const fn = this.createFunction(role, logGroup, keep);
    this.allowCloudFormationInvoke(fn);
    this.acknowledgeFindings(fn, logGroup);
    this.function = fn;
    this.serviceToken = fn.functionArn;
  }

  private createLogGroup(): logs.LogGroup {
    return createFunctionLogGroup(this, {
      retention: this.props.logRetention ?? STAGE_REDEPLOY_DEFAULTS.logRetention,
      removalPolicy: this.props.logRemovalPolicy,
      encryptionKey: this.props.logEncryptionKey,
    });
  }

  /** This REST API and its stage only, besides its own logs and traces. */
  private createRole(logGroup: logs.LogGroup): iam.Role {
    const api = (suffix: string) => this.apiArn(suffix);
    const stage = `/stages/${this.props.stageName}`;
    return createFunctionRole(this, {
      logGroup,
      policyDescription:
        'Stage redeploy handler: this REST API and its stage only, its own log group, X-Ray.',
      roleDescription: 'Redeploys the shared API stage and applies service throttling (this API only).',
      statements: [
        new iam.PolicyStatement({
          sid: 'CreateDeployments',
          actions: ['apigateway:POST'],
          resources: [api('/deployments')],
        }),
        new iam.PolicyStatement({
          sid: 'ReadDeploymentsResourcesStages',
          actions: ['apigateway:GET'],
          resources: [api('/deployments'), api('/resources'), api('/stages'), api(stage)],
        }),
        new iam.PolicyStatement({
          sid: 'PointStageAndSetThrottling',
          actions: ['apigateway:PATCH'],
          resources: [api(stage)],
        }),
        new iam.PolicyStatement({
          sid: 'DeleteOldDeployments',
          actions: ['apigateway:DELETE'],
          resources: [this.deploymentsWildcardArn()],
        }),
      ],
    });
  }

  private createFunction(role: iam.Role, logGroup: logs.LogGroup, keep: number): nodejs.NodejsFunction {
    return new nodejs.NodejsFunction(this, 'Handler', {
      entry: path.join(__dirname, '..', '..', 'functions', 'stage-redeploy', 'handler.ts'),
      handler: 'handler',
      description: `Redeploys stage ${this.props.stageName} of the shared REST API when a service changes its routes.`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: STAGE_REDEPLOY_DEFAULTS.memorySize,
      timeout: this.props.timeout ?? STAGE_REDEPLOY_DEFAULTS.timeout,
      // Immutable: every permission is in the managed policy above, so CDK adds no inline policy.
      role: role.withoutPolicyUpdates(),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: this.props.reservedConcurrency,
      // A crash after the handler answered would make Lambda's async retry answer again; the handler
      // reports its own failures to CloudFormation, so function-error retries add nothing.
      retryAttempts: 0,
      environment: {
        REST_API_ID: this.props.restApi.restApiId,
        STAGE_NAME: this.props.stageName,
        KEEP_DEPLOYMENTS: String(keep),
        POWERTOOLS_SERVICE_NAME: 'stage-redeploy',
        // Stack traces in the log point at handler.ts lines, not at the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        // Bundle the SDK too: the handler runs the exact client version the tests ran.
        externalModules: [],
      },
    });
  }

  /**
   * CloudFormation invokes the function on behalf of service stacks in this account only (their
   * execution roles also need lambda:InvokeFunction on the service token).
   */
  private allowCloudFormationInvoke(fn: lambda.Function): void {
    const account = Stack.of(this).account;
    fn.addPermission('CloudFormationInvoke', {
      principal: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      sourceAccount: account,
      action: 'lambda:InvokeFunction',
    });
    if (Token.isUnresolved(account)) {
      const permission = fn.node.findChild('CloudFormationInvoke');
      acknowledge(
        permission,
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        'SourceAccount is set, to the deploying account (AWS::AccountId): the template is environment-agnostic, and the rule accepts only a literal account id.',
      );
    }
  }

  private deploymentsWildcardArn(): string {
    return this.apiArn('/deployments/*');
  }

  private apiArn(suffix: string): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${this.props.restApi.restApiId}${suffix}`;
  }

  private acknowledgeFindings(fn: nodejs.NodejsFunction, logGroup: logs.LogGroup): void {
    const policy = this.node.findChild('Policy');
    acknowledge(
      policy,
      wildcardFindingId('Resource', Stack.of(this).resolve(this.deploymentsWildcardArn())),
      'Deployment ids are generated at runtime; the wildcard stays inside this one REST API and only DeleteDeployment uses it (old deployments no stage references).',
    );
    const dlqReason =
      'The handler reports every failure to CloudFormation through the response URL, and CloudFormation is the only party that can act on it (the stack fails or rolls back); a queued event could not be replayed usefully.';
    acknowledge(fn, 'Serverless-LambdaDLQ', dlqReason);
    acknowledge(fn, 'NIST.800.53.R5-LambdaDLQ', dlqReason);
    const invokeConfig = fn.node.tryFindChild('EventInvokeConfig');
    if (invokeConfig) acknowledge(invokeConfig, 'Serverless-LambdaAsyncFailureDestination', dlqReason);
    const vpcReason =
      'The handler calls only the API Gateway control plane and the CloudFormation response URL (S3); placing it in the VPC would add an ENI per subnet and a NAT dependency for no isolation gain (it reaches no private resource).';
    acknowledge(fn, 'NIST.800.53.R5-LambdaInsideVPC', vpcReason);
    acknowledge(fn, 'cdk-validator-cfnguard::lambda_inside_vpc_check', vpcReason);
    if (this.props.reservedConcurrency === undefined) {
      acknowledge(
        fn,
        'NIST.800.53.R5-LambdaConcurrency',
        'Reserved concurrency fails to deploy in accounts still at the new-account concurrency quota (10); set reservedConcurrency to serialise service deploys once the quota allows.',
      );
    }
    if (!this.props.logEncryptionKey) {
      const kmsReason =
        'The log holds deployment ids, service names and route paths only (no request data); CloudWatch Logs encrypts it at rest with its own key. Pass logEncryptionKey to use a customer-managed key.';
      acknowledge(logGroup, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', kmsReason);
      acknowledge(logGroup, 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', kmsReason);
    }
    const retention = this.props.logRetention ?? STAGE_REDEPLOY_DEFAULTS.logRetention;
    if (retention !== logs.RetentionDays.INFINITE && retention < 365) {
      acknowledge(
        logGroup,
        'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        `Retention follows the platform's observability.logRetentionDays (${retention} days); the log records only redeploys, which CloudTrail also records.`,
      );
    }
  }
}
