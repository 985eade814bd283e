import {
  assertServiceName,
  bucketName,
  type NameScope,
  resourceName,
  serviceNamePattern,
  serviceResourceName,
  serviceStackName,
} from './naming';

/**
 * Physical names that cross the boundary between the platform and the service repositories.
 *
 * Each is computed here, once, so the platform that creates a resource and the consumer that refers
 * to it by name can never disagree.
 */

/** Resource type segment of roles the platform creates for a service (deploy, CloudFormation execution). */
export const SERVICE_ACCESS_ROLE_TYPE = 'access';
/** Resource type segment of roles a service creates for its own functions. */
export const SERVICE_ROLE_TYPE = 'role';
/** Resource type segment of a service's Lambda functions. */
export const SERVICE_FUNCTION_TYPE = 'fn';

/** The deployment-artifact bucket. `account` and `region` may be tokens or asset-manifest placeholders. */
export function artifactBucketName(scope: NameScope, account: string, region: string): string {
  return bucketName({ ...scope, identifier: 'artifacts' }, account, region);
}

/** Object key prefix a service's artifacts live under in the artifact bucket, e.g. `orders/`. */
export function artifactPrefix(service: string): string {
  return `${service}/`;
}

/** The shared Lambda execution role. */
export function lambdaExecutionRoleName(scope: NameScope): string {
  return resourceName('iamRole', { ...scope, resourceType: 'role', identifier: 'lambda-execution' });
}

/** The permissions-boundary managed policy every service-created role must carry. */
export function permissionsBoundaryPolicyName(scope: NameScope): string {
  return resourceName('iamManagedPolicy', {
    ...scope,
    resourceType: 'policy',
    identifier: 'permissions-boundary',
  });
}

/** The role the platform repository's delivery workflow assumes for one environment. */
export function platformDeployRoleName(scope: NameScope): string {
  return resourceName('iamRole', { ...scope, resourceType: 'role', identifier: 'github-platform-deploy' });
}

/** The read-only role pull requests of the platform repository assume to run `cdk diff`. */
export function platformReadOnlyRoleName(scope: NameScope): string {
  return resourceName('iamRole', { ...scope, resourceType: 'role', identifier: 'github-platform-readonly' });
}

/** The role a service's GitHub workflow assumes through OIDC to deploy that service. */
export function serviceDeployRoleName(scope: NameScope, service: string): string {
  return serviceResourceName('iamRole', scope, service, SERVICE_ACCESS_ROLE_TYPE, 'deploy');
}

/**
 * IAM name pattern of the roles the platform creates for services (deploy and CloudFormation
 * execution roles of every service), `{project}-{env}-access-*`.
 */
export function serviceAccessRoleNamePattern(scope: NameScope): string {
  return `${resourceName('iamRole', { ...scope, resourceType: SERVICE_ACCESS_ROLE_TYPE, identifier: 'x' }).slice(0, -1)}*`;
}

/** The CloudFormation execution role of a service's stacks. */
export function serviceExecutionRoleName(scope: NameScope, service: string): string {
  return serviceResourceName('iamRole', scope, service, SERVICE_ACCESS_ROLE_TYPE, 'cfn-exec');
}

/** A role a service creates for one of its functions, e.g. `shared-lambda-infra-dev-role-orders-list`. */
export function serviceRoleName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('iamRole', scope, service, SERVICE_ROLE_TYPE, identifier);
}

/** IAM name pattern of every role a service may create. */
export function serviceRoleNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('iamRole', scope, service, SERVICE_ROLE_TYPE);
}

/** A service's Lambda function name, e.g. `shared-lambda-infra-dev-fn-orders-list`. */
export function serviceFunctionName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('lambdaFunction', scope, service, SERVICE_FUNCTION_TYPE, identifier);
}

/** IAM name pattern of every function a service may create. */
export function serviceFunctionNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('lambdaFunction', scope, service, SERVICE_FUNCTION_TYPE);
}

/** Log group prefix of every Lambda function in the environment: `/aws/lambda/{project}-{env}-`. */
export function lambdaLogGroupPrefix(scope: NameScope): string {
  return `/aws/lambda/${scope.project}-${scope.env}-`;
}

/** The platform stack that creates a service's deploy and execution roles. */
export function serviceAccessStackComponent(service: string): string {
  return `access-${service}`;
}

/**
 * Path prefix of every SSM parameter that belongs to the environment, `/{project}/{env}/`: the
 * contract's own values and the parameters services create. The permissions boundary lets service
 * roles read parameters under it and nowhere else.
 */
export function parameterPathPrefix(scope: NameScope): string {
  return `/${scope.project}/${scope.env}/`;
}

/**
 * Name prefix of every Secrets Manager secret that belongs to the environment, `{project}/{env}/`
 * (no leading slash: it would become part of the secret's ARN). The permissions boundary lets
 * service roles read secrets under it and nowhere else.
 */
export function secretNamePrefix(scope: NameScope): string {
  return `${scope.project}/${scope.env}/`;
}

/** Resource type segment of a service's DynamoDB tables. */
export const SERVICE_TABLE_TYPE = 'table';
/** Resource type segment of a service's SQS queues. */
export const SERVICE_QUEUE_TYPE = 'queue';
/** Resource type segment of a service's SNS topics. */
export const SERVICE_TOPIC_TYPE = 'topic';
/** Resource type segment of a service's CloudWatch alarms. */
export const SERVICE_ALARM_TYPE = 'alarm';

/**
 * A service's DynamoDB table name, e.g. `shared-lambda-infra-dev-table-orders-orders`. A service's
 * CloudFormation execution role may create only tables named this way.
 */
export function serviceTableName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('dynamoDbTable', scope, service, SERVICE_TABLE_TYPE, identifier);
}

/** IAM name pattern of every table a service may create. */
export function serviceTableNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('dynamoDbTable', scope, service, SERVICE_TABLE_TYPE);
}

/** A service's (standard) SQS queue name, e.g. `shared-lambda-infra-dev-queue-orders-events`. */
export function serviceQueueName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('sqsQueue', scope, service, SERVICE_QUEUE_TYPE, identifier);
}

/** IAM name pattern of every queue a service may create. */
export function serviceQueueNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('sqsQueue', scope, service, SERVICE_QUEUE_TYPE);
}

/** A service's SNS topic name, e.g. `shared-lambda-infra-dev-topic-orders-created`. */
export function serviceTopicName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('snsTopic', scope, service, SERVICE_TOPIC_TYPE, identifier);
}

/** IAM name pattern of every topic a service may create. */
export function serviceTopicNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('snsTopic', scope, service, SERVICE_TOPIC_TYPE);
}

/** A service's CloudWatch alarm name, e.g. `shared-lambda-infra-dev-alarm-orders-errors`. */
export function serviceAlarmName(scope: NameScope, service: string, identifier: string): string {
  return serviceResourceName('cloudWatchAlarm', scope, service, SERVICE_ALARM_TYPE, identifier);
}

/** IAM name pattern of every alarm a service may create. */
export function serviceAlarmNamePattern(scope: NameScope, service: string): string {
  return serviceNamePattern('cloudWatchAlarm', scope, service, SERVICE_ALARM_TYPE);
}

/**
 * The shared REST API's name, e.g. `shared-lambda-infra-dev-api-shared`: the `ApiName` dimension of
 * its CloudWatch metrics, so dashboards and alarms in other stacks and repositories can name them.
 */
export function sharedRestApiName(scope: NameScope): string {
  return resourceName('restApi', { ...scope, resourceType: 'api', identifier: 'shared' });
}

/**
 * The permissions boundary of one service, e.g. `shared-lambda-infra-dev-policy-orders-boundary`.
 * Every role a service creates must carry it: it confines the role to that service's own
 * resources, whatever the role's own policies say.
 */
export function serviceBoundaryPolicyName(scope: NameScope, service: string): string {
  return serviceResourceName('iamManagedPolicy', scope, service, 'policy', 'boundary');
}

/**
 * The prefix every stack of a service starts with, `{project}-{env}-{service}-`, and so also every
 * name CloudFormation generates for a resource of those stacks (`{stack}-{logicalId}-{random}`).
 * IAM scopes a service to it with `{prefix}*`; `{service}` must not be a prefix of another
 * registered service followed by `-` (the registry rejects such pairs).
 */
export function serviceStackNamePrefix(scope: NameScope, service: string): string {
  return `${serviceStackName(scope, service, 'x').slice(0, -1)}`;
}

/**
 * Path prefix of the SSM parameters a service creates for itself, `/{project}/{env}/service-config/{service}/`.
 * Kept apart from the contract's `/{project}/{env}/services/{service}/`, which the platform writes
 * and the service may only read.
 */
export function serviceParameterPathPrefix(scope: NameScope, service: string): string {
  return `${parameterPathPrefix(scope)}service-config/${assertServiceName(service)}/`;
}

/**
 * Name prefix of the Secrets Manager secrets a service creates with a name, `{project}/{env}/{service}/`.
 * Unnamed secrets are confined by their `Service` tag instead (CloudFormation names them after
 * the logical id alone).
 */
export function serviceSecretNamePrefix(scope: NameScope, service: string): string {
  return `${secretNamePrefix(scope)}${assertServiceName(service)}/`;
}

/**
 * Names a service may not take: the resource-type segments and platform components (stacks such as
 * `network` or `guard`) of the naming convention. A service called `access` would own the prefix `{project}-{env}-access-`, which is
 * the platform's deploy roles' (and so on for every segment), and IAM confines by prefix.
 */
export const RESERVED_SERVICE_NAMES: readonly string[] = [
  'access',
  'alarm',
  'api',
  'bucket',
  'contract',
  'dashboard',
  'fn',
  'github',
  'guard',
  'iam',
  'key',
  'network',
  'observability',
  'platform',
  'policy',
  'queue',
  'role',
  'routes',
  'services',
  'sg',
  'storage',
  'table',
  'topic',
  'vpc',
];
