import {
  artifactBucketName,
  artifactPrefix,
  lambdaExecutionRoleName,
  Parameters,
  parameterPathPrefix,
  permissionsBoundaryPolicyName,
  routesReceiverFunctionName,
  serviceAccessStackComponent,
  serviceAlarmNamePattern,
  serviceDeployRoleName,
  serviceExecutionRoleName,
  serviceFunctionNamePattern,
  serviceQueueNamePattern,
  serviceRoleNamePattern,
  serviceStackName,
  serviceTableNamePattern,
  serviceTopicNamePattern,
} from '@shared-lambda-infra/contract';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../config/schema';
import { ContractValue } from '../constructs/contract-parameter';
import { AccessPolicy, type AccessStatement } from '../constructs/github-access-policy';
import { GithubActionsRole, githubOidcProviderArn } from '../constructs/github-oidc';
import { serviceRegistration } from '../registry';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ServiceAccessStack}. */
export interface ServiceAccessStackProps extends PlatformStackProps {
  /** The registry entry of the service. */
  readonly service: ServiceConfig;
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
 * Publishes `serviceDeployRoleArn`, `serviceExecutionRoleArn`, `serviceRegistration` and
 * `serviceBasePath` for the service.
 */
export class ServiceAccessStack extends PlatformStack {
  /** The service's registry entry. */
  public readonly service: ServiceConfig;
  /** The role the service's workflow assumes. */
  public readonly deployRole: iam.IRole;
  /** The role CloudFormation deploys the service's stacks with. */
  public readonly executionRole: iam.IRole;

  constructor(scope: Construct, props: ServiceAccessStackProps) {
    super(scope, serviceAccessStackComponent(props.service.name), props);
    if (!props.config.github) {
      throw new Error(
        `ServiceAccessStack for service "${props.service.name}" needs the github section of config/${props.config.environment}.yaml (the OIDC provider); add github, or create no access stacks`,
      );
    }
    this.service = props.service;
    this.executionRole = this.createExecutionRole();
    this.deployRole = this.createDeployRole();
    this.publishRoleArns();
    this.publishRegistration();
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

  private get contractParametersArn(): string {
    return this.arn('ssm', `parameter${parameterPathPrefix(this.nameScope)}*`);
  }

  private get boundaryPolicyArn(): string {
    return this.arn('iam', `policy/${permissionsBoundaryPolicyName(this.nameScope)}`);
  }

  private get serviceRolesArn(): string {
    return this.arn('iam', `role/${serviceRoleNamePattern(this.nameScope, this.serviceName)}`);
  }

  /** ARN of the artifact bucket's KMS key, read at deploy time; undefined when the bucket uses S3-managed keys. */
  private get artifactKeyArn(): string | undefined {
    if (this.config.storage.encryption !== 'kms') return undefined;
    return ssm.StringParameter.valueForStringParameter(this, Parameters.artifactKeyArn.path(this.nameScope));
  }

  private get s3ViaService(): Record<string, Record<string, unknown>> {
    return { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } };
  }

  // ----- execution role -----

  private createExecutionRole(): iam.IRole {
    const role = new iam.Role(this, 'ExecutionRole', {
      roleName: serviceExecutionRoleName(this.nameScope, this.serviceName),
      description: `CloudFormation execution role of the ${this.serviceName} service's stacks in ${this.config.environment}: only the service's own resources`,
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
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
      description: `Tables, queues, topics and alarms of ${this.serviceName}; its artifacts and the contract parameters.`,
      roles,
      statements: [...this.dataStatements(), ...this.artifactReadStatements()],
    });
    return role;
  }

  private computeStatements(): AccessStatement[] {
    const functions = this.arn(
      'lambda',
      `function:${serviceFunctionNamePattern(this.nameScope, this.serviceName)}`,
    );
    const logGroups = this.arn(
      'logs',
      `log-group:/aws/lambda/${serviceFunctionNamePattern(this.nameScope, this.serviceName)}`,
    );
    return [
      {
        sid: 'ManageServiceFunctions',
        actions: [
          'lambda:CreateFunction',
          'lambda:DeleteFunction',
          'lambda:GetFunction',
          'lambda:GetFunctionConfiguration',
          'lambda:GetFunctionCodeSigningConfig',
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
          'lambda:AddPermission',
          'lambda:RemovePermission',
          'lambda:GetPolicy',
          'lambda:PutFunctionConcurrency',
          'lambda:DeleteFunctionConcurrency',
          'lambda:PutFunctionEventInvokeConfig',
          'lambda:UpdateFunctionEventInvokeConfig',
          'lambda:DeleteFunctionEventInvokeConfig',
          'lambda:GetFunctionEventInvokeConfig',
          'lambda:TagResource',
          'lambda:UntagResource',
          'lambda:ListTags',
        ],
        resources: [functions],
        wildcardReason: `Function names are generated per function under the service prefix ${serviceFunctionNamePattern(this.nameScope, this.serviceName)}; the * also covers their versions and aliases, and no other service's function starts with this prefix.`,
      },
      {
        sid: 'ManageServiceEventSourceMappings',
        actions: [
          'lambda:CreateEventSourceMapping',
          'lambda:GetEventSourceMapping',
          'lambda:UpdateEventSourceMapping',
          'lambda:DeleteEventSourceMapping',
        ],
        // CreateEventSourceMapping authorises against no resource ARN; the condition confines
        // every mapping action to mappings that invoke the service's own functions.
        resources: ['*'],
        conditions: { ArnLike: { 'lambda:FunctionArn': functions } },
        wildcardReason:
          "CreateEventSourceMapping supports no resource-level permission and mapping ids are random; the lambda:FunctionArn condition limits every mapping action to mappings that invoke this service's functions.",
      },
      {
        sid: 'DescribeNetworkForVpcFunctions',
        actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
        resources: ['*'],
        wildcardReason:
          'EC2 Describe actions support no resource-level permission, and Lambda requires them of whoever creates a function attached to the shared VPC; they only read network metadata.',
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
        ],
        resources: [logGroups],
        wildcardReason:
          'Lambda log groups are /aws/lambda/{function name}; the * stands for the function identifier after the service prefix (and the log-stream suffix of the ARN).',
      },
      {
        sid: 'DescribeLogGroups',
        actions: ['logs:DescribeLogGroups'],
        resources: [this.arn('logs', 'log-group:*')],
        wildcardReason:
          'CloudFormation reads a log group with DescribeLogGroups, which is authorised against every log group of the account and region; it returns metadata only.',
      },
      {
        sid: 'PassServiceRolesToLambda',
        actions: ['iam:PassRole'],
        resources: [this.serviceRolesArn, this.arn('iam', `role/${lambdaExecutionRoleName(this.nameScope)}`)],
        conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        wildcardReason: `Only roles named ${serviceRoleNamePattern(this.nameScope, this.serviceName)} (the service's own, all under the permissions boundary) or the shared Lambda execution role, and only to Lambda.`,
      },
    ];
  }

  private identityStatements(): AccessStatement[] {
    const boundary = this.boundaryPolicyArn;
    const allRoles = this.arn('iam', 'role/*');
    const boundaryActions = [
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:AttachRolePolicy',
      'iam:DetachRolePolicy',
      'iam:PutRolePermissionsBoundary',
    ];
    const rolesReason = `Role names are generated per function under the service prefix ${serviceRoleNamePattern(this.nameScope, this.serviceName)}; no other service's role starts with it.`;
    return [
      {
        sid: 'ChangeServiceRolesUnderBoundary',
        actions: boundaryActions,
        resources: [this.serviceRolesArn],
        conditions: { StringEquals: { 'iam:PermissionsBoundary': boundary } },
        wildcardReason: `${rolesReason} The iam:PermissionsBoundary condition allows these only for roles that carry the platform boundary.`,
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
          'iam:UpdateAssumeRolePolicy',
          'iam:DeleteRole',
        ],
        resources: [this.serviceRolesArn],
        wildcardReason: rolesReason,
      },
      {
        // Explicit denies hold even if a broader policy is ever attached to this role.
        sid: 'DenyRolesWithoutBoundary',
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
        sid: 'DenyBoundaryRemoval',
        effect: 'Deny',
        actions: ['iam:DeleteRolePermissionsBoundary'],
        resources: [allRoles],
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
    const table = serviceTableNamePattern(this.nameScope, this.serviceName);
    const queue = serviceQueueNamePattern(this.nameScope, this.serviceName);
    const topic = serviceTopicNamePattern(this.nameScope, this.serviceName);
    const alarm = serviceAlarmNamePattern(this.nameScope, this.serviceName);
    const reason = (kind: string, pattern: string) =>
      `${kind} names are generated under the service prefix ${pattern}; no other service's ${kind.toLowerCase()} starts with it.`;
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
          'dynamodb:DescribeKinesisStreamingDestination',
          'dynamodb:TagResource',
          'dynamodb:UntagResource',
          'dynamodb:ListTagsOfResource',
        ],
        resources: [this.arn('dynamodb', `table/${table}`)],
        wildcardReason: reason('Table', table),
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
        resources: [this.arn('sqs', queue)],
        wildcardReason: reason('Queue', queue),
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
          'sns:ListSubscriptionsByTopic',
          'sns:TagResource',
          'sns:UntagResource',
          'sns:ListTagsForResource',
        ],
        resources: [this.arn('sns', topic)],
        wildcardReason: `${reason('Topic', topic)} Subscription ARNs are the topic ARN followed by an id.`,
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
        resources: [this.arn('cloudwatch', `alarm:${alarm}`)],
        wildcardReason: reason('Alarm', alarm),
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
    ];
  }

  private contractParametersStatement(): AccessStatement {
    return {
      sid: 'ReadContractParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [this.contractParametersArn],
      wildcardReason: `Contract parameters of this environment all live under ${parameterPathPrefix(this.nameScope)}; read only.`,
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
      roleName: serviceDeployRoleName(this.nameScope, this.serviceName),
      description: `Deploys the ${this.serviceName} service to ${this.config.environment} from ${this.service.repository} (GitHub environment ${this.config.environment})`,
    });
    const stacks = this.serviceStacksArn;
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
    new ContractValue(this, 'ExecutionRoleArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.serviceExecutionRoleArn,
      service: this.serviceName,
      value: this.executionRole.roleArn,
    });
  }
}
