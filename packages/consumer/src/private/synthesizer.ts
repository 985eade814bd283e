import { artifactBucketName, artifactPrefix, type NameScope } from '@shared-lambda-infra/contract';
import { CliCredentialsStackSynthesizer } from 'aws-cdk-lib';

// CDK asset-manifest placeholders (plain strings, not JS templates), filled in by the CDK CLI.
const ACCOUNT = '$' + '{AWS::AccountId}';
const REGION = '$' + '{AWS::Region}';

/**
 * A synthesizer that deploys with the platform's identity instead of a `cdk bootstrap` stack: assets
 * go to the shared artifact bucket under the service's own prefix, and everything runs with the
 * credentials the CLI already has, which in CI are the service's deploy role (assumed through
 * GitHub OIDC). CloudFormation gets the service's execution role from `cdk deploy --role-arn`; the
 * deploy role may only create or update stacks with that role attached.
 *
 * Why not `DefaultStackSynthesizer` with the service roles: the CLI would assume the deploy role
 * from inside the deploy role, which IAM allows only when a role trusts itself explicitly, and the
 * CLI would also insist on reading a bootstrap-version parameter that services have no use for.
 */
export function serviceSynthesizer(scope: NameScope, service: string): CliCredentialsStackSynthesizer {
  return new CliCredentialsStackSynthesizer({
    fileAssetsBucketName: artifactBucketName(scope, ACCOUNT, REGION),
    bucketPrefix: artifactPrefix(service),
  });
}
