/**
 * Permissions a type's registry schema lists for a feature of the type, with the property that
 * turns the feature on. The handlers are closed source: the schema lists every permission any
 * template might need, not the ones a given template needs. When the execution role is denied one
 * of these and the template does not set the property, the rehearsal cannot tell whether the
 * handler will call it, and says "unknown" with the reason instead of passing or failing.
 *
 * When the template does set the property, a denial fails the rehearsal. A denied permission
 * listed nowhere here fails when it is of the resource's own service, and is unknown when it is of
 * another service (a key, a stream, a network the properties do not name).
 */
export interface FeaturePermissions {
  /** The actions (IAM names, after mapping API names to actions). */
  readonly actions: readonly string[];
  /** Whether the resource's resolved properties use the feature. */
  readonly used: (properties: Record<string, unknown>) => boolean;
  /** The feature, in words. */
  readonly feature: string;
}

const has = (key: string) => (p: Record<string, unknown>) => p[key] !== undefined;
const replicas = (p: Record<string, unknown>) => ((p.Replicas as unknown[] | undefined)?.length ?? 0) > 1;
const anyReplica = (key: string) => (p: Record<string, unknown>) =>
  ((p.Replicas as Array<Record<string, unknown>> | undefined) ?? []).some((r) => r[key] !== undefined);
const never = () => false;

/** Features of the types a service or the platform deploys, by type. */
export const FEATURE_PERMISSIONS: Readonly<Record<string, readonly FeaturePermissions[]>> = {
  'AWS::DynamoDB::GlobalTable': [
    {
      feature: 'replicas in other regions (Replicas with more than one region)',
      used: replicas,
      actions: [
        'dynamodb:CreateTableReplica',
        'dynamodb:DeleteTableReplica',
        'dynamodb:UpdateTableReplicaAutoScaling',
        // The handler copies items only when it adds a replica.
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ],
    },
    {
      feature: 'Kinesis streaming destinations (Replicas[].KinesisStreamSpecification)',
      used: anyReplica('KinesisStreamSpecification'),
      actions: [
        'dynamodb:EnableKinesisStreamingDestination',
        'dynamodb:DisableKinesisStreamingDestination',
        'dynamodb:UpdateKinesisStreamingDestination',
      ],
    },
    {
      feature: 'table resource policies (Replicas[].ResourcePolicy)',
      used: anyReplica('ResourcePolicy'),
      actions: ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'],
    },
  ],
  'AWS::DynamoDB::Table': [
    {
      feature: 'Kinesis streaming destinations (KinesisStreamSpecification)',
      used: has('KinesisStreamSpecification'),
      actions: [
        'dynamodb:EnableKinesisStreamingDestination',
        'dynamodb:DisableKinesisStreamingDestination',
        'dynamodb:UpdateKinesisStreamingDestination',
      ],
    },
    {
      feature: 'table resource policies (ResourcePolicy)',
      used: has('ResourcePolicy'),
      actions: ['dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'],
    },
    {
      feature: 'imports from S3 (ImportSourceSpecification)',
      used: has('ImportSourceSpecification'),
      actions: ['dynamodb:ImportTable', 'dynamodb:DescribeImport'],
    },
  ],
  'AWS::IAM::Policy': [
    {
      feature: 'policies on IAM users (Users)',
      used: has('Users'),
      actions: ['iam:PutUserPolicy', 'iam:GetUserPolicy', 'iam:DeleteUserPolicy'],
    },
    {
      feature: 'policies on IAM groups (Groups)',
      used: has('Groups'),
      actions: ['iam:PutGroupPolicy', 'iam:GetGroupPolicy', 'iam:DeleteGroupPolicy'],
    },
  ],
  'AWS::IAM::Role': [
    {
      feature: 'managed policies (ManagedPolicyArns)',
      used: has('ManagedPolicyArns'),
      actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    },
    {
      feature: 'trust policy changes after creation (an update of AssumeRolePolicyDocument)',
      used: never,
      actions: ['iam:UpdateAssumeRolePolicy'],
    },
    {
      feature: 'removing the permissions boundary (an update that drops PermissionsBoundary)',
      used: never,
      actions: ['iam:DeleteRolePermissionsBoundary'],
    },
  ],
  'AWS::Lambda::Function': [
    {
      feature: 'a VPC (VpcConfig)',
      used: has('VpcConfig'),
      actions: [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
      ],
    },
    {
      feature: 'a customer managed key (KmsKeyArn)',
      used: has('KmsKeyArn'),
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:GenerateDataKey'],
    },
    {
      feature: 'code signing (CodeSigningConfigArn)',
      used: has('CodeSigningConfigArn'),
      actions: [
        'lambda:GetCodeSigningConfig',
        'lambda:PutFunctionCodeSigningConfig',
        'lambda:DeleteFunctionCodeSigningConfig',
      ],
    },
    {
      feature: 'Lambda managed instances (CapacityProviderConfig)',
      used: has('CapacityProviderConfig'),
      actions: ['lambda:PassCapacityProvider', 'lambda:PutFunctionScalingConfig'],
    },
  ],
  'AWS::Logs::LogGroup': [
    {
      feature: 'a customer managed key (KmsKeyId)',
      used: has('KmsKeyId'),
      actions: ['logs:AssociateKmsKey', 'logs:DisassociateKmsKey'],
    },
    {
      feature: 'field index policies (FieldIndexPolicies)',
      used: has('FieldIndexPolicies'),
      actions: ['logs:PutIndexPolicy', 'logs:DeleteIndexPolicy', 'logs:DeleteResourcePolicy'],
    },
    {
      feature: 'deletion protection (DeletionProtectionEnabled)',
      used: has('DeletionProtectionEnabled'),
      actions: ['logs:PutLogGroupDeletionProtection'],
    },
    {
      feature: 'bearer-token ingestion (BearerTokenAuthenticationEnabled)',
      used: has('BearerTokenAuthenticationEnabled'),
      actions: ['logs:PutBearerTokenAuthentication'],
    },
  ],
  'AWS::S3::Bucket': [
    {
      feature: 'replication (ReplicationConfiguration)',
      used: has('ReplicationConfiguration'),
      actions: ['s3:PutReplicationConfiguration', 's3:GetReplicationConfiguration'],
    },
    {
      feature: 'ACLs (AccessControl; the catalogue keeps BucketOwnerEnforced)',
      used: has('AccessControl'),
      actions: ['s3:PutBucketAcl', 's3:GetBucketAcl', 's3:PutObjectAcl'],
    },
    {
      feature: 'emptying the bucket on delete (done by a custom resource, not the handler)',
      used: never,
      actions: ['s3:DeleteObject'],
    },
    {
      feature: 'website hosting (WebsiteConfiguration)',
      used: has('WebsiteConfiguration'),
      actions: ['s3:PutBucketWebsite', 's3:GetBucketWebsite', 's3:DeleteBucketWebsite'],
    },
    {
      feature: 'transfer acceleration (AccelerateConfiguration)',
      used: has('AccelerateConfiguration'),
      actions: ['s3:PutAccelerateConfiguration', 's3:GetAccelerateConfiguration'],
    },
    {
      feature: 'analytics, inventory, metrics and Intelligent-Tiering configurations',
      used: (p) =>
        [
          'AnalyticsConfigurations',
          'InventoryConfigurations',
          'MetricsConfigurations',
          'IntelligentTieringConfigurations',
        ].some((k) => p[k] !== undefined),
      actions: [
        's3:PutAnalyticsConfiguration',
        's3:GetAnalyticsConfiguration',
        's3:PutInventoryConfiguration',
        's3:GetInventoryConfiguration',
        's3:PutMetricsConfiguration',
        's3:GetMetricsConfiguration',
        's3:PutIntelligentTieringConfiguration',
        's3:GetIntelligentTieringConfiguration',
      ],
    },
    {
      feature: 'Object Lock (ObjectLockConfiguration)',
      used: has('ObjectLockConfiguration'),
      actions: ['s3:PutBucketObjectLockConfiguration', 's3:GetBucketObjectLockConfiguration'],
    },
    {
      feature: 'attribute-based access control (AbacStatus)',
      used: has('AbacStatus'),
      actions: ['s3:PutBucketAbac', 's3:GetBucketAbac'],
    },
    {
      feature: 'tagging through the resource-tagging API (the handler tags buckets with PutBucketTagging)',
      used: never,
      actions: ['s3:TagResource', 's3:UntagResource', 's3:ListTagsForResource'],
    },
    {
      feature: 'metadata tables (MetadataTableConfiguration, MetadataConfiguration)',
      used: (p) => p.MetadataTableConfiguration !== undefined || p.MetadataConfiguration !== undefined,
      actions: [
        's3:CreateBucketMetadataTableConfiguration',
        's3:GetBucketMetadataTableConfiguration',
        's3:DeleteBucketMetadataTableConfiguration',
        's3:UpdateBucketMetadataAnnotationTableConfiguration',
        's3:UpdateBucketMetadataInventoryTableConfiguration',
        's3:UpdateBucketMetadataJournalTableConfiguration',
      ],
    },
  ],
  'AWS::SecretsManager::Secret': [
    {
      feature: 'replicas in other regions (ReplicaRegions)',
      used: has('ReplicaRegions'),
      actions: ['secretsmanager:ReplicateSecretToRegions', 'secretsmanager:RemoveRegionsFromReplication'],
    },
  ],
};

/** The feature an action of a type serves, and whether the resource uses it; undefined when none is listed. */
export function featureOf(
  type: string,
  action: string,
  properties: Record<string, unknown>,
): { feature: string; used: boolean } | undefined {
  const hit = (FEATURE_PERMISSIONS[type] ?? []).find((f) => f.actions.includes(action));
  return hit ? { feature: hit.feature, used: hit.used(properties) } : undefined;
}
