import { artifactBucketName, kmsAliasName, type NameScope, Parameters } from '@shared-lambda-infra/contract';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthResult, sharedPlatform, synthPlatform } from './helpers/synth';

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0];
}

/** Renders an `Fn::Join` of literals and pseudo-parameter `Ref`s as `${AWS::AccountId}` placeholders. */
function renderJoin(value: unknown): string {
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1]
    .map((part) => (typeof part === 'string' ? part : `\${${(part as { Ref: string }).Ref}}`))
    .join(join[0]);
}

function tlsOnlyStatement(bucketId: string) {
  return Match.objectLike({
    Effect: 'Deny',
    Action: 's3:*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    Resource: Match.arrayWith([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]),
  });
}

describe('storage stack in dev (S3-managed encryption, destroy, custom lifecycle)', () => {
  let result: SynthResult;
  let template: Template;
  let scope: NameScope;
  let artifactBucket: string;
  let logBucket: string;

  beforeAll(() => {
    // GIVEN dev.yaml (encryption: s3, removalPolicy: destroy) with distinctive lifecycle numbers
    result = synthPlatform({
      env: 'dev',
      overrides: {
        storage: {
          noncurrentVersionExpirationDays: 42,
          abortIncompleteMultipartUploadDays: 3,
          accessLogExpirationDays: 11,
        },
      },
    });
    template = result.template(result.stacks.storage);
    scope = result.stacks.storage.nameScope;
    artifactBucket = logicalId(template, 'AWS::S3::Bucket', 'ArtifactBucket');
    logBucket = logicalId(template, 'AWS::S3::Bucket', 'AccessLogBucket');
  });

  it('names the artifact bucket exactly as the consumer computes it with asset-manifest placeholders', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[artifactBucket];
    expect(renderJoin(bucket.Properties.BucketName)).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CDK asset-manifest placeholders, verbatim
      artifactBucketName(scope, '${AWS::AccountId}', '${AWS::Region}'),
    );
  });

  it('encrypts both buckets with S3-managed keys and creates no KMS key when encryption is s3', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    for (const id of [artifactBucket, logBucket]) {
      expect(template.findResources('AWS::S3::Bucket')[id].Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
  });

  it('does not publish artifactKeyArn when encryption is s3', () => {
    template.resourcePropertiesCountIs(
      'AWS::SSM::Parameter',
      { Name: Parameters.artifactKeyArn.path(scope) },
      0,
    );
  });

  it('publishes the artifact bucket name and ARN under their contract names', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.artifactBucketName.path(scope),
      Type: 'String',
      Value: { Ref: artifactBucket },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.artifactBucketArn.path(scope),
      Type: 'String',
      Value: { 'Fn::GetAtt': [artifactBucket, 'Arn'] },
    });
  });

  it('versions the artifact bucket, blocks public access and enforces bucket-owner object ownership', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('expires noncurrent artifact versions after noncurrentVersionExpirationDays', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 42 } })],
      },
    });
  });

  it('aborts incomplete multipart uploads after abortIncompleteMultipartUploadDays on both buckets', () => {
    for (const id of [artifactBucket, logBucket]) {
      const rules = template.findResources('AWS::S3::Bucket')[id].Properties.LifecycleConfiguration.Rules;
      expect(rules).toEqual([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } }),
      ]);
    }
  });

  it('sends artifact bucket access logs to the log bucket under the artifacts/ prefix', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucket }, LogFilePrefix: 'artifacts/' },
    });
  });

  it('expires access logs after accessLogExpirationDays and blocks public access to them', () => {
    const props = template.findResources('AWS::S3::Bucket')[logBucket].Properties;
    expect(props.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ ExpirationInDays: 11, Status: 'Enabled' }),
    ]);
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('lets only S3 log delivery for the artifact bucket write to the log bucket', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [artifactBucket, 'Arn'] } },
            }),
          }),
        ]),
      },
    });
  });

  it('denies every request without TLS on both buckets', () => {
    for (const id of [artifactBucket, logBucket]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: { Statement: Match.arrayWith([tlsOnlyStatement(id)]) },
      });
    }
  });

  it('sends artifact bucket events to EventBridge without a notification custom resource', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('deletes both buckets with the stack when removalPolicy is destroy, with no auto-delete function', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const id of [artifactBucket, logBucket]) {
      expect(buckets[id]).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });
});

describe('storage stack in prod (customer-managed key, retain)', () => {
  let template: Template;
  let scope: NameScope;
  let key: string;
  let artifactBucket: string;
  let logBucket: string;

  beforeAll(() => {
    // GIVEN prod.yaml: encryption kms, removalPolicy retain, noncurrentVersionExpirationDays 365
    const result = sharedPlatform('prod');
    template = result.template(result.stacks.storage);
    scope = result.stacks.storage.nameScope;
    key = logicalId(template, 'AWS::KMS::Key', 'ArtifactKey');
    artifactBucket = logicalId(template, 'AWS::S3::Bucket', 'ArtifactBucket');
    logBucket = logicalId(template, 'AWS::S3::Bucket', 'AccessLogBucket');
  });

  it('creates one customer-managed key with rotation and the conventional alias', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: kmsAliasName({ ...scope, resourceType: 'key', identifier: 'artifacts' }),
      TargetKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });

  it('encrypts the artifact bucket with the key and an S3 bucket key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [key, 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('keeps the log bucket on S3-managed keys, the only encryption server access logging delivers to', () => {
    expect(template.findResources('AWS::S3::Bucket')[logBucket].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('publishes artifactKeyArn under its contract name when encryption is kms', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.artifactKeyArn.path(scope),
      Type: 'String',
      Value: { 'Fn::GetAtt': [key, 'Arn'] },
    });
  });

  it('denies KMS grants on the key except to AWS services acting for AWS resources', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'kms:CreateGrant',
            Principal: { AWS: '*' },
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          }),
        ]),
      },
    });
  });

  it('retains the buckets and the key when removalPolicy is retain', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const id of [artifactBucket, logBucket]) {
      expect(buckets[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
    expect(template.findResources('AWS::KMS::Key')[key]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('expires noncurrent versions after the 365 days prod.yaml sets, where dev overrides 42', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 365 } })],
      },
    });
  });
});
