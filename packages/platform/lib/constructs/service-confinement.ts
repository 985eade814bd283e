import {
  type NameScope,
  Parameters,
  parameterPathPrefix,
  serviceAlarmNamePattern,
  serviceFunctionNamePattern,
  serviceParameterPathPrefix,
  serviceQueueNamePattern,
  serviceRoleNamePattern,
  serviceSecretNamePrefix,
  serviceStackNamePrefix,
  serviceTableNamePattern,
  serviceTopicNamePattern,
  TAG_KEYS,
} from '@shared-lambda-infra/contract';
import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AccessStatement } from './github-access-policy';

/** The platform components whose contract parameters every service may read (`/{project}/{env}/{component}/`). */
const SHARED_PARAMETER_COMPONENTS = ['network', 'storage', 'iam', 'observability', 'api', 'github'] as const;

/**
 * The AWS services' own principals that may assume a role a service creates: the consumer's
 * constructs need these and nothing else (functions, state machines, schedules, rule targets).
 */
export const SERVICE_ROLE_PRINCIPALS = [
  'lambda.amazonaws.com',
  'states.amazonaws.com',
  'scheduler.amazonaws.com',
  'events.amazonaws.com',
] as const;

/**
 * Item and stream access to a table: what a function role may do to the tables it reaches (a
 * DynamoDB stream event source mapping polls with the function's role, hence the stream reads).
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
] as const;

/** Object access in a bucket. */
export const BUCKET_OBJECT_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:GetObject',
  's3:GetObjectVersion',
  's3:ListBucket',
  's3:PutObject',
] as const;

/** Sending, receiving and publishing messages (an SQS event source mapping polls with the function's role). */
export const QUEUE_AND_TOPIC_DATA_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
  'sqs:SendMessage',
  'sns:Publish',
] as const;

/**
 * What Step Functions requires of a state machine's role, and of whoever creates or updates the
 * state machine, to deliver its logs to CloudWatch Logs; AWS allows these on `"*"` only.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** KMS is usable by service roles only through these services, on resources they can already reach. */
const KMS_VIA_SERVICES = ['sqs', 'sns', 'dynamodb', 'secretsmanager', 's3', 'ssm'] as const;

/**
 * Every ARN pattern that names one service's resources, in one place, so the permissions boundary
 * of the service's roles and its CloudFormation execution role confine to the same set.
 *
 * A service owns two families of names:
 * - names it chooses with the naming convention, `{project}-{env}-{type}-{service}-*`;
 * - names CloudFormation generates for resources without one, `{stack}-{logicalId}-{random}`,
 *   which start with its stack prefix `{project}-{env}-{service}-` (every service stack is named
 *   `{project}-{env}-{service}-{identifier}`).
 * Step Functions state machines and Secrets Manager secrets get generated names from the logical id
 * alone, so they are confined by their `Service` tag instead (immutable for service roles).
 */
export class ServiceArns {
  private readonly stack: Stack;

  constructor(
    scope: Construct,
    /** Project and environment. */
    public readonly nameScope: NameScope,
    /** The service. */
    public readonly service: string,
  ) {
    this.stack = Stack.of(scope);
  }

  /** `arn:{partition}:{service}:{region}:{account}:{resource}`; IAM ARNs have no region, S3 ARNs neither. */
  public arn(service: string, resource: string): string {
    const region = service === 'iam' || service === 's3' ? '' : this.stack.region;
    const account = service === 's3' ? '' : this.stack.account;
    return `arn:${this.stack.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** The account, for `s3:ResourceAccount` (S3 ARNs carry none). */
  public get account(): string {
    return this.stack.account;
  }

  /** `{project}-{env}-{service}-`: the stacks' prefix, and so every CloudFormation-generated name. */
  public get stackPrefix(): string {
    return serviceStackNamePrefix(this.nameScope, this.service);
  }

  /**
   * Every regional resource of this account, of any AWS service, whose name contains the service's
   * stack prefix or one of its convention prefixes (`{project}-{env}-{type}-{service}-` for
   * functions and their log groups, tables, queues, topics and alarms): one ARN per prefix instead
   * of one per resource type, for the execution role's boundary (IAM's 6,144 characters).
   *
   * The leading `*` spans the type part of each service's ARN (`table/`, `function:`,
   * `log-group:/aws/lambda/`, ...). A name that merely contains the prefix further in can only have
   * been created by the service whose own prefix starts it (every other name is confined to its
   * owner's prefixes), so it reaches nothing that service did not name for it.
   */
  public get anyRegionalResource(): string[] {
    // IAM takes no wildcard in an ARN's service segment ("You can't use a wildcard in the service
    // segment", IAM JSON policy elements: Resource; cfn-lint E3510 refuses it too): one ARN per
    // service and prefix, the leading `*` spanning the resource type (`table/`, `function:`, ...).
    // Region and account are `*`: 15 ARNs with both written out cross IAM's 6,144 characters at the
    // longest names. The names are the service's own in any Region; another account's resources
    // need that account's resource policy as well, which a boundary (a cap) never grants.
    const head = (service: string) => `arn:${this.stack.partition}:${service}:*:*:*`;
    // Stryker disable next-line Regex: a service name pattern ends in its only `*` (every segment before it is checked), so dropping "the last *" and "the first *" are the same
    const prefixOf = (pattern: string) => pattern.replace(/\*$/, '');
    const byPrefix: Array<[string, readonly string[]]> = [
      [
        this.stackPrefix,
        ['lambda', 'logs', 'dynamodb', 'sqs', 'sns', 'events', 'scheduler', 'cloudwatch', 'cloudformation'],
      ],
      [prefixOf(serviceFunctionNamePattern(this.nameScope, this.service)), ['lambda', 'logs']],
      [prefixOf(serviceTableNamePattern(this.nameScope, this.service)), ['dynamodb']],
      [prefixOf(serviceQueueNamePattern(this.nameScope, this.service)), ['sqs']],
      [prefixOf(serviceTopicNamePattern(this.nameScope, this.service)), ['sns']],
      [prefixOf(serviceAlarmNamePattern(this.nameScope, this.service)), ['cloudwatch']],
    ];
    return byPrefix.flatMap(([prefix, services]) => services.map((service) => `${head(service)}${prefix}*`));
  }

  /** Tables (and their indexes and streams, which are below the table in the ARN). */
  public get tables(): string[] {
    return [
      this.arn('dynamodb', `table/${this.stackPrefix}*`),
      this.arn('dynamodb', `table/${serviceTableNamePattern(this.nameScope, this.service)}`),
    ];
  }

  public get queues(): string[] {
    return [
      this.arn('sqs', `${this.stackPrefix}*`),
      this.arn('sqs', serviceQueueNamePattern(this.nameScope, this.service)),
    ];
  }

  /** Topics, and their subscriptions (`{topic ARN}:{id}`). */
  public get topics(): string[] {
    return [
      this.arn('sns', `${this.stackPrefix}*`),
      this.arn('sns', serviceTopicNamePattern(this.nameScope, this.service)),
    ];
  }

  /** Buckets: CloudFormation lower-cases generated bucket names, and the prefix is lower case already. */
  public get buckets(): string[] {
    return [this.arn('s3', `${this.stackPrefix}*`)];
  }

  public get bucketObjects(): string[] {
    return this.buckets.map((b) => `${b}/*`);
  }

  public get functions(): string[] {
    return [
      this.arn('lambda', `function:${serviceFunctionNamePattern(this.nameScope, this.service)}`),
      this.arn('lambda', `function:${this.stackPrefix}*`),
    ];
  }

  /** Layers must be named with the stack prefix: Lambda layers take no tags, and generated names carry no prefix. */
  public get layers(): string[] {
    return [this.arn('lambda', `layer:${this.stackPrefix}*`)];
  }

  /** Log groups of the service's functions, and log groups the stacks create without a name. */
  public get logGroups(): string[] {
    return [
      this.arn('logs', `log-group:/aws/lambda/${serviceFunctionNamePattern(this.nameScope, this.service)}`),
      this.arn('logs', `log-group:/aws/lambda/${this.stackPrefix}*`),
      this.arn('logs', `log-group:${this.stackPrefix}*`),
    ];
  }

  public get roles(): string[] {
    return [
      this.arn('iam', `role/${serviceRoleNamePattern(this.nameScope, this.service)}`),
      this.arn('iam', `role/${this.stackPrefix}*`),
    ];
  }

  /** Rules on the default event bus. */
  public get rules(): string[] {
    return [this.arn('events', `rule/${this.stackPrefix}*`)];
  }

  /** Schedules in the default group named with the stack prefix, or in the service's own groups. */
  public get schedules(): string[] {
    return [
      this.arn('scheduler', `schedule/default/${this.stackPrefix}*`),
      this.arn('scheduler', `schedule/${this.stackPrefix}*/*`),
    ];
  }

  public get scheduleGroups(): string[] {
    return [this.arn('scheduler', `schedule-group/${this.stackPrefix}*`)];
  }

  public get alarms(): string[] {
    return [
      this.arn('cloudwatch', `alarm:${this.stackPrefix}*`),
      this.arn('cloudwatch', `alarm:${serviceAlarmNamePattern(this.nameScope, this.service)}`),
    ];
  }

  /** Dashboards are global (no region in the ARN). */
  public get dashboards(): string[] {
    return [`arn:${this.stack.partition}:cloudwatch::${this.stack.account}:dashboard/${this.stackPrefix}*`];
  }

  /** State machines with any name; confine with {@link ownTag}. */
  public get anyStateMachine(): string {
    return this.arn('states', 'stateMachine:*');
  }

  /** The EventBridge `source` values the service may put on the default bus: `{service}` and `{service}.*`. */
  public get eventSources(): string[] {
    return [this.service, `${this.service}.*`];
  }

  /** Secrets named under the service's prefix (other secrets are confined by {@link ownTag}). */
  public get namedSecrets(): string[] {
    return [this.arn('secretsmanager', `secret:${serviceSecretNamePrefix(this.nameScope, this.service)}*`)];
  }

  public get anySecret(): string {
    return this.arn('secretsmanager', 'secret:*');
  }

  /** Parameters the service writes: `/{project}/{env}/service-config/{service}/`. */
  public get ownParameters(): string {
    return this.arn('ssm', `parameter${serviceParameterPathPrefix(this.nameScope, this.service)}*`);
  }

  /** Contract values the platform publishes for this service: `/{project}/{env}/services/{service}/`. */
  public get ownContractParameters(): string {
    return this.arn('ssm', `parameter${parameterPathPrefix(this.nameScope)}services/${this.service}/*`);
  }

  /**
   * The contract major version every `ServiceStack` asserts in a CloudFormation rule, through an
   * SSM-typed template parameter: CloudFormation reads it with the caller's rights (the deploy
   * role at CreateChangeSet) and the execution role's. Only this one parameter of `contract/`.
   */
  public get contractMajorVersionParameter(): string {
    return this.arn('ssm', `parameter${Parameters.contractMajorVersion.path(this.nameScope)}`);
  }

  /** Contract values the platform publishes for everyone, and those it publishes for this service. */
  public get sharedParameters(): string[] {
    const root = parameterPathPrefix(this.nameScope);
    return [
      ...SHARED_PARAMETER_COMPONENTS.map((c) => this.arn('ssm', `parameter${root}${c}/*`)),
      this.contractMajorVersionParameter,
      this.ownContractParameters,
    ];
  }

  /** `{ StringEquals: { aws:ResourceTag/Service: service } }`. */
  public get ownTag(): Record<string, Record<string, string>> {
    return { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.service}`]: this.service } };
  }

  /** `{ StringEquals: { aws:RequestTag/Service: service } }`. */
  public get ownRequestTag(): Record<string, Record<string, string>> {
    return { StringEquals: { [`aws:RequestTag/${TAG_KEYS.service}`]: this.service } };
  }

  /** KMS only through the services whose resources the role can reach anyway. */
  public get kmsViaServices(): Record<string, Record<string, string[]>> {
    return {
      StringEquals: {
        'kms:ViaService': KMS_VIA_SERVICES.map((s) => `${s}.${this.stack.region}.amazonaws.com`),
      },
    };
  }
}

/**
 * Why a wildcard on a service's names cannot reach another service: the reason every such
 * acknowledgement (boundary, execution role) gives.
 */
export const servicePrefixReason = (arns: ServiceArns): string =>
  `Names under the service's prefixes (${arns.stackPrefix} for CloudFormation-generated names, {project}-{env}-{type}-${arns.service}- for convention names); no other registered service's names start with them.`;

/**
 * What any role of one service can ever be allowed: the data plane of its own resources, the
 * platform's shared values, and what running a function in the VPC takes. The boundary grants
 * nothing by itself; each role still grants itself the exact resources it uses.
 */
export function serviceBoundaryAllows(arns: ServiceArns): AccessStatement[] {
  const reason = servicePrefixReason(arns);
  return [
    {
      sid: 'OwnTables',
      actions: [...TABLE_DATA_ACTIONS],
      resources: arns.tables,
      wildcardReason: `${reason} Indexes and streams are below their table in the ARN.`,
    },
    {
      sid: 'OwnQueuesAndTopics',
      actions: [...QUEUE_AND_TOPIC_DATA_ACTIONS],
      resources: [...arns.queues, ...arns.topics],
      wildcardReason: reason,
    },
    {
      sid: 'OwnBuckets',
      actions: [...BUCKET_OBJECT_ACTIONS],
      resources: [...arns.buckets, ...arns.bucketObjects],
      conditions: { StringEquals: { 's3:ResourceAccount': arns.account } },
      wildcardReason: `${reason} S3 ARNs carry no account: the s3:ResourceAccount condition keeps it to this account.`,
    },
    {
      sid: 'InvokeOwnFunctions',
      actions: ['lambda:InvokeFunction'],
      resources: arns.functions,
      wildcardReason: `${reason} The * also covers versions and aliases of those functions.`,
    },
    {
      sid: 'OwnTaggedStateMachinesAndSecrets',
      actions: [
        'states:StartExecution',
        'states:StartSyncExecution',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ],
      resources: [arns.anyStateMachine, arns.anySecret],
      conditions: arns.ownTag,
      wildcardReason:
        "CloudFormation names state machines and unnamed secrets after their logical id alone; the aws:ResourceTag/Service condition (a tag service roles cannot set to another service or remove) confines the grant to the service's own.",
    },
    {
      sid: 'ReadOwnNamedSecrets',
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      resources: arns.namedSecrets,
      wildcardReason: `Secrets named under {project}/{env}/${arns.service}/; Secrets Manager appends a random suffix to the ARN.`,
    },
    {
      // Platform-wide contract values reach functions through CloudFormation at deploy time.
      sid: 'ReadOwnParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [arns.ownParameters, arns.ownContractParameters],
      wildcardReason:
        "The service's own parameter path and the contract values published for this service; never another service's.",
    },
    {
      sid: 'UseKeysThroughServices',
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [arns.arn('kms', 'key/*')],
      conditions: arns.kmsViaServices,
      wildcardReason:
        'Key ids are random; kms:ViaService limits use to requests that SQS, SNS, DynamoDB, Secrets Manager, S3 and SSM make on resources the role can already reach.',
    },
    {
      // Step Functions checks at CreateStateMachine that a logging state machine's own role has
      // these (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html); CDK grants them.
      // Never to function code: Lambda sets lambda:SourceFunctionArn on every request a function's
      // code makes with its role, so code can neither rewrite the account's log resource policies
      // nor point a log delivery anywhere.
      // @see https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html
      sid: 'DeliverStateMachineLogs',
      actions: [...LOG_DELIVERY_ACTIONS],
      resources: ['*'],
      conditions: { Null: { 'lambda:SourceFunctionArn': 'true' } },
      wildcardReason:
        'The CloudWatch Logs delivery actions, PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups support no resource-level permission: AWS allows them on "*" only. A state machine role needs them to log to its log group.',
    },
    {
      // Rules match on `source`: an event may claim only this service's own sources, `{service}`
      // or `{service}.*` (events:source holds every entry's source, and all must match; PutEvents
      // requires a Source on every entry, so the set is never empty).
      sid: 'PutOwnEventsOnDefaultBus',
      actions: ['events:PutEvents'],
      resources: [arns.arn('events', 'event-bus/default')],
      conditions: { 'ForAllValues:StringLike': { 'events:source': arns.eventSources } },
    },
    ...functionRuntimeAllows(arns),
  ];
}

/** Where {@link functionRuntimeStatements} lets functions write logs and manage ENIs. */
export interface FunctionRuntimeScopes {
  /** Log groups the functions write, with their streams. */
  readonly logGroups: string[];
  /** The ENIs (and subnets and security groups) Lambda manages for VPC functions. */
  readonly enis: string[];
  /**
   * Also allow polling X-Ray sampling rules (what the X-Ray SDK does when a function samples centrally).
   * @default false
   */
  readonly sampling?: boolean;
  /**
   * The reasons for the wildcards of each statement (cdk-nag acknowledgements of an AccessPolicy).
   * @default - none (the caller acknowledges the findings itself)
   */
  readonly reasons?: { readonly logs: string; readonly enis: string; readonly unscoped: string };
}

/**
 * Logs, VPC ENIs and X-Ray: what running a function takes (Lambda validates these at creation).
 * The shared execution role is granted exactly these, and every permissions boundary (the
 * environment's and each service's) allows at least the same, since the roles carry one.
 */
export function functionRuntimeStatements(scopes: FunctionRuntimeScopes): AccessStatement[] {
  return [
    {
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: scopes.logGroups,
      wildcardReason: scopes.reasons?.logs,
    },
    {
      // @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
      sid: 'ManageVpcEnis',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: scopes.enis,
      wildcardReason: scopes.reasons?.enis,
    },
    {
      // EC2 Describe calls and X-Ray's API have no resource-level permissions: "*" only.
      sid: 'NoResourceLevelPermissions',
      actions: [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        ...(scopes.sampling ? ['xray:GetSamplingRules', 'xray:GetSamplingTargets'] : []),
      ],
      resources: ['*'],
      wildcardReason: scopes.reasons?.unscoped,
    },
  ];
}

function functionRuntimeAllows(arns: ServiceArns): AccessStatement[] {
  return functionRuntimeStatements({
    logGroups: arns.logGroups,
    enis: [arns.arn('ec2', '*/*')],
    sampling: true,
    reasons: {
      logs: `${servicePrefixReason(arns)} The trailing * also covers their log streams.`,
      enis: 'Lambda creates the ENIs with generated ids in the subnets and security groups of each function; DenyEniChangesFromFunctionCode keeps function code itself from using these.',
      unscoped:
        'EC2 Describe and X-Ray actions have no resource-level permissions: AWS allows them on "*" only.',
    },
  });
}

/**
 * Denies every permissions boundary carries, platform-wide and per service. They repeat, as a
 * guarantee, what the allows already leave out, so a later edit that widens an allow cannot reopen
 * these doors. Each uses Resource "*" unless it protects one named resource.
 *
 * @param artifactBucket ARN of the artifact bucket
 */
export function guardrailDenies(artifactBucket: string): AccessStatement[] {
  const deny = (
    sid: string,
    actions: string[],
    resources = ['*'],
    conditions?: AccessStatement['conditions'],
  ): AccessStatement => ({ sid, effect: 'Deny', actions, resources, conditions });
  return [
    // No role a service creates, nor the shared execution role, needs IAM: denying all of it
    // closes every privilege-escalation path (policies, boundaries, trust, credentials) at once,
    // and keeps the boundaries themselves (a new default version would lift the cap) unchanged.
    deny('DenyAllIam', ['iam:*']),
    // Lambda manages a VPC function's ENIs with the function's role, and sets
    // lambda:SourceFunctionArn only on requests the function's code makes: code may not touch ENIs.
    // @see https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html
    deny(
      'DenyEniChangesFromFunctionCode',
      [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      ['*'],
      { Null: { 'lambda:SourceFunctionArn': 'false' } },
    ),
    // The artifact bucket: its policy confines each deploy role to its prefix, and no role a
    // service creates may write or delete an artifact (CDK skips uploading an existing hash).
    deny(
      'DenyArtifactBucketChanges',
      [
        's3:DeleteBucket',
        's3:DeleteBucketPolicy',
        's3:PutBucketAcl',
        's3:PutBucketOwnershipControls',
        's3:PutBucketPolicy',
        's3:PutBucketPublicAccessBlock',
      ],
      [artifactBucket],
    ),
    deny(
      'DenyArtifactWrites',
      ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl'],
      [`${artifactBucket}/*`],
    ),
    deny('DenyOrganizationsAndAccount', ['organizations:*', 'account:*']),
    // The audit trail must keep recording whatever a service does.
    deny('DenyAuditTrailTampering', [
      'cloudtrail:DeleteTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:StopLogging',
      'cloudtrail:UpdateTrail',
    ]),
  ];
}

/**
 * Denies every change to the shared network: routes, subnets, security group rules, endpoints,
 * gateways and flow logs affect every service. Only the platform-wide boundary carries it (a
 * service boundary, which the service cannot edit, allows no such action and must stay within
 * IAM's 6,144 characters).
 */
export function networkChangeDeny(): AccessStatement {
  return {
    sid: 'DenyNetworkChanges',
    effect: 'Deny',
    resources: ['*'],
    actions: [
      'ec2:AcceptVpcPeeringConnection',
      'ec2:AssociateRouteTable',
      'ec2:AssociateSubnetCidrBlock',
      'ec2:AssociateVpcCidrBlock',
      'ec2:AttachInternetGateway',
      'ec2:AttachVpnGateway',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:CreateFlowLogs',
      'ec2:CreateNatGateway',
      'ec2:CreateNetworkAclEntry',
      'ec2:CreateRoute',
      'ec2:CreateSubnet',
      'ec2:CreateTransitGatewayVpcAttachment',
      'ec2:CreateVpcEndpoint',
      'ec2:CreateVpcPeeringConnection',
      'ec2:DeleteFlowLogs',
      'ec2:DeleteNatGateway',
      'ec2:DeleteNetworkAcl',
      'ec2:DeleteNetworkAclEntry',
      'ec2:DeleteRoute',
      'ec2:DeleteRouteTable',
      'ec2:DeleteSecurityGroup',
      'ec2:DeleteSubnet',
      'ec2:DeleteVpc',
      'ec2:DeleteVpcEndpoints',
      'ec2:DetachInternetGateway',
      'ec2:DisassociateAddress',
      'ec2:DisassociateRouteTable',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:ModifySecurityGroupRules',
      'ec2:ModifySubnetAttribute',
      'ec2:ModifyVpcAttribute',
      'ec2:ModifyVpcEndpoint',
      'ec2:ReleaseAddress',
      'ec2:ReplaceNetworkAclAssociation',
      'ec2:ReplaceNetworkAclEntry',
      'ec2:ReplaceRoute',
      'ec2:ReplaceRouteTableAssociation',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupIngress',
      // The NAT instance, when `network.nat` is `instance`.
      'ec2:StopInstances',
      'ec2:TerminateInstances',
    ],
  };
}
