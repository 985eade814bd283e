import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type DeclaredRoute,
  type NameScope,
  ROUTES_SERVICE_TIMEOUT_SECONDS,
} from '@shared-lambda-infra/contract';
import type { Context, SQSEvent } from 'aws-lambda';
import { type ApplyContext, deployBody, putBody, readMethodSettings } from './apply';
import {
  type Clock,
  CONSOLE_LOG,
  errorMessage,
  errorName,
  hashOf,
  type Log,
  requiredEnv,
  SYSTEM_CLOCK,
  scopeFromEnv,
} from './common';
import { ownLocation } from './identity';
import {
  ANSWERED_HISTORY,
  APPLIED_ITEM_KEY,
  type AppliedItem,
  type DecidedAnswer,
  type PendingResponse,
  PLATFORM_ITEM_KEY,
  type PlatformItem,
  type PlatformSettings,
  RECONCILER_ENV,
  RECONCILER_TIMEOUT_SECONDS,
  type ReconcileMessage,
  ROUTES_METRICS,
  type ServiceItem,
  serviceItemKey,
} from './interface';
import { type ComposedApi, composeApi, resourcesOf, type ServiceRoutes } from './openapi';
import { functionOwnerCandidates, type ReadRegistration, RegistrationReader } from './registry';
import { AnswerRefusedError, answer, type CfnAnswer } from './respond';
import { responseUrlProblem } from './response-url';
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
  /**
   * Why a stored request's ResponseURL may not be answered, or `undefined` when it may. The
   * receiver already ignores such requests; this keeps every PUT on CloudFormation's hosts even so.
   * @default - responseUrlProblem: https on CloudFormation's response bucket of the function's Region
   */
  readonly responseUrlCheck?: (responseUrl: unknown) => string | undefined;
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
    if (deps) return deps;
    const ssm = options.ssm ?? new SSMClient({});
    const scope = scopeFromEnv(env, RECONCILER_ENV.project, RECONCILER_ENV.env);
    deps = {
      ssm,
      registrations: new RegistrationReader(ssm, scope, log, clock, 0, 300_000),
      store: new RoutesStore(
        options.db ?? DynamoDBDocumentClient.from(new DynamoDBClient({})),
        requiredEnv(env, RECONCILER_ENV.tableName),
      ),
      apigateway: options.apigateway ?? new APIGatewayClient({ maxAttempts: 1 }),
      sqs: options.sqs ?? new SQSClient({}),
      scope,
    };
    return deps;
  };
  const margin = options.answerMarginMs ?? (Number(env[RECONCILER_ENV.answerMarginMs]) || 30_000);

  return async (
    event: SQSEvent,
    context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>,
  ): Promise<void> => {
    const d = init();
    const own = ownLocation(context.invokedFunctionArn);
    const started = clock.now();
    const messages = event.Records.map((r) => parseMessage(r.body, log));
    const deadline = started + context.getRemainingTimeInMillis() - margin;
    const run: Run = {
      ...d,
      store: d.store.bounded({ clock, deadline }),
      clock,
      log,
      limiter,
      emitMetric: options.emitMetric ?? ((line) => console.log(line)),
      deadline,
      answerBy: deadline + margin / 2,
      force: messages.some((m) => m.force === true),
      responseUrlCheck: options.responseUrlCheck ?? ((url) => responseUrlProblem(url, own)),
    };
    log.info('reconcile', {
      messages: messages.length,
      reasons: messages.map((m) => m.reason),
      force: run.force,
    });
    try {
      await reconcile(run);
    } catch (error) {
      // Whatever failed here is the platform's (throttling, an outage, a refused platform setting):
      // stored state cannot make a reconcile throw. The batch comes back in a minute.
      run.log.error('reconcile failed; retried', { error: errorMessage(error) });
      await retrySoon(run, event);
      throw error;
    }
  };
}

/** The Lambda entry point. */
export const handler = createReconciler();

interface Deps {
  readonly ssm: SSMClient;
  /**
   * Registrations are read fresh on every reconcile; "not registered" (mostly the names a service's
   * functions could be confused with) is reused for 5 minutes by the warm reconciler.
   */
  readonly registrations: RegistrationReader;
  readonly sqs: SQSClient;
  readonly store: RoutesStore;
  readonly apigateway: APIGatewayClient;
  readonly scope: NameScope;
}

interface Run extends Deps {
  /** The store with throttled calls retried until the deadline. */
  readonly store: RoutesStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly limiter: ControlPlaneLimiter;
  readonly emitMetric: (line: string) => void;
  readonly deadline: number;
  /** Epoch ms until which answers are retried (past the apply deadline, before the timeout). */
  readonly answerBy: number;
  readonly force: boolean;
  /** {@link ReconcilerOptions.responseUrlCheck}. */
  readonly responseUrlCheck: (responseUrl: unknown) => string | undefined;
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
  /** Put the service's desired table back to these routes (a refused or failed forward table). */
  readonly revertTo?: readonly DeclaredRoute[];
}

/** What the reconciler serves of each service, and why it refused what it does not serve. */
interface Plan {
  /** Services served, with the routes served: the desired table, or the last good one. */
  readonly included: Map<string, ServiceRoutes>;
  /** The table each registered service falls back to when its desired one is refused. */
  readonly fallback: Map<string, readonly DeclaredRoute[]>;
  /** Services whose desired table is not served, with the reason. */
  readonly rejected: Map<string, string>;
}

/** An apply failed for a reason that is not one service's: the platform's, retried later. */
class PlatformApplyError extends TransientApplyError {}

async function reconcile(run: Run): Promise<void> {
  let state = await run.store.readAll();
  if (await flushOutboxes(run, state)) state = await run.store.readAll();
  if (!state.platform) {
    // Nothing can be applied; a Delete or rollback still succeeds (there is nothing live to undo).
    const verdicts = everyPending(state).map(({ pending: p, service }) =>
      p.mustSucceed
        ? verdict(p, { status: 'SUCCESS' })
        : verdict(p, failedNoPlatform(run), state.services.get(service ?? '')?.applied?.routes ?? []),
    );
    await settle(run, state, verdicts, undefined);
    run.log.warn('no platform settings stored yet; nothing applied');
    return;
  }
  const settings = state.platform.settings;
  let registry: Map<string, ReadRegistration>;
  try {
    // Only the registrations of the services that have a table (and of the few names their
    // functions could be confused with): 10 per GetParameters call, fresh on every reconcile.
    const names = [...state.services.values()].flatMap((item) => [
      item.service,
      ...functionOwnerCandidates(run.scope, item.service, item.routes),
      ...functionOwnerCandidates(run.scope, item.service, item.applied?.routes),
    ]);
    registry = await run.registrations.read(names, run.deadline);
  } catch (error) {
    await onPlatformFailure(run, state, error);
    throw error;
  }
  const planned = plan(run, state, registry);
  const limit = settings.quotas?.resourcesPerApi ?? DEFAULT_RESOURCES_PER_API;
  let composed: ComposedApi;
  try {
    composed = composeApi(settings, [...planned.included.values()]);
    if (composed.resources.length > limit) {
      const over = overQuota(state, planned.included, composed.resources.length, limit);
      for (const [service, reason] of over) refuse(planned, service, reason);
      composed = composeApi(settings, [...planned.included.values()]);
    }
  } catch (error) {
    // Each service's table composed alone (plan): what fails now is the platform's settings.
    await onPlatformFailure(run, state, error);
    throw new PlatformApplyError(`the platform's settings cannot be composed: ${errorMessage(error)}`);
  }
  const { restApiId, stageName } = settings;
  const hashOfComposed = (c: ComposedApi) =>
    hashOf({ body: c.body, methodSettings: c.methodSettings, restApiId, stageName });
  try {
    if (run.force || state.applied?.bodyHash !== hashOfComposed(composed)) {
      const ctx: ApplyContext = {
        client: run.apigateway,
        log: run.log,
        clock: run.clock,
        limiter: run.limiter,
        retry: { ...DEFAULT_RETRY_POLICY, deadline: run.deadline },
      };
      const current = await readMethodSettings(restApiId, stageName, ctx);
      composed = await putIsolating(run, settings, planned, composed, ctx);
      const bodyHash = hashOfComposed(composed);
      const result = await deployBody(
        restApiId,
        stageName,
        current,
        composed.methodSettings,
        `shared API v2 ${bodyHash.slice(0, 12)}`,
        ctx,
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
        refused: [...planned.rejected.keys()],
      });
    } else {
      run.log.info('desired state already live; nothing to apply', { bodyHash: state.applied?.bodyHash });
    }
  } catch (error) {
    // The apply may have changed the stage or the working copy before it failed: the next
    // reconcile must apply in full, even if the desired state is back to the last applied one.
    await run.store
      .update<AppliedItem>(APPLIED_ITEM_KEY, (item) =>
        item ? { ...item, bodyHash: INCOMPLETE_APPLY } : undefined,
      )
      .catch((e) => run.log.warn('could not mark the apply incomplete', { error: errorMessage(e) }));
    await onPlatformFailure(run, state, error);
    throw error;
  }
  const verdicts = everyPending(state).map(({ pending: p, service }) => {
    const reason = planned.rejected.get(service ?? '');
    if (!reason) return verdict(p, { status: 'SUCCESS' });
    const back = planned.fallback.get(service ?? '') ?? [];
    // A rollback or a Delete whose table is refused is still answered SUCCESS (failing it would
    // leave the stack *_FAILED); the service keeps its last good routes either way.
    return p.mustSucceed
      ? verdict(p, { status: 'SUCCESS', reason: `stored; not served: ${reason}` }, back)
      : verdict(p, { status: 'FAILED', reason }, back);
  });
  await settle(run, state, verdicts, planned.included);
  metric(run, {
    [ROUTES_METRICS.answered]: verdicts.length,
    [ROUTES_METRICS.lagSeconds]: lagSeconds(run, verdicts),
  });
}

function refuse(planned: Plan, service: string, reason: string): void {
  planned.rejected.set(service, reason);
  const back = planned.fallback.get(service) ?? [];
  const served = planned.included.get(service);
  if (served && back.length > 0) planned.included.set(service, { ...served, routes: back });
  else planned.included.delete(service);
}

/**
 * Which services are served, and which were refused with a reason. Each service's table is
 * validated against the current registry and composed ALONE, inside error handling: whatever one
 * service stored (a value of the wrong type, a table the registry no longer allows) refuses that
 * service only, which keeps serving its last good table.
 */
function plan(run: Run, state: DesiredState, registry: ReadonlyMap<string, ReadRegistration>): Plan {
  const included = new Map<string, ServiceRoutes>();
  const fallback = new Map<string, readonly DeclaredRoute[]>();
  const rejected = new Map<string, string>();
  const settings = (state.platform as PlatformItem).settings;
  for (const [service, item] of state.services) {
    const registration = registry.get(service);
    if (!registration) {
      rejected.set(
        service,
        `service "${service}" is not registered in this environment; its routes are not served`,
      );
      continue;
    }
    const lastGood = item.applied?.routes ?? [];
    const back =
      lastGood.length > 0 && !tableProblem(run, settings, registration, lastGood, registry) ? lastGood : [];
    fallback.set(service, back);
    if (item.deleted) continue;
    const problem = tableProblem(run, settings, registration, item.routes, registry);
    if (problem) {
      run.log.error('stored routes refused; the service keeps its last good routes', { service, problem });
      rejected.set(service, problem);
      if (back.length > 0) included.set(service, { registration, routes: back });
      continue;
    }
    included.set(service, { registration, routes: item.routes });
  }
  return { included, fallback, rejected };
}

/** Why a service's table cannot be served (validated and composed alone), or undefined. */
function tableProblem(
  run: Run,
  settings: PlatformSettings,
  registration: ReadRegistration,
  routes: readonly DeclaredRoute[],
  registry: ReadonlyMap<string, ReadRegistration>,
): string | undefined {
  const service = registration.service;
  try {
    if (!Array.isArray(routes)) return `the stored routes of service "${service}" are not a list`;
    // The registry may have changed since the receiver checked (a base path moved): serve only
    // what the rules allow now.
    const location = { region: settings.region, account: settings.account };
    const problems = validateRoutes(run.scope, location, registration, routes, registry);
    if (problems.length > 0)
      return `routes of service "${service}" break the registry: ${problems.join('; ')}`;
    const jwt = routes.filter((r) => r.authorization === 'jwt');
    if (jwt.length > 0 && !settings.jwtAuthorizer && !settings.cognitoAuthorizer) {
      // One service's table must not make the whole body invalid (an unknown authorizer) for all.
      return `route "${jwt[0].method} ${jwt[0].path}": authorization "jwt" needs the platform's JWT or Cognito authorizer, and this environment has none (set api.authorizer, or use "iam")`;
    }
    composeApi(settings, [{ registration, routes }]);
    return undefined;
  } catch (error) {
    return `the routes of service "${service}" cannot be composed into the shared API (${errorMessage(error)}); fix the declaration and deploy again`;
  }
}

/** API Gateway refused the definition itself (not throttling, not an outage). */
function refusedByApiGateway(error: unknown): boolean {
  return (
    !(error instanceof TransientApplyError) &&
    ['BadRequestException', 'LimitExceededException'].includes(errorName(error))
  );
}

/**
 * PutRestApi of the composed body. When API Gateway refuses it, the services whose table changed
 * since the last apply are tested in halves (each test one PutRestApi, 1 per second): those refused
 * alone are left out with API Gateway's reason and keep their last good table, the others go live.
 * If the API is refused even without any change, the fault is the platform's: thrown, retried.
 */
async function putIsolating(
  run: Run,
  settings: PlatformSettings,
  planned: Plan,
  composed: ComposedApi,
  ctx: ApplyContext,
): Promise<ComposedApi> {
  const { restApiId } = settings;
  try {
    await putBody(restApiId, composed.body, ctx);
    return composed;
  } catch (error) {
    if (!refusedByApiGateway(error)) throw error;
    run.log.warn('API Gateway refused the API; finding whose routes it refuses', {
      error: errorMessage(error),
    });
  }
  const suspects = [...planned.included]
    .filter(([service, s]) => hashOf(s.routes) !== hashOf(planned.fallback.get(service) ?? []))
    .map(([service]) => service)
    .sort();
  const accepted = new Set<string>();
  const bodyWith = (take: ReadonlySet<string>) =>
    composeApi(
      settings,
      [...planned.included]
        .map(([service, s]) =>
          suspects.includes(service) && !take.has(service)
            ? { ...s, routes: planned.fallback.get(service) ?? [] }
            : s,
        )
        .filter((s) => s.routes.length > 0),
    );
  const attempt = async (take: ReadonlySet<string>): Promise<string | undefined> => {
    try {
      await putBody(restApiId, bodyWith(take).body, ctx);
      return undefined;
    } catch (error) {
      if (!refusedByApiGateway(error)) throw error;
      return errorMessage(error);
    }
  };
  const base = await attempt(accepted);
  if (base !== undefined) {
    throw new PlatformApplyError(
      `API Gateway refuses the shared API even without this batch's changes (${base}): the platform's settings or a stored table`,
    );
  }
  const search = async (group: readonly string[], knownRefused: string | undefined): Promise<void> => {
    if (group.length === 0) return;
    const refusal = knownRefused ?? (await attempt(new Set([...accepted, ...group])));
    if (refusal === undefined) {
      for (const s of group) accepted.add(s);
      return;
    }
    if (group.length === 1) {
      refuse(planned, group[0], `API Gateway refused the routes of service "${group[0]}": ${refusal}`);
      return;
    }
    const half = Math.ceil(group.length / 2);
    await search(group.slice(0, half), undefined);
    await search(group.slice(half), undefined);
  };
  await search(suspects, 'refused as a whole');
  for (const s of suspects) if (!accepted.has(s) && !planned.rejected.has(s)) refuse(planned, s, 'refused');
  const final = composeApi(settings, [...planned.included.values()]);
  // The last successful PutRestApi may have been a smaller set: the working copy gets the final one.
  await putBody(restApiId, final.body, ctx);
  return final;
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

/**
 * The apply (or reading the registry) failed for the platform's reason: nobody's request is
 * answered FAILED for it while a retry can still finish in time. Deletes and rollbacks are
 * answered SUCCESS (their desired state is stored; the retry converges); a forward request is
 * answered FAILED only when no retry would fit in its ServiceTimeout any more.
 */
async function onPlatformFailure(run: Run, state: DesiredState, error: unknown): Promise<void> {
  const reason = errorMessage(error);
  run.log.error('apply failed', { error: reason });
  metric(run, { [ROUTES_METRICS.failures]: 1 });
  const verdicts: Verdict[] = [];
  for (const { pending: p, service } of everyPending(state)) {
    if (p.mustSucceed) {
      // Delete and rollback: the desired state is stored; failing them would leave the stack in
      // DELETE_FAILED or UPDATE_ROLLBACK_FAILED for a reason that is not theirs. The retry converges.
      verdicts.push(
        verdict(p, { status: 'SUCCESS', reason: 'stored; the platform applies it on its next reconcile' }),
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
            reason: `the routes could not be applied in time (${reason}); the platform (API Gateway, Parameter Store or DynamoDB throttling, or an outage) is at fault, not this declaration: deploy again`,
          },
          state.services.get(service ?? '')?.applied?.routes ?? [],
        ),
      );
    }
  }
  try {
    await settle(run, state, verdicts, undefined);
  } catch (e) {
    run.log.error('could not record the answers; the retry answers', { error: errorMessage(e) });
  }
}

function verdict(pending: PendingResponse, result: CfnAnswer, revertTo?: readonly DeclaredRoute[]): Verdict {
  return { pending, answer: result, ...(revertTo ? { revertTo } : {}) };
}

function failedNoPlatform(run: Run): CfnAnswer {
  return {
    status: 'FAILED',
    reason: `the platform's API settings are not stored yet: deploy the platform's ${run.scope.project}-${run.scope.env}-api stack first`,
  };
}

/** Every pending request, with the service it belongs to (none: the platform's settings). */
function everyPending(state: DesiredState): Array<{ pending: PendingResponse; service?: string }> {
  return [
    ...[...state.services.values()].flatMap((i) =>
      i.pending.map((pending) => ({ pending, service: i.service })),
    ),
    ...(state.platform?.pending ?? []).map((pending) => ({ pending })),
  ];
}

/**
 * Answers the verdicts exactly once, in three steps: (1) each item records its decided answers in
 * its `outbox` and leaves `pending` (with the apply's outcome: `applied`, succeeded hashes, a
 * refused table put back); (2) the answers are PUT; (3) the sent ones leave the outbox for
 * `answered`. A reconciler that dies after (1) sends the recorded answers on its next run (never a
 * different one); the receiver ignores a request id in either list (a duplicate delivery).
 * `served` is undefined after a failed apply (nothing new is live).
 */
async function settle(
  run: Run,
  state: DesiredState,
  verdicts: readonly Verdict[],
  served: ReadonlyMap<string, ServiceRoutes> | undefined,
): Promise<void> {
  const byRequest = new Map(verdicts.map((v) => [v.pending.requestId, v]));
  const decided = (pending: readonly PendingResponse[]): DecidedAnswer[] =>
    pending
      .filter((p) => byRequest.has(p.requestId))
      .map((p) => {
        const v = byRequest.get(p.requestId) as Verdict;
        return {
          pending: p,
          status: v.answer.status,
          ...(v.answer.reason ? { reason: v.answer.reason } : {}),
        };
      });
  const outboxes: Array<{ key: string; outbox: readonly DecidedAnswer[] }> = [];
  for (const [service, read] of state.services) {
    const live = served?.get(service);
    const key = serviceItemKey(service);
    const next = await run.store.update<ServiceItem>(key, (item) => {
      if (!item) return undefined;
      const answered = item.pending.filter((p) => byRequest.has(p.requestId));
      const pending = item.pending.filter((p) => !byRequest.has(p.requestId));
      const unchanged = item.declarationHash === read.declarationHash;
      const succeeded = answered
        .filter((p) => byRequest.get(p.requestId)?.answer.status === 'SUCCESS' && p.requestType !== 'Delete')
        .map((p) => p.declarationHash);
      const revertTo = answered.map((p) => byRequest.get(p.requestId)?.revertTo).find((r) => r !== undefined);
      const reverted = revertTo !== undefined && unchanged;
      const applied = served
        ? { routes: live?.routes ?? [], declarationHash: hashOf(live?.routes ?? []) }
        : item.applied;
      if (answered.length === 0 && (!served || hashOf(item.applied ?? null) === hashOf(applied ?? null)))
        return undefined;
      return {
        ...item,
        ...(reverted ? { routes: revertTo, declarationHash: hashOf(revertTo) } : {}),
        ...(applied ? { applied } : {}),
        succeededHashes: [...item.succeededHashes.filter((h) => !succeeded.includes(h)), ...succeeded].slice(
          -SUCCEEDED_HISTORY,
        ),
        pending,
        outbox: [...(item.outbox ?? []), ...decided(answered)],
      };
    });
    if (next?.outbox?.length) outboxes.push({ key, outbox: next.outbox });
  }
  if (state.platform) {
    const next = await run.store.update<PlatformItem>(PLATFORM_ITEM_KEY, (item) => {
      if (!item) return undefined;
      const answered = item.pending.filter((p) => byRequest.has(p.requestId));
      if (answered.length === 0) return undefined;
      const succeeded = answered
        .filter((p) => byRequest.get(p.requestId)?.answer.status === 'SUCCESS')
        .map((p) => p.declarationHash);
      const history = item.succeededHashes ?? [];
      return {
        ...item,
        succeededHashes: [...history.filter((h) => !succeeded.includes(h)), ...succeeded].slice(
          -SUCCEEDED_HISTORY,
        ),
        pending: item.pending.filter((p) => !byRequest.has(p.requestId)),
        outbox: [...(item.outbox ?? []), ...decided(answered)],
      };
    });
    if (next?.outbox?.length) outboxes.push({ key: PLATFORM_ITEM_KEY, outbox: next.outbox });
  }
  const unsent = await sendOutboxes(run, outboxes);
  // The batch comes back in a minute and sends them (the applied state is already recorded).
  if (unsent > 0) throw new TransientApplyError(`${unsent} answers to CloudFormation could not be sent yet`);
}

/**
 * Sends what a previous run decided but did not confirm sent (it died in between). Returns whether
 * there was any.
 */
async function flushOutboxes(run: Run, state: DesiredState): Promise<boolean> {
  const outboxes = [
    ...[...state.services.values()].map((i) => ({ key: i.pk, outbox: i.outbox ?? [] })),
    ...(state.platform ? [{ key: PLATFORM_ITEM_KEY, outbox: state.platform.outbox ?? [] }] : []),
  ].filter((o) => o.outbox.length > 0);
  if (outboxes.length === 0) return false;
  run.log.warn('answers decided by an earlier run but not confirmed sent; sending them', {
    requests: outboxes.flatMap((o) => o.outbox.map((a) => a.pending.requestId)),
  });
  // What still cannot be sent stays in its outbox; it must not hold up everyone else's apply.
  await sendOutboxes(run, outboxes);
  return true;
}

/** How long a pre-signed ResponseURL stays valid: past it, an unsent answer is dropped. */
const RESPONSE_URL_VALIDITY_MS = 7_200_000;

/**
 * Sends the decided answers and records the sent ones. Returns how many could not be sent yet (S3
 * kept failing): they stay in the outbox for the next run, until their URL has expired. Each answer
 * gets at most 20 s, so one unreachable URL cannot hold up the others' answers.
 */
async function sendOutboxes(
  run: Run,
  outboxes: ReadonlyArray<{ key: string; outbox: readonly DecidedAnswer[] }>,
): Promise<number> {
  let unsent = 0;
  for (const { key, outbox } of outboxes) {
    const done: string[] = [];
    for (const a of outbox) {
      if (run.clock.now() > a.pending.receivedAt + RESPONSE_URL_VALIDITY_MS) {
        run.log.warn('dropped an answer whose ResponseURL has expired', { requestId: a.pending.requestId });
        done.push(a.pending.requestId);
        continue;
      }
      try {
        await answer(
          a.pending,
          { status: a.status, reason: a.reason },
          {
            clock: run.clock,
            deadline: Math.min(run.answerBy, run.clock.now() + 20_000),
            responseUrlCheck: run.responseUrlCheck,
          },
        );
        done.push(a.pending.requestId);
      } catch (error) {
        run.log.warn('could not answer CloudFormation', {
          requestId: a.pending.requestId,
          error: errorMessage(error),
        });
        // A 4xx is final (the stack stopped waiting: the URL expired); anything else is retried.
        if (error instanceof AnswerRefusedError) done.push(a.pending.requestId);
        else unsent++;
      }
    }
    if (done.length === 0) continue;
    await run.store.update<ServiceItem | PlatformItem>(key, (item) =>
      item
        ? {
            ...item,
            outbox: (item.outbox ?? []).filter((o) => !done.includes(o.pending.requestId)),
            answered: [...(item.answered ?? []), ...done].slice(-ANSWERED_HISTORY),
          }
        : undefined,
    );
  }
  return unsent;
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
