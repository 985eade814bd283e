import { Duration, Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION, serviceDeadLetterQueue, serviceQueue } from './private/queues';
import { ServicePlatform } from './service-platform';

/** Defaults of {@link ServiceQueueWorkerProps}, in one place. */
export const SERVICE_QUEUE_WORKER_DEFAULTS = {
  batchSize: 10,
  // Three receives: a transient failure gets two more chances before the message parks in the DLQ.
  maxReceiveCount: 3,
  deadLetterRetention: DEAD_LETTER_RETENTION,
  // AWS recommends at least six times the function timeout, so a batch retried by Lambda's
  // poller after throttling does not become visible to another poller meanwhile.
  visibilityTimeoutFactor: 6,
} as const;

/** Props of {@link ServiceQueueWorker}. */
export interface ServiceQueueWorkerProps {
  /** The function that processes the messages (usually a `ServiceFunction`). */
  readonly handler: lambda.IFunction;
  /**
   * Messages per invocation (1–10 000; above 10 needs `maxBatchingWindow`).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda gathers messages before invoking with a partial batch.
   * @default - none: invoke as soon as messages arrive
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Receives of one message before SQS moves it to the dead-letter queue. With partial batch
   * responses only the messages the handler reports as failed count a receive.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * The queue's visibility timeout.
   * @default - six times the handler's timeout (AWS's recommendation), or 60 seconds when the
   * timeout is not known at synth time
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the dead-letter queue keeps a message.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
  /**
   * The most concurrent invocations the event source starts (2–1000), so a backlog cannot take
   * the whole account's concurrency.
   * @default - no limit beyond the function's own reserved concurrency
   */
  readonly maxConcurrency?: number;
}

/**
 * An SQS queue worked by a function: a queue and its dead-letter queue (both encrypted with
 * SQS-managed keys and refusing plain HTTP), and an event source mapping that reports partial
 * batch failures (`ReportBatchItemFailures`), so one bad message is retried and parked alone
 * instead of failing its whole batch. The queues keep CloudFormation-generated names, which start
 * with the stack name (`{project}-{env}-{service}-…`) and so fall inside the service's names.
 *
 * The handler must answer `{ batchItemFailures: [{ itemIdentifier: messageId }] }` for the
 * messages it could not process (Powertools' `BatchProcessor` does).
 *
 * @example
 * const worker = new ServiceQueueWorker(stack, 'Emails', { handler: sendEmail });
 * worker.queue.grantSendMessages(createOrder);
 */
export class ServiceQueueWorker extends Construct {
  /** The queue producers send to. */
  public readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed receives. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The event source mapping that feeds the handler. */
  public readonly eventSource: sources.SqsEventSource;

  constructor(scope: Construct, id: string, props: ServiceQueueWorkerProps) {
    super(scope, id);
    // Only to fail early, with the fix, outside a ServiceStack.
    ServicePlatform.of(this);
    checkProps(this.node.path, props);
    this.deadLetterQueue = serviceDeadLetterQueue(this, props.deadLetterRetention);
    this.queue = serviceQueue(this, 'Queue', {
      visibilityTimeout: props.visibilityTimeout ?? defaultVisibilityTimeout(props.handler),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? SERVICE_QUEUE_WORKER_DEFAULTS.maxReceiveCount,
      },
    });
    this.eventSource = new sources.SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? SERVICE_QUEUE_WORKER_DEFAULTS.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: true,
    });
    props.handler.addEventSource(this.eventSource);
  }
}

function defaultVisibilityTimeout(handler: lambda.IFunction): Duration {
  const timeout = (handler as { timeout?: Duration }).timeout;
  if (!timeout || Token.isUnresolved(timeout.toSeconds())) return Duration.seconds(60);
  return Duration.seconds(timeout.toSeconds() * SERVICE_QUEUE_WORKER_DEFAULTS.visibilityTimeoutFactor);
}

function checkProps(path: string, props: ServiceQueueWorkerProps): void {
  const count = props.maxReceiveCount;
  if (
    count !== undefined &&
    !Token.isUnresolved(count) &&
    (!Number.isInteger(count) || count < 1 || count > 1000)
  ) {
    throw new Error(
      `ServiceQueueWorker ${path}: maxReceiveCount must be an integer from 1 to 1000, got ${count}`,
    );
  }
}
