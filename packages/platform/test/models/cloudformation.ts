import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { VirtualClock } from './clock';

/**
 * A model of how CloudFormation drives custom resources, as documented:
 * - Create, Update (with OldResourceProperties) and Delete requests, each answered by a PUT to a
 *   pre-signed URL (here a real HTTP server on 127.0.0.1 that, like S3, rejects a content type the
 *   URL was not signed with), waited for up to the resource's ServiceTimeout;
 * - no request when a resource's properties did not change;
 * - an Update answered with a new physical id is a replacement: the old id gets a Delete in the
 *   cleanup phase, which CloudFormation tries 3 times and then skips, still reporting UPDATE_COMPLETE;
 * - a failure (or a failing resource later in the template) rolls back: created resources are
 *   deleted, updated ones get an Update back to their old properties; a failed rollback request
 *   leaves ROLLBACK_FAILED / UPDATE_ROLLBACK_FAILED;
 * - stack deletion sends Delete to every resource; a failure leaves DELETE_FAILED.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes.html
 */

/** One custom resource in a template. */
export interface ModelResource {
  readonly type: string;
  readonly properties: Record<string, string>;
  /** Seconds CloudFormation waits for an answer. @default 3600 */
  readonly serviceTimeout?: number;
}

/** A template: custom resources by logical id, in dependency order. */
export type ModelTemplate = Record<string, ModelResource>;

/** A stack as the model keeps it. */
export interface ModelStack {
  readonly name: string;
  readonly stackId: string;
  status: string;
  /** The template as deployed (after a rollback: the old one again). */
  template: ModelTemplate;
  physicalIds: Record<string, string>;
  /** Reasons of failed requests, latest last. */
  readonly events: string[];
}

/** Options of one deploy. */
export interface DeployOptions {
  /** Another resource after the custom resources fails: the update (or create) rolls back. */
  readonly failAfter?: boolean;
  /**
   * `--no-rollback` (DisableRollback): a failure leaves CREATE_FAILED / UPDATE_FAILED with each
   * resource as its last request left it (succeeded: new properties; failed: old), no rollback.
   */
  readonly disableRollback?: boolean;
}

/** Every PUT to a ResponseURL, also those after CloudFormation stopped waiting. */
export interface AnswerRecord {
  readonly requestId: string;
  readonly status: string;
  readonly at: number;
}

/** A finished request and how long it waited, for the figures. */
export interface RequestRecord {
  readonly stack: string;
  readonly requestType: string;
  readonly status: 'SUCCESS' | 'FAILED' | 'TIMEOUT';
  readonly waitedMs: number;
  readonly reason?: string;
}

type Answer = { Status: 'SUCCESS' | 'FAILED'; Reason?: string; PhysicalResourceId: string };

/** CloudFormation in one account and Region. */
export class CloudFormationModel {
  readonly stacks = new Map<string, ModelStack>();
  readonly requests: RequestRecord[] = [];
  /** Every answer received, in order (duplicates included). */
  readonly answers: AnswerRecord[] = [];
  /** Every request sent, by request id. */
  readonly sent = new Map<string, { stack: string; requestType: string; logicalId: string }>();
  /** The next this-many PUTs to a ResponseURL get S3's `503 Slow Down`. */
  slowDown = 0;
  /** How many PUTs were answered 503. */
  slowedDown = 0;
  private server?: http.Server;
  private baseUrl = '';
  private readonly waiters = new Map<
    string,
    { event: CloudFormationCustomResourceEvent; resolve: (a: Answer) => void }
  >();

  /**
   * @param clock the virtual clock.
   * @param invoke invokes the service token's function asynchronously (its own actor).
   * @param region the Region.
   * @param account the account id.
   */
  constructor(
    private readonly clock: VirtualClock,
    private readonly invoke: (event: CloudFormationCustomResourceEvent) => void,
    readonly region: string,
    readonly account: string,
  ) {}

  /** Starts the response server. */
  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.onResponse(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Origin of the response server: the model's stand-in for CloudFormation's response bucket. */
  get responseOrigin(): string {
    return this.baseUrl;
  }

  /**
   * DescribeStackResource as documented: a `ValidationError` when the stack or the logical id does
   * not exist; while CloudFormation waits for a custom resource's answer, its status is
   * `{CREATE|UPDATE|DELETE}_IN_PROGRESS`, and `*_COMPLETE` otherwise.
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResource.html
   */
  describeStackResource(input: { StackName?: string; LogicalResourceId?: string }) {
    const stack = [...this.stacks.values()].find(
      (s) => s.stackId === input.StackName || s.name === input.StackName,
    );
    const validationError = (message: string) =>
      Object.assign(new Error(message), { name: 'ValidationError' });
    if (!stack) throw validationError(`Stack '${input.StackName}' does not exist`);
    const waiting = [...this.waiters.values()].find(
      (w) => w.event.StackId === stack.stackId && w.event.LogicalResourceId === input.LogicalResourceId,
    );
    const resource = waiting
      ? { type: waiting.event.ResourceType }
      : stack.template[input.LogicalResourceId ?? ''];
    if (!resource) {
      throw validationError(`Resource ${input.LogicalResourceId} does not exist for stack ${stack.name}`);
    }
    const status = waiting ? `${waiting.event.RequestType.toUpperCase()}_IN_PROGRESS` : 'UPDATE_COMPLETE';
    return {
      StackResourceDetail: {
        StackName: stack.name,
        StackId: stack.stackId,
        LogicalResourceId: input.LogicalResourceId,
        ResourceType: resource.type,
        ResourceStatus: status,
        LastUpdatedTimestamp: new Date(0),
      },
    };
  }

  /** Stops the response server. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Creates or updates a stack; resolves with its final status. */
  async deploy(name: string, template: ModelTemplate, options: DeployOptions = {}): Promise<string> {
    const existing = this.stacks.get(name);
    if (!existing || existing.status === 'ROLLBACK_COMPLETE' || existing.status === 'DELETE_COMPLETE') {
      return this.create(name, template, options);
    }
    return this.update(existing, template, options);
  }

  /** Deletes a stack; resolves with its final status. */
  async deleteStack(name: string): Promise<string> {
    const stack = this.stacks.get(name);
    if (!stack) return 'DELETE_COMPLETE';
    stack.status = 'DELETE_IN_PROGRESS';
    for (const id of Object.keys(stack.template).reverse()) {
      const r = await this.request(stack, 'Delete', id, stack.template[id], stack.physicalIds[id]);
      if (r.Status !== 'SUCCESS') {
        stack.status = 'DELETE_FAILED';
        return stack.status;
      }
    }
    stack.status = 'DELETE_COMPLETE';
    this.stacks.delete(name);
    return stack.status;
  }

  private async create(name: string, template: ModelTemplate, options: DeployOptions): Promise<string> {
    const stack: ModelStack = {
      name,
      stackId: `arn:aws:cloudformation:${this.region}:${this.account}:stack/${name}/${randomUUID()}`,
      status: 'CREATE_IN_PROGRESS',
      template: {},
      physicalIds: {},
      events: [],
    };
    this.stacks.set(name, stack);
    const created: string[] = [];
    let failed = false;
    for (const [id, resource] of Object.entries(template)) {
      const r = await this.request(stack, 'Create', id, resource);
      // A failed Create still leaves the physical id it answered with, which the rollback deletes.
      stack.physicalIds[id] = r.PhysicalResourceId;
      stack.template[id] = resource;
      created.push(id);
      if (r.Status !== 'SUCCESS') {
        failed = true;
        break;
      }
    }
    if (!failed && !options.failAfter) {
      stack.status = 'CREATE_COMPLETE';
      return stack.status;
    }
    if (options.disableRollback) {
      // The failed resource was not created; the others stay as they are.
      if (failed) {
        const last = created[created.length - 1];
        delete stack.template[last];
        delete stack.physicalIds[last];
      }
      stack.status = 'CREATE_FAILED';
      return stack.status;
    }
    stack.status = 'ROLLBACK_IN_PROGRESS';
    for (const id of created.reverse()) {
      const r = await this.request(stack, 'Delete', id, stack.template[id], stack.physicalIds[id]);
      if (r.Status !== 'SUCCESS') {
        stack.status = 'ROLLBACK_FAILED';
        return stack.status;
      }
    }
    stack.template = {};
    stack.status = 'ROLLBACK_COMPLETE';
    return stack.status;
  }

  private async update(stack: ModelStack, template: ModelTemplate, options: DeployOptions): Promise<string> {
    stack.status = 'UPDATE_IN_PROGRESS';
    const old = { template: stack.template, physicalIds: { ...stack.physicalIds } };
    const touched: Array<{ id: string; kind: 'created' | 'updated' }> = [];
    const replaced: Array<{ id: string; physicalId: string; resource: ModelResource }> = [];
    let failed = false;
    for (const [id, resource] of Object.entries(template)) {
      const before = old.template[id];
      if (before && same(before.properties, resource.properties)) continue;
      const r = before
        ? await this.request(stack, 'Update', id, resource, old.physicalIds[id], before.properties)
        : await this.request(stack, 'Create', id, resource);
      touched.push({ id, kind: before ? 'updated' : 'created' });
      if (r.Status !== 'SUCCESS') {
        failed = true;
        break;
      }
      if (before && r.PhysicalResourceId !== old.physicalIds[id]) {
        replaced.push({ id, physicalId: old.physicalIds[id], resource: before });
      }
      stack.physicalIds[id] = r.PhysicalResourceId;
    }
    if (!failed && !options.failAfter) {
      stack.status = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      const removed = Object.keys(old.template).filter((id) => !(id in template));
      for (const { id, physicalId, resource } of replaced)
        await this.cleanup(stack, id, resource, physicalId);
      for (const id of removed) await this.cleanup(stack, id, old.template[id], old.physicalIds[id]);
      stack.template = template;
      for (const id of removed) delete stack.physicalIds[id];
      stack.status = 'UPDATE_COMPLETE';
      return stack.status;
    }
    if (options.disableRollback) {
      const kept: ModelTemplate = { ...old.template };
      touched.forEach(({ id }, i) => {
        const ok = !failed || i < touched.length - 1;
        if (ok) kept[id] = template[id];
      });
      stack.template = kept;
      stack.status = 'UPDATE_FAILED';
      return stack.status;
    }
    stack.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
    let rollbackFailed = false;
    for (const { id, kind } of touched.reverse()) {
      const r =
        kind === 'created'
          ? await this.request(stack, 'Delete', id, template[id], stack.physicalIds[id] ?? `${id}-failed`)
          : await this.request(
              stack,
              'Update',
              id,
              old.template[id],
              stack.physicalIds[id] ?? old.physicalIds[id],
              template[id].properties,
            );
      if (r.Status !== 'SUCCESS') rollbackFailed = true;
    }
    stack.template = old.template;
    stack.physicalIds = old.physicalIds;
    stack.status = rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE';
    return stack.status;
  }

  /** Cleanup-phase Delete: 3 attempts, then skipped; the stack completes either way. */
  private async cleanup(
    stack: ModelStack,
    id: string,
    resource: ModelResource,
    physicalId: string,
  ): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await this.request(stack, 'Delete', id, resource, physicalId);
      if (r.Status === 'SUCCESS') return;
    }
    stack.events.push(`cleanup of ${id} (${physicalId}) failed 3 times; skipped`);
  }

  private async request(
    stack: ModelStack,
    requestType: 'Create' | 'Update' | 'Delete',
    logicalId: string,
    resource: ModelResource,
    physicalId?: string,
    oldProperties?: Record<string, string>,
  ): Promise<Answer> {
    const requestId = randomUUID();
    this.sent.set(requestId, { stack: stack.name, requestType, logicalId });
    // A pre-signed S3 URL: its signing time says when CloudFormation issued the request.
    const signedAt = new Date(this.clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const event = {
      RequestType: requestType,
      ServiceToken: resource.properties.ServiceToken ?? 'arn:aws:lambda:token',
      ResponseURL: `${this.baseUrl}/responses/${requestId}?X-Amz-Date=${signedAt}&X-Amz-Expires=7200`,
      StackId: stack.stackId,
      RequestId: requestId,
      ResourceType: resource.type,
      LogicalResourceId: logicalId,
      ResourceProperties: { ServiceToken: 'token', ...resource.properties },
      ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
      ...(oldProperties ? { OldResourceProperties: { ServiceToken: 'token', ...oldProperties } } : {}),
    } as unknown as CloudFormationCustomResourceEvent;
    const answered = new Promise<Answer>((resolve) => this.waiters.set(requestId, { event, resolve }));
    const started = this.clock.now();
    this.invoke(event);
    const timeoutMs = (resource.serviceTimeout ?? 3600) * 1000;
    const answer = await this.clock.waitFor(answered, timeoutMs);
    this.waiters.delete(requestId);
    const waitedMs = this.clock.now() - started;
    if (!answer) {
      const reason = `CloudFormation did not receive a response from your Custom Resource within ${timeoutMs / 1000} s`;
      stack.events.push(`${requestType} ${logicalId}: ${reason}`);
      this.requests.push({ stack: stack.name, requestType, status: 'TIMEOUT', waitedMs, reason });
      return { Status: 'FAILED', Reason: reason, PhysicalResourceId: physicalId ?? `${logicalId}-timeout` };
    }
    if (answer.Status === 'FAILED') stack.events.push(`${requestType} ${logicalId}: ${answer.Reason}`);
    this.requests.push({
      stack: stack.name,
      requestType,
      status: answer.Status,
      waitedMs,
      reason: answer.Reason,
    });
    return answer;
  }

  private onResponse(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestId = /^\/responses\/([\w-]+)(\?|$)/.exec(req.url ?? '')?.[1] ?? '';
      const waiter = this.waiters.get(requestId);
      if (req.method !== 'PUT' || (req.headers['content-type'] ?? '') !== '') {
        res.writeHead(403).end('SignatureDoesNotMatch');
        return;
      }
      if (this.slowDown > 0) {
        this.slowDown--;
        this.slowedDown++;
        res.writeHead(503).end('SlowDown');
        return;
      }
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { Status: string; RequestId: string };
        if (parsed.RequestId === requestId)
          this.answers.push({ requestId, status: parsed.Status, at: this.clock.now() });
      } catch {
        // not JSON: refused below
      }
      if (!waiter) {
        // S3 accepts a PUT to a still-valid URL, but CloudFormation no longer reads it.
        res.writeHead(200).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Answer & Record<string, string>;
      const e = waiter.event;
      if (
        body.RequestId !== e.RequestId ||
        body.StackId !== e.StackId ||
        body.LogicalResourceId !== e.LogicalResourceId ||
        !body.PhysicalResourceId
      ) {
        res.writeHead(400).end('response does not match the request');
        return;
      }
      this.waiters.delete(requestId);
      waiter.resolve(body);
      res.writeHead(200).end();
    });
  }
}

function same(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
