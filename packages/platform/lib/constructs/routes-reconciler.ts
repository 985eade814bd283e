import * as path from 'node:path';
import { type NameScope, routesReceiverFunctionName } from '@shared-lambda-infra/contract';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  RECEIVER_ENV,
  RECEIVER_PERMISSIONS,
  RECEIVER_TIMEOUT_SECONDS,
  RECONCILE_MAX_RECEIVE_COUNT,
  RECONCILE_MESSAGE_GROUP,
  RECONCILE_VISIBILITY_TIMEOUT_SECONDS,
  RECONCILER_ENV,
  RECONCILER_PERMISSIONS,
  RECONCILER_TIMEOUT_SECONDS,
  type RequiredStatement,
  ROUTES_METRICS,
  ROUTES_TABLE,
  SCHEDULED_RECONCILE_MESSAGE,
} from '../../functions/routes/interface';
import { acknowledge, acknowledgeLogGroup, wildcardFindingId } from '../compliance';
import { toPolicyStatement } from './github-access-policy';
import { createFunctionLogGroup, createFunctionRole } from './platform-function';

/** Construct-level defaults of {@link RoutesReconciler} (not exposed in the platform config). */
export const ROUTES_RECONCILER_DEFAULTS = {
  // Drift repair: a method edited in the console is put back within this interval.
  driftRepairInterval: Duration.minutes(15),
  memorySize: 512,
  // The FIFO maximum: one invocation drains (coalesces) up to 10 pending reconciles.
  batchSize: 10,
} as const;

const FUNCTIONS_DIR = path.join(__dirname, '..', '..', 'functions', 'routes');

/** Props of {@link RoutesReconciler}. */
export interface RoutesReconcilerProps {
  /** Project and environment: the receiver's name and the registry path come from them. */
  readonly nameScope: NameScope;
  /** Id of the shared REST API: the reconciler may write this API only. */
  readonly restApiId: string;
  /** The API's stage: the reconciler may update this stage only. */
  readonly stageName: string;
  /** Where the dead-letter alarm goes. */
  readonly alarmTopic: sns.ITopic;
  /** Retention of both functions' log groups. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * How often a full reconcile is queued to repair drift.
   * @default Duration.minutes(15)
   */
  readonly driftRepairInterval?: Duration;
}

/**
 * The one writer of the shared REST API (shared API v2, docs/redeploys.md): the **receiver**, the
 * service token of every `Custom::SharedApiRoutes` and `Custom::SharedApiSettings` resource, which
 * validates a declaration against the registry and stores it; the desired-state **table**; a FIFO
 * **queue** with one message group, so reconciles run one at a time; the **reconciler** (reserved
 * concurrency 1) that composes one OpenAPI body from the whole desired state, puts it with
 * `PutRestApi mode=overwrite`, deploys once per batch and answers CloudFormation; a **dead-letter
 * queue** with an alarm; and a **schedule** that queues a full reconcile to repair drift.
 *
 * Registering a service adds nothing here: the registry lives in the access stacks' parameters.
 */
export class RoutesReconciler extends Construct {
  /** The receiver: its ARN is the `routesServiceToken` contract value. */
  public readonly receiver: lambda.IFunction;
  /** The reconciler. */
  public readonly reconciler: lambda.IFunction;
  /** The desired state of every service and of the platform. */
  public readonly table: dynamodb.ITable;
  /** Reconcile requests (FIFO, one message group). */
  public readonly queue: sqs.IQueue;
  /** Reconciles that failed {@link RECONCILE_MAX_RECEIVE_COUNT} times. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** In alarm while the dead-letter queue holds a message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The service token for routes and settings resources (the receiver's ARN). */
  public readonly serviceToken: string;

  private readonly props: RoutesReconcilerProps;

  constructor(scope: Construct, id: string, props: RoutesReconcilerProps) {
    super(scope, id);
    this.props = props;
    const table = this.createTable();
    const { queue, deadLetterQueue } = this.createQueues();
    this.table = table;
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    const receiver = this.createReceiver(table, queue);
    const reconciler = this.createReconciler(table, queue);
    this.receiver = receiver;
    this.reconciler = reconciler;
    this.serviceToken = receiver.functionArn;
    this.allowCloudFormationInvoke(receiver);
    this.scheduleDriftRepair(queue);
    this.deadLetterAlarm = this.createDeadLetterAlarm(deadLetterQueue);
    this.acknowledgeFindings(receiver, reconciler);
  }

  /** Failed applies (the reconciler's `ReconcileFailures` metric), summed per period. */
  public metricFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.routesMetric(ROUTES_METRICS.failures, { statistic: 'Sum', ...props });
  }

  /** Longest wait from a request's arrival to its routes being live, per apply. */
  public metricLagSeconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.routesMetric(ROUTES_METRICS.lagSeconds, { statistic: 'Maximum', ...props });
  }

  private routesMetric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: ROUTES_METRICS.namespace,
      metricName,
      dimensionsMap: { [ROUTES_METRICS.dimension]: this.props.nameScope.env },
      period: Duration.minutes(5),
      ...props,
    });
  }

  private createTable(): dynamodb.Table {
    // RETAIN whatever the environment's removal policy: the whole API is rebuilt from this table.
    return new dynamodb.Table(this, 'State', {
      partitionKey: { name: ROUTES_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createQueues(): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      // The scheduler's messages carry no deduplication id.
      contentBasedDeduplication: true,
      // Not AWS's 6 x the function timeout: a failed reconcile must be retried within the routes
      // resource's 900 s ServiceTimeout (see the interface).
      visibilityTimeout: Duration.seconds(RECONCILE_VISIBILITY_TIMEOUT_SECONDS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: RECONCILE_MAX_RECEIVE_COUNT },
    });
    return { queue, deadLetterQueue };
  }

  private createReceiver(table: dynamodb.Table, queue: sqs.Queue): nodejs.NodejsFunction {
    const { project, env } = this.props.nameScope;
    return this.createFunction('Receiver', {
      functionName: routesReceiverFunctionName(this.props.nameScope),
      entry: path.join(FUNCTIONS_DIR, 'receiver.ts'),
      description:
        'Shared API v2 receiver: validates service route declarations against the registry, stores them, queues a reconcile.',
      timeout: Duration.seconds(RECEIVER_TIMEOUT_SECONDS),
      environment: {
        [RECEIVER_ENV.project]: project,
        [RECEIVER_ENV.env]: env,
        [RECEIVER_ENV.tableName]: table.tableName,
        [RECEIVER_ENV.queueUrl]: queue.queueUrl,
      },
      statements: this.statements(RECEIVER_PERMISSIONS, table, queue),
    });
  }

  private createReconciler(table: dynamodb.Table, queue: sqs.Queue): nodejs.NodejsFunction {
    const { project, env } = this.props.nameScope;
    const fn = this.createFunction('Reconciler', {
      entry: path.join(FUNCTIONS_DIR, 'reconciler.ts'),
      description:
        'Shared API v2 reconciler: applies the desired state of every service to the shared REST API, one batch at a time.',
      timeout: Duration.seconds(RECONCILER_TIMEOUT_SECONDS),
      // One writer: two applies at once would race on PutRestApi and CreateDeployment.
      reservedConcurrentExecutions: 1,
      environment: {
        [RECONCILER_ENV.project]: project,
        [RECONCILER_ENV.env]: env,
        [RECONCILER_ENV.tableName]: table.tableName,
      },
      statements: [...this.statements(RECONCILER_PERMISSIONS, table, queue), this.consumeStatement(queue)],
    });
    fn.addEventSource(
      new sources.SqsEventSource(queue, {
        batchSize: ROUTES_RECONCILER_DEFAULTS.batchSize,
        reportBatchItemFailures: false,
      }),
    );
    return fn;
  }

  private createFunction(
    id: string,
    options: {
      functionName?: string;
      entry: string;
      description: string;
      timeout: Duration;
      reservedConcurrentExecutions?: number;
      environment: Record<string, string>;
      statements: iam.PolicyStatement[];
    },
  ): nodejs.NodejsFunction {
    const parent = new Construct(this, id);
    const logGroup = createFunctionLogGroup(parent, {
      retention: this.props.logRetention,
      removalPolicy: this.props.logRemovalPolicy,
    });
    const role = createFunctionRole(parent, {
      logGroup,
      policyDescription: `${options.description} Exactly the calls it makes, on this API, table and queue.`,
      roleDescription: `Shared API v2 ${id.toLowerCase()} (this REST API, table and queue only).`,
      statements: options.statements,
    });
    return new nodejs.NodejsFunction(parent, 'Function', {
      functionName: options.functionName,
      entry: options.entry,
      handler: 'handler',
      description: options.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: ROUTES_RECONCILER_DEFAULTS.memorySize,
      timeout: options.timeout,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      // Immutable: every permission is in the managed policy, so CDK adds no inline policy.
      role: role.withoutPolicyUpdates(),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      // The receiver answers CloudFormation itself and the reconciler is retried by the queue:
      // Lambda's own async retries would answer twice.
      retryAttempts: 0,
      environment: {
        ...options.environment,
        POWERTOOLS_SERVICE_NAME: `routes-${id.toLowerCase()}`,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        // Bundle the SDK too: the function runs the exact client version the tests ran.
        externalModules: [],
        // The contract is a workspace package whose `exports` point at dist/, which only a release
        // build writes; this export condition selects its TypeScript sources, as the root .npmrc does
        // for Node (esbuild does not read NODE_OPTIONS).
        esbuildArgs: { '--conditions': '@shared-lambda-infra/source' },
      },
    });
  }

  /**
   * A resource pattern of a {@link RequiredStatement} with its `{placeholders}` filled. A placeholder
   * without a value is refused: left in place it would make an ARN that matches nothing, and the
   * function would fail at its first call instead of at synthesis.
   */
  public static fillPlaceholders(pattern: string, values: Readonly<Record<string, string>>): string {
    return pattern.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) {
        throw new Error(
          `resource pattern ${pattern} names {${key}}, which the platform does not fill; it fills ${Object.keys(values).join(', ')}`,
        );
      }
      return value;
    });
  }

  /** The interface's required statements, with their placeholders filled for this stack. */
  private statements(
    required: readonly RequiredStatement[],
    table: dynamodb.ITable,
    queue: sqs.IQueue,
  ): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const values: Record<string, string> = {
      partition: stack.partition,
      region: stack.region,
      account: stack.account,
      project: this.props.nameScope.project,
      env: this.props.nameScope.env,
      restApiId: this.props.restApiId,
      stageName: this.props.stageName,
      tableArn: table.tableArn,
      queueArn: queue.queueArn,
    };
    return required.map(
      (s) =>
        new iam.PolicyStatement({
          actions: [...s.actions],
          resources: s.resources.map((r) => RoutesReconciler.fillPlaceholders(r, values)),
        }),
    );
  }

  /**
   * The event source mapping polls with the function's role; the role is immutable, so the grant
   * SqsEventSource would add is written here.
   */
  private consumeStatement(queue: sqs.IQueue): iam.PolicyStatement {
    return toPolicyStatement({
      sid: 'ConsumeReconcileQueue',
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      resources: [queue.queueArn],
    });
  }

  /**
   * CloudFormation invokes the receiver for stacks of this account only; a service's execution role
   * also needs `lambda:InvokeFunction` on it (its access stack grants exactly that).
   */
  private allowCloudFormationInvoke(fn: lambda.Function): void {
    const account = Stack.of(this).account;
    fn.addPermission('CloudFormationInvoke', {
      principal: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      sourceAccount: account,
      action: 'lambda:InvokeFunction',
    });
    if (Token.isUnresolved(account)) {
      acknowledge(
        fn.node.findChild('CloudFormationInvoke'),
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        'SourceAccount is set, to the deploying account (AWS::AccountId): the template is environment-agnostic, and the rule accepts only a literal account id.',
      );
    }
  }

  private scheduleDriftRepair(queue: sqs.Queue): void {
    new events.Rule(this, 'DriftRepair', {
      description:
        'Queues a full reconcile of the shared API: puts back anything edited outside the platform.',
      schedule: events.Schedule.rate(
        this.props.driftRepairInterval ?? ROUTES_RECONCILER_DEFAULTS.driftRepairInterval,
      ),
      targets: [
        new targets.SqsQueue(queue, {
          messageGroupId: RECONCILE_MESSAGE_GROUP,
          message: events.RuleTargetInput.fromObject(SCHEDULED_RECONCILE_MESSAGE),
        }),
      ],
    });
  }

  private createDeadLetterAlarm(deadLetterQueue: sqs.Queue): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'A reconcile of the shared API failed 5 times and went to the dead-letter queue: routes may not match the declarations; see the reconciler log.',
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.props.alarmTopic));
    return alarm;
  }

  /**
   * The receiver's DescribeStackResource names stacks by pattern: the services' routes stacks are
   * created later, by the services, under names the platform knows only as `{project}-{env}-*-api`,
   * and a stack ARN ends in an id CloudFormation generates. Each wildcard is acknowledged alone.
   */
  private acknowledgeStackPatterns(receiver: nodejs.NodejsFunction): void {
    const policy = receiver.node.scope?.node.tryFindChild('Policy');
    const required = RECEIVER_PERMISSIONS.find((s) =>
      s.actions.includes('cloudformation:DescribeStackResource'),
    );
    if (!policy || !required) return;
    const stack = Stack.of(this);
    const filled = this.statements([required], this.table, this.queue)[0].resources;
    for (const resource of filled) {
      acknowledge(
        policy,
        wildcardFindingId('Resource', stack.resolve(resource)),
        "Read-only DescribeStackResource on this environment's routes stacks ({project}-{env}-*-api, named by the services that create them later) and its api stack; the trailing * is the stack id CloudFormation generates. The receiver asks who sent a request, nothing else.",
      );
    }
  }

  private acknowledgeFindings(receiver: nodejs.NodejsFunction, reconciler: nodejs.NodejsFunction): void {
    const dlq = this.deadLetterQueue.node.defaultChild as Construct;
    const dlqReason =
      'This is the dead-letter queue of the reconcile queue: a message lands here after 5 failed reconciles, raises the alarm and waits (14 days) for an operator; a queue behind it would only delay that.';
    acknowledge(dlq, 'Serverless-SQSRedrivePolicy', dlqReason);
    acknowledge(dlq, 'cdk-validator-cfnguard::sqs_dlq_check', dlqReason);
    const mapping = reconciler.node.children.find((c) => c.node.id.startsWith('SqsEventSource'));
    if (mapping) {
      acknowledge(
        mapping,
        'Serverless-LambdaEventSourceMappingDestination',
        'Lambda supports no on-failure destination for SQS event sources; a failed reconcile is retried by the queue and, after 5 receives, redriven to the dead-letter queue (with an alarm).',
      );
    }
    acknowledge(
      this.node.findChild('DriftRepair'),
      'Serverless-EventBusDLQ',
      'The scheduled message only repeats a full reconcile: one that EventBridge fails to deliver is replaced by the next one 15 minutes later, and a FIFO target cannot have an SQS dead-letter queue of its own type anyway.',
    );
    acknowledge(
      this.table.node.defaultChild as Construct,
      'NIST.800.53.R5-DynamoDBInBackupPlan',
      'Point-in-time recovery (35 days) is on, and the table can be rebuilt from its sources: every service stack holds its own declaration, and redeploying it (or the api stack) rewrites the item.',
    );
    const vpcReason =
      'The function calls only AWS control-plane APIs (API Gateway, DynamoDB, SQS, SSM) and the CloudFormation response URL (S3), and reaches no private resource; in the VPC it would need NAT or endpoints for each of them.';
    for (const fn of [receiver, reconciler]) {
      acknowledge(fn, 'NIST.800.53.R5-LambdaInsideVPC', vpcReason);
      acknowledge(fn, 'cdk-validator-cfnguard::lambda_inside_vpc_check', vpcReason);
      const logGroup = fn.node.scope?.node.findChild('LogGroup') as Construct;
      const kmsReason =
        'The log holds service names, route paths, deployment ids and CloudFormation request ids (no request data); CloudWatch Logs encrypts it at rest with its own key.';
      acknowledgeLogGroup(logGroup, {
        encryption: kmsReason,
        retentionDays: this.props.logRetention,
        retention: `Retention follows the platform's observability.logRetentionDays (${this.props.logRetention} days); the desired state itself is kept in the table with point-in-time recovery.`,
      });
      const invokeConfig = fn.node.tryFindChild('EventInvokeConfig');
      const asyncReason =
        fn === receiver
          ? 'CloudFormation invokes the receiver and the receiver answers it (FAILED with the reason) itself; a failed asynchronous event could not be replayed usefully, CloudFormation times the resource out instead.'
          : 'The reconciler is invoked by its SQS event source, whose failed batches go to the reconcile dead-letter queue (with an alarm); it has no asynchronous invocations.';
      if (invokeConfig) acknowledge(invokeConfig, 'Serverless-LambdaAsyncFailureDestination', asyncReason);
      acknowledge(fn, 'Serverless-LambdaDLQ', asyncReason);
      acknowledge(fn, 'NIST.800.53.R5-LambdaDLQ', asyncReason);
    }
    // The one wildcard: the service segment of `/{project}/{env}/services/{service}/registration`.
    const registrationsReason =
      'Reads ServiceRegistration parameters only: the `*` is the service-name segment of /{project}/{env}/services/{service}/registration, any registered service may declare routes, and a request reads its own (no other parameter of a service matches).';
    const { project, env } = this.props.nameScope;
    const registrations = wildcardFindingId(
      'Resource',
      Stack.of(this).resolve(
        `arn:${Stack.of(this).partition}:ssm:${Stack.of(this).region}:${Stack.of(this).account}:parameter/${project}/${env}/services/*/registration`,
      ),
    );
    for (const fn of [receiver, reconciler]) {
      acknowledge(fn.node.scope?.node.findChild('Policy') as Construct, registrations, registrationsReason);
    }
    this.acknowledgeStackPatterns(receiver);
    acknowledge(
      receiver,
      'NIST.800.53.R5-LambdaConcurrency',
      'Every service deploy waits on the receiver, which only validates, stores and enqueues; the reconciler behind it is the one capped (reserved concurrency 1).',
    );
  }
}
