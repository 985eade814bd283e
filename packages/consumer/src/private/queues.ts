import { Duration } from 'aws-cdk-lib';
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

/**
 * How long a service construct's dead-letter queue keeps what failed by default: SQS's longest, so
 * a parked message outlives a long weekend.
 */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** The dead-letter queue of a service construct, `DeadLetterQueue` in `scope`. */
export function serviceDeadLetterQueue(scope: Construct, retentionPeriod: Duration | undefined): sqs.Queue {
  return serviceQueue(scope, 'DeadLetterQueue', {
    retentionPeriod: retentionPeriod ?? DEAD_LETTER_RETENTION,
  });
}
