import * as http from 'node:http';
import * as https from 'node:https';
import { Logger } from '@aws-lambda-powertools/logger';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { InvalidPropertiesError, parseProperties, type RedeployRequest } from './properties';
import { type Clock, DEFAULT_RETRY, SYSTEM_CLOCK } from './retry';
import { redeploy, type StageContext } from './stage';

/**
 * The handler of `Custom::SharedApiStageRedeploy` (contract `redeploy.ts`). It answers
 * CloudFormation's pre-signed response URL itself (no Provider framework: see
 * lib/constructs/stage-redeploy-provider.ts), and `onEvent` holds all the decisions:
 *
 * | Phase  | Create        | Update                                         | Delete   |
 * |--------|---------------|------------------------------------------------|----------|
 * | before | no-op         | new physical id when RoutesFingerprint changed | redeploy |
 * | after  | redeploy      | redeploy                                       | no-op    |
 *
 * `before` Update returning a new id makes CloudFormation delete the old `before` resource in the
 * cleanup phase, after the removed methods (which depended on it) are gone: that Delete redeploys,
 * which is what removes deleted routes and deleted services from the stage.
 */

/** What `onEvent` returns: the custom-resource answer (same shape as the CDK Provider framework's). */
export interface OnEventResponse {
  /**
   * The resource's physical id. A value different from the event's makes CloudFormation treat an
   * Update as a replacement and later Delete the old id, which is how `before` redeploys after
   * removed methods are gone.
   */
  readonly PhysicalResourceId: string;
  /** Attributes for `Fn::GetAtt` (deployment ids, throttled method count); empty when nothing ran. */
  readonly Data: Record<string, string>;
}

/** Options of {@link onEvent} and {@link createHandler}; every field has a production default. */
export interface HandlerOptions {
  /**
   * The API Gateway client.
   * @default - a client in adaptive retry mode (client-side rate limiting on throttling)
   */
  readonly client?: APIGatewayClient;
  /**
   * The clock retries sleep on. Tests pass one whose `sleep` returns at once, so the throttled
   * path runs without waiting; it is a clock, not a stand-in for any of this code.
   * @default SYSTEM_CLOCK
   */
  readonly clock?: Clock;
  /**
   * Epoch ms after which no retry starts.
   * @default - 15 s before the Lambda timeout (createHandler), else 4 minutes from now
   */
  readonly deadline?: number;
  /**
   * Calls per API Gateway request, the first included.
   * @default 8
   */
  readonly maxAttempts?: number;
  /**
   * The REST API and stage this provider serves; requests for another are refused. The IAM policy
   * would deny them anyway, with a less helpful message.
   * @default - REST_API_ID and STAGE_NAME from the environment; unchecked when unset
   */
  readonly expected?: { readonly restApiId?: string; readonly stageName?: string };
  /**
   * How many of the newest deployments cleanup keeps.
   * @default - KEEP_DEPLOYMENTS from the environment, else 10
   */
  readonly keepDeployments?: number;
  /**
   * Where the handler reports each step and every event it ignores.
   * @default - a Powertools logger, service `stage-redeploy`
   */
  readonly logger?: Logger;
}

const ANSWER_MARGIN_MS = 15_000;
/** Physical id of a resource whose Create failed; its Delete (rollback) has nothing to undo. */
export const CREATE_FAILED_PHYSICAL_ID = 'SharedApiStageRedeploy::CREATE_FAILED';

const defaultLogger = new Logger({ serviceName: 'stage-redeploy' });
let defaultClient: APIGatewayClient | undefined;

function clientFor(options: HandlerOptions): APIGatewayClient {
  if (options.client) return options.client;
  // Adaptive mode adds client-side rate limiting when API Gateway throttles; our own retry loop
  // (longer backoff, bounded by the deadline) sits on top for the throttling that outlasts it.
  defaultClient ??= new APIGatewayClient({
    retryMode: 'adaptive',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
  return defaultClient;
}

/** Physical id of the `before` resource: changes exactly when the route set (or its API/stage) changes. */
export function beforePhysicalId(r: RedeployRequest): string {
  return `${r.serviceName}-before-${r.restApiId}-${r.stageName}-${r.fingerprint}`;
}

/** Physical id of the `after` resource: stable, so its Updates never cause a replacement. */
export function afterPhysicalId(r: RedeployRequest): string {
  return `${r.serviceName}-after-${r.restApiId}-${r.stageName}`;
}

/**
 * Decides what one CloudFormation event means for the stage and does it. Returns the answer;
 * throws to fail the resource (with a message for the service team).
 */
export async function onEvent(
  event: CloudFormationCustomResourceEvent,
  options: HandlerOptions = {},
): Promise<OnEventResponse> {
  const logger = options.logger ?? defaultLogger;
  const isDelete = event.RequestType === 'Delete';
  if (isDelete && event.PhysicalResourceId === CREATE_FAILED_PHYSICAL_ID) {
    return { PhysicalResourceId: CREATE_FAILED_PHYSICAL_ID, Data: {} };
  }
  let request: RedeployRequest;
  try {
    request = parseProperties(event.ResourceProperties);
    checkExpected(request, options);
  } catch (error) {
    // A Delete must never fail on properties: stack deletion and rollback would hang on it.
    if (isDelete) {
      logger.warn('delete of a redeploy resource with unusable properties; nothing to do', {
        error: String(error),
      });
      return { PhysicalResourceId: event.PhysicalResourceId, Data: {} };
    }
    throw error;
  }
  const ctx = stageContext(options, logger);
  const run = async (): Promise<Record<string, string>> => {
    try {
      return { ...(await redeploy(request, event.RequestType, ctx)) };
    } catch (error) {
      if (isDelete || (error as { name?: string }).name !== 'NotFoundException') throw error;
      throw new Error(
        `REST API "${request.restApiId}" or its stage "${request.stageName}" does not exist (${(error as Error).message}); read RestApiId and StageName from the contract parameters of the environment the platform is deployed to`,
      );
    }
  };

  if (request.phase === 'after') {
    // Delete: the methods still exist at this point (they are deleted after `after`), and the
    // `before` resource's Delete redeploys once they are gone.
    const data = isDelete ? {} : await run();
    return { PhysicalResourceId: isDelete ? event.PhysicalResourceId : afterPhysicalId(request), Data: data };
  }
  switch (event.RequestType) {
    case 'Create':
      // The service's methods depend on this resource, so none exists yet: nothing to deploy.
      return { PhysicalResourceId: beforePhysicalId(request), Data: {} };
    case 'Update':
      // A new id when the fingerprint changed; CloudFormation then deletes the old one last.
      return { PhysicalResourceId: beforePhysicalId(request), Data: {} };
    case 'Delete':
      return {
        PhysicalResourceId: event.PhysicalResourceId,
        Data: await deleteRedeploy(run, request, logger),
      };
  }
}

async function deleteRedeploy(
  run: () => Promise<Record<string, string>>,
  request: RedeployRequest,
  logger: Logger,
): Promise<Record<string, string>> {
  try {
    return await run();
  } catch (error) {
    // The API or stage is gone (platform torn down first, or a stage renamed): nothing serves the
    // removed routes any more, and stack deletion must not hang on it.
    if ((error as { name?: string }).name === 'NotFoundException') {
      logger.warn('REST API or stage not found on delete; nothing to redeploy', {
        restApiId: request.restApiId,
        stageName: request.stageName,
        error: String(error),
      });
      return {};
    }
    throw error;
  }
}

function checkExpected(request: RedeployRequest, options: HandlerOptions): void {
  const expected = options.expected ?? {
    restApiId: process.env.REST_API_ID,
    stageName: process.env.STAGE_NAME,
  };
  const problems: string[] = [];
  if (expected.restApiId && request.restApiId !== expected.restApiId) {
    problems.push(
      `RestApiId: this provider serves REST API "${expected.restApiId}", got "${request.restApiId}"`,
    );
  }
  if (expected.stageName && request.stageName !== expected.stageName) {
    problems.push(
      `StageName: this provider serves stage "${expected.stageName}", got "${request.stageName}"`,
    );
  }
  if (problems.length > 0) {
    throw new InvalidPropertiesError(
      problems.map(
        (p) =>
          `${p}; read RestApiId, StageName and the service token from the same environment's contract parameters`,
      ),
    );
  }
}

function stageContext(options: HandlerOptions, logger: Logger): StageContext {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const keepFromEnv = Number(process.env.KEEP_DEPLOYMENTS);
  return {
    client: clientFor(options),
    clock,
    logger,
    keepDeployments:
      options.keepDeployments ?? (Number.isInteger(keepFromEnv) && keepFromEnv > 0 ? keepFromEnv : 10),
    retry: {
      ...DEFAULT_RETRY,
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      deadline: options.deadline ?? clock.now() + 4 * 60_000,
    },
  };
}

/**
 * Builds the Lambda entry point: runs {@link onEvent} and PUTs the result (or the failure reason)
 * to the event's pre-signed ResponseURL, always before the Lambda timeout.
 */
export function createHandler(options: HandlerOptions = {}) {
  return async (
    event: CloudFormationCustomResourceEvent,
    context: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<void> => {
    const logger = options.logger ?? defaultLogger;
    const clock = options.clock ?? SYSTEM_CLOCK;
    const remaining = context.getRemainingTimeInMillis();
    const deadline = options.deadline ?? clock.now() + remaining - ANSWER_MARGIN_MS;
    logger.info('event', {
      requestType: event.RequestType,
      logicalResourceId: event.LogicalResourceId,
      stackId: event.StackId,
      properties: { ...event.ResourceProperties, ServiceToken: undefined },
    });
    let timer: NodeJS.Timeout | undefined;
    // If an SDK call hangs past the deadline, answer FAILED rather than let CloudFormation wait an hour.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error('the redeploy did not finish before the Lambda timeout; deploy the service again'),
          ),
        Math.max(0, remaining - ANSWER_MARGIN_MS / 3),
      );
    });
    try {
      const result = await Promise.race([onEvent(event, { ...options, deadline }), timeout]);
      await respond(event, { Status: 'SUCCESS', ...result });
    } catch (error) {
      logger.error('redeploy failed', { error: error as Error });
      await respond(event, {
        Status: 'FAILED',
        Reason: String((error as Error).message ?? error).slice(0, 3_500),
        PhysicalResourceId:
          event.RequestType === 'Create' ? CREATE_FAILED_PHYSICAL_ID : event.PhysicalResourceId,
        Data: {},
      });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The Lambda entry point. */
export const handler = createHandler();

interface ResponseBody {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly Data: Record<string, string>;
}

/**
 * PUTs the answer to the pre-signed S3 URL. The URL was signed without a content type, so the
 * request must send an empty one (a client default such as `text/plain` breaks the signature).
 */
export async function respond(event: CloudFormationCustomResourceEvent, body: ResponseBody): Promise<void> {
  const payload = JSON.stringify({
    ...body,
    Reason: body.Reason ?? (body.Status === 'FAILED' ? 'failed' : 'OK'),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const url = new URL(event.ResponseURL);
  const transport = url.protocol === 'http:' ? http : https;
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const req = transport.request(
          url,
          { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(payload) } },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode && res.statusCode < 300
                ? resolve()
                : reject(new Error(`CloudFormation response URL answered HTTP ${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}
