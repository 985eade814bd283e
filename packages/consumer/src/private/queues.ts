import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A queue as every service construct creates one: encrypted with SQS-managed keys (no KMS key or
 * grants to manage), refusing plain HTTP, and named by CloudFormation after the stack, so inside
 * the service's names.
 */
export function serviceQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    ...props,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
}
