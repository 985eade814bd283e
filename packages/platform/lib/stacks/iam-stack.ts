import {
  artifactBucketName,
  lambdaExecutionRoleName,
  lambdaLogGroupPrefix,
  Parameters,
  parameterPathPrefix,
  permissionsBoundaryPolicyName,
  secretNamePrefix,
} from '@shared-lambda-infra/contract';
import { ArnFormat } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge, wildcardFindingId } from '../compliance';
import { ContractValue } from '../constructs/contract-parameter';
import { toPolicyStatement } from '../constructs/github-access-policy';
import {
  BUCKET_OBJECT_ACTIONS,
  functionRuntimeStatements,
  guardrailDenies,
  networkChangeDeny,
  QUEUE_AND_TOPIC_DATA_ACTIONS,
  TABLE_DATA_ACTIONS,
} from '../constructs/service-confinement';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link IamStack}. */
export interface IamStackProps extends PlatformStackProps {}

/**
 * Shared identity and access: the Lambda execution role services may use as is, and the
 * permissions boundary every role a service creates must carry.
 *
 * The execution role can write its own logs, manage the ENIs that attach a function to the VPC
 * and send traces; nothing else. The boundary caps what any service role can ever be granted:
 * the data-plane services a Lambda service uses, scoped to this account and region, and an
 * explicit deny on everything that would let a service escape the cap or damage the platform.
 */
export class IamStack extends PlatformStack {
  /** The shared Lambda execution role (logs, VPC ENIs, X-Ray only). */
  public readonly lambdaExecutionRole: iam.IRole;
  /** The managed policy every service-created role must carry as its permissions boundary. */
  public readonly permissionsBoundary: iam.IManagedPolicy;

  constructor(scope: Construct, props: IamStackProps) {
    super(scope, 'iam', props);
    this.permissionsBoundary = this.createPermissionsBoundary();
    this.lambdaExecutionRole = this.createLambdaExecutionRole(this.permissionsBoundary);
    this.publishContract();
  }

  private createLambdaExecutionRole(boundary: iam.IManagedPolicy): iam.Role {
    // A customer-managed policy rather than an inline one: it is versioned, reviewable on its
    // own in the IAM console, and the NIST pack rejects inline policies.
    const policy = new iam.ManagedPolicy(this, 'LambdaExecutionPolicy', {
      description: 'Logs to the environment log groups, VPC ENI management and X-Ray writes',
      statements: this.functionRuntimeStatements(),
    });
    this.acknowledgeWildcards(policy, (finding) => {
      if (finding === wildcardFindingId('Resource', '*')) {
        return 'Only ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, xray:PutTraceSegments and xray:PutTelemetryRecords use "*": AWS has no resource-level permissions for them.';
      }
      if (finding.includes(':logs:')) {
        return 'Confined to log groups under /aws/lambda/{project}-{env}-, the prefix every function of this environment is named with, and their streams.';
      }
      return 'Lambda creates the ENIs with generated ids, in the subnets and security groups of each function; the resource type in this account and region is the tightest scope that works.';
    });
    return new iam.Role(this, 'LambdaExecutionRole', {
      roleName: lambdaExecutionRoleName(this.nameScope),
      description: 'Shared Lambda execution role: logs, VPC networking and X-Ray only',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [policy],
      // Every service that uses this role shares it. A service stack that imports it as mutable
      // and adds statements would grant them to all other services' functions; the boundary
      // caps that at what any service role may have anyway.
      permissionsBoundary: boundary,
    });
  }

  /**
   * What running a function takes (see {@link functionRuntimeStatements}), in this environment.
   * @param sampling also allow polling X-Ray sampling rules
   */
  private functionRuntimeStatements(sampling = false): iam.PolicyStatement[] {
    return functionRuntimeStatements({
      logGroups: this.lambdaLogGroupArns(),
      enis: this.eniResourceArns(),
      sampling,
    }).map(toPolicyStatement);
  }

  /** `/aws/lambda/{project}-{env}-*` and its log streams, in this account and region. */
  private lambdaLogGroupArns(): string[] {
    const group = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${lambdaLogGroupPrefix(this.nameScope)}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return [group, `${group}:log-stream:*`];
  }

  /**
   * CreateNetworkInterface is authorized on the new ENI, the subnet and the security group; the
   * other ENI actions on the ENI. Lambda picks subnets and groups from each function's
   * configuration and generates the ENI ids, so the resource type in this account and region is
   * the tightest scope that works (the IAM stack does not depend on the network stack, so it
   * cannot name the VPC).
   */
  private eniResourceArns(): string[] {
    return ['network-interface', 'subnet', 'security-group'].map((resource) =>
      this.formatArn({ service: 'ec2', resource, resourceName: '*' }),
    );
  }

  /**
   * The cap on every role a service creates. A permissions boundary grants nothing by itself: a
   * role's effective permissions are its own policies intersected with this, so the allows here
   * are the most a service role can ever do, and the explicit denies hold even if someone widens
   * the allows later (an explicit deny in a boundary beats any allow).
   */
  private createPermissionsBoundary(): iam.ManagedPolicy {
    const name = permissionsBoundaryPolicyName(this.nameScope);
    const policy = new iam.ManagedPolicy(this, 'PermissionsBoundary', {
      managedPolicyName: name,
      description: 'Permissions boundary every role a service creates must carry',
      statements: [...this.boundaryAllows(), ...this.boundaryDenies()],
    });
    this.acknowledgeWildcards(
      policy,
      () =>
        'A permissions boundary grants nothing; it caps service roles at these data-plane actions on resources of this account and region, and each service grants itself the exact resources it uses.',
    );
    return policy;
  }

  private boundaryAllows(): iam.PolicyStatement[] {
    const scope = this.nameScope;
    const slashArn = (service: string, resource: string, resourceName = '*') =>
      this.formatArn({ service, resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const colonArn = (service: string, resource: string, resourceName = '*') =>
      this.formatArn({ service, resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const anyResourceOf = (service: string) =>
      this.formatArn({ service, resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    return [
      new iam.PolicyStatement({
        sid: 'DynamoDbData',
        actions: [...TABLE_DATA_ACTIONS],
        // table/* also covers indexes and streams (table/{name}/index/*, table/{name}/stream/*).
        resources: [slashArn('dynamodb', 'table')],
      }),
      new iam.PolicyStatement({
        sid: 'S3ObjectsInThisAccount',
        actions: [...BUCKET_OBJECT_ACTIONS],
        // S3 ARNs carry no account or region; the condition keeps a role to this account's buckets.
        resources: [`arn:${this.partition}:s3:::*`],
        conditions: { StringEquals: { 's3:ResourceAccount': this.account } },
      }),
      new iam.PolicyStatement({
        sid: 'QueuesTopicsEvents',
        actions: [...QUEUE_AND_TOPIC_DATA_ACTIONS, 'events:PutEvents'],
        resources: [anyResourceOf('sqs'), anyResourceOf('sns'), slashArn('events', 'event-bus')],
      }),
      new iam.PolicyStatement({
        sid: 'StepFunctions',
        actions: [
          'states:DescribeExecution',
          'states:SendTaskFailure',
          'states:SendTaskHeartbeat',
          'states:SendTaskSuccess',
          'states:StartExecution',
          'states:StartSyncExecution',
        ],
        resources: [colonArn('states', 'stateMachine'), colonArn('states', 'execution')],
      }),
      new iam.PolicyStatement({
        sid: 'KmsUse',
        // Use of keys, never their administration (key policies, grants, scheduling deletion).
        actions: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        resources: [slashArn('kms', 'key')],
      }),
      new iam.PolicyStatement({
        sid: 'ReadOwnConfiguration',
        actions: [
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ],
        resources: [
          // A parameter ARN drops the leading slash of the name: parameter/{project}/{env}/*.
          slashArn('ssm', 'parameter', `${parameterPathPrefix(scope).slice(1)}*`),
          colonArn('secretsmanager', 'secret', `${secretNamePrefix(scope)}*`),
        ],
      }),
      // The X-Ray SDK polls sampling rules when a function samples centrally.
      ...this.functionRuntimeStatements(true),
    ];
  }

  /**
   * The platform's guardrails (see {@link guardrailDenies}), the same in every service's own
   * boundary: an explicit deny in a boundary beats any allow.
   */
  private boundaryDenies(): iam.PolicyStatement[] {
    const bucket = `arn:${this.partition}:s3:::${artifactBucketName(this.nameScope, this.account, this.region)}`;
    return [...guardrailDenies(bucket), networkChangeDeny()].map(toPolicyStatement);
  }

  /**
   * Acknowledges cdk-nag's wildcard finding (AwsSolutions-IAM5) for each wildcard action and
   * resource in the Allow statements of `policy`, one id per wildcard so a new one still fails.
   */
  private acknowledgeWildcards(policy: iam.ManagedPolicy, reason: (finding: string) => string): void {
    const document = this.resolve(policy.document.toJSON()) as {
      Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }>;
    };
    const findings = new Set<string>();
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat())
        if (action.includes('*')) findings.add(wildcardFindingId('Action', action));
      for (const resource of [statement.Resource].flat()) {
        const finding = wildcardFindingId('Resource', resource);
        if (finding.includes('*')) findings.add(finding);
      }
    }
    for (const finding of findings) acknowledge(policy, finding, reason(finding));
  }

  private publishContract(): void {
    new ContractValue(this, 'LambdaExecutionRoleArn', {
      scope: this.nameScope,
      parameter: Parameters.lambdaExecutionRoleArn,
      value: this.lambdaExecutionRole.roleArn,
    });
    new ContractValue(this, 'PermissionsBoundaryArn', {
      scope: this.nameScope,
      parameter: Parameters.permissionsBoundaryArn,
      value: this.permissionsBoundary.managedPolicyArn,
    });
  }
}
