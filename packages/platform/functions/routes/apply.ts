import {
  type APIGatewayClient,
  CreateDeploymentCommand,
  GetStageCommand,
  type MethodSetting,
  type PatchOperation,
  PutRestApiCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { MethodSettingSpec } from './openapi';
import { type CallContext, callWithRetry } from './throttle';

/** What {@link applyApi} needs besides the composed API. */
export interface ApplyContext extends CallContext {
  /** The API Gateway client. */
  readonly client: APIGatewayClient;
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
  const stage = await callWithRetry(
    'GetStage',
    `GetStage ${stageName} of REST API ${restApiId}`,
    () => ctx.client.send(new GetStageCommand({ restApiId, stageName })),
    ctx,
  );
  const ops = stagePatch(stage.methodSettings ?? {}, methodSettings);
  for (let i = 0; i < ops.length; i += PATCH_BATCH) {
    const batch = ops.slice(i, i + PATCH_BATCH);
    await callWithRetry(
      'UpdateStage',
      `UpdateStage ${stageName} of REST API ${restApiId} (method settings)`,
      () => ctx.client.send(new UpdateStageCommand({ restApiId, stageName, patchOperations: batch })),
      ctx,
    );
  }
  return { deploymentId: deployment.id, patchOperations: ops.length };
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
 * The UpdateStage operations that make the stage's per-method settings equal the desired ones.
 * A per-method entry replaces the stage-wide `*\/*` entry for that method, so the stage-wide
 * metrics, logging and data-trace values are copied in. Every other per-method entry is removed:
 * the platform owns the whole API, so an entry for a method that no longer exists is stale.
 */
export function stagePatch(
  current: Record<string, MethodSetting>,
  desired: readonly MethodSettingSpec[],
): PatchOperation[] {
  const stageWide = current['*/*'];
  const ops: PatchOperation[] = [];
  const wanted = new Set<string>();
  for (const spec of desired) {
    const key = methodSettingKey(spec.path, spec.method);
    wanted.add(key);
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
  for (const key of Object.keys(current)) {
    if (key === '*/*' || wanted.has(key)) continue;
    const i = key.lastIndexOf('/');
    ops.push({ op: 'remove', path: methodSettingPath(`/${key.slice(0, i)}`, key.slice(i + 1)) });
  }
  return ops;
}

function text(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
