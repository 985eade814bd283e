import { createHash } from 'node:crypto';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  GetStageCommand,
  PutRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { ApiGatewayModel } from './apigateway';
import { awsError } from './apigateway';
import type { VirtualClock } from './clock';

/**
 * Small in-memory models of DynamoDB, SQS FIFO and SSM Parameter Store, limited to the calls the
 * routes runtime makes, each with the documented behaviour it relies on (conditional writes,
 * FIFO ordering with one message in flight per group, deduplication window, redrive to a DLQ,
 * GetParametersByPath pages of at most 10). `clients()` wires them, and the API Gateway model, as
 * the SDK clients the real handlers receive.
 */

/** Counters and fault switches every model shares: calls, throttled calls, a throttle window. */
export class Faults {
  /** Accepted calls per operation. */
  readonly calls: Record<string, number> = {};
  /** Throttled calls per operation. */
  readonly throttled: Record<string, number> = {};
  /** Until this virtual time, every call is throttled (another client spends the quota). */
  throttledUntil = 0;

  /** Counts a call, or throws the service's throttling error. */
  spend(clock: VirtualClock | undefined, operation: string, errorName: string, allowed = true): void {
    if (!allowed || (clock && clock.now() < this.throttledUntil)) {
      this.throttled[operation] = (this.throttled[operation] ?? 0) + 1;
      throw awsError(errorName, 'Rate exceeded');
    }
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
  }
}

/**
 * A DynamoDB table keyed by `pk`. Items over 400 KB are refused, as DynamoDB does
 * (`ValidationException: Item size has exceeded the maximum allowed size`).
 */
export class TableModel {
  readonly items = new Map<string, Record<string, unknown>>();
  readonly faults = new Faults();
  /** The clock of the throttle window. */
  clock?: VirtualClock;

  get(input: { Key: { pk: string } }) {
    this.faults.spend(this.clock, 'GetItem', 'ProvisionedThroughputExceededException');
    const item = this.items.get(input.Key.pk);
    return { Item: item ? structuredClone(item) : undefined };
  }

  put(input: {
    Item: Record<string, unknown>;
    ConditionExpression?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
  }) {
    this.faults.spend(this.clock, 'PutItem', 'ProvisionedThroughputExceededException');
    if (Buffer.byteLength(JSON.stringify(input.Item)) > 400 * 1024)
      throw awsError('ValidationException', 'Item size has exceeded the maximum allowed size');
    this.check(this.items.get(input.Item.pk as string), input);
    this.items.set(input.Item.pk as string, structuredClone(input.Item));
    return {};
  }

  delete(input: {
    Key: { pk: string };
    ConditionExpression?: string;
    ExpressionAttributeValues?: Record<string, unknown>;
  }) {
    this.faults.spend(this.clock, 'DeleteItem', 'ProvisionedThroughputExceededException');
    this.check(this.items.get(input.Key.pk), input);
    this.items.delete(input.Key.pk);
    return {};
  }

  /** Pages of 3 items, so pagination is exercised. */
  scan(input: { ExclusiveStartKey?: { pk: string } }) {
    this.faults.spend(this.clock, 'Scan', 'ProvisionedThroughputExceededException');
    const keys = [...this.items.keys()].sort();
    const start = input.ExclusiveStartKey ? keys.indexOf(input.ExclusiveStartKey.pk) + 1 : 0;
    const page = keys.slice(start, start + 3);
    return {
      Items: page.map((k) => structuredClone(this.items.get(k))),
      LastEvaluatedKey: start + 3 < keys.length ? { pk: page[page.length - 1] } : undefined,
    };
  }

  private check(
    current: Record<string, unknown> | undefined,
    input: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> },
  ): void {
    const expr = input.ConditionExpression;
    if (expr === undefined) return;
    let ok: boolean;
    if (expr === 'attribute_not_exists(#pk)') ok = current === undefined;
    else if (expr === '#version = :version')
      ok = current !== undefined && current.version === input.ExpressionAttributeValues?.[':version'];
    else throw new Error(`table model: condition ${expr} is not modelled`);
    if (!ok) throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
  }
}

/** One SQS FIFO message as the model keeps it. */
export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  readonly groupId: string;
  receiveCount: number;
  visibleAt: number;
  inFlight: boolean;
}

/** An SQS FIFO queue with a dead-letter queue. */
export class FifoQueueModel {
  readonly messages: QueuedMessage[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  readonly faults = new Faults();
  private readonly dedup = new Map<string, number>();
  private nextId = 1;

  /**
   * @param clock the virtual clock.
   * @param visibilityTimeoutMs how long a received message stays invisible.
   * @param maxReceiveCount receives before the redrive to the DLQ.
   */
  constructor(
    private readonly clock: VirtualClock,
    readonly visibilityTimeoutMs: number,
    readonly maxReceiveCount: number,
  ) {}

  send(input: { MessageBody?: string; MessageGroupId?: string; MessageDeduplicationId?: string }) {
    this.faults.spend(this.clock, 'SendMessage', 'RequestThrottled');
    if (!input.MessageGroupId)
      throw awsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    const body = input.MessageBody ?? '';
    // Content-based deduplication when no id is given (the queue has it on).
    const dedupId = input.MessageDeduplicationId ?? createHash('sha256').update(body).digest('hex');
    const now = this.clock.now();
    const seen = this.dedup.get(dedupId);
    if (seen !== undefined && now - seen < 5 * 60_000) return { MessageId: 'deduplicated' };
    this.dedup.set(dedupId, now);
    const id = `m${this.nextId++}`;
    this.messages.push({
      id,
      body,
      groupId: input.MessageGroupId,
      receiveCount: 0,
      visibleAt: now,
      inFlight: false,
    });
    return { MessageId: id };
  }

  /**
   * What the Lambda event source receives: up to `max` messages of a group with nothing in flight,
   * in order. A message past its max receive count moves to the DLQ instead.
   */
  receive(max: number): QueuedMessage[] {
    const now = this.clock.now();
    for (const m of this.messages) if (m.inFlight && m.visibleAt <= now) m.inFlight = false;
    for (const m of [...this.messages]) {
      if (!m.inFlight && m.visibleAt <= now && m.receiveCount >= this.maxReceiveCount) {
        this.messages.splice(this.messages.indexOf(m), 1);
        this.deadLetters.push(m);
      }
    }
    const busy = new Set(this.messages.filter((m) => m.inFlight).map((m) => m.groupId));
    const batch: QueuedMessage[] = [];
    for (const m of this.messages) {
      if (batch.length >= max) break;
      if (busy.has(m.groupId)) continue;
      if (m.visibleAt > now) {
        busy.add(m.groupId); // FIFO: a later message of the group never overtakes an earlier one
        continue;
      }
      batch.push(m);
    }
    for (const m of batch) {
      m.inFlight = true;
      m.receiveCount++;
      m.visibleAt = now + this.visibilityTimeoutMs;
    }
    return batch;
  }

  /** ChangeMessageVisibility of a received message (the model's receipt handle is the message id). */
  changeVisibility(input: { ReceiptHandle?: string; VisibilityTimeout?: number }) {
    const m = this.messages.find((x) => x.id === input.ReceiptHandle && x.inFlight);
    if (!m)
      throw awsError('ReceiptHandleIsInvalid', `The receipt handle ${input.ReceiptHandle} is not valid`);
    m.visibleAt = this.clock.now() + (input.VisibilityTimeout ?? 0) * 1000;
    return {};
  }

  /** The event source deletes a batch its function processed without error. */
  deleteBatch(batch: readonly QueuedMessage[]): void {
    for (const m of batch) {
      const i = this.messages.indexOf(m);
      if (i >= 0) this.messages.splice(i, 1);
    }
  }
}

/**
 * SSM Parameter Store. GetParameter, GetParameters and GetParametersByPath share the account's
 * throughput quota, 40 transactions per second by default (the "standard" throughput), and are
 * refused beyond it with `ThrottlingException: Rate exceeded`. GetParameters takes at most 10 names
 * and lists unknown ones in `InvalidParameters`.
 *
 * @see https://docs.aws.amazon.com/general/latest/gr/ssm.html#limits_ssm
 */
export class ParameterStoreModel {
  readonly parameters = new Map<string, string>();
  readonly faults = new Faults();
  /** Transactions per second of the shared quota (`Infinity`: no throttling). */
  tps = 40;
  private tokens = 40;
  private at = 0;

  /** @param clock the clock the quota refills on; without one, nothing is throttled. */
  constructor(private readonly clock?: VirtualClock) {
    this.at = clock?.now() ?? 0;
  }

  getByPath(input: { Path?: string; Recursive?: boolean; NextToken?: string; MaxResults?: number }) {
    this.spend('GetParametersByPath');
    const max = Math.min(input.MaxResults ?? 10, 10);
    const prefix = `${input.Path}/`;
    const names = [...this.parameters.keys()]
      .filter((n) => n.startsWith(prefix) && (input.Recursive || !n.slice(prefix.length).includes('/')))
      .sort();
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = names.slice(start, start + max);
    return {
      Parameters: page.map((Name) => ({ Name, Value: this.parameters.get(Name), Type: 'String' })),
      NextToken: start + max < names.length ? String(start + max) : undefined,
    };
  }

  getParameters(input: { Names?: string[] }) {
    const names = input.Names ?? [];
    if (names.length < 1 || names.length > 10)
      throw awsError('ValidationException', 'Member must have length less than or equal to 10');
    this.spend('GetParameters');
    const found = names.filter((n) => this.parameters.has(n));
    return {
      Parameters: found.map((Name) => ({ Name, Value: this.parameters.get(Name), Type: 'String' })),
      InvalidParameters: names.filter((n) => !this.parameters.has(n)),
    };
  }

  getParameter(input: { Name?: string }) {
    this.spend('GetParameter');
    const value = this.parameters.get(input.Name ?? '');
    if (value === undefined) throw awsError('ParameterNotFound', `Parameter ${input.Name} not found.`);
    return { Parameter: { Name: input.Name, Value: value, Type: 'String' } };
  }

  private spend(operation: string): void {
    let allowed = true;
    if (this.clock && Number.isFinite(this.tps)) {
      const now = this.clock.now();
      this.tokens = Math.min(this.tps, this.tokens + ((now - this.at) / 1000) * this.tps);
      this.at = now;
      allowed = this.tokens >= 1;
      if (allowed) this.tokens -= 1;
    }
    this.faults.spend(this.clock, operation, 'ThrottlingException', allowed);
  }
}

/** SDK clients whose calls go to the models (instance mocks: several worlds can coexist). */
export function clients(
  models: {
    readonly apigateway: ApiGatewayModel;
    readonly table: TableModel;
    readonly queue: FifoQueueModel;
    readonly ssm: ParameterStoreModel;
  },
  /** When `frozen` returns true, a call never returns (`hang`): the calling Lambda has crashed. */
  crash?: {
    readonly frozen: () => boolean;
    readonly hang: () => Promise<never>;
    /** Told of every write that went through (DynamoDB PutItem, DeleteItem). */
    readonly wrote?: () => void;
  },
) {
  // Generic over the input: each command's input type reaches its model method, inferred from callsFake.
  const call =
    <Input>(fn: (input: Input) => unknown, write = false) =>
    async (input: Input) => {
      if (crash?.frozen()) return crash.hang();
      const out = fn(input);
      if (write) crash?.wrote?.();
      return out;
    };
  const apigateway = new APIGatewayClient({ region: 'eu-west-1' });
  const apigw = mockClient(apigateway);
  apigw.on(PutRestApiCommand).callsFake(call((input) => models.apigateway.putRestApi(input)));
  apigw.on(CreateDeploymentCommand).callsFake(call((input) => models.apigateway.createDeployment(input)));
  apigw.on(GetStageCommand).callsFake(call((input) => models.apigateway.getStage(input)));
  apigw.on(UpdateStageCommand).callsFake(call((input) => models.apigateway.updateStage(input)));

  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const ddb = mockClient(db);
  ddb.on(GetCommand).callsFake(call((input) => models.table.get(input)));
  ddb.on(PutCommand).callsFake(call((input) => models.table.put(input), true));
  ddb.on(DeleteCommand).callsFake(call((input) => models.table.delete(input), true));
  ddb.on(ScanCommand).callsFake(call((input) => models.table.scan(input)));

  const sqs = new SQSClient({ region: 'eu-west-1' });
  const sqsMock = mockClient(sqs);
  sqsMock.on(SendMessageCommand).callsFake(call((input) => models.queue.send(input)));
  sqsMock.on(ChangeMessageVisibilityCommand).callsFake(call((input) => models.queue.changeVisibility(input)));

  const ssm = new SSMClient({ region: 'eu-west-1' });
  const ssmMock = mockClient(ssm);
  ssmMock.on(GetParametersByPathCommand).callsFake(call((input) => models.ssm.getByPath(input)));
  ssmMock.on(GetParametersCommand).callsFake(call((input) => models.ssm.getParameters(input)));
  ssmMock.on(GetParameterCommand).callsFake(call((input) => models.ssm.getParameter(input)));

  return { apigateway, db, sqs, ssm };
}
