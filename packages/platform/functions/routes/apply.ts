import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  GetStageCommand,
  type MethodSetting,
  type PatchOperation,
  PutRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { errorMessage, errorName, type Log } from './common';
import type { MethodSettingSpec } from './openapi';
import { type CallContext, callWithRetry } from './throttle';

/** What {@link applyApi} needs besides the composed API. */
export interface ApplyContext extends CallContext {
  /** The API Gateway client. */
  readonly client: APIGatewayClient;
  /** Where degraded steps are reported. @default - not reported */
  readonly log?: Log;
}

/** The result of one apply. */
export interface ApplyResult {
  /** The deployment the stage now serves. */
  readonly deploymentId: string;
  /** How many UpdateStage patch operations were sent. */
  readonly patchOperations: number;
}

/** UpdateStage takes a list of patch operations; a bounded batch keeps each request small. */
const PATCH_BATCH = 50;

/**
 * Puts the composed API live: `PutRestApi mode=overwrite` (atomic: the working copy goes from one
 * complete definition to the next, so a deployment can never catch a method without its
 * integration), then ONE `CreateDeployment` that also points the stage at it, then `UpdateStage`
 * for the per-method throttling and caching that differ from what the stage holds.
 */
export async function applyApi(
  restApiId: string,
  stageName: string,
  body: Record<string, unknown>,
  methodSettings: readonly MethodSettingSpec[],
  description: string,
  ctx: ApplyContext,
): Promise<ApplyResult> {
  const current = await readMethodSettings(restApiId, stageName, ctx);
  await putBody(restApiId, body, ctx);
  return deployBody(restApiId, stageName, current, methodSettings, description, ctx);
}

/** The stage's per-method settings (GetStage). */
export async function readMethodSettings(
  restApiId: string,
  stageName: string,
  ctx: ApplyContext,
): Promise<Record<string, MethodSetting>> {
  const stage = await callWithRetry(
    'GetStage',
    `GetStage ${stageName} of REST API ${restApiId}`,
    () => ctx.client.send(new GetStageCommand({ restApiId, stageName })),
    ctx,
  );
  return stage.methodSettings ?? {};
}

/**
 * `PutRestApi mode=overwrite` of the whole body. A `BadRequestException` (API Gateway refuses the
 * definition) is thrown as it is, so the caller can find whose routes it refuses.
 */
export async function putBody(
  restApiId: string,
  body: Record<string, unknown>,
  ctx: ApplyContext,
): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  await callWithRetry(
    'PutRestApi',
    `PutRestApi (overwrite) on REST API ${restApiId}`,
    () =>
      ctx.client.send(
        new PutRestApiCommand({ restApiId, mode: 'overwrite', failOnWarnings: true, body: bytes }),
      ),
    ctx,
  );
}

/**
 * After {@link putBody}: removes the settings of methods no longer desired (while the stage's
 * deployment still has them: API Gateway refuses a setting path for a method the deployment does
 * not have), deploys the working copy to the stage, then sets the desired per-method settings.
 */
export async function deployBody(
  restApiId: string,
  stageName: string,
  current: Record<string, MethodSetting>,
  methodSettings: readonly MethodSettingSpec[],
  description: string,
  ctx: ApplyContext,
): Promise<ApplyResult> {
  const removals = staleSettings(current, methodSettings);
  const removed = await removeSettings(restApiId, stageName, removals, ctx);
  const deployment = await callWithRetry(
    'CreateDeployment',
    `CreateDeployment of stage ${stageName} on REST API ${restApiId}`,
    () =>
      ctx.client.send(
        new CreateDeploymentCommand({ restApiId, stageName, description: description.slice(0, 250) }),
      ),
    ctx,
  );
  if (!deployment.id) throw new Error(`CreateDeployment on REST API ${restApiId} returned no deployment id`);
  const ops = settingOperations(current, methodSettings);
  await updateStage(restApiId, stageName, ops, ctx);
  return { deploymentId: deployment.id, patchOperations: removed + ops.length };
}

/**
 * Sends the removals in batches; a batch API Gateway refuses (one entry whose method the stage's
 * deployment lacks, e.g. left by a hand edit) is retried one operation at a time, so one such
 * entry never keeps the others on the stage. Returns how many were removed.
 */
async function removeSettings(
  restApiId: string,
  stageName: string,
  removals: readonly PatchOperation[],
  ctx: ApplyContext,
): Promise<number> {
  let removed = 0;
  for (let i = 0; i < removals.length; i += PATCH_BATCH) {
    const batch = removals.slice(i, i + PATCH_BATCH);
    try {
      await updateStage(restApiId, stageName, batch, ctx);
      removed += batch.length;
      continue;
    } catch (error) {
      if (errorName(error) !== 'BadRequestException') throw error;
    }
    for (const op of batch) {
      try {
        await updateStage(restApiId, stageName, [op], ctx);
        removed++;
      } catch (error) {
        if (errorName(error) !== 'BadRequestException') throw error;
        ctx.log?.warn('stale method setting not removed', { path: op.path, error: errorMessage(error) });
      }
    }
  }
  return removed;
}

async function updateStage(
  restApiId: string,
  stageName: string,
  ops: readonly PatchOperation[],
  ctx: ApplyContext,
) {
  for (let i = 0; i < ops.length; i += PATCH_BATCH) {
    const batch = ops.slice(i, i + PATCH_BATCH);
    await callWithRetry(
      'UpdateStage',
      `UpdateStage ${stageName} of REST API ${restApiId} (method settings)`,
      () => ctx.client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: batch })),
      ctx,
    );
  }
}

/**
 * The patch path of a method's settings: the resource path with `/` escaped as `~1` (JSON Pointer,
 * `~` first as `~0`), e.g. `/orders/{id}` GET -> `/~1orders~1{id}/GET`.
 */
export function methodSettingPath(path: string, method: string): string {
  return `/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`;
}

/** The key of a method in `Stage.methodSettings`: `orders/{id}/GET`. */
export function methodSettingKey(path: string, method: string): string {
  return `${path.slice(1)}/${method}`;
}

/**
 * The UpdateStage operations that give each desired method its settings (only differences).
 * A per-method entry replaces the stage-wide `*\/*` entry for that method, so the stage-wide
 * metrics, logging and data-trace values are copied in.
 */
export function settingOperations(
  current: Record<string, MethodSetting>,
  desired: readonly MethodSettingSpec[],
): PatchOperation[] {
  const stageWide = current['*/*'];
  const ops: PatchOperation[] = [];
  for (const spec of desired) {
    const key = methodSettingKey(spec.path, spec.method);
    const have = current[key];
    const base = methodSettingPath(spec.path, spec.method);
    const set = (suffix: string, want: string | undefined, had: unknown) => {
      if (want !== undefined && (have === undefined || String(had) !== want)) {
        ops.push({ op: 'replace', path: `${base}/${suffix}`, value: want });
      }
    };
    set('throttling/rateLimit', String(spec.throttle.rateLimit), have?.throttlingRateLimit);
    set('throttling/burstLimit', String(spec.throttle.burstLimit), have?.throttlingBurstLimit);
    set('metrics/enabled', text(stageWide?.metricsEnabled), have?.metricsEnabled);
    set('logging/loglevel', stageWide?.loggingLevel, have?.loggingLevel);
    set('logging/dataTrace', text(stageWide?.dataTraceEnabled), have?.dataTraceEnabled);
    const cached = spec.cacheTtlSeconds !== undefined;
    set('caching/enabled', String(cached), have?.cachingEnabled ?? false);
    if (cached) {
      set('caching/ttlInSeconds', String(spec.cacheTtlSeconds), have?.cacheTtlInSeconds);
      set('caching/dataEncrypted', String(spec.cacheEncrypted ?? true), have?.cacheDataEncrypted);
      // A client may not bypass the cache key with Cache-Control: max-age=0 unless authorized.
      set('caching/requireAuthorizationForCacheControl', 'true', have?.requireAuthorizationForCacheControl);
    }
  }
  return ops;
}

/**
 * The operations that remove every per-method entry no desired method has: the platform owns the
 * whole API, so such an entry belongs to a removed route.
 */
export function staleSettings(
  current: Record<string, MethodSetting>,
  desired: readonly MethodSettingSpec[],
): PatchOperation[] {
  const wanted = new Set(desired.map((d) => methodSettingKey(d.path, d.method)));
  return Object.keys(current)
    .filter((key) => key !== '*/*' && !wanted.has(key))
    .sort()
    .map((key) => {
      const i = key.lastIndexOf('/');
      return { op: 'remove', path: methodSettingPath(`/${key.slice(0, i)}`, key.slice(i + 1)) };
    });
}

function text(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
