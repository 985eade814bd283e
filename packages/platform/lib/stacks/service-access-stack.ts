import {
  artifactBucketName,
  artifactPrefix,
  Parameters,
  parameterPathPrefix,
  RESERVED_SERVICE_NAMES,
  routesReceiverFunctionName,
  serviceAccessStackComponent,
  serviceBoundaryPolicyName,
  serviceDeployRoleName,
  serviceExecutionRoleName,
  serviceParameterPathPrefix,
  serviceRoleNamePattern,
  serviceStackName,
  TAG_KEYS,
} from '@shared-lambda-infra/contract';
import { Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../config/schema';
import { ContractValue } from '../constructs/contract-parameter';
import { AccessPolicy, type AccessStatement } from '../constructs/github-access-policy';
import { GithubActionsRole, githubOidcProviderArn } from '../constructs/github-oidc';
import { ServiceAlerting } from '../constructs/service-alerting';
import {
  guardrailDenies,
  LOG_DELIVERY_ACTIONS,
  SERVICE_ROLE_PRINCIPALS,
  ServiceArns,
  serviceBoundaryAllows,
  servicePrefixReason,
} from '../constructs/service-confinement';
import { serviceRegistration } from '../registry';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ServiceAccessStack}. */
/**
 * Reads a deploy needs that support no resource-level permission: Lambda requires the EC2 ones of
 * whoever creates a function in the shared VPC, CloudFormation waits on ENIs with
 * DescribeNetworkInterfaces, and the table handlers list dynamodb:Describe* and kms:ListAliases.
 * The execution role's policy grants them and its boundary must allow them: one list for both.
 */
const UNSCOPED_DEPLOY_READS = [
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'ec2:DescribeNetworkInterfaces',
  'lambda:ListEventSourceMappings',
  'dynamodb:DescribeLimits',
  'dynamodb:DescribeEndpoints',
  'kms:ListAliases',
] as const;

/**
 * The only AWS managed policies a service's roles may be given: those CDK's L2 constructs attach to
 * function roles (logs; ENIs in the VPC).
 */
const LAMBDA_MANAGED_POLICIES = [
  'service-role/AWSLambdaBasicExecutionRole',
  'service-role/AWSLambdaVPCAccessExecutionRole',
] as const;

export interface ServiceAccessStackProps extends PlatformStackProps {
  /** The registry entry of the service. */
  readonly service: ServiceConfig;
  /**
   * The artifact bucket's KMS key (the storage stack's), when the bucket is KMS-encrypted.
   *
   * Taken as a cross-stack reference (the storage stack's output, read with `Fn::GetStackOutput`:
   * the `weak` references of cdk.json), not from its contract parameter: CloudFormation resolves an
   * SSM-typed template parameter with the credentials of whoever creates the change set, and the
   * CDK bootstrap deploy role may read only the bootstrap version parameter, so every access stack
   * of a KMS-encrypted environment failed to deploy.
   * CAUTION: a weak reference is read at deploy time only; after the key is replaced, every access
   * stack must be deployed again (the platform's deploy does, since all stacks deploy together).
   * @default - the bucket uses S3-managed keys (storage.encryption `s3`); required when it is `kms`
   */
  readonly artifactKey?: kms.IKey;
}

/**
 * One registered service's access (`{project}-{env}-access-{service}`): the role its GitHub
 * workflow assumes, and the CloudFormation execution role its stacks are deployed with.
 *
 * One small stack per service, which names every platform resource by convention (or reads it
 * from a contract parameter at deploy time) and takes no cross-stack reference: adding or removing
 * a service never touches another service's roles. It must be deployed after the `api` stack
 * (CloudFormation invokes its routes receiver for the service's routes), the `storage` stack
 * (the artifact key, when KMS-encrypted) and the `github` stack (the OIDC provider).
 *
 * - Deploy role: trusted for `environment:{env}` jobs of the service's repository only; may
 *   change only the service's own stacks (`{project}-{env}-{service}-*`) and only by handing
 *   CloudFormation the execution role; writes only `{service}/` of the artifact bucket; reads the
 *   contract parameters.
 * - Execution role: trusted by CloudFormation only; may create only what the service owns
 *   (functions, log groups, roles carrying the permissions boundary, tables, queues, topics and
 *   alarms named with the service prefix), and invoke the platform's routes receiver; no API
 *   Gateway permission.
 *
 * Publishes `serviceDeployRoleArn`, `serviceExecutionRoleArn`, `serviceRegistration`,
 * `serviceBasePath` and `serviceAlarmTopicArn` for the service, whose alarm topic and default
 * gateway alarms live here too (see {@link ServiceAlerting}).
 */
export class ServiceAccessStack extends PlatformStack {
  /** The service's registry entry. */
  public readonly service: ServiceConfig;
  /** The role the service's workflow assumes. */
  public readonly deployRole: iam.IRole;
  /** The role CloudFormation deploys the service's stacks with. */
  public readonly executionRole: iam.IRole;
  /** The permissions boundary every role of the service must carry: its own resources only. */
  public readonly permissionsBoundary: iam.IManagedPolicy;
  /** The service's alarm topic and the platform's alarms on its gateway signals. */
  public readonly alerting: ServiceAlerting;

  private readonly arns: ServiceArns;
  private readonly artifactKey?: kms.IKey;

  constructor(scope: Construct, props: ServiceAccessStackProps) {
    super(scope, serviceAccessStackComponent(props.service.name), props);
    if (!props.config.github) {
      throw new Error(
        `ServiceAccessStack for service "${props.service.name}" needs the github section of config/${props.config.environment}.yaml (the OIDC provider); add github, or create no access stacks`,
      );
    }
    if (RESERVED_SERVICE_NAMES.includes(props.service.name)) {
      throw new Error(
        `service "${props.service.name}" in config/${props.config.environment}.yaml is a reserved name (a resource type or platform component of the naming convention, whose name prefix IAM would confuse with the platform's); choose another name`,
      );
    }
    if (props.config.storage.encryption === 'kms' && !props.artifactKey) {
      throw new Error(
        `ServiceAccessStack for service "${props.service.name}" needs artifactKey: config/${props.config.environment}.yaml encrypts the artifact bucket with KMS (storage.encryption: kms), and the deploy and execution roles must be allowed that key`,
      );
    }
    this.service = props.service;
    this.artifactKey = props.artifactKey;
    this.arns = new ServiceArns(this, this.nameScope, this.service.name);
    this.permissionsBoundary = this.createPermissionsBoundary();
    this.executionRole = this.createExecutionRole();
    this.deployRole = this.createDeployRole();
    this.publishRoleArns();
    this.publishRegistration();
    this.alerting = this.createAlerting();
  }

  /**
   * The service's own alarm topic (its owners' e-mail addresses and webhook subscribed) and the
   * default alarms on its gateway signals, thresholds from the registry over the config's defaults.
   * Here rather than in the observability stack: one stack per service keeps 1,000 services far
   * from CloudFormation's 500 resources per stack.
   */
  private createAlerting(): ServiceAlerting {
    const overrides = Object.fromEntries(
      Object.entries(this.service.alarms ?? {}).filter(([, value]) => value !== undefined),
    );
    const alerting = new ServiceAlerting(this, 'Alerting', {
      nameScope: this.nameScope,
      service: this.serviceName,
      basePath: this.service.basePath,
      thresholds: { ...this.config.observability.serviceAlarms, ...overrides },
      owners: this.service.owners,
      webhook: this.service.alarmWebhook,
    });
    // Cost allocation: the topic and alarms exist for this service alone (docs/cost.md).
    Tags.of(alerting).add(TAG_KEYS.service, this.serviceName);
    new ContractValue(this, 'AlarmTopicArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceAlarmTopicArn,
      service: this.serviceName,
      value: alerting.topic.topicArn,
    });
    return alerting;
  }

  // ----- ARNs, by convention -----

  /** `arn:{partition}:{service}:{region}:{account}:{resource}`; IAM ARNs have no region, S3 ARNs neither. */
  private arn(service: string, resource: string): string {
    const region = service === 'iam' || service === 's3' ? '' : this.region;
    const account = service === 's3' ? '' : this.account;
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }

  private get serviceName(): string {
    return this.service.name;
  }

  private get bucketArn(): string {
    return this.arn('s3', artifactBucketName(this.nameScope, this.account, this.region));
  }

  private get artifactObjectsArn(): string {
    return `${this.bucketArn}/${artifactPrefix(this.serviceName)}*`;
  }

  private get serviceStacksArn(): string {
    // serviceStackName gives every stack of the service this prefix; the identifier "x" is a stand-in.
    const prefix = serviceStackName(this.nameScope, this.serviceName, 'x').slice(0, -1);
    return this.arn('cloudformation', `stack/${prefix}*/*`);
  }

  /** ARN of the artifact bucket's KMS key, read at deploy time; undefined when the bucket uses S3-managed keys. */
  private get artifactKeyArn(): string | undefined {
    return this.artifactKey?.keyArn;
  }

  private get s3ViaService(): Record<string, Record<string, unknown>> {
    return { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } };
  }

  private awsManagedPolicyArn(name: string): string {
    return `arn:${this.partition}:iam::aws:policy/${name}`;
  }

  private get ownBoundaryArn(): string {
    return this.arn('iam', `policy/${serviceBoundaryPolicyName(this.nameScope, this.serviceName)}`);
  }

  // ----- permissions boundary -----

  private createPermissionsBoundary(): iam.IManagedPolicy {
    return new AccessPolicy(this, 'PermissionsBoundary', {
      managedPolicyName: serviceBoundaryPolicyName(this.nameScope, this.serviceName),
      description: `Permissions boundary of every role the ${this.serviceName} service creates: its own resources only`,
      statements: [...serviceBoundaryAllows(this.arns), ...guardrailDenies(this.bucketArn)],
    });
  }

  // ----- execution role -----

  private createExecutionRole(): iam.IRole {
    const role = new iam.Role(this, 'ExecutionRole', {
      roleName: serviceExecutionRoleName(this.nameScope, this.serviceName),
      // Stryker disable next-line StringLiteral: a role's description is text for people; IAM never reads it when it decides a request, so an empty one allows and denies the same
      description: `CloudFormation execution role of the ${this.serviceName} service's stacks in ${this.config.environment}: only the service's own resources`,
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      permissionsBoundary: this.createExecutionBoundary(),
    });
    const roles = [role];
    new AccessPolicy(this, 'ExecutionComputePolicy', {
      description: `Functions, log groups and event source mappings of ${this.serviceName}.`,
      roles,
      statements: this.computeStatements(),
    });
    new AccessPolicy(this, 'ExecutionIdentityPolicy', {
      description: `Roles of ${this.serviceName}, always under the platform permissions boundary.`,
      roles,
      statements: this.identityStatements(),
    });
    new AccessPolicy(this, 'ExecutionApiPolicy', {
      description: `Declaring the routes of ${this.serviceName} to the platform's routes receiver (no API Gateway write).`,
      roles,
      statements: this.apiStatements(),
    });
    new AccessPolicy(this, 'ExecutionDataPolicy', {
      description: `Tables, queues, topics and buckets of ${this.serviceName}; its artifacts and the contract parameters.`,
      roles,
      statements: [...this.dataStatements(), ...this.artifactReadStatements()],
    });
    new AccessPolicy(this, 'ExecutionEventsPolicy', {
      description: `EventBridge rules, Scheduler schedules, alarms and dashboards of ${this.serviceName}.`,
      roles,
      statements: this.eventsStatements(),
    });
    new AccessPolicy(this, 'ExecutionWorkflowPolicy', {
      description: `State machines, secrets and parameters of ${this.serviceName}.`,
      roles,
      statements: this.workflowStatements(),
    });
    return role;
  }

  /**
   * The execution role's own permissions boundary: whatever a statement of its policies says,
   * even `*:*`, the role reaches only the service's own names (and tagged state machines,
   * secrets and mappings), never another service's resources or any stack. Whole services on
   * those names keep it within IAM's 6,144 characters; the policies grant the exact actions.
   */
  private createExecutionBoundary(): iam.IManagedPolicy {
    const arns = this.arns;
    const reason = servicePrefixReason(arns);
    // Families of actions, never a whole service (`lambda:*`): Control Tower's CT.IAM.PR.3 refuses
    // a customer managed policy with one, and these name what a deploy does (create, read, change,
    // tag) to resources the statement already confines.
    const actionReason =
      // Stryker disable next-line StringLiteral: only the opening of cdk-nag acknowledgements, each followed by a sentence of its own; no policy, name or condition reads it
      "A permissions boundary grants nothing: it caps the execution role at families of actions on the resources the statement names, and the role's policies grant the exact actions.";
    const mapping = this.arn('lambda', 'event-source-mapping:*');
    const key = this.config.storage.encryption === 'kms';
    // The boundary names the service's resources by name, in any Region and account: written out,
    // Region and account take 26 characters in each of its ~40 ARNs, and IAM's 6,144 characters
    // would not hold them at the longest names. A boundary only caps; the role's own policies name
    // this Region and account, and another account's resources need that account's grant too.
    const anywhere = (arn: string) =>
      arn.split(`:${this.region}:${this.account}:`).join(':*:*:').split(`::${this.account}:`).join('::*:');
    const anywhereAll = (statements: AccessStatement[]) =>
      statements.map((statement) => ({ ...statement, resources: statement.resources.map(anywhere) }));
    return new AccessPolicy(this, 'ExecutionBoundary', {
      description: `Permissions boundary of the ${this.serviceName} CloudFormation execution role: the service's own resources only`,
      statements: anywhereAll([
        {
          sid: 'OwnNames',
          actions: [
            'lambda:*Function*',
            'lambda:*Alias*',
            'lambda:*LayerVersion',
            'lambda:PublishVersion',
            'lambda:*Permission',
            'lambda:GetPolicy',
            'lambda:*Config',
            'lambda:*Tag*',
            'logs:*LogGroup',
            'logs:*RetentionPolicy',
            'logs:*DataProtectionPolicy',
            'logs:*Resource',
            'dynamodb:*Table',
            'dynamodb:Describe*',
            'dynamodb:Update*',
            'dynamodb:*Tag*',
            'dynamodb:GetResourcePolicy',
            'dynamodb:ListStreams',
            'sqs:*Queue*',
            'sns:*Topic*',
            'sns:*Subscri*',
            'sns:*DataProtectionPolicy',
            'sns:*Resource',
            'events:*Rule*',
            'events:*Targets',
            'events:*Resource',
            'scheduler:*Schedule*',
            'scheduler:*Resource',
            'cloudwatch:*Alarm*',
            'cloudwatch:*Dashboard*',
            'cloudwatch:*Resource',
            'ssm:*Parameter*',
            'ssm:*Tags*',
            'cloudformation:DescribeStacks',
          ],
          // Functions, layers, log groups, tables, queues, topics, rules, schedules and their
          // groups, alarms (regional, by prefix); dashboards (no region).
          resources: [...arns.anyRegionalResource, ...arns.dashboards, arns.ownParameters],
          wildcardReason: `${reason} The leading * spans the resource type of each ARN; a name that only contains the prefix further in was named so by the service whose prefix starts it.`,
          actionWildcardReason: `${actionReason} Here the create, read, change and tag families of each service a deploy uses (lambda:*Function*, logs:*LogGroup, dynamodb:*Table, sqs:*Queue*, ...), on the service's own names only.`,
        },
        {
          sid: 'OwnBuckets',
          actions: ['s3:*Bucket*', 's3:*Configuration'],
          resources: arns.buckets,
          conditions: { StringEquals: { 's3:ResourceAccount': this.account } },
          wildcardReason: `${reason} s3:ResourceAccount keeps it to this account.`,
          actionWildcardReason: `${actionReason} s3:*Bucket* and s3:*Configuration are bucket-level actions (creation, policy, encryption, lifecycle, notification), no object action, on the service's own buckets in this account.`,
        },
        {
          sid: 'OwnBoundaryRoles',
          actions: ['iam:CreateRole', 'iam:*RolePolicy', 'iam:PutRolePermissionsBoundary'],
          resources: arns.roles,
          conditions: { StringEquals: { 'iam:PermissionsBoundary': this.ownBoundaryArn } },
          wildcardReason: reason,
          actionWildcardReason: `${actionReason} iam:*RolePolicy puts, gets, deletes, attaches and detaches a role's policies, only on the service's roles that carry its own boundary (iam:PermissionsBoundary).`,
        },
        {
          sid: 'OwnRoles',
          actions: [
            'iam:GetRole*',
            'iam:List*Role*',
            'iam:*TagRole',
            'iam:UpdateRole*',
            'iam:DeleteRole',
            'iam:PassRole',
          ],
          resources: arns.roles,
          wildcardReason: reason,
          actionWildcardReason: `${actionReason} Reading, tagging, updating, deleting and passing the service's own roles: no action here creates a role or changes its policies or trust.`,
        },
        {
          sid: 'OwnTagged',
          actions: [
            'states:*StateMachine',
            'states:*Resource',
            'secretsmanager:*Secret*',
            'secretsmanager:*Resource',
            'lambda:*EventSourceMapping',
            'lambda:*Tag*',
          ],
          resources: [arns.anyStateMachine, arns.anySecret, mapping],
          conditions: arns.ownTag,
          wildcardReason:
            "State machines, unnamed secrets and event source mappings carry no service name; the aws:ResourceTag/Service condition (a tag the role can set only to its own service and never remove) confines the cap to the service's own.",
          actionWildcardReason: `${actionReason} The state machine, secret and event source mapping families, on resources that carry the service's own Service tag.`,
        },
        {
          sid: 'TagNew',
          actions: [
            'states:CreateStateMachine',
            'states:TagResource',
            'secretsmanager:CreateSecret',
            'secretsmanager:TagResource',
            'lambda:TagResource',
          ],
          resources: [arns.anyStateMachine, arns.anySecret, mapping],
          conditions: { ...arns.ownRequestTag, Null: { [`aws:ResourceTag/${TAG_KEYS.service}`]: 'true' } },
          wildcardReason:
            'Only resources without a Service tag yet, created or tagged with this service as their Service tag.',
        },
        {
          sid: 'OwnMappings',
          actions: ['lambda:CreateEventSourceMapping'],
          resources: ['*'],
          conditions: { ArnLike: { 'lambda:FunctionArn': arns.functions }, ...arns.ownRequestTag },
          wildcardReason:
            "CreateEventSourceMapping supports no resource-level permission: only for the service's functions, tagged with the service.",
        },
        {
          sid: 'Unscoped',
          actions: [
            ...UNSCOPED_DEPLOY_READS,
            'secretsmanager:GetRandomPassword',
            // CreateLogDelivery, Get, Update, Delete and ListLogDeliveries.
            'logs:*LogDeliver*',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
            'logs:DescribeIndexPolicies',
          ],
          resources: ['*'],
          wildcardReason:
            'These actions support no resource-level permission (Service Authorization Reference): AWS allows them on "*" only.',
          actionWildcardReason: `${actionReason} logs:*LogDeliver* is CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery and ListLogDeliveries, which support no resource-level permission.`,
        },
        {
          sid: 'DynamoDbManagedKey',
          actions: ['kms:DescribeKey'],
          resources: [arns.arn('kms', 'key/*')],
          conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/dynamodb' } },
          wildcardReason: 'Key ids are random; only the AWS managed key aws/dynamodb.',
        },
        {
          // Keys only through the services that use them for resources the role may reach:
          // DynamoDB revoking the grants of a table's key (directly, RevokeGrant could cut another
          // service's table off the shared AWS managed key; the policies also name that key, the
          // boundary has no room for its alias), and S3 decrypting artifacts when the bucket is
          // KMS-encrypted.
          sid: 'KeysThroughServices',
          actions: key ? ['kms:RevokeGrant', 'kms:Decrypt'] : ['kms:RevokeGrant'],
          resources: [arns.arn('kms', 'key/*')],
          conditions: {
            StringEquals: {
              'kms:ViaService': key
                ? [`dynamodb.${this.region}.amazonaws.com`, `s3.${this.region}.amazonaws.com`]
                : [`dynamodb.${this.region}.amazonaws.com`],
            },
          },
          wildcardReason:
            'Key ids are random; kms:ViaService limits the cap to requests DynamoDB and S3 make for tables and objects the role may reach.',
        },
        {
          // What the platform offers every service, each action meaningful on its own resources
          // only: contract values, the service's artifacts, the routes receiver.
          sid: 'Platform',
          actions: [
            'ssm:GetParameter',
            'ssm:GetParameters',
            's3:GetObject',
            's3:GetObjectVersion',
            'lambda:InvokeFunction',
          ],
          resources: [
            ...arns.sharedParameters,
            this.artifactObjectsArn,
            this.arn('lambda', `function:${routesReceiverFunctionName(this.nameScope)}`),
          ],
          wildcardReason: `The contract values the platform publishes, and the service's own prefix ${artifactPrefix(this.serviceName)} of the artifact bucket.`,
        },
      ]),
    });
  }

  private computeStatements(): AccessStatement[] {
    const arns = this.arns;
    const prefixReason = servicePrefixReason(arns);
    return [
      {
        sid: 'ManageServiceFunctions',
        actions: [
          'lambda:CreateFunction',
          'lambda:DeleteFunction',
          'lambda:GetFunction',
          'lambda:GetFunctionConfiguration',
          'lambda:GetFunctionCodeSigningConfig',
          'lambda:GetFunctionRecursionConfig',
          'lambda:PutFunctionRecursionConfig',
          'lambda:GetFunctionScalingConfig',
          'lambda:GetRuntimeManagementConfig',
          'lambda:PutRuntimeManagementConfig',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
          'lambda:PublishVersion',
          'lambda:ListVersionsByFunction',
          'lambda:CreateAlias',
          'lambda:UpdateAlias',
          'lambda:DeleteAlias',
          'lambda:GetAlias',
          'lambda:ListAliases',
          'lambda:AddPermission',
          'lambda:RemovePermission',
          'lambda:GetPolicy',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
          'lambda:PutProvisionedConcurrencyConfig',
          'lambda:GetProvisionedConcurrencyConfig',
          'lambda:DeleteProvisionedConcurrencyConfig',
          'lambda:PutFunctionEventInvokeConfig',
          'lambda:UpdateFunctionEventInvokeConfig',
          'lambda:DeleteFunctionEventInvokeConfig',
          'lambda:GetFunctionEventInvokeConfig',
          'lambda:TagResource',
          'lambda:UntagResource',
          'lambda:ListTags',
        ],
        resources: arns.functions,
        wildcardReason: `${prefixReason} The * also covers their versions and aliases.`,
      },
      {
        sid: 'ManageServiceLayers',
        actions: ['lambda:PublishLayerVersion', 'lambda:GetLayerVersion', 'lambda:DeleteLayerVersion'],
        resources: arns.layers,
        wildcardReason: `${prefixReason} Layers take no tags, so they must be named with the stack prefix; the * covers their versions.`,
      },
      {
        sid: 'CreateServiceEventSourceMappings',
        actions: ['lambda:CreateEventSourceMapping'],
        // CreateEventSourceMapping authorises against no resource ARN and has no condition key for
        // the source; the lambda:FunctionArn condition confines mappings to the service's
        // functions, and Lambda requires the function's role (under the service's boundary) to
        // read the source, so a mapping can only poll the service's own queues, streams and tables.
        // ServiceStack tags every mapping with the service, which the changes below require.
        resources: ['*'],
        conditions: { ArnLike: { 'lambda:FunctionArn': arns.functions }, ...arns.ownRequestTag },
        wildcardReason:
          "CreateEventSourceMapping supports no resource-level permission; the lambda:FunctionArn condition limits it to mappings that invoke this service's functions, tagged with this service.",
      },
      {
        // lambda:FunctionArn of an update is the function the request names, not the mapping's
        // current one: the mapping's own Service tag is what keeps another service's mapping out
        // of reach (an update could otherwise point orders' queue at a payments function).
        sid: 'ManageServiceEventSourceMappings',
        actions: [
          'lambda:GetEventSourceMapping',
          'lambda:UpdateEventSourceMapping',
          'lambda:DeleteEventSourceMapping',
        ],
        resources: [this.arn('lambda', 'event-source-mapping:*')],
        conditions: { ArnLike: { 'lambda:FunctionArn': arns.functions }, ...arns.ownTag },
        wildcardReason:
          "Mapping ids are random UUIDs; the aws:ResourceTag/Service condition (a tag this role can only set to its own service and never remove) and lambda:FunctionArn confine the grant to this service's mappings.",
      },
      {
        // Tagging at creation authorises TagResource on a mapping that has no Service tag yet.
        sid: 'TagNewEventSourceMappings',
        actions: ['lambda:TagResource'],
        resources: [this.arn('lambda', 'event-source-mapping:*')],
        conditions: { ...arns.ownRequestTag, Null: { [`aws:ResourceTag/${TAG_KEYS.service}`]: 'true' } },
        wildcardReason:
          'Mapping ids are random UUIDs; only a mapping without a Service tag yet, and only with this service as its Service tag.',
      },
      {
        sid: 'TagEventSourceMappings',
        actions: ['lambda:TagResource', 'lambda:UntagResource', 'lambda:ListTags'],
        resources: [this.arn('lambda', 'event-source-mapping:*')],
        conditions: arns.ownTag,
        wildcardReason:
          'Mapping ids are random UUIDs; the aws:ResourceTag/Service condition confines the grant to mappings of this service, and DenyForeignServiceTag keeps the Service tag immutable.',
      },
      {
        sid: 'DescribeWithoutResourceLevelPermissions',
        actions: [...UNSCOPED_DEPLOY_READS],
        resources: ['*'],
        wildcardReason:
          'These read-only actions support no resource-level permission; Lambda requires the EC2 ones of whoever creates a function in the shared VPC, and CloudFormation waits on ENIs with DescribeNetworkInterfaces.',
      },
      {
        sid: 'ManageServiceLogGroups',
        actions: [
          'logs:CreateLogGroup',
          'logs:DeleteLogGroup',
          'logs:PutRetentionPolicy',
          'logs:DeleteRetentionPolicy',
          'logs:TagResource',
          'logs:UntagResource',
          'logs:ListTagsForResource',
          'logs:TagLogGroup',
          'logs:UntagLogGroup',
          'logs:ListTagsLogGroup',
          // The log group handler reads (and on delete removes) a data protection policy.
          'logs:GetDataProtectionPolicy',
          'logs:PutDataProtectionPolicy',
          'logs:DeleteDataProtectionPolicy',
        ],
        resources: arns.logGroups,
        wildcardReason: `${prefixReason} Lambda log groups are /aws/lambda/{function name}.`,
      },
      {
        // A state machine that logs to CloudWatch Logs needs these of whoever creates or updates
        // it (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html), and the log
        // group handler reads log groups and resource policies with them.
        sid: 'LogDeliveryWithoutResourceLevelPermissions',
        actions: [...LOG_DELIVERY_ACTIONS, 'logs:DescribeIndexPolicies'],
        resources: ['*'],
        wildcardReason:
          'The CloudWatch Logs delivery actions, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups and DescribeIndexPolicies support no resource-level permission (Service Authorization Reference): AWS allows them on "*" only. Step Functions needs them to deliver a state machine\'s logs to its log group; PutResourcePolicy writes the account\'s log resource policy that lets the log delivery service write there.',
      },
      {
        sid: 'PassServiceRolesToServicePrincipals',
        actions: ['iam:PassRole'],
        resources: arns.roles,
        conditions: { StringEquals: { 'iam:PassedToService': [...SERVICE_ROLE_PRINCIPALS] } },
        wildcardReason: `${prefixReason} Only to Lambda, Step Functions, Scheduler and EventBridge; every such role carries the service's boundary.`,
      },
    ];
  }

  private identityStatements(): AccessStatement[] {
    const boundary = this.ownBoundaryArn;
    const allRoles = this.arn('iam', 'role/*');
    const roles = this.arns.roles;
    const rolesReason = `Roles named under the service's prefixes (${this.arns.stackPrefix} for generated names, ${serviceRoleNamePattern(this.nameScope, this.serviceName)} for convention names); no other service's role starts with them.`;
    return [
      {
        sid: 'ChangeServiceRolesUnderBoundary',
        actions: [
          'iam:CreateRole',
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:DetachRolePolicy',
          'iam:PutRolePermissionsBoundary',
        ],
        resources: roles,
        conditions: { StringEquals: { 'iam:PermissionsBoundary': boundary } },
        wildcardReason: `${rolesReason} The iam:PermissionsBoundary condition allows these only for roles that carry the service's own boundary.`,
      },
      {
        // Only the AWS managed policies CDK's L2 constructs attach to function roles: attaching
        // AdministratorAccess (capped by the boundary, but still) is refused outright.
        sid: 'AttachLambdaManagedPolicies',
        actions: ['iam:AttachRolePolicy'],
        resources: roles,
        conditions: {
          // Stryker disable next-line ObjectLiteral: DenyRolesWithoutServiceBoundary denies AttachRolePolicy on every role whose iam:PermissionsBoundary is not this one (or is absent), so this condition never decides; kept so the statement reads on its own
          StringEquals: { 'iam:PermissionsBoundary': boundary },
          ArnEquals: {
            'iam:PolicyARN': LAMBDA_MANAGED_POLICIES.map((name) => this.awsManagedPolicyArn(name)),
          },
        },
        wildcardReason: rolesReason,
      },
      {
        sid: 'ReadAndRemoveServiceRoles',
        actions: [
          'iam:GetRole',
          'iam:GetRolePolicy',
          'iam:ListRolePolicies',
          'iam:ListAttachedRolePolicies',
          'iam:ListRoleTags',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:UpdateRole',
          'iam:UpdateRoleDescription',
          'iam:DeleteRole',
        ],
        resources: roles,
        wildcardReason: rolesReason,
      },
      {
        // Explicit denies hold even if a broader policy is ever attached to this role.
        sid: 'DenyRolesWithoutServiceBoundary',
        effect: 'Deny',
        actions: [
          'iam:CreateRole',
          'iam:PutRolePolicy',
          'iam:AttachRolePolicy',
          'iam:PutRolePermissionsBoundary',
        ],
        resources: [allRoles],
        conditions: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } },
      },
      {
        // A trust policy is set when the role is created (and checked there by the platform's
        // Guard Hook); rewriting it later could make a role trust another account.
        sid: 'DenyBoundaryRemovalAndTrustChanges',
        effect: 'Deny',
        actions: ['iam:DeleteRolePermissionsBoundary', 'iam:UpdateAssumeRolePolicy'],
        resources: [allRoles],
      },
      {
        // The Service tag confines state machines and secrets: it can only name this service.
        sid: 'DenyForeignServiceTag',
        effect: 'Deny',
        actions: [
          'states:CreateStateMachine',
          'states:TagResource',
          'secretsmanager:CreateSecret',
          'secretsmanager:TagResource',
          'lambda:TagResource',
          'lambda:CreateEventSourceMapping',
          'iam:CreateRole',
          'iam:TagRole',
          'cloudwatch:TagResource',
        ],
        resources: ['*'],
        conditions: {
          StringNotEquals: { [`aws:RequestTag/${TAG_KEYS.service}`]: this.serviceName },
          Null: { [`aws:RequestTag/${TAG_KEYS.service}`]: 'false' },
        },
      },
      {
        sid: 'DenyServiceTagRemoval',
        effect: 'Deny',
        actions: [
          'states:UntagResource',
          'secretsmanager:UntagResource',
          'lambda:UntagResource',
          'iam:UntagRole',
          'cloudwatch:UntagResource',
        ],
        resources: ['*'],
        conditions: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': [TAG_KEYS.service] } },
      },
    ];
  }

  /**
   * Routes are declared, not built: CloudFormation invokes the platform's routes receiver for the
   * service's `Custom::SharedApiRoutes` resource, and the reconciler writes the API. The role gets
   * no API Gateway permission at all.
   */
  private apiStatements(): AccessStatement[] {
    return [
      {
        sid: 'InvokeRoutesReceiver',
        actions: ['lambda:InvokeFunction'],
        resources: [this.arn('lambda', `function:${routesReceiverFunctionName(this.nameScope)}`)],
      },
    ];
  }

  private dataStatements(): AccessStatement[] {
    const arns = this.arns;
    const reason = servicePrefixReason(arns);
    const inThisAccount = { StringEquals: { 's3:ResourceAccount': this.account } };
    return [
      {
        sid: 'ManageServiceTables',
        actions: [
          'dynamodb:CreateTable',
          'dynamodb:DeleteTable',
          'dynamodb:DescribeTable',
          'dynamodb:UpdateTable',
          'dynamodb:DescribeTimeToLive',
          'dynamodb:UpdateTimeToLive',
          'dynamodb:DescribeContinuousBackups',
          'dynamodb:UpdateContinuousBackups',
          'dynamodb:DescribeContributorInsights',
          'dynamodb:UpdateContributorInsights',
          'dynamodb:DescribeKinesisStreamingDestination',
          'dynamodb:DescribeTableReplicaAutoScaling',
          'dynamodb:GetResourcePolicy',
          'dynamodb:DescribeStream',
          'dynamodb:ListStreams',
          'dynamodb:TagResource',
          'dynamodb:UntagResource',
          'dynamodb:ListTagsOfResource',
          // The global table handler's schema lists dynamodb:Describe* (its code is not public):
          // every Describe action on the service's own tables and their backups, exports and
          // imports (below the table in the ARN), all read-only.
          'dynamodb:DescribeBackup',
          'dynamodb:DescribeExport',
          'dynamodb:DescribeImport',
        ],
        resources: arns.tables,
        wildcardReason: `${reason} Streams, indexes, backups, exports and imports are below their table.`,
      },
      {
        // A table encrypted with the AWS managed key (alias aws/dynamodb, TableV2's
        // awsManagedKey()): the handler's schema lists kms:CreateGrant, Decrypt, DescribeKey,
        // RevokeGrant and ListAliases. The key's own policy (AWS writes it) already lets every
        // principal of the account use it through DynamoDB (CreateGrant, Decrypt, DescribeKey);
        // it leaves to IAM reading its metadata directly and revoking grants. Revoking only
        // through DynamoDB (a request on a table the role manages): a direct RevokeGrant could
        // cut another service's table off the same key.
        sid: 'DescribeDynamoDbManagedKey',
        actions: ['kms:DescribeKey'],
        resources: [arns.arn('kms', 'key/*')],
        conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/dynamodb' } },
        wildcardReason:
          'Key ids are random; kms:ResourceAliases limits the grant to the AWS managed key aws/dynamodb.',
      },
      {
        sid: 'RevokeDynamoDbManagedKeyGrantsThroughDynamoDb',
        actions: ['kms:RevokeGrant'],
        resources: [arns.arn('kms', 'key/*')],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.amazonaws.com` },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/dynamodb' },
        },
        wildcardReason:
          'Key ids are random; kms:ResourceAliases limits the grant to the AWS managed key aws/dynamodb, and kms:ViaService to requests DynamoDB makes in this region for the tables the role manages.',
      },
      {
        sid: 'ManageServiceQueues',
        actions: [
          'sqs:CreateQueue',
          'sqs:DeleteQueue',
          'sqs:GetQueueAttributes',
          'sqs:SetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:TagQueue',
          'sqs:UntagQueue',
          'sqs:ListQueueTags',
        ],
        resources: arns.queues,
        wildcardReason: reason,
      },
      {
        sid: 'ManageServiceTopics',
        actions: [
          'sns:CreateTopic',
          'sns:DeleteTopic',
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
          'sns:Subscribe',
          'sns:Unsubscribe',
          'sns:GetSubscriptionAttributes',
          'sns:SetSubscriptionAttributes',
          'sns:ListSubscriptionsByTopic',
          'sns:GetDataProtectionPolicy',
          'sns:PutDataProtectionPolicy',
          'sns:TagResource',
          'sns:UntagResource',
          'sns:ListTagsForResource',
        ],
        resources: arns.topics,
        wildcardReason: `${reason} Subscription ARNs are the topic ARN followed by an id.`,
      },
      {
        sid: 'ManageServiceBuckets',
        actions: [
          's3:CreateBucket',
          's3:DeleteBucket',
          's3:ListBucket',
          's3:GetBucketLocation',
          's3:GetBucketTagging',
          's3:PutBucketTagging',
          's3:GetEncryptionConfiguration',
          's3:PutEncryptionConfiguration',
          's3:GetBucketVersioning',
          's3:PutBucketVersioning',
          's3:GetBucketPublicAccessBlock',
          's3:PutBucketPublicAccessBlock',
          's3:GetBucketOwnershipControls',
          's3:PutBucketOwnershipControls',
          's3:GetLifecycleConfiguration',
          's3:PutLifecycleConfiguration',
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:GetBucketNotification',
          's3:PutBucketNotification',
          's3:GetBucketLogging',
          's3:PutBucketLogging',
          's3:GetBucketCORS',
          's3:PutBucketCORS',
        ],
        resources: arns.buckets,
        conditions: inThisAccount,
        wildcardReason: `${reason} CloudFormation lower-cases generated bucket names; s3:ResourceAccount keeps the grant to this account.`,
      },
    ];
  }

  private eventsStatements(): AccessStatement[] {
    const arns = this.arns;
    const reason = servicePrefixReason(arns);
    return [
      {
        sid: 'ManageServiceRules',
        actions: [
          'events:PutRule',
          'events:DescribeRule',
          'events:DeleteRule',
          'events:EnableRule',
          'events:DisableRule',
          'events:PutTargets',
          'events:RemoveTargets',
          'events:ListTargetsByRule',
          'events:TagResource',
          'events:UntagResource',
          'events:ListTagsForResource',
        ],
        resources: arns.rules,
        wildcardReason: `${reason} Targets are authorised by their own resource policies.`,
      },
      {
        sid: 'ManageServiceSchedules',
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:GetSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
        ],
        resources: arns.schedules,
        wildcardReason: `${reason} Schedules take no tags: in the default group they carry the stack prefix, or live in a group named with it.`,
      },
      {
        sid: 'ManageServiceScheduleGroups',
        actions: [
          'scheduler:CreateScheduleGroup',
          'scheduler:GetScheduleGroup',
          'scheduler:DeleteScheduleGroup',
          'scheduler:TagResource',
          'scheduler:UntagResource',
          'scheduler:ListTagsForResource',
        ],
        resources: arns.scheduleGroups,
        wildcardReason: reason,
      },
      {
        sid: 'ManageServiceAlarms',
        actions: [
          'cloudwatch:PutMetricAlarm',
          'cloudwatch:DeleteAlarms',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:TagResource',
          'cloudwatch:UntagResource',
          'cloudwatch:ListTagsForResource',
        ],
        resources: arns.alarms,
        wildcardReason: reason,
      },
      {
        sid: 'ManageServiceDashboards',
        actions: [
          'cloudwatch:PutDashboard',
          'cloudwatch:GetDashboard',
          'cloudwatch:DeleteDashboards',
          'cloudwatch:ListTagsForResource',
        ],
        resources: arns.dashboards,
        wildcardReason: `${reason} Dashboards must be named with the stack prefix.`,
      },
      {
        // The dashboard handler tags with TagResource (registry schema, tagging.permissions): a
        // new dashboard (no Service tag yet) only with its own Service tag, an existing one only
        // when it already is the service's. DenyForeignServiceTag and DenyServiceTagRemoval keep
        // the tag from moving or going.
        sid: 'TagNewServiceDashboards',
        actions: ['cloudwatch:TagResource'],
        resources: arns.dashboards,
        conditions: { ...arns.ownRequestTag, Null: { [`aws:ResourceTag/${TAG_KEYS.service}`]: 'true' } },
        wildcardReason: `${reason} Dashboards must be named with the stack prefix.`,
      },
      {
        sid: 'TagServiceDashboards',
        actions: ['cloudwatch:TagResource', 'cloudwatch:UntagResource'],
        resources: arns.dashboards,
        conditions: arns.ownTag,
        wildcardReason: `${reason} Dashboards must be named with the stack prefix.`,
      },
    ];
  }

  private workflowStatements(): AccessStatement[] {
    const arns = this.arns;
    const tagReason =
      "CloudFormation names state machines and unnamed secrets after their logical id alone; the Service tag condition (a tag this role can set only to its own service and never remove) confines the grant to the service's own.";
    return [
      {
        sid: 'CreateServiceStateMachines',
        actions: ['states:CreateStateMachine'],
        resources: [arns.anyStateMachine],
        conditions: arns.ownRequestTag,
        wildcardReason: tagReason,
      },
      {
        // Tagging at creation authorises TagResource on a resource that has no Service tag yet;
        // one that has another service's tag stays out of reach.
        sid: 'TagNewServiceStateMachinesAndSecrets',
        actions: ['states:TagResource', 'secretsmanager:TagResource'],
        resources: [arns.anyStateMachine, arns.anySecret],
        conditions: { ...arns.ownRequestTag, Null: { [`aws:ResourceTag/${TAG_KEYS.service}`]: 'true' } },
        wildcardReason: tagReason,
      },
      {
        sid: 'ManageServiceStateMachines',
        actions: [
          'states:DescribeStateMachine',
          'states:UpdateStateMachine',
          'states:DeleteStateMachine',
          'states:ListTagsForResource',
          'states:TagResource',
          'states:UntagResource',
        ],
        resources: [arns.anyStateMachine],
        conditions: arns.ownTag,
        wildcardReason: tagReason,
      },
      {
        sid: 'CreateServiceSecrets',
        actions: ['secretsmanager:CreateSecret'],
        resources: [arns.anySecret],
        conditions: arns.ownRequestTag,
        wildcardReason: tagReason,
      },
      {
        sid: 'ManageServiceSecrets',
        actions: [
          'secretsmanager:DescribeSecret',
          // The secret's read handler, and dynamic references ({{resolve:secretsmanager:...}}).
          'secretsmanager:GetSecretValue',
          'secretsmanager:UpdateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
        ],
        resources: [arns.anySecret],
        conditions: arns.ownTag,
        wildcardReason: tagReason,
      },
      {
        sid: 'GenerateSecretValues',
        actions: ['secretsmanager:GetRandomPassword'],
        resources: ['*'],
        wildcardReason: 'GetRandomPassword touches no resource and supports no resource-level permission.',
      },
      {
        sid: 'ManageServiceParameters',
        actions: [
          'ssm:PutParameter',
          'ssm:DeleteParameter',
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:AddTagsToResource',
          'ssm:RemoveTagsFromResource',
          'ssm:ListTagsForResource',
        ],
        resources: [arns.ownParameters],
        wildcardReason: `Parameters under the service's own path ${serviceParameterPathPrefix(this.nameScope, this.serviceName)}.`,
      },
    ];
  }

  /** Reading the service's artifacts (Lambda code, templates) and the contract parameters. */
  private artifactReadStatements(): AccessStatement[] {
    const key = this.artifactKeyArn;
    return [
      {
        sid: 'ReadServiceArtifacts',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.artifactObjectsArn],
        wildcardReason: `Object keys are content hashes under the service's own prefix ${artifactPrefix(this.serviceName)} of the artifact bucket.`,
      },
      ...(key
        ? [
            {
              sid: 'DecryptArtifactsThroughS3',
              actions: ['kms:Decrypt'],
              resources: [key],
              conditions: this.s3ViaService,
            },
          ]
        : []),
      this.contractParametersStatement(),
      {
        // A weak cross-stack reference between the service's own stacks (Fn::GetStackOutput, the
        // `weak` references of a recommended cdk.json) is read with this role: CloudFormation asks
        // DescribeStacks of the referenced stack (found by the deploy rehearsal).
        sid: 'ReadServiceStackOutputs',
        actions: ['cloudformation:DescribeStacks'],
        resources: [this.serviceStacksArn],
        wildcardReason: `Stacks of the service are named with the prefix of serviceStackName (${this.nameScope.project}-${this.nameScope.env}-${this.serviceName}-), and CloudFormation appends a random stack id after "/".`,
      },
    ];
  }

  private contractParametersStatement(): AccessStatement {
    return {
      sid: 'ReadContractParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: this.arns.sharedParameters,
      wildcardReason: `The platform components' contract values under ${parameterPathPrefix(this.nameScope)}{component}/ and those published for this service; read only, never another service's.`,
    };
  }

  // ----- deploy role -----

  private createDeployRole(): iam.IRole {
    const role = new GithubActionsRole(this, 'DeployRole', {
      oidcProviderArn: githubOidcProviderArn(this),
      repository: this.service.repository,
      ownerId: this.service.repositoryOwnerId,
      repositoryId: this.service.repositoryId,
      context: { kind: 'environment', name: this.config.environment },
      // The access stacks exist only with a github section (checked in the constructor).
      // Stryker disable next-line OptionalChaining: the constructor has thrown already when config.github is undefined, so ?. and . read the same value
      allowedRefs: this.service.allowedRefs ?? this.config.github?.allowedRefs,
      roleName: serviceDeployRoleName(this.nameScope, this.serviceName),
      description: `Deploys the ${this.serviceName} service to ${this.config.environment} from ${this.service.repository} (GitHub environment ${this.config.environment})`,
    });
    // The artifact bucket's policy confines each deploy role to the prefix its Service tag names;
    // the role has no IAM permission, so it cannot retag itself.
    Tags.of(role).add(TAG_KEYS.service, this.serviceName);
    const stacks = this.serviceStacksArn;
    // Stryker disable next-line StringLiteral: only the text of cdk-nag acknowledgements, each followed by a sentence of its own; no policy, name or condition reads it
    const stacksReason = `Stacks of the service are named with the prefix of serviceStackName (${this.nameScope.project}-${this.nameScope.env}-${this.serviceName}-), and CloudFormation appends a random stack id after "/".`;
    const key = this.artifactKeyArn;
    new AccessPolicy(this, 'DeployPolicy', {
      description: `Lets ${this.service.repository} deploy the ${this.serviceName} stacks through its execution role.`,
      roles: [role],
      statements: [
        {
          // cloudformation:RoleArn is present only when a role is passed: without the execution
          // role, no stack can be created or changed, so the deploy role's own rights never apply.
          sid: 'ChangeServiceStacksAsExecutionRole',
          actions: [
            'cloudformation:CreateChangeSet',
            'cloudformation:CreateStack',
            'cloudformation:UpdateStack',
            'cloudformation:DeleteStack',
          ],
          resources: [stacks],
          conditions: { StringEquals: { 'cloudformation:RoleArn': this.executionRole.roleArn } },
          wildcardReason: `${stacksReason} The cloudformation:RoleArn condition requires the service's execution role.`,
        },
        {
          sid: 'OperateServiceStacks',
          actions: [
            'cloudformation:DescribeStacks',
            'cloudformation:DescribeStackEvents',
            'cloudformation:DescribeStackResources',
            'cloudformation:ListStackResources',
            'cloudformation:GetTemplate',
            'cloudformation:GetTemplateSummary',
            'cloudformation:DescribeChangeSet',
            'cloudformation:ExecuteChangeSet',
            'cloudformation:DeleteChangeSet',
          ],
          resources: [stacks],
          wildcardReason: `${stacksReason} Change sets executed here were created with the execution role.`,
        },
        {
          sid: 'PassExecutionRoleToCloudFormation',
          actions: ['iam:PassRole'],
          resources: [this.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
        },
        {
          // GetObject too: CloudFormation fetches the template with the caller's rights, and the
          // CDK CLI checks for an asset before uploading it.
          sid: 'PublishServiceArtifacts',
          actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
          resources: [this.artifactObjectsArn],
          wildcardReason: `Object keys are content hashes under the service's own prefix ${artifactPrefix(this.serviceName)} of the artifact bucket.`,
        },
        {
          sid: 'ListServiceArtifacts',
          actions: ['s3:ListBucket'],
          resources: [this.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${artifactPrefix(this.serviceName)}*`] } },
        },
        {
          sid: 'LocateArtifactBucket',
          actions: ['s3:GetBucketLocation', 's3:GetEncryptionConfiguration'],
          resources: [this.bucketArn],
        },
        ...(key
          ? [
              {
                sid: 'EncryptArtifactsThroughS3',
                actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
                resources: [key],
                conditions: this.s3ViaService,
              },
            ]
          : []),
        this.contractParametersStatement(),
      ],
    });
    return role;
  }

  /**
   * The service's registry entry, where the routes receiver and reconciler read it (and the base
   * path alone, which ServiceApi asserts before deploying): registering a service adds these to
   * its own access stack, nothing to the api stack.
   */
  private publishRegistration(): void {
    const registration = serviceRegistration(this.config, this.service);
    new ContractValue(this, 'RegistrationParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceRegistration,
      service: this.serviceName,
      value: JSON.stringify(registration),
    });
    new ContractValue(this, 'BasePathParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceBasePath,
      service: this.serviceName,
      value: registration.basePath,
    });
  }

  private publishRoleArns(): void {
    new ContractValue(this, 'DeployRoleArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceDeployRoleArn,
      service: this.serviceName,
      value: this.deployRole.roleArn,
    });
    new ContractValue(this, 'PermissionsBoundaryArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.servicePermissionsBoundaryArn,
      service: this.serviceName,
      value: this.permissionsBoundary.managedPolicyArn,
    });
    new ContractValue(this, 'ExecutionRoleArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceExecutionRoleArn,
      service: this.serviceName,
      value: this.executionRole.roleArn,
    });
  }
}
