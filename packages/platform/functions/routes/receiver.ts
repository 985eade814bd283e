import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  assertServiceName,
  type DeclaredRoute,
  type NameScope,
  ROUTES_RESOURCE_TYPE,
  routesPhysicalId,
  routesStackName,
  type ServiceRegistration,
  serviceFromRoutesStackName,
  stackName,
} from '@shared-lambda-infra/contract';
import type {
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  Context,
} from 'aws-lambda';
import {
  type Clock,
  CONSOLE_LOG,
  errorMessage,
  hashOf,
  type Log,
  requiredEnv,
  SYSTEM_CLOCK,
  scopeFromEnv,
  withBackoff,
} from './common';
import { confirmResource, ownLocation, stackIdProblem } from './identity';
import {
  ANSWERED_HISTORY,
  PENDING_LIMIT,
  type PendingResponse,
  PLATFORM_ITEM_KEY,
  PLATFORM_SETTINGS_VERSION,
  type PlatformItem,
  type PlatformSettings,
  RECEIVER_ENV,
  RECEIVER_TIMEOUT_SECONDS,
  RECONCILE_MESSAGE_GROUP,
  type ReconcileMessage,
  SETTINGS_RESOURCE_TYPE,
  type ServiceItem,
  serviceItemKey,
  settingsPhysicalId,
  TOMBSTONE_HISTORY,
  type Tombstone,
} from './interface';
import {
  functionOwnerCandidates,
  hyphenPrefixes,
  loadRegistry,
  type ReadRegistration,
  RegistrationReader,
} from './registry';
import { answer, type CfnAnswer } from './respond';
import { responseUrlProblem } from './response-url';
import { declarationSizeProblem, RoutesStore } from './store';
import { budgetProblem, parseDeclaration, validateRoutes } from './validate';

/**
 * The receiver: the Lambda function behind the `routesServiceToken`. CloudFormation invokes it for
 * every Create, Update and Delete of a `Custom::SharedApiRoutes` resource (a service's route table)
 * and of the platform's `Custom::SharedApiSettings` resource.
 *
 * It never touches API Gateway. It works out who is asking from the request's StackId alone
 * (never from properties the template controls), validates, stores the desired state durably with
 * the pending CloudFormation response, and queues a reconcile. The reconciler answers
 * CloudFormation once the routes are live. Invalid requests are answered FAILED at once.
 *
 * @see docs/redeploys.md
 */

/** Dependencies of the receiver; every one has a production default. */
export interface ReceiverOptions {
  /** SSM (the registry). @default - a new client */
  readonly ssm?: SSMClient;
  /** DynamoDB document client (the desired state). @default - a new client */
  readonly db?: DynamoDBDocumentClient;
  /** SQS (the reconcile queue). @default - a new client */
  readonly sqs?: SQSClient;
  /** The clock. @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** The log. @default CONSOLE_LOG */
  readonly log?: Log;
  /** Environment variables ({@link RECEIVER_ENV}). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** CloudFormation (DescribeStackResource: who is asking). @default - a new client */
  readonly cloudformation?: CloudFormationClient;
  /**
   * Why a request's ResponseURL may not be answered, or `undefined` when it may.
   * @default - responseUrlProblem: https on CloudFormation's response bucket of the function's Region
   */
  readonly responseUrlCheck?: (responseUrl: unknown) => string | undefined;
}

/** A request refused at once; the message goes to CloudFormation as the reason. */
class Refusal extends Error {}

/** Builds the receiver's Lambda handler. */
export function createReceiver(options: ReceiverOptions = {}) {
  const env = options.env ?? process.env;
  const log = options.log ?? CONSOLE_LOG;
  const clock = options.clock ?? SYSTEM_CLOCK;
  let deps:
    | {
        ssm: SSMClient;
        cfn: CloudFormationClient;
        store: RoutesStore;
        sqs: SQSClient;
        queueUrl: string;
        scope: NameScope;
        registrations: RegistrationReader;
      }
    | undefined;
  const init = () => {
    const ssm = options.ssm ?? new SSMClient({});
    const scope = scopeFromEnv(env, RECEIVER_ENV.project, RECEIVER_ENV.env);
    deps ??= {
      ssm,
      cfn: options.cloudformation ?? new CloudFormationClient({}),
      // Lives as long as the warm container: a service's registration is read once a minute at most.
      registrations: new RegistrationReader(ssm, scope, log, clock),
      store: new RoutesStore(
        options.db ?? DynamoDBDocumentClient.from(new DynamoDBClient({})),
        requiredEnv(env, RECEIVER_ENV.tableName),
      ),
      sqs: options.sqs ?? new SQSClient({}),
      queueUrl: requiredEnv(env, RECEIVER_ENV.queueUrl),
      scope,
    };
    return deps;
  };

  return async (
    event: CloudFormationCustomResourceEvent,
    context: Pick<Context, 'invokedFunctionArn'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
  ) => {
    const d = init();
    const remaining = context.getRemainingTimeInMillis?.() ?? RECEIVER_TIMEOUT_SECONDS * 1000;
    // Retries of throttled calls stop early enough for the answer (itself retried) to go out.
    const deadline = clock.now() + remaining - RECEIVER_ANSWER_MARGIN_MS;
    const answerBy = clock.now() + remaining - 1_000;
    log.info('request', {
      requestType: event.RequestType,
      resourceType: event.ResourceType,
      stackId: event.StackId,
      logicalResourceId: event.LogicalResourceId,
      requestId: event.RequestId,
    });
    const own = ownLocation(context.invokedFunctionArn);
    const responseUrlCheck = options.responseUrlCheck ?? ((url: unknown) => responseUrlProblem(url, own));
    const urlProblem = responseUrlCheck(event.ResponseURL);
    if (urlProblem) {
      // Never PUT to an address the sender chose: no answer at all, and nothing stored.
      log.error("request ignored: its ResponseURL is not CloudFormation's", { problem: urlProblem });
      return;
    }
    const request: { mustSucceed?: boolean } = {};
    const physicalFallback =
      event.RequestType === 'Create' ? `${event.LogicalResourceId}-refused` : event.PhysicalResourceId;
    try {
      const ctx: Ctx = {
        ...d,
        request,
        store: d.store.bounded({ clock, deadline }),
        clock,
        log,
        deadline,
        answerBy,
        responseUrlCheck,
        location: { region: own.region, account: own.account },
      };
      // Before anything is read or stored: a forged Create, Update or Delete changes nothing.
      await proveIdentity(event, ctx, own);
      if (event.ResourceType === ROUTES_RESOURCE_TYPE) await receiveRoutes(event, ctx);
      else if (event.ResourceType === SETTINGS_RESOURCE_TYPE) await receiveSettings(event, ctx);
      else
        throw new Refusal(
          `resource type ${event.ResourceType} is not served by this function (it serves ${ROUTES_RESOURCE_TYPE} and ${SETTINGS_RESOURCE_TYPE})`,
        );
    } catch (error) {
      const refused = error instanceof Refusal;
      if (!refused) {
        log.error('request failed', { error: errorMessage(error) });
        // A platform reason (Parameter Store or DynamoDB throttling past the backoff) never fails a
        // Delete or a rollback (or an Update not known yet not to be one): the error makes Lambda
        // deliver the event again (after 1 and 2 minutes), well within the 900 s ServiceTimeout.
        // A forward Create or Update is answered FAILED with the reason, so the stack rolls back now.
        if (
          event.RequestType === 'Delete' ||
          (event.RequestType === 'Update' && request.mustSucceed !== false)
        )
          throw error;
      }
      // A Delete that cannot be served must not hang stack deletion or a rollback: nothing of an
      // unknown or refused request was ever stored, so there is nothing to remove.
      const status = event.RequestType === 'Delete' && refused ? 'SUCCESS' : 'FAILED';
      await answer(
        // Stryker disable next-line BooleanLiteral,StringLiteral: answer() sends only the URL, ids, status and reason: mustSucceed and the hash matter only to a stored response
        pendingOf(event, physicalFallback, clock, false, ''),
        {
          status,
          reason: refused
            ? error.message
            : `the platform could not store the request (${errorMessage(error)}); deploy again`,
        },
        { clock, deadline: answerBy, responseUrlCheck },
      );
    }
  };
}

/** The Lambda entry point. */
export const handler = createReceiver();

/** Milliseconds of the receiver's time kept for its answer after the last retried call. */
const RECEIVER_ANSWER_MARGIN_MS = 8_000;

interface Ctx {
  /** What is known of the request so far: whether it is a rollback (it must not fail for the platform). */
  readonly request: { mustSucceed?: boolean };
  readonly ssm: SSMClient;
  readonly cfn: CloudFormationClient;
  readonly registrations: RegistrationReader;
  readonly deadline: number;
  readonly answerBy: number;
  /** Why a ResponseURL may not be answered ({@link ReceiverOptions.responseUrlCheck}). */
  readonly responseUrlCheck: (responseUrl: unknown) => string | undefined;
  readonly store: RoutesStore;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly scope: NameScope;
  readonly clock: Clock;
  readonly log: Log;
  readonly location: { region: string; account: string };
}

/**
 * Refuses a request whose StackId is not of the receiver's own partition, account and Region, or
 * that CloudFormation does not confirm (docs/security.md, "Why a routes declaration cannot be forged").
 */
async function proveIdentity(
  event: CloudFormationCustomResourceEvent,
  ctx: Ctx,
  own: ReturnType<typeof ownLocation>,
): Promise<void> {
  const stackProblem = stackIdProblem(event.StackId, own);
  if (stackProblem) throw new Refusal(stackProblem);
  const unconfirmed = await confirmResource(ctx.cfn, event, ctx.clock, ctx.deadline);
  if (unconfirmed) throw new Refusal(unconfirmed);
}

function pendingOf(
  event: CloudFormationCustomResourceEvent,
  physicalResourceId: string,
  clock: Clock,
  mustSucceed: boolean,
  declarationHash: string,
): PendingResponse {
  return {
    responseUrl: event.ResponseURL,
    requestId: event.RequestId,
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    requestType: event.RequestType,
    physicalResourceId,
    receivedAt: clock.now(),
    mustSucceed,
    declarationHash,
  };
}

async function receiveRoutes(event: CloudFormationCustomResourceEvent, ctx: Ctx): Promise<void> {
  // The only name the stack can be the routes stack of; its registration is all this request reads.
  const candidate = candidateService(ctx.scope, event.StackId);
  if (event.RequestType === 'Delete' && candidate) {
    await receiveRoutesDelete(event, ctx, candidate);
    return;
  }
  const parsed = parseDeclaration(event.ResourceProperties.Declaration);
  const routes = Array.isArray(parsed) ? undefined : parsed.routes;
  // Stryker disable next-line StringLiteral: a malformed declaration's hash is never stored or compared: it is refused below, and a rollback needs routes
  const declarationHash = routes ? hashOf(routes) : '';
  const stored = candidate ? await ctx.store.get<ServiceItem>(serviceItemKey(candidate)) : undefined;
  // A rollback (an Update back to a table this very stack had answered SUCCESS) needs no registry
  // read: the table was validated when it was first stored, the reconciler validates it again, and
  // Parameter Store throttling must not fail it.
  const rollback =
    !!routes &&
    event.RequestType === 'Update' &&
    stored?.stackId === event.StackId &&
    // Stryker disable next-line OptionalChaining,ArrayDeclaration: read only once stored?.stackId matched, so stored exists; no history and a history of one non-hash both lack this sha256
    (stored?.succeededHashes ?? []).includes(declarationHash);
  ctx.request.mustSucceed = rollback;
  const registrations =
    candidate && !rollback
      ? await ctx.registrations.read(
          [
            candidate,
            ...hyphenPrefixes(candidate),
            // Stryker disable next-line ArrayDeclaration: routes is undefined only for a malformed declaration (refused below), and functionOwnerCandidates names no owner for a string
            ...functionOwnerCandidates(ctx.scope, candidate, routes ?? []),
          ],
          ctx.deadline,
        )
      : new Map<string, ServiceRegistration>();
  const service = candidate && (rollback || registrations.has(candidate)) ? candidate : undefined;
  if (
    !service ||
    // Stryker disable next-line ConditionalExpression: defence in depth: candidateService parsed this very name from a StackId proveIdentity matched, so the contract's parser agrees
    serviceFromRoutesStackName(ctx.scope, event.StackId, [service]) !== service
  ) {
    throw new Refusal(
      `stack ${event.StackId} may not declare routes: only the stack named ${ctx.scope.project}-${ctx.scope.env}-{service}-api of a service registered in this environment may`,
    );
  }
  // A deploy role may deploy every stack named `{project}-{env}-{its service}-*`, so when another
  // registered service's name extends this one's (`orders`, `orders-api`), the owner of the shorter
  // name could deploy this stack too: the stack name no longer proves who sent it.
  const stack = routesStackName(ctx.scope, service);
  const rival = [...registrations.keys()].find(
    (other) => other !== service && stack.startsWith(`${ctx.scope.project}-${ctx.scope.env}-${other}-`),
  );
  if (rival) {
    ctx.log.error("routes stack name is covered by another service's stack names", { service, rival });
    throw new Refusal(
      `stack ${stack} could also be deployed by another registered service's deploy role (whose stack names {project}-{env}-{name}-* cover it), so it cannot prove it is service "${service}"'s; the platform team must rename one of the two services in the registry`,
    );
  }
  const physicalId = routesPhysicalId(ctx.scope, service);
  const ignored = Object.keys(event.ResourceProperties).filter(
    (k) => k !== 'ServiceToken' && k !== 'Declaration',
  );
  if (ignored.length > 0) {
    ctx.log.warn('ignored properties: base path, throttling and the rest come from the registry', {
      service,
      ignored,
    });
  }
  const key = serviceItemKey(service);
  const current = stored;
  if (seenBefore(current, event.RequestId)) {
    ctx.log.info('duplicate delivery of a request already stored or answered; ignored', {
      service,
      requestId: event.RequestId,
    });
    return;
  }
  const issuedAt = issuedAtOf(event.ResponseURL, ctx.clock);
  if (isTombstoned(current, event.StackId, event.LogicalResourceId, issuedAt)) {
    // Lambda's async delivery handed this Create (or Update) over after the Delete CloudFormation
    // issued later: the resource is gone, nobody waits for this answer, and the routes stay gone.
    // Stryker disable next-line BooleanLiteral,StringLiteral: answer() sends only the URL, ids, status and reason: mustSucceed and the hash matter only to a stored response
    await answerOnce(ctx, service, pendingOf(event, physicalId, ctx.clock, false, ''), {
      status: 'FAILED',
      reason: 'this routes resource was deleted before its request arrived; nothing stored',
    });
    return;
  }
  if (Array.isArray(parsed)) throw problemsRefusal(service, parsed);
  const mustSucceed = rollback;
  const tooLarge = declarationSizeProblem(parsed.routes);
  const registration = registrations.get(service);
  const problems =
    // Stryker disable next-line LogicalOperator: a rollback reads no registration and any other request that got here has one (its service is registered), so || and && agree
    rollback || !registration
      ? []
      : tooLarge
        ? [tooLarge]
        : [
            ...validateRoutes(ctx.scope, ctx.location, registration, parsed.routes, registrations),
            ...budgetProblems(ctx, registration, parsed.routes),
          ];
  if (problems.length > 0) throw problemsRefusal(service, problems);
  if ((current?.pending.length ?? 0) >= PENDING_LIMIT && !mustSucceed) {
    throw new Refusal(
      `service "${service}" already has ${PENDING_LIMIT} requests waiting for the platform; deploy again once they are answered`,
    );
  }
  const pending = pendingOf(event, physicalId, ctx.clock, mustSucceed, declarationHash);
  let duplicate = false;
  await ctx.store.update<ServiceItem>(key, (item) => {
    if (seenBefore(item, event.RequestId)) {
      duplicate = true;
      return undefined;
    }
    return storedDeclaration(item, key, service, event, parsed.routes, declarationHash, pending, issuedAt);
  });
  if (!duplicate) await enqueue(ctx, { reason: 'service', service, requestId: event.RequestId });
}

/**
 * The service item after a Create or Update was accepted. A Create of another logical id in the
 * same stack (a renamed routes resource) keeps the table it takes over as `previous`, so that the
 * rollback of that update (a Delete of the new logical id) gives it back.
 */
function storedDeclaration(
  item: ServiceItem | undefined,
  key: string,
  service: string,
  event: CloudFormationCustomResourceEvent,
  routes: readonly DeclaredRoute[],
  declarationHash: string,
  pending: PendingResponse,
  issuedAt: number,
): ServiceItem {
  // Stryker disable next-line OptionalChaining: without an item the left operand is already false, so the right one is never read
  const sameOwner = item?.stackId === event.StackId && item?.logicalResourceId === event.LogicalResourceId;
  const takesOver = item && !item.deleted && !sameOwner && item.stackId === event.StackId;
  const previous = takesOver
    ? {
        stackId: item.stackId,
        logicalResourceId: item.logicalResourceId,
        routes: item.routes,
        declarationHash: item.declarationHash,
        takenOverAt: issuedAt,
      }
    : sameOwner
      ? // Stryker disable next-line OptionalChaining: sameOwner is true only when there is an item
        item?.previous
      : undefined;
  return {
    ...(item ?? {}),
    pk: key,
    kind: 'service',
    service,
    routes,
    declarationHash,
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    version: item?.version ?? 0,
    deleted: false,
    ...(item?.applied ? { applied: item.applied } : {}),
    succeededHashes: item?.succeededHashes ?? [],
    previous,
    pending: [...(item?.pending ?? []), pending],
  } as ServiceItem;
}

/** A declaration refused with its problems, one a line. */
function problemsRefusal(service: string, problems: readonly string[]): Refusal {
  return new Refusal(
    `${ROUTES_RESOURCE_TYPE} of service "${service}" has ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${problems.join('\n')}`,
  );
}

/**
 * A Delete of a routes resource. Needs no registry read (a rollback must not fail because Parameter
 * Store throttles): only the resource that owns the stored table may remove it, and a Delete of any
 * other resource (a renamed logical id, an earlier stack of the same name, or one whose Create has
 * not arrived yet) leaves a tombstone so that its late Create is not stored.
 */
async function receiveRoutesDelete(
  event: CloudFormationCustomResourceDeleteEvent,
  ctx: Ctx,
  service: string,
): Promise<void> {
  const key = serviceItemKey(service);
  // Stryker disable next-line StringLiteral: the stored copy sets its own declarationHash below, and answer() never sends it
  const pending = pendingOf(event, event.PhysicalResourceId, ctx.clock, true, '');
  const tombstone: Tombstone = {
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    issuedAt: issuedAtOf(event.ResponseURL, ctx.clock),
  };
  const current = await ctx.store.get<ServiceItem>(key);
  if (!current) {
    // Nothing stored: the Delete may have overtaken its Create. A tombstone is kept only for a
    // registered service, so a Delete from any other stack stores nothing.
    const registered = await ctx.registrations.read([service], ctx.deadline);
    if (!registered.has(service)) {
      await answer(
        pending,
        { status: 'SUCCESS', reason: 'nothing stored for this resource' },
        answerBounds(ctx),
      );
      return;
    }
  }
  let outcome = 'tombstone' as 'duplicate' | 'queued' | 'tombstone';
  await ctx.store.update<ServiceItem>(key, (item) => {
    if (seenBefore(item, event.RequestId)) {
      // Stryker disable next-line StringLiteral: every outcome but 'queued' and 'tombstone' takes the duplicate branch below
      outcome = 'duplicate';
      return undefined;
    }
    const tombstones = [...(item?.tombstones ?? []), tombstone].slice(-TOMBSTONE_HISTORY);
    const owner =
      item &&
      !item.deleted &&
      item.stackId === event.StackId &&
      item.logicalResourceId === event.LogicalResourceId;
    if (!owner) {
      outcome = 'tombstone';
      const clearsPrevious =
        item?.previous?.stackId === event.StackId &&
        item.previous.logicalResourceId === event.LogicalResourceId;
      return {
        ...(item ?? emptyItem(key, service, event.StackId, event.LogicalResourceId)),
        ...(clearsPrevious ? { previous: undefined } : {}),
        tombstones,
        answered: [...(item?.answered ?? []), event.RequestId].slice(-ANSWERED_HISTORY),
      } as ServiceItem;
    }
    outcome = 'queued';
    const back = item.previous;
    // The rollback of a renamed routes resource: the earlier logical id still exists and owns its
    // table again. Otherwise the service's routes go. A tombstone of the earlier resource issued
    // before the takeover is of an earlier life of it: it was live, so declared again, when taken over.
    const restores =
      back &&
      !tombstones.some(
        (t) =>
          t.stackId === back.stackId &&
          t.logicalResourceId === back.logicalResourceId &&
          t.issuedAt >= (back.takenOverAt ?? Number.NEGATIVE_INFINITY),
      );
    return {
      ...item,
      ...(restores
        ? {
            routes: back.routes,
            declarationHash: back.declarationHash,
            logicalResourceId: back.logicalResourceId,
            deleted: false,
          }
        : { routes: [], declarationHash: hashOf([]), deleted: true }),
      previous: undefined,
      tombstones,
      pending: [...item.pending, { ...pending, declarationHash: restores ? back.declarationHash : '' }],
    };
  });
  if (outcome === 'queued') {
    await enqueue(ctx, { reason: 'service', service, requestId: event.RequestId });
  } else if (outcome === 'tombstone') {
    await answer(
      pending,
      { status: 'SUCCESS', reason: 'nothing stored for this resource' },
      answerBounds(ctx),
    );
  } else {
    ctx.log.info('duplicate delivery of a Delete already stored or answered; ignored', {
      service,
      requestId: event.RequestId,
    });
  }
}

function emptyItem(key: string, service: string, stackId: string, logicalResourceId: string): ServiceItem {
  return {
    pk: key,
    kind: 'service',
    service,
    routes: [],
    declarationHash: hashOf([]),
    stackId,
    logicalResourceId,
    version: 0,
    deleted: true,
    succeededHashes: [],
    pending: [],
  };
}

/** Whether a request id is already stored, being answered or answered (a duplicate async delivery). */
function seenBefore(item: ServiceItem | undefined, requestId: string): boolean {
  return (
    !!item &&
    // Stryker disable next-line ArrayDeclaration: a string has no requestId, so a list of one string matches no request, as an empty one
    ((item.pending ?? []).some((p) => p.requestId === requestId) ||
      (item.outbox ?? []).some((o) => o.pending.requestId === requestId) ||
      // Stryker disable next-line ArrayDeclaration: no CloudFormation request id is the mutant's placeholder string
      (item.answered ?? []).includes(requestId))
  );
}

/** Whether the resource was deleted by a Delete issued after `issuedAt`. */
function isTombstoned(
  item: ServiceItem | undefined,
  stackId: string,
  logicalResourceId: string,
  issuedAt: number,
): boolean {
  // Stryker disable next-line ArrayDeclaration: a string has no stackId, so a list of one string holds no tombstone, as an empty one
  return (item?.tombstones ?? []).some(
    (t) => t.stackId === stackId && t.logicalResourceId === logicalResourceId && issuedAt <= t.issuedAt,
  );
}

/**
 * When CloudFormation issued a request: the signing time (`X-Amz-Date`) of its pre-signed
 * ResponseURL, which Lambda's retries and reordering do not change. The receipt time when absent.
 */
export function issuedAtOf(responseUrl: string, clock: Clock): number {
  let date: string | null = null;
  try {
    date = new URL(responseUrl).searchParams.get('X-Amz-Date');
  } catch {
    // not a URL: the receipt time
  }
  // Stryker disable next-line StringLiteral: neither '' nor the placeholder is a date: no match either way
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date ?? '');
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : clock.now();
}

/**
 * The service a stack name can belong to: `{project}-{env}-{service}-api` parsed, `undefined` when
 * the rest is not a valid service name. The registry then confirms it (an exact match).
 */
export function candidateService(scope: NameScope, stackId: string): string | undefined {
  // Stryker disable next-line StringLiteral: neither '' nor the placeholder starts with {project}-{env}-
  const name = /:stack\/([^/]+)\//.exec(stackId)?.[1] ?? '';
  const prefix = `${scope.project}-${scope.env}-`;
  const suffix = '-api';
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const service = name.slice(prefix.length, -suffix.length);
  try {
    assertServiceName(service);
  } catch {
    return undefined;
  }
  return service;
}

function answerBounds(ctx: Ctx) {
  return { clock: ctx.clock, deadline: ctx.answerBy, responseUrlCheck: ctx.responseUrlCheck };
}

/**
 * The table against the service's own resource budget. A registration published by an access stack
 * older than budgets has none: for the one deploy in which the access stacks republish, the service
 * stays registered and its table is not measured (a warning says so) rather than refused. The
 * reconciler still keeps the API within its quota.
 */
function budgetProblems(
  ctx: Ctx,
  registration: ReadRegistration,
  routes: readonly DeclaredRoute[],
): string[] {
  const { service, resourceBudget } = registration;
  if (resourceBudget === undefined) {
    ctx.log.warn(
      'registration has no resourceBudget (published before budgets existed); budget not checked',
      {
        service,
      },
    );
    return [];
  }
  const problem = budgetProblem(routes, { service, resourceBudget });
  return problem ? [problem] : [];
}

/**
 * Answers at once, and records the request id in the service's item (when it has one) so that a
 * duplicate delivery of the same request is not answered again.
 */
async function answerOnce(ctx: Ctx, service: string, pending: PendingResponse, result: CfnAnswer) {
  await answer(pending, result, answerBounds(ctx));
  await ctx.store.update<ServiceItem>(serviceItemKey(service), (item) =>
    item
      ? { ...item, answered: [...(item.answered ?? []), pending.requestId].slice(-ANSWERED_HISTORY) }
      : undefined,
  );
}

async function receiveSettings(event: CloudFormationCustomResourceEvent, ctx: Ctx): Promise<void> {
  const apiStack = stackName(ctx.scope, 'api');
  // Stryker disable next-line OptionalChaining: proveIdentity has matched the StackId as a stack ARN, so the pattern always matches
  const name = /:stack\/([^/]+)\//.exec(event.StackId)?.[1];
  if (name !== apiStack) {
    throw new Refusal(
      `${SETTINGS_RESOURCE_TYPE} is accepted only from the platform's stack ${apiStack}, not from ${name ?? event.StackId}`,
    );
  }
  const physicalId = settingsPhysicalId(ctx.scope.project, ctx.scope.env);
  if (event.RequestType === 'Delete') {
    // The API goes with the api stack: nothing to apply, only the stored settings to forget.
    await ctx.store.update<PlatformItem>(PLATFORM_ITEM_KEY, (item) =>
      item && item.stackId === event.StackId && item.logicalResourceId === event.LogicalResourceId
        ? null
        : undefined,
    );
    await answer(
      // Stryker disable next-line BooleanLiteral,StringLiteral: answer() sends only the URL, ids, status and reason: mustSucceed and the hash matter only to a stored response
      pendingOf(event, event.PhysicalResourceId, ctx.clock, true, ''),
      { status: 'SUCCESS' },
      answerBounds(ctx),
    );
    return;
  }
  const settings = parseSettings(event.ResourceProperties.Settings);
  const registry = await loadRegistry(ctx.ssm, ctx.scope, ctx.log, {
    clock: ctx.clock,
    deadline: ctx.deadline,
    baseMs: 200,
  });
  const overlaps = (settings.routes ?? []).filter((r) =>
    [...registry.values()].some((s) => r.path === `/${s.basePath}` || r.path.startsWith(`/${s.basePath}/`)),
  );
  if (overlaps.length > 0) {
    throw new Refusal(
      `platform routes ${overlaps.map((r) => `"${r.method} ${r.path}"`).join(', ')} fall under a registered service's base path; choose another path`,
    );
  }
  const settingsHash = hashOf(settings);
  const current = await ctx.store.get<PlatformItem>(PLATFORM_ITEM_KEY);
  // Same settings again, or settings that were live before (a rollback of the api stack).
  const mustSucceed =
    event.RequestType === 'Update' &&
    (current?.settingsHash === settingsHash ||
      // Stryker disable next-line ArrayDeclaration: a history of one non-hash lacks this sha256, as an empty one
      (current?.succeededHashes ?? []).includes(settingsHash));
  const pending = pendingOf(event, physicalId, ctx.clock, mustSucceed, settingsHash);
  let duplicate = false;
  await ctx.store.update<PlatformItem>(PLATFORM_ITEM_KEY, (item) => {
    // A duplicate async delivery of a request already stored, being answered or answered.
    if (
      item &&
      (item.pending.some((p) => p.requestId === event.RequestId) ||
        (item.outbox ?? []).some((o) => o.pending.requestId === event.RequestId) ||
        // Stryker disable next-line ArrayDeclaration: no CloudFormation request id is the mutant's placeholder string
        (item.answered ?? []).includes(event.RequestId))
    ) {
      duplicate = true;
      return undefined;
    }
    return platformItem(item, settings, settingsHash, event, pending);
  });
  if (!duplicate) await enqueue(ctx, { reason: 'platform', requestId: event.RequestId });
}

function platformItem(
  item: PlatformItem | undefined,
  settings: PlatformSettings,
  settingsHash: string,
  event: CloudFormationCustomResourceEvent,
  pending: PendingResponse,
): PlatformItem {
  return {
    ...(item ?? {}),
    pk: PLATFORM_ITEM_KEY,
    kind: 'platform',
    settings,
    settingsHash,
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    // Stryker disable next-line LogicalOperator: RoutesStore.update overwrites version with the stored one plus one
    version: item?.version ?? 0,
    succeededHashes: item?.succeededHashes ?? [],
    pending: [...(item?.pending ?? []), pending],
  };
}

/** Parses the `Settings` property; a {@link Refusal} names what is missing. */
export function parseSettings(raw: unknown): PlatformSettings {
  let value: Partial<PlatformSettings>;
  try {
    value = JSON.parse(String(raw)) as Partial<PlatformSettings>;
  } catch {
    throw new Refusal(`${SETTINGS_RESOURCE_TYPE}: Settings is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(`${SETTINGS_RESOURCE_TYPE}: Settings is not a JSON object`);
  }
  const problems: string[] = [];
  if (value.version !== PLATFORM_SETTINGS_VERSION)
    problems.push(`version: expected ${PLATFORM_SETTINGS_VERSION}, got ${JSON.stringify(value.version)}`);
  for (const field of ['restApiId', 'stageName', 'region', 'account', 'apiName'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '')
      problems.push(`${field}: expected a non-empty string`);
  }
  if (!value.throttle || !(value.throttle.rateLimit > 0) || !(value.throttle.burstLimit >= 0)) {
    problems.push('throttle: expected { rateLimit > 0, burstLimit >= 0 }');
  }
  if (problems.length > 0) throw new Refusal(`${SETTINGS_RESOURCE_TYPE}: ${problems.join('; ')}`);
  return value as PlatformSettings;
}

async function enqueue(ctx: Ctx, message: ReconcileMessage): Promise<void> {
  await withBackoff(
    () =>
      ctx.sqs.send(
        new SendMessageCommand({
          QueueUrl: ctx.queueUrl,
          MessageBody: JSON.stringify(message),
          MessageGroupId: RECONCILE_MESSAGE_GROUP,
          MessageDeduplicationId: message.requestId,
        }),
      ),
    { clock: ctx.clock, deadline: ctx.deadline },
  );
}
