import { Aws, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { PlatformConfig } from '../config/schema';
import type { PlatformStack } from '../stacks/platform-stack';
import { createPlatformKey } from './kms';

/**
 * With `observability.logEncryption: kms`, encrypts every log group of the given platform stacks
 * with a customer-managed key of the platform (rotated, grant-restricted, see `createPlatformKey`),
 * one key per stack that has log groups: a cross-stack key would make every stack depend on the
 * one holding it, and on its deletion order. CloudWatch Logs may use each key only for log groups
 * of this account and region (the `aws:logs:arn` encryption context).
 *
 * Applied after every stack is built, so it reaches the log groups that constructs create on their
 * own (Lambda's, API Gateway's, flow logs). With `service` (the default) nothing changes, and each
 * log group keeps its own acknowledgement of the encryption findings.
 *
 * @returns the keys created, by stack
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function encryptPlatformLogGroups(
  stacks: readonly PlatformStack[],
  config: PlatformConfig,
): Map<PlatformStack, kms.Key> {
  const keys = new Map<PlatformStack, kms.Key>();
  if (config.observability.logEncryption !== 'kms') return keys;
  for (const stack of stacks) {
    const groups = stack.node.findAll().filter((c): c is logs.CfnLogGroup => c instanceof logs.CfnLogGroup);
    if (groups.length === 0) continue;
    const key = createPlatformKey(stack, 'LogsKey', {
      nameScope: stack.nameScope,
      identifier: `logs-${stack.component}`,
      encrypts: `the log groups of the ${stack.component} stack`,
      // A deleted key makes its logs unreadable: keep it wherever data is kept.
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      statements: [logsServiceStatement(stack)],
    });
    for (const group of groups) group.kmsKeyId = key.keyArn;
    keys.set(stack, key);
  }
  return keys;
}

function logsServiceStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsOfThisAccount',
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    // In a key policy, "*" is this key.
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
      },
    },
  });
}
