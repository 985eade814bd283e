import {
  artifactBucketName,
  Parameters,
  serviceAccessRoleNamePattern,
  TAG_KEYS,
} from '@shared-lambda-infra/contract';
import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance';
import { ContractValue } from '../constructs/contract-parameter';
import { assertSid } from '../constructs/github-access-policy';
import { createPlatformKey } from '../constructs/kms';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link StorageStack}. */
export interface StorageStackProps extends PlatformStackProps {}

// Object-key prefix of the artifact bucket's server access logs in the log bucket, so other
// buckets can log to the same target later without mixing their logs.
const ARTIFACT_ACCESS_LOG_PREFIX = 'artifacts/';

/**
 * What every bucket of this stack is: private, TLS 1.2+ only, without ACLs, versioned. ACLs can stay
 * disabled on the log bucket too: log delivery is granted by its bucket policy (feature flag
 * serverAccessLogsUseBucketPolicy).
 */
const BUCKET_BASELINE = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
} as const satisfies s3.BucketProps;

/**
 * The storage stack (`{project}-{env}-storage`): the deployment-artifact bucket every service
 * publishes its Lambda code to, its KMS key (when `storage.encryption` is `kms`) and the bucket
 * that receives its server access logs.
 *
 * CAUTION: with `removalPolicy: destroy` (dev) the buckets carry `DeletionPolicy: Delete`, but
 * CloudFormation deletes only empty buckets: empty them (all object versions) before deleting the
 * stack. There is deliberately no `autoDeleteObjects` custom resource, see {@link createArtifactBucket}.
 */
export class StorageStack extends PlatformStack {
  /**
   * The deployment-artifact bucket, named by `artifactBucketName()` of the contract.
   *
   * Objects are organised by service: each service writes only under its own prefix,
   * `artifactPrefix(service)` (`{service}/...`). The bucket policy enforces it (see
   * {@link confineArtifactWrites}), whatever any identity policy says.
   */
  public readonly artifactBucket: s3.IBucket;
  /** The customer-managed key of the artifact bucket; absent when `storage.encryption` is `s3`. */
  public readonly artifactKey?: kms.IKey;
  /** The bucket that receives the artifact bucket's S3 server access logs. */
  public readonly accessLogBucket: s3.IBucket;

  constructor(scope: Construct, props: StorageStackProps) {
    super(scope, 'storage', props);
    this.accessLogBucket = this.createAccessLogBucket();
    this.artifactKey = this.config.storage.encryption === 'kms' ? this.createArtifactKey() : undefined;
    this.artifactBucket = this.createArtifactBucket(this.accessLogBucket, this.artifactKey);
    this.confineArtifactWrites(this.artifactBucket);
    this.publishContract();
  }

  /**
   * Server access log target. It uses S3-managed keys because S3 server access logging cannot
   * deliver to a bucket whose default encryption is SSE-KMS.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
   */
  private createAccessLogBucket(): s3.Bucket {
    const { storage } = this.config;
    const bucket = new s3.Bucket(this, 'AccessLogBucket', {
      ...BUCKET_BASELINE,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(storage.accessLogExpirationDays),
          // Versioning keeps an expired log as a noncurrent version: drop it the next day so
          // expiration really frees the storage.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(storage.abortIncompleteMultipartUploadDays),
        },
      ],
      removalPolicy: this.dataRemovalPolicy,
    });
    const selfLogging =
      'This bucket is the server access log target; logging it to itself would log its own log deliveries without end.';
    const sseS3Only =
      'S3 server access logging cannot deliver to an SSE-KMS bucket; SSE-S3 is the only default encryption it accepts.';
    acknowledge(bucket, 'AwsSolutions-S1', selfLogging);
    acknowledge(bucket, 'NIST.800.53.R5-S3BucketLoggingEnabled', selfLogging);
    acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', selfLogging);
    acknowledge(bucket, 'NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3Only);
    acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', sseS3Only);
    acknowledge(
      bucket,
      'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      'Nothing reacts to access log deliveries; an event per delivered log object would only add noise to the default event bus.',
    );
    acknowledge(
      bucket,
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'Access logs must expire after storage.accessLogExpirationDays by lifecycle; object lock would keep them past that and block deleting a dev stack.',
    );
    acknowledge(
      bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'The access logs describe a single-region bucket and are read in place; a replica in a second region would double their storage cost without a reader.',
    );
    return bucket;
  }

  private createArtifactKey(): kms.Key {
    return createPlatformKey(this, 'ArtifactKey', {
      nameScope: this.nameScope,
      identifier: 'artifacts',
      encrypts: 'the deployment-artifact bucket',
      removalPolicy: this.dataRemovalPolicy,
    });
  }

  /**
   * The artifact bucket. No `autoDeleteObjects`, even when the environment's data is destroyable:
   * that option deploys a Lambda-backed custom resource with rights to list and delete every
   * object of the bucket, and it would be the most privileged principal on the bucket every
   * service's code is deployed from. Emptying a dev bucket by hand before deleting the stack is
   * the lesser cost.
   */
  private createArtifactBucket(accessLogBucket: s3.IBucket, key?: kms.IKey): s3.Bucket {
    const { storage } = this.config;
    const bucket = new s3.Bucket(this, 'ArtifactBucket', {
      ...BUCKET_BASELINE,
      bucketName: artifactBucketName(this.nameScope, Aws.ACCOUNT_ID, Aws.REGION),
      ...(key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(storage.noncurrentVersionExpirationDays),
          abortIncompleteMultipartUploadAfter: Duration.days(storage.abortIncompleteMultipartUploadDays),
          // Once every noncurrent version is gone, the delete marker left alone is clutter.
          expiredObjectDeleteMarker: true,
        },
      ],
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: ARTIFACT_ACCESS_LOG_PREFIX,
      removalPolicy: this.dataRemovalPolicy,
    });
    // Every artifact upload is a deploy about to happen: EventBridge makes it observable (audit,
    // deploy tracking) at no cost until a rule consumes it. Set on the L1 because the L2's
    // `eventBridgeEnabled` deploys a Lambda-backed custom resource with s3:PutBucketNotification
    // rights to do what CloudFormation does natively for a bucket it owns.
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    acknowledge(
      bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'The platform is single-region and every artifact is rebuilt from source by CI; a replica in a second region would double storage cost and serve no deployment.',
    );
    acknowledge(
      bucket,
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'Artifacts are replaced on every deploy and old versions must expire by lifecycle (storage.noncurrentVersionExpirationDays); object lock would keep every artifact for its retention period and block deleting a dev stack. Versioning already protects against overwrites.',
    );
    if (!key) {
      const reason =
        'storage.encryption is s3 for this environment: SSE-S3 encrypts the artifacts at rest without the cost of a KMS key and its requests; set storage.encryption: kms to use a customer-managed key.';
      acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason);
      acknowledge(bucket, 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason);
    }
    return bucket;
  }

  /**
   * Only a service's deploy role writes artifacts, and only under its own prefix: CDK skips
   * uploading an asset whose hash already exists, so anyone who could write under a service's
   * prefix could plant the code of its next deployment. Enforced here, in the bucket policy, so no
   * identity policy (a function role's, a widened deploy role's) can grant it.
   *
   * The deploy roles are recognised by name (`{project}-{env}-access-*`, names only the platform
   * creates) and confined by the `Service` tag the platform puts on them: one statement for any
   * number of services, so registering a service never changes this stack.
   */
  private confineArtifactWrites(bucket: s3.IBucket): void {
    const writes = [
      's3:PutObject',
      's3:PutObjectAcl',
      's3:PutObjectTagging',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:DeleteObjectTagging',
    ];
    const objects = bucket.arnForObjects('*');
    const deployRoles = `arn:${this.partition}:iam::${this.account}:role/${serviceAccessRoleNamePattern(this.nameScope)}`;
    const serviceTag = `aws:PrincipalTag/${TAG_KEYS.service}`;
    const deny = (sid: string, props: Partial<iam.PolicyStatementProps>) => {
      assertSid(sid);
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: writes,
          ...props,
        }),
      );
    };
    deny('DenyArtifactWritesExceptServiceDeployRoles', {
      resources: [objects],
      conditions: { ArnNotLike: { 'aws:PrincipalArn': deployRoles } },
    });
    deny('DenyArtifactWritesOutsideOwnPrefix', {
      notResources: [bucket.arnForObjects(`\${${serviceTag}}/*`)],
      // Stryker disable next-line ObjectLiteral: redundant with the statement above, which denies every other principal every write; kept so that each statement reads on its own
      conditions: { ArnLike: { 'aws:PrincipalArn': deployRoles } },
    });
    // An unresolvable policy variable makes the statement above match nothing: a deploy role
    // without the tag must not write at all.
    deny('DenyArtifactWritesWithoutServiceTag', {
      resources: [objects],
      conditions: { Null: { [serviceTag]: 'true' } },
    });
  }

  private publishContract(): void {
    const scope = this.nameScope;
    new ContractValue(this, 'ArtifactBucketName', {
      scope,
      parameter: Parameters.artifactBucketName,
      value: this.artifactBucket.bucketName,
    });
    new ContractValue(this, 'ArtifactBucketArn', {
      scope,
      parameter: Parameters.artifactBucketArn,
      value: this.artifactBucket.bucketArn,
    });
    if (this.artifactKey) {
      new ContractValue(this, 'ArtifactKeyArn', {
        scope,
        parameter: Parameters.artifactKeyArn,
        value: this.artifactKey.keyArn,
      });
    }
  }
}
