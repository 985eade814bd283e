import { type Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION, serviceDeadLetterQueue } from './private/queues';
import { ServicePlatform } from './service-platform';

/** Defaults of {@link ServiceStreamConsumerProps}, in one place. */
export const SERVICE_STREAM_CONSUMER_DEFAULTS = {
  batchSize: 100,
  // Stream records otherwise retry until they expire (24 hours), blocking their shard meanwhile.
  retryAttempts: 3,
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  deadLetterRetention: DEAD_LETTER_RETENTION,
} as const;

/** Props of {@link ServiceStreamConsumer}. */
export interface ServiceStreamConsumerProps {
  /** The function that processes the records (usually a `ServiceFunction`). */
  readonly handler: lambda.IFunction;
  /** The table whose stream to read; it must have a stream (`dynamoStream` on `TableV2`). */
  readonly table: dynamodb.ITable;
  /**
   * Records per invocation (1–10 000).
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Where in the stream a new consumer starts.
   * @default StartingPosition.TRIM_HORIZON (the oldest record still in the stream: nothing is skipped)
   */
  readonly startingPosition?: lambda.StartingPosition;
  /**
   * Retries of a failed batch before its records go to the on-failure queue (0–10 000).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Split a failed batch in two and retry each half, to isolate a bad record.
   * @default true
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Discard records older than this (1 minute – 7 days) to the on-failure queue.
   * @default - records are retried until they expire from the stream (24 hours)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Batches processed at once per shard (1–10), at the cost of ordering across batches of a shard.
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * How long the on-failure queue keeps the details of a failed batch.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/**
 * A function consuming a DynamoDB table's stream with bounded retries: failed batches are bisected
 * and retried (`retryAttempts`), partial batch failures are reported
 * (`ReportBatchItemFailures`), and what still fails is described on an SQS on-failure queue
 * (encrypted, HTTPS only, CloudFormation-generated name inside the stack's prefix) instead of
 * blocking its shard until the records expire. Read the records back with
 * `GetRecords` using the shard iterator the message carries.
 *
 * @example
 * const table = new dynamodb.TableV2(stack, 'Orders', { ..., dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
 * new ServiceStreamConsumer(stack, 'OrderEvents', { handler: publish, table });
 */
export class ServiceStreamConsumer extends Construct {
  /** Where the details of batches that failed every retry go. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The event source mapping that feeds the handler. */
  public readonly eventSource: sources.DynamoEventSource;
  /** The function the stream's records are handed to (its `IteratorAge` is watched by ServiceStack). */
  public readonly handler: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ServiceStreamConsumerProps) {
    super(scope, id);
    ServicePlatform.of(this);
    if (!hasStream(props.table)) {
      throw new Error(
        `ServiceStreamConsumer ${this.node.path}: table ${props.table.node.path} has no stream; set \`dynamoStream\` (TableV2) or \`stream\` (Table), e.g. StreamViewType.NEW_AND_OLD_IMAGES`,
      );
    }
    this.handler = props.handler;
    this.deadLetterQueue = serviceDeadLetterQueue(this, props.deadLetterRetention);
    this.eventSource = new sources.DynamoEventSource(props.table, {
      startingPosition: props.startingPosition ?? SERVICE_STREAM_CONSUMER_DEFAULTS.startingPosition,
      batchSize: props.batchSize ?? SERVICE_STREAM_CONSUMER_DEFAULTS.batchSize,
      retryAttempts: props.retryAttempts ?? SERVICE_STREAM_CONSUMER_DEFAULTS.retryAttempts,
      bisectBatchOnError: props.bisectBatchOnError ?? true,
      maxRecordAge: props.maxRecordAge,
      parallelizationFactor: props.parallelizationFactor,
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(this.deadLetterQueue),
    });
    props.handler.addEventSource(this.eventSource);
  }
}

// TableV2 answers `tableStreamArn` whether or not the table has a stream; its L1 tells.
function hasStream(table: dynamodb.ITable): boolean {
  if (!table.tableStreamArn) return false;
  const cfn = table.node.defaultChild;
  if (cfn instanceof dynamodb.CfnGlobalTable || cfn instanceof dynamodb.CfnTable) {
    // A lazy value on TableV2 (replicas may add a stream): resolve what it is now.
    return Stack.of(table).resolve(cfn.streamSpecification) !== undefined;
  }
  return true;
}
