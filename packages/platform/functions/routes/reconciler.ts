import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type DeclaredRoute,
  type NameScope,
  ROUTES_SERVICE_TIMEOUT_SECONDS,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import type { Context, SQSEvent } from 'aws-lambda';
import { applyApi } from './apply';
import {
  type Clock,
  CONSOLE_LOG,
  errorMessage,
  hashOf,
  type Log,
  requiredEnv,
  SYSTEM_CLOCK,
  scopeFromEnv,
} from './common';
import {
  APPLIED_ITEM_KEY,
  type AppliedItem,
  type PendingResponse,
  PLATFORM_ITEM_KEY,
  type PlatformItem,
  RECONCILER_ENV,
  RECONCILER_TIMEOUT_SECONDS,
  type ReconcileMessage,
  ROUTES_METRICS,
  type ServiceItem,
  serviceItemKey,
} from './interface';
import { composeApi, resourcesOf, type ServiceRoutes } from './openapi';
import { loadRegistry } from './registry';
import { answer, type CfnAnswer } from './respond';
import { type DesiredState, RoutesStore } from './store';
import { ControlPlaneLimiter, DEFAULT_RETRY_POLICY, TransientApplyError } from './throttle';
import { validateRoutes } from './validate';

/** How many succeeded declaration (or settings) hashes an item remembers: rollback detection. */
const SUCCEEDED_HISTORY = 5;

/**
 * The reconciler: the one writer of the shared API. Reserved concurrency 1 and a FIFO queue with
 * one message group serialise it; every invocation (a batch of up to 10 messages) reads the WHOLE
 * desired state and applies it at once, so declarations that arrive together cost one PutRestApi
 * and one CreateDeployment (coalescing), and an invocation with nothing new costs none.
 *
 * Then it answers every pending CloudFormation request: SUCCESS once the routes are live, FAILED
 * with the reason when they cannot be. A failure that is not the service's fault (throttling,
 * an outage) is thrown so the batch is retried after the visibility timeout; after
 * `RECONCILE_MAX_RECEIVE_COUNT` receives it lands in the dead-letter queue (alarm).
 *
 * @see docs/redeploys.md
 */

/** Dependencies and bounds of the reconciler; every one has a production default. */
export interface ReconcilerOptions {
  /** SSM (the registry). @default - a new client */
  readonly ssm?: SSMClient;
  /** DynamoDB document client. @default - a new client */
  readonly db?: DynamoDBDocumentClient;
  /** SQS (to retry a throttled batch soon). @default - a new client */
  readonly sqs?: SQSClient;
  /** API Gateway. @default - a new client with the SDK's own retries off (ours pace the quotas) */
  readonly apigateway?: APIGatewayClient;
  /** The clock. @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** The log. @default CONSOLE_LOG */
  readonly log?: Log;
  /** Environment variables ({@link RECONCILER_ENV}). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Milliseconds before the Lambda timeout at which retries stop, so answers still go out.
   * @default - ANSWER_MARGIN_MS from the environment, else 30000
   */
  readonly answerMarginMs?: number;
  /**
   * Where metric lines (CloudWatch embedded metric format) go.
   * @default - stdout, which Lambda sends to the log group where CloudWatch extracts them
   */
  readonly emitMetric?: (line: string) => void;
}

/** The `bodyHash` recorded when an apply failed midway: matches no composed body. */
const INCOMPLETE_APPLY = 'incomplete';

/** Default resources-per-API quota when the platform settings carry none. */
export const DEFAULT_RESOURCES_PER_API = 300;

/** Builds the reconciler's Lambda handler. The control-plane limiter lives as long as the container. */
export function createReconciler(options: ReconcilerOptions = {}) {
  const env = options.env ?? process.env;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const log = options.log ?? CONSOLE_LOG;
  const limiter = new ControlPlaneLimiter(clock);
  let deps: Deps | undefined;
  const init = (): Deps => {
    deps ??= {
      ssm: options.ssm ?? new SSMClient({}),
      store: new RoutesStore(
        options.db ?? DynamoDBDocumentClient.from(new DynamoDBClient({})),
        requiredEnv(env, RECONCILER_ENV.tableName),
      ),
      apigateway: options.apigateway ?? new APIGatewayClient({ maxAttempts: 1 }),
      sqs: options.sqs ?? new SQSClient({}),
      scope: scopeFromEnv(env, RECONCILER_ENV.project, RECONCILER_ENV.env),
    };
    return deps;
  };
  const margin = options.answerMarginMs ?? (Number(env[RECONCILER_ENV.answerMarginMs]) || 30_000);

  return async (event: SQSEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> => {
    const d = init();
    const started = clock.now();
    const messages = event.Records.map((r) => parseMessage(r.body, log));
    const run: Run = {
      ...d,
      clock,
      log,
      limiter,
      emitMetric: options.emitMetric ?? ((line) => console.log(line)),
      deadline: started + context.getRemainingTimeInMillis() - margin,
      force: messages.some((m) => m.force === true),
    };
    log.info('reconcile', {
      messages: messages.length,
      reasons: messages.map((m) => m.reason),
      force: run.force,
    });
    try {
      await reconcile(run);
    } catch (error) {
      if (error instanceof TransientApplyError) await retrySoon(run, event);
      throw error;
    }
  };
}

/** The Lambda entry point. */
export const handler = createReconciler();

interface Deps {
  readonly ssm: SSMClient;
  readonly sqs: SQSClient;
  readonly store: RoutesStore;
  readonly apigateway: APIGatewayClient;
  readonly scope: NameScope;
}

interface Run extends Deps {
  readonly clock: Clock;
  readonly log: Log;
  readonly limiter: ControlPlaneLimiter;
  readonly emitMetric: (line: string) => void;
  readonly deadline: number;
  readonly force: boolean;
}

function parseMessage(body: string, log: Log): ReconcileMessage {
  try {
    return JSON.parse(body) as ReconcileMessage;
  } catch {
    // Any message means "reconcile"; an unreadable one still does.
    log.warn('unreadable reconcile message', { body: body.slice(0, 200) });
    return { reason: 'schedule' };
  }
}

/**
 * Seconds after which a batch that failed for a transient reason (throttling) comes back. The
 * queue's own visibility timeout may be much longer (AWS advises 6 x the function timeout: 30
 * minutes), which would let CloudFormation's 900 s ServiceTimeout run out before the retry.
 */
export const RETRY_AFTER_SECONDS = 60;

/**
 * Makes the batch visible again in {@link RETRY_AFTER_SECONDS}. Best-effort: when it fails, the
 * queue's visibility timeout still brings the batch back.
 */
async function retrySoon(run: Run, event: SQSEvent): Promise<void> {
  for (const record of event.Records) {
    // arn:aws:sqs:{region}:{account}:{name} -> https://sqs.{region}.amazonaws.com/{account}/{name}
    const [, partition, , region, account, name] = record.eventSourceARN?.split(':') ?? [];
    if (!name) continue;
    const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    try {
      await run.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: `https://sqs.${region}.${domain}/${account}/${name}`,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: RETRY_AFTER_SECONDS,
        }),
      );
    } catch (error) {
      run.log.warn('could not shorten the retry delay', {
        messageId: record.messageId,
        error: errorMessage(error),
      });
    }
  }
}

/** A decision for one pending request. */
interface Verdict {
  readonly pending: PendingResponse;
  readonly answer: CfnAnswer;
  /** For a FAILED forward request: put the service's desired table back to what is live. */
  readonly revert: boolean;
}

async function reconcile(run: Run): Promise<void> {
  const state = await run.store.readAll();
  if (!state.platform) {
    // Nothing can be applied; a Delete or rollback still succeeds (there is nothing live to undo).
    const verdicts = everyPending(state).map((p) =>
      p.mustSucceed ? verdict(p, { status: 'SUCCESS' }) : verdict(p, failedNoPlatform(run), true),
    );
    await settle(run, state, verdicts, undefined);
    run.log.warn('no platform settings stored yet; nothing applied');
    return;
  }
  const settings = state.platform.settings;
  const registry = await loadRegistry(run.ssm, run.scope, run.log);
  const { included, rejected } = plan(run, state, registry);
  let composed = composeApi(settings, [...included.values()]);
  const limit = settings.quotas?.resourcesPerApi ?? DEFAULT_RESOURCES_PER_API;
  if (composed.resources.length > limit) {
    const over = overQuota(state, included, composed.resources.length, limit);
    for (const [service, reason] of over) {
      rejected.set(service, reason);
      const item = state.services.get(service) as ServiceItem;
      included.set(service, {
        ...(included.get(service) as ServiceRoutes),
        routes: item.applied?.routes ?? [],
      });
    }
    composed = composeApi(settings, [...included.values()]);
  }
  const { restApiId, stageName } = settings;
  const bodyHash = hashOf({
    body: composed.body,
    methodSettings: composed.methodSettings,
    restApiId,
    stageName,
  });
  try {
    if (run.force || state.applied?.bodyHash !== bodyHash) {
      const result = await applyApi(
        restApiId,
        stageName,
        composed.body,
        composed.methodSettings,
        `shared API v2 ${bodyHash.slice(0, 12)}`,
        {
          client: run.apigateway,
          log: run.log,
          clock: run.clock,
          limiter: run.limiter,
          retry: { ...DEFAULT_RETRY_POLICY, deadline: run.deadline },
        },
      );
      await run.store.update<AppliedItem>(APPLIED_ITEM_KEY, (item) => ({
        pk: APPLIED_ITEM_KEY,
        kind: 'applied',
        bodyHash,
        deploymentId: result.deploymentId,
        appliedAt: run.clock.now(),
        version: item?.version ?? 0,
      }));
      run.log.info('applied', {
        deploymentId: result.deploymentId,
        resources: composed.resources.length,
        patchOperations: result.patchOperations,
      });
    } else {
      run.log.info('desired state already live; nothing to apply', { bodyHash });
    }
  } catch (error) {
    // The apply may have changed the stage or the working copy before it failed: the next
    // reconcile must apply in full, even if the desired state is back to the last applied one.
    await run.store.update<AppliedItem>(APPLIED_ITEM_KEY, (item) =>
      item ? { ...item, bodyHash: INCOMPLETE_APPLY } : undefined,
    );
    await onApplyFailure(run, state, error);
    throw error;
  }
  const verdicts = everyPending(state).map((p) => {
    const reason = rejected.get(serviceOf(state, p) ?? '');
    return reason && !p.mustSucceed
      ? verdict(p, { status: 'FAILED', reason }, true)
      : verdict(p, { status: 'SUCCESS' });
  });
  await settle(run, state, verdicts, included);
  metric(run, {
    [ROUTES_METRICS.answered]: verdicts.length,
    [ROUTES_METRICS.lagSeconds]: lagSeconds(run, verdicts),
  });
}

/** Which services are served, and which were refused with a reason. */
function plan(
  run: Run,
  state: DesiredState,
  registry: ReadonlyMap<string, ServiceRegistration>,
): { included: Map<string, ServiceRoutes>; rejected: Map<string, string> } {
  const included = new Map<string, ServiceRoutes>();
  const rejected = new Map<string, string>();
  const location = {
    region: (state.platform as PlatformItem).settings.region,
    account: (state.platform as PlatformItem).settings.account,
  };
  for (const [service, item] of state.services) {
    const registration = registry.get(service);
    if (!registration) {
      rejected.set(
        service,
        `service "${service}" is not registered in this environment; its routes are not served`,
      );
      continue;
    }
    if (item.deleted) continue;
    // The registry may have changed since the receiver checked (a base path moved): serve only
    // what the rules allow now.
    const problems = validateRoutes(run.scope, location, registration, item.routes, registry);
    if (problems.length > 0) {
      run.log.error('stored routes break the current registry; service not served', { service, problems });
      rejected.set(service, `routes of service "${service}" break the registry: ${problems.join('; ')}`);
      continue;
    }
    const settings = (state.platform as PlatformItem).settings;
    const jwt = item.routes.filter((r) => r.authorization === 'jwt');
    if (jwt.length > 0 && !settings.jwtAuthorizer && !settings.cognitoAuthorizer) {
      // One service's table must not make the whole body invalid (an unknown authorizer) for all.
      rejected.set(
        service,
        `route "${jwt[0].method} ${jwt[0].path}": authorization "jwt" needs the platform's JWT or Cognito authorizer, and this environment has none (set api.authorizer, or use "iam")`,
      );
      continue;
    }
    included.set(service, { registration, routes: item.routes });
  }
  return { included, rejected };
}

/**
 * Over the resources-per-API quota: the services whose pending declaration adds resources are
 * refused (their live table stays), so the removals and changes of everyone else still apply.
 */
function overQuota(
  state: DesiredState,
  included: ReadonlyMap<string, ServiceRoutes>,
  total: number,
  limit: number,
): Map<string, string> {
  const growth = new Map<string, number>();
  for (const [service, { routes }] of included) {
    const item = state.services.get(service) as ServiceItem;
    if (item.pending.length === 0) continue;
    const added = count(routes) - count(item.applied?.routes ?? []);
    if (added > 0) growth.set(service, added);
  }
  const names = [...growth].map(([s, n]) => `${s} (+${n})`).join(', ');
  const reason = `the shared API would have ${total} resources, more than its quota of ${limit} (api quotas.resourcesPerApi); services adding resources: ${names || 'none'}. Remove routes, or ask the platform team to raise the quota`;
  return new Map([...growth.keys()].map((s) => [s, reason]));
}

function count(routes: readonly DeclaredRoute[]): number {
  return resourcesOf(routes.map((r) => r.path)).length - 1;
}

async function onApplyFailure(run: Run, state: DesiredState, error: unknown): Promise<void> {
  const transient = error instanceof TransientApplyError;
  const reason = errorMessage(error);
  run.log.error('apply failed', { transient, error: reason });
  metric(run, { [ROUTES_METRICS.failures]: 1 });
  const verdicts: Verdict[] = [];
  for (const p of everyPending(state)) {
    if (p.mustSucceed) {
      // Delete and rollback: the desired state is stored; failing them would leave the stack in
      // DELETE_FAILED or UPDATE_ROLLBACK_FAILED for a reason that is not theirs. The retry converges.
      verdicts.push(
        verdict(p, { status: 'SUCCESS', reason: 'stored; the platform applies it on its next reconcile' }),
      );
    } else if (!transient) {
      verdicts.push(
        verdict(
          p,
          { status: 'FAILED', reason: `API Gateway refused the shared API definition: ${reason}` },
          true,
        ),
      );
    } else if (
      p.receivedAt + ROUTES_SERVICE_TIMEOUT_SECONDS * 1000 <
      run.clock.now() + (RETRY_AFTER_SECONDS + RECONCILER_TIMEOUT_SECONDS + 60) * 1000
    ) {
      verdicts.push(
        verdict(
          p,
          {
            status: 'FAILED',
            reason: `the routes could not be applied in time (${reason}); API Gateway is throttling control-plane calls in this account, deploy again`,
          },
          true,
        ),
      );
    }
  }
  await settle(run, state, verdicts, undefined);
}

function verdict(pending: PendingResponse, result: CfnAnswer, revert = false): Verdict {
  return { pending, answer: result, revert };
}

function failedNoPlatform(run: Run): CfnAnswer {
  return {
    status: 'FAILED',
    reason: `the platform's API settings are not stored yet: deploy the platform's ${run.scope.project}-${run.scope.env}-api stack first`,
  };
}

function everyPending(state: DesiredState): PendingResponse[] {
  return [...state.services.values(), ...(state.platform ? [state.platform] : [])].flatMap((i) => i.pending);
}

function serviceOf(state: DesiredState, pending: PendingResponse): string | undefined {
  for (const item of state.services.values()) if (item.pending.includes(pending)) return item.service;
  return undefined;
}

/**
 * Answers the verdicts, then records them: answered requests leave the items, a successful apply
 * becomes each item's `applied` state, a deleted service's item goes, a refused table is put back
 * to the live one. `served` is undefined after a failed apply (nothing new is live).
 */
async function settle(
  run: Run,
  state: DesiredState,
  verdicts: readonly Verdict[],
  served: ReadonlyMap<string, ServiceRoutes> | undefined,
): Promise<void> {
  for (const v of verdicts) {
    try {
      await answer(v.pending, v.answer);
    } catch (error) {
      // The stack stopped waiting (timeout, cancelled update): its URL no longer takes answers.
      run.log.warn('could not answer CloudFormation', {
        requestId: v.pending.requestId,
        error: errorMessage(error),
      });
    }
  }
  const byRequest = new Map(verdicts.map((v) => [v.pending.requestId, v]));
  for (const [service, read] of state.services) {
    const live = served?.get(service);
    await run.store.update<ServiceItem>(serviceItemKey(service), (item) => {
      if (!item) return undefined;
      const answered = item.pending.filter((p) => byRequest.has(p.requestId));
      const pending = item.pending.filter((p) => !byRequest.has(p.requestId));
      const unchanged = item.declarationHash === read.declarationHash;
      if (served && item.deleted && unchanged && pending.length === 0) return null;
      const succeeded = answered
        .filter((p) => byRequest.get(p.requestId)?.answer.status === 'SUCCESS' && p.requestType !== 'Delete')
        .map((p) => p.declarationHash);
      const reverted = answered.some((p) => byRequest.get(p.requestId)?.revert) && unchanged;
      const applied = served
        ? live
          ? { routes: live.routes, declarationHash: hashOf(live.routes) }
          : { routes: [], declarationHash: hashOf([]) }
        : item.applied;
      const back = applied?.routes ?? [];
      if (answered.length === 0 && !served) return undefined;
      return {
        ...item,
        ...(reverted ? { routes: back, declarationHash: hashOf(back) } : {}),
        ...(applied ? { applied } : {}),
        succeededHashes: [...item.succeededHashes.filter((h) => !succeeded.includes(h)), ...succeeded].slice(
          -SUCCEEDED_HISTORY,
        ),
        pending,
      };
    });
  }
  if (state.platform) {
    await run.store.update<PlatformItem>(PLATFORM_ITEM_KEY, (item) => {
      if (!item) return undefined;
      const succeeded = item.pending
        .filter((p) => byRequest.get(p.requestId)?.answer.status === 'SUCCESS')
        .map((p) => p.declarationHash);
      const history = item.succeededHashes ?? [];
      return {
        ...item,
        succeededHashes: [...history.filter((h) => !succeeded.includes(h)), ...succeeded].slice(
          -SUCCEEDED_HISTORY,
        ),
        pending: item.pending.filter((p) => !byRequest.has(p.requestId)),
      };
    });
  }
}

function lagSeconds(run: Run, verdicts: readonly Verdict[]): number {
  const now = run.clock.now();
  return Math.max(0, ...verdicts.map((v) => (now - v.pending.receivedAt) / 1000));
}

/** CloudWatch embedded metric format: one log line becomes metrics, no PutMetricData call. */
function metric(run: Run, values: Record<string, number>): void {
  run.emitMetric(
    JSON.stringify({
      _aws: {
        Timestamp: run.clock.now(),
        CloudWatchMetrics: [
          {
            Namespace: ROUTES_METRICS.namespace,
            Dimensions: [[ROUTES_METRICS.dimension]],
            Metrics: Object.keys(values).map((Name) => ({
              Name,
              Unit: Name === ROUTES_METRICS.lagSeconds ? 'Seconds' : 'Count',
            })),
          },
        ],
      },
      [ROUTES_METRICS.dimension]: run.scope.env,
      ...values,
    }),
  );
}
