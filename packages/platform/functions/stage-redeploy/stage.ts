import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  DeleteDeploymentCommand,
  type Deployment,
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetStageCommand,
  GetStagesCommand,
  type MethodSetting,
  type PatchOperation,
  type Resource,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { RedeployRequest, Throttle } from './properties';
import { type Clock, type RetryPolicy, withRetry } from './retry';

/** What the redeploy steps need: the client, the clock, the retry bounds and a logger. */
export interface StageContext {
  /** API Gateway client for every control-plane call (deployments, stages, resources). */
  readonly client: APIGatewayClient;
  /** Time source for retry backoff and the tie-break wait; tests pass one that does not sleep. */
  readonly clock: Clock;
  /** Retry bounds for throttled calls; its deadline keeps the handler inside the Lambda timeout. */
  readonly retry: RetryPolicy;
  /** Where each step reports what it did, for the service team reading the function's logs. */
  readonly logger: Logger;
  /** How many of the newest deployments cleanup keeps. */
  readonly keepDeployments: number;
}

/** What a redeploy did, returned to CloudFormation as the resource's `Data`. */
export interface RedeployResult {
  /** The deployment this request created. */
  readonly DeploymentId: string;
  /** The deployment the stage points at afterwards: the newest one. */
  readonly StageDeploymentId: string;
  /** Methods under the base path that carry the service's throttle. */
  readonly ThrottledMethods: string;
}

// A stage read back right after UpdateStage can still show the previous deployment for a moment,
// and two concurrent writers may overwrite each other; a few passes are enough for the last writer.
const MAX_POINT_PASSES = 4;
// API Gateway records createdDate to the second, so two deployments can tie for "newest".
const TIE_BREAK_WAIT_MS = 1_100;
// API Gateway documents no limit on patch operations per UpdateStage; small batches keep each call
// cheap to retry when throttled.
const PATCH_BATCH = 40;
// Cleanup competes with redeploys for the same control-plane quota: a few deletions per run keep
// the deployment list bounded without delaying the answer to CloudFormation.
const MAX_DELETIONS_PER_RUN = 5;

/**
 * Snapshots the API and points the stage at the newest snapshot, then applies the service's
 * throttle to each method under its base path and deletes deployments nobody needs.
 *
 * Why the newest, and not the one this call created: when two services deploy at once, each
 * handler snapshots the API. Each snapshot contains every method that existed when it was taken,
 * and a service's methods exist before its handler runs, so the newest snapshot contains the
 * methods of every service whose handler has started. If each handler pointed the stage at its own
 * snapshot, whichever UpdateStage landed last would win, and it could be the older snapshot,
 * missing the other service's new routes. Pointing at the newest, and checking again after the
 * write, makes every handler converge on the same, complete snapshot. See docs/redeploys.md.
 */
export async function redeploy(
  request: RedeployRequest,
  requestType: string,
  ctx: StageContext,
): Promise<RedeployResult> {
  const { restApiId, stageName } = request;
  const description =
    `${request.serviceName} ${request.phase} ${requestType} routes ${request.fingerprint}`.slice(0, 250);
  let created = await createDeployment(restApiId, description, ctx);
  let deployments = await listDeployments(restApiId, ctx);
  if (newest(deployments).tied) {
    // Another deployment shares the newest second: which one holds more routes is unknowable, so
    // take a snapshot that is strictly newer than both.
    await ctx.clock.sleep(TIE_BREAK_WAIT_MS);
    created = await createDeployment(restApiId, description, ctx);
    deployments = await listDeployments(restApiId, ctx);
  }
  const stageDeploymentId = await pointStageAtNewest(restApiId, stageName, deployments, ctx);
  const throttled = await applyThrottle(request, ctx);
  await cleanUpDeployments(restApiId, ctx);
  ctx.logger.info('redeployed', { restApiId, stageName, created, stageDeploymentId, throttled });
  return { DeploymentId: created, StageDeploymentId: stageDeploymentId, ThrottledMethods: String(throttled) };
}

async function createDeployment(restApiId: string, description: string, ctx: StageContext): Promise<string> {
  // No stageName: creating a deployment must not move the stage (see redeploy()).
  const out = await withRetry(
    `CreateDeployment on REST API ${restApiId}`,
    () => ctx.client.send(new CreateDeploymentCommand({ restApiId, description })),
    ctx.retry,
    ctx.clock,
  );
  if (!out.id) throw new Error(`CreateDeployment on REST API ${restApiId} returned no deployment id`);
  return out.id;
}

/** Every deployment of the API (GetDeployments is paginated). */
export async function listDeployments(restApiId: string, ctx: StageContext): Promise<Deployment[]> {
  const all: Deployment[] = [];
  let position: string | undefined;
  do {
    const page = await withRetry(
      `GetDeployments on REST API ${restApiId}`,
      () => ctx.client.send(new GetDeploymentsCommand({ restApiId, limit: 500, position })),
      ctx.retry,
      ctx.clock,
    );
    all.push(...(page.items ?? []));
    position = page.position;
  } while (position);
  return all;
}

/**
 * The deployment with the latest `createdDate`; ties are broken by id so every concurrent handler
 * picks the same one. `tied` says whether a tie happened.
 */
export function newest(deployments: readonly Deployment[]): { id: string; tied: boolean } {
  const sorted = deployments
    .filter((d): d is Deployment & { id: string } => typeof d.id === 'string')
    .map((d) => ({ id: d.id, at: createdAt(d) }))
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (sorted.length === 0) throw new Error('the REST API has no deployments right after one was created');
  return { id: sorted[0].id, tied: sorted.length > 1 && sorted[1].at === sorted[0].at };
}

function createdAt(d: Deployment): number {
  return d.createdDate ? new Date(d.createdDate).getTime() : 0;
}

async function pointStageAtNewest(
  restApiId: string,
  stageName: string,
  initial: Deployment[],
  ctx: StageContext,
): Promise<string> {
  let deployments = initial;
  for (let pass = 1; ; pass++) {
    const target = newest(deployments).id;
    await withRetry(
      `UpdateStage ${stageName} of REST API ${restApiId} to deployment ${target}`,
      () =>
        ctx.client.send(
          new UpdateStageCommand({
            restApiId,
            stageName,
            patchOperations: [{ op: 'replace', path: '/deploymentId', value: target }],
          }),
        ),
      ctx.retry,
      ctx.clock,
    );
    // A concurrent handler may have created a newer snapshot, or written an older one after ours;
    // the last writer sees the newest snapshot here and fixes the stage (docs/redeploys.md).
    deployments = await listDeployments(restApiId, ctx);
    const after = newest(deployments).id;
    if (after === target || pass >= MAX_POINT_PASSES) return target;
    ctx.logger.info('a newer deployment appeared; pointing the stage again', { target, newer: after });
  }
}

/** A method under the service's base path, e.g. `{ path: '/orders/{id}', method: 'GET' }`. */
export interface MethodRef {
  /** Full resource path as API Gateway reports it, with a leading slash. */
  readonly path: string;
  /** HTTP method as API Gateway reports it (uppercase, or `ANY`/`OPTIONS`). */
  readonly method: string;
}

/** Every method whose resource path is `/{basePath}` or below it (GetResources is paginated). */
export async function methodsUnder(
  restApiId: string,
  basePath: string,
  ctx: StageContext,
): Promise<MethodRef[]> {
  const resources: Resource[] = [];
  let position: string | undefined;
  do {
    const page = await withRetry(
      `GetResources on REST API ${restApiId}`,
      () => ctx.client.send(new GetResourcesCommand({ restApiId, limit: 500, position, embed: ['methods'] })),
      ctx.retry,
      ctx.clock,
    );
    resources.push(...(page.items ?? []));
    position = page.position;
  } while (position);
  const root = `/${basePath}`;
  return resources
    .filter((r) => r.path === root || r.path?.startsWith(`${root}/`))
    .flatMap((r) =>
      Object.keys(r.resourceMethods ?? {}).map((method) => ({ path: r.path as string, method })),
    )
    .sort((a, b) => compare(a.path, b.path) || compare(a.method, b.method));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The patch path of a method's settings: the resource path with `/` escaped as `~1` (JSON Pointer,
 * so `~` first becomes `~0`), e.g. `/orders/{id}` GET → `/~1orders~1{id}/GET`.
 */
export function methodSettingPath(ref: MethodRef): string {
  return `/${ref.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${ref.method}`;
}

/**
 * Gives each method under the base path the service's throttle. Stage method settings take no
 * per-path wildcard (only `*\/*` for the whole stage), so this is the only way to give one service
 * its own limits. A per-method entry replaces the stage-wide `*\/*` entry for that method, so the
 * stage-wide logging, metrics and data-trace values are copied in too; only differences are sent.
 */
async function applyThrottle(request: RedeployRequest, ctx: StageContext): Promise<number> {
  const { restApiId, stageName, basePath, throttle } = request;
  const methods = await methodsUnder(restApiId, basePath, ctx);
  const stage = await withRetry(
    `GetStage ${stageName} of REST API ${restApiId}`,
    () => ctx.client.send(new GetStageCommand({ restApiId, stageName })),
    ctx.retry,
    ctx.clock,
  );
  const settings = stage.methodSettings ?? {};
  const ops = methods.flatMap((m) =>
    settingOperations(m, settings[settingKey(m)], settings['*/*'], throttle),
  );
  for (let i = 0; i < ops.length; i += PATCH_BATCH) {
    const batch = ops.slice(i, i + PATCH_BATCH);
    await withRetry(
      `UpdateStage ${stageName} of REST API ${restApiId} (method throttling)`,
      () => ctx.client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: batch })),
      ctx.retry,
      ctx.clock,
    );
  }
  await removeStaleSettings(request, methods, Object.keys(settings), ctx);
  return methods.length;
}

/** The key of a method in `Stage.methodSettings`: `orders/{id}/GET`. */
function settingKey(ref: MethodRef): string {
  return `${ref.path.slice(1)}/${ref.method}`;
}

function settingOperations(
  ref: MethodRef,
  current: MethodSetting | undefined,
  stageWide: MethodSetting | undefined,
  throttle: Throttle,
): PatchOperation[] {
  const base = methodSettingPath(ref);
  const ops: PatchOperation[] = [];
  const set = (suffix: string, want: string | undefined, have: unknown) => {
    if (want !== undefined && (current === undefined || String(have) !== want)) {
      ops.push({ op: 'replace', path: `${base}/${suffix}`, value: want });
    }
  };
  set('throttling/rateLimit', String(throttle.rateLimit), current?.throttlingRateLimit);
  set('throttling/burstLimit', String(throttle.burstLimit), current?.throttlingBurstLimit);
  set('metrics/enabled', boolText(stageWide?.metricsEnabled), current?.metricsEnabled);
  set('logging/loglevel', stageWide?.loggingLevel, current?.loggingLevel);
  set('logging/dataTrace', boolText(stageWide?.dataTraceEnabled), current?.dataTraceEnabled);
  return ops;
}

function boolText(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/**
 * Removes per-method settings left under the base path by routes that no longer exist, so a
 * re-added route starts from the service's current throttle. Best-effort: the routes themselves
 * are already right, so a failure here is logged, not thrown.
 */
async function removeStaleSettings(
  request: RedeployRequest,
  methods: MethodRef[],
  keys: string[],
  ctx: StageContext,
): Promise<void> {
  const { restApiId, stageName, basePath } = request;
  const live = new Set(methods.map(settingKey));
  const stale = keys
    // `orders/GET` and `orders/{id}/GET`, not `orders-v2/GET` of another service.
    .filter((k) => k.startsWith(`${basePath}/`) && !live.has(k));
  if (stale.length === 0) return;
  const ops: PatchOperation[] = stale.map((k) => {
    const i = k.lastIndexOf('/');
    return { op: 'remove', path: methodSettingPath({ path: `/${k.slice(0, i)}`, method: k.slice(i + 1) }) };
  });
  try {
    await withRetry(
      `UpdateStage ${stageName} of REST API ${restApiId} (remove stale method settings)`,
      () => ctx.client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: ops })),
      ctx.retry,
      ctx.clock,
    );
  } catch (error) {
    ctx.logger.warn('could not remove stale method settings; they only hold throttling of removed routes', {
      stale,
      error: String(error),
    });
  }
}

/**
 * Deletes deployments beyond the newest `keepDeployments` that no stage uses (canary included).
 * Best-effort: errors are logged, never thrown, because the stage is already right.
 */
async function cleanUpDeployments(restApiId: string, ctx: StageContext): Promise<void> {
  try {
    const [deployments, stages] = await Promise.all([
      listDeployments(restApiId, ctx),
      withRetry(
        `GetStages on REST API ${restApiId}`,
        () => ctx.client.send(new GetStagesCommand({ restApiId })),
        ctx.retry,
        ctx.clock,
      ),
    ]);
    const used = new Set<string>();
    for (const s of stages.item ?? []) {
      if (s.deploymentId) used.add(s.deploymentId);
      if (s.canarySettings?.deploymentId) used.add(s.canarySettings.deploymentId);
    }
    const old = [...deployments]
      .sort((a, b) => createdAt(b) - createdAt(a))
      .slice(ctx.keepDeployments)
      .filter((d) => d.id && !used.has(d.id))
      .slice(0, MAX_DELETIONS_PER_RUN);
    for (const d of old) {
      try {
        await ctx.client.send(new DeleteDeploymentCommand({ restApiId, deploymentId: d.id }));
      } catch (error) {
        ctx.logger.warn('could not delete an old deployment; the next redeploy tries again', {
          deploymentId: d.id,
          error: String(error),
        });
      }
    }
  } catch (error) {
    ctx.logger.warn('deployment cleanup skipped', { error: String(error) });
  }
}
