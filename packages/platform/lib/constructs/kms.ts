import { kmsAliasName, type NameScope } from '@shared-lambda-infra/contract';
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** Props of {@link createPlatformKey}. */
export interface PlatformKeyProps {
  /** Project and environment, for the alias and the description. */
  readonly nameScope: NameScope;
  /** Last segment of the alias, `alias/{project}-{env}-key-{identifier}`. */
  readonly identifier: string;
  /** What the key protects, read into the description "Encrypts {encrypts} of {project} {env}." */
  readonly encrypts: string;
  /** What happens to the key when its stack is deleted (a deleted key makes its data unreadable). */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Key policy statements for the principals that use the key, added before the grant deny.
   * @default - none: the default key policy's account-root statement only
   */
  readonly statements?: readonly iam.PolicyStatement[];
}

/**
 * A customer-managed KMS key of the platform: rotated yearly, aliased by the naming convention, and
 * with a key policy that denies `kms:CreateGrant` unless an AWS service asks for an AWS resource, so
 * a compromised role cannot hand itself a durable grant (Control Tower CT.KMS.PR.3). Services that
 * encrypt on a caller's behalf (S3, SNS, CloudWatch) create no grants outside that condition.
 *
 * A function rather than a construct: the key stays a direct child of `scope`, so the logical ids of
 * the keys created before this helper existed do not change (a new logical id replaces the key).
 */
export function createPlatformKey(scope: Construct, id: string, props: PlatformKeyProps): kms.Key {
  const { nameScope } = props;
  const key = new kms.Key(scope, id, {
    description: `Encrypts ${props.encrypts} of ${nameScope.project} ${nameScope.env}.`,
    alias: kmsAliasName({ ...nameScope, resourceType: 'key', identifier: props.identifier }),
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy,
  });
  for (const statement of props.statements ?? []) key.addToResourcePolicy(statement);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
  return key;
}
