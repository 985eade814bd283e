import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type NameScope,
  ROUTES_RESOURCE_TYPE,
  routesPhysicalId,
  routesStackName,
  type ServiceRegistration,
  serviceFromRoutesStackName,
  stackName,
} from '@shared-lambda-infra/contract';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
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
import { confirmResource, ownLocation, stackIdProblem } from './identity';
import {
  type PendingResponse,
  PLATFORM_ITEM_KEY,
  PLATFORM_SETTINGS_VERSION,
  type PlatformItem,
  type PlatformSettings,
  RECEIVER_ENV,
  RECONCILE_MESSAGE_GROUP,
  type ReconcileMessage,
  SETTINGS_RESOURCE_TYPE,
  type ServiceItem,
  serviceItemKey,
  settingsPhysicalId,
} from './interface';
import { loadRegistry } from './registry';
import { answer } from './respond';
import { responseUrlProblem } from './response-url';
import { RoutesStore } from './store';
import { validateDeclaration } from './validate';

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
      }
    | undefined;
  const init = () => {
    deps ??= {
      ssm: options.ssm ?? new SSMClient({}),
      cfn: options.cloudformation ?? new CloudFormationClient({}),
      store: new RoutesStore(
        options.db ?? DynamoDBDocumentClient.from(new DynamoDBClient({})),
        requiredEnv(env, RECEIVER_ENV.tableName),
      ),
      sqs: options.sqs ?? new SQSClient({}),
      queueUrl: requiredEnv(env, RECEIVER_ENV.queueUrl),
      scope: scopeFromEnv(env, RECEIVER_ENV.project, RECEIVER_ENV.env),
    };
    return deps;
  };

  return async (event: CloudFormationCustomResourceEvent, context: Pick<Context, 'invokedFunctionArn'>) => {
    const d = init();
    log.info('request', {
      requestType: event.RequestType,
      resourceType: event.ResourceType,
      stackId: event.StackId,
      logicalResourceId: event.LogicalResourceId,
      requestId: event.RequestId,
    });
    const own = ownLocation(context.invokedFunctionArn);
    const urlProblem = (options.responseUrlCheck ?? ((url) => responseUrlProblem(url, own)))(
      event.ResponseURL,
    );
    if (urlProblem) {
      // Never PUT to an address the sender chose: no answer at all, and nothing stored.
      log.error("request ignored: its ResponseURL is not CloudFormation's", { problem: urlProblem });
      return;
    }
    const physicalFallback =
      event.RequestType === 'Create' ? `${event.LogicalResourceId}-refused` : event.PhysicalResourceId;
    try {
      const ctx: Ctx = { ...d, clock, log, location: { region: own.region, account: own.account } };
      await proveIdentity(event, ctx, own);
      if (event.ResourceType === ROUTES_RESOURCE_TYPE) await receiveRoutes(event, ctx);
      else if (event.ResourceType === SETTINGS_RESOURCE_TYPE) await receiveSettings(event, ctx);
      else
        throw new Refusal(
          `resource type ${event.ResourceType} is not served by this function (it serves ${ROUTES_RESOURCE_TYPE} and ${SETTINGS_RESOURCE_TYPE})`,
        );
    } catch (error) {
      const refused = error instanceof Refusal;
      if (!refused) log.error('request failed', { error: errorMessage(error) });
      // A Delete that cannot be served must not hang stack deletion or a rollback: nothing of an
      // unknown or refused request was ever stored, so there is nothing to remove.
      const status = event.RequestType === 'Delete' && refused ? 'SUCCESS' : 'FAILED';
      await answer(pendingOf(event, physicalFallback, clock, false, ''), {
        status,
        reason: refused
          ? error.message
          : `the platform could not store the request (${errorMessage(error)}); deploy again`,
      });
    }
  };
}

/** The Lambda entry point. */
export const handler = createReceiver();

interface Ctx {
  readonly ssm: SSMClient;
  readonly cfn: CloudFormationClient;
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
  const unconfirmed = await confirmResource(ctx.cfn, event, ctx.clock);
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
  const registry = await loadRegistry(ctx.ssm, ctx.scope, ctx.log);
  const service = serviceFromRoutesStackName(ctx.scope, event.StackId, registry.keys());
  if (!service) {
    // The refusal names no registered service: a sender learns nothing about its neighbours.
    throw new Refusal(
      `stack ${event.StackId} may not declare routes: only the stack named ${ctx.scope.project}-${ctx.scope.env}-{service}-api of a service registered in this environment may`,
    );
  }
  // A deploy role may deploy every stack named `{project}-{env}-{its service}-*`, so when another
  // registered service's name extends this one's (`orders`, `orders-api`), the owner of the shorter
  // name could deploy this stack too: the stack name no longer proves who sent it.
  const stack = routesStackName(ctx.scope, service);
  const rival = [...registry.keys()].find(
    (other) => other !== service && stack.startsWith(`${ctx.scope.project}-${ctx.scope.env}-${other}-`),
  );
  if (rival) {
    ctx.log.error("routes stack name is covered by another service's stack names", { service, rival });
    throw new Refusal(
      `stack ${stack} could also be deployed by another registered service's deploy role (whose stack names {project}-{env}-{name}-* cover it), so it cannot prove it is service "${service}"'s; the platform team must rename one of the two services in the registry`,
    );
  }
  const registration = registry.get(service) as ServiceRegistration;
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

  if (event.RequestType === 'Delete') {
    const current = await ctx.store.get<ServiceItem>(key);
    // Only the resource that owns the stored table may remove it: a cleanup-phase Delete of a renamed
    // logical id, or of an earlier stack of the same name, leaves the current table alone.
    if (
      !current ||
      current.deleted ||
      current.stackId !== event.StackId ||
      current.logicalResourceId !== event.LogicalResourceId
    ) {
      await answer(pendingOf(event, event.PhysicalResourceId, ctx.clock, true, ''), {
        status: 'SUCCESS',
        reason: 'nothing stored for this resource',
      });
      return;
    }
    await ctx.store.update<ServiceItem>(key, (item) =>
      item
        ? {
            ...item,
            routes: [],
            declarationHash: hashOf([]),
            deleted: true,
            pending: [...item.pending, pendingOf(event, event.PhysicalResourceId, ctx.clock, true, '')],
          }
        : undefined,
    );
    await enqueue(ctx, { reason: 'service', service, requestId: event.RequestId });
    return;
  }

  const { declaration, problems } = validateDeclaration(
    ctx.scope,
    ctx.location,
    registration,
    event.ResourceProperties.Declaration,
    registry,
  );
  const parsed = declaration ?? { routes: [] };
  const declarationHash = declaration ? hashOf(declaration.routes) : '';
  const current = await ctx.store.get<ServiceItem>(key);
  const mustSucceed =
    event.RequestType === 'Update' && (current?.succeededHashes ?? []).includes(declarationHash);
  if (problems.length > 0) {
    if (mustSucceed) {
      // A rollback to a table that was live before but breaks a rule added since: failing it would
      // leave the stack in UPDATE_ROLLBACK_FAILED. The stored table (the last valid one) stays.
      ctx.log.warn('rollback to a table that no longer validates; kept the stored table', {
        service,
        problems,
      });
      await answer(pendingOf(event, physicalId, ctx.clock, true, declarationHash), { status: 'SUCCESS' });
      return;
    }
    throw new Refusal(
      `${ROUTES_RESOURCE_TYPE} of service "${service}" has ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${problems.join('\n')}`,
    );
  }
  const pending = pendingOf(event, physicalId, ctx.clock, mustSucceed, declarationHash);
  await ctx.store.update<ServiceItem>(key, (item) => ({
    pk: key,
    kind: 'service',
    service,
    routes: parsed.routes,
    declarationHash,
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    version: item?.version ?? 0,
    deleted: false,
    ...(item?.applied ? { applied: item.applied } : {}),
    succeededHashes: item?.succeededHashes ?? [],
    // Lambda retries an asynchronous invocation that failed: the same request is stored once.
    pending: [...(item?.pending ?? []).filter((p) => p.requestId !== event.RequestId), pending],
  }));
  await enqueue(ctx, { reason: 'service', service, requestId: event.RequestId });
}

async function receiveSettings(event: CloudFormationCustomResourceEvent, ctx: Ctx): Promise<void> {
  const apiStack = stackName(ctx.scope, 'api');
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
    await answer(pendingOf(event, event.PhysicalResourceId, ctx.clock, true, ''), { status: 'SUCCESS' });
    return;
  }
  const settings = parseSettings(event.ResourceProperties.Settings);
  const registry = await loadRegistry(ctx.ssm, ctx.scope, ctx.log);
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
    (current?.settingsHash === settingsHash || (current?.succeededHashes ?? []).includes(settingsHash));
  const pending = pendingOf(event, physicalId, ctx.clock, mustSucceed, settingsHash);
  await ctx.store.update<PlatformItem>(PLATFORM_ITEM_KEY, (item) => ({
    pk: PLATFORM_ITEM_KEY,
    kind: 'platform',
    settings,
    settingsHash,
    stackId: event.StackId,
    logicalResourceId: event.LogicalResourceId,
    version: item?.version ?? 0,
    succeededHashes: item?.succeededHashes ?? [],
    pending: [...(item?.pending ?? []).filter((p) => p.requestId !== event.RequestId), pending],
  }));
  await enqueue(ctx, { reason: 'platform', requestId: event.RequestId });
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
  await ctx.sqs.send(
    new SendMessageCommand({
      QueueUrl: ctx.queueUrl,
      MessageBody: JSON.stringify(message),
      MessageGroupId: RECONCILE_MESSAGE_GROUP,
      MessageDeduplicationId: message.requestId,
    }),
  );
}
