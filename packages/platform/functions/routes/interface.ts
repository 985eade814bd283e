import type { DeclaredRoute, RouteAuthorization, RouteMethod } from '@shared-lambda-infra/contract';

/**
 * The interface between the routes runtime (receiver, reconciler) and the CDK code that deploys it
 * (api stack, observability). Everything both sides must agree on lives here, and only here:
 * environment variables, the desired-state table, the queue message, the platform-settings custom
 * resource and the IAM actions each function needs.
 *
 * Backward compatibility: fields are only ever added (optional); a change that is not an addition
 * is announced in a commit message starting with `INTERFACE:`.
 *
 * @see docs/redeploys.md
 */

// ---------------------------------------------------------------------------------------------
// Environment variables
// ---------------------------------------------------------------------------------------------

/** Environment variables of the receiver function (`routesReceiverFunctionName`). */
export const RECEIVER_ENV = {
  /** Project name of the contract `NameScope`, e.g. `shared-lambda-infra`. */
  project: 'PROJECT',
  /** Environment name of the contract `NameScope`, e.g. `dev`. */
  env: 'ENV_NAME',
  /** Name of the desired-state DynamoDB table ({@link ROUTES_TABLE}). */
  tableName: 'ROUTES_TABLE_NAME',
  /** URL of the FIFO queue the reconciler consumes ({@link ReconcileMessage}). */
  queueUrl: 'ROUTES_QUEUE_URL',
} as const;

/** Environment variables of the reconciler function. */
export const RECONCILER_ENV = {
  /** Project name of the contract `NameScope`. */
  project: 'PROJECT',
  /** Environment name of the contract `NameScope`. */
  env: 'ENV_NAME',
  /** Name of the desired-state DynamoDB table. */
  tableName: 'ROUTES_TABLE_NAME',
  /**
   * Milliseconds before the Lambda timeout at which the reconciler stops retrying and answers.
   * Optional.
   * @default - 30000
   */
  answerMarginMs: 'ANSWER_MARGIN_MS',
} as const;

// ---------------------------------------------------------------------------------------------
// Desired-state table
// ---------------------------------------------------------------------------------------------

/**
 * The DynamoDB table that holds the desired state of the whole API: one item per service, one for
 * the platform's settings, one for the last applied body. Partition key only, no sort key; on-demand
 * billing, point-in-time recovery on (the API can be rebuilt from it), removal policy RETAIN.
 */
export const ROUTES_TABLE = {
  /** Partition key attribute name (type `S`). */
  partitionKey: 'pk',
  /** Attribute with the item's version, used for optimistic locking (type `N`). */
  versionAttribute: 'version',
} as const;

/** Partition key of a service's item: `service#{service}`. */
export function serviceItemKey(service: string): string {
  return `service#${service}`;
}

/** Partition key of the platform-settings item. */
export const PLATFORM_ITEM_KEY = 'platform#settings';

/** Partition key of the item recording what the reconciler last applied. */
export const APPLIED_ITEM_KEY = 'state#applied';

/**
 * A CloudFormation request the receiver accepted and that waits for the reconciler's answer. The
 * reconciler PUTs `SUCCESS` or `FAILED` to `responseUrl` once the routes are live, or cannot be.
 */
export interface PendingResponse {
  /** CloudFormation's pre-signed S3 URL for the answer. */
  readonly responseUrl: string;
  /** `RequestId` of the request. */
  readonly requestId: string;
  /** `StackId` of the request. */
  readonly stackId: string;
  /** `LogicalResourceId` of the request. */
  readonly logicalResourceId: string;
  /** `Create`, `Update` or `Delete`. */
  readonly requestType: 'Create' | 'Update' | 'Delete';
  /** The physical id to answer with (`routesPhysicalId`, or the platform's settings id). */
  readonly physicalResourceId: string;
  /** Epoch ms the receiver accepted the request: the reconciler's deadline is this plus the service timeout. */
  readonly receivedAt: number;
  /**
   * The request must not end FAILED because of throttling: a Delete, or an Update back to a
   * declaration that was live before (a CloudFormation rollback). When the deadline nears, the
   * reconciler answers it SUCCESS because its desired state is stored; the next reconcile converges.
   */
  readonly mustSucceed: boolean;
  /** The declaration hash this request asks for (empty string for a Delete). */
  readonly declarationHash: string;
}

/** One service's item in {@link ROUTES_TABLE}. */
export interface ServiceItem {
  /** {@link serviceItemKey}. */
  readonly pk: string;
  /** Discriminator. */
  readonly kind: 'service';
  /** Registered service name. */
  readonly service: string;
  /** The desired route table (validated against the registration when it was received). */
  readonly routes: readonly DeclaredRoute[];
  /** sha256 of the canonical JSON of `routes`. */
  readonly declarationHash: string;
  /** StackId of the stack the declaration came from. */
  readonly stackId: string;
  /** LogicalResourceId of the routes resource in that stack. */
  readonly logicalResourceId: string;
  /** Increases by one on every write (optimistic locking). */
  readonly version: number;
  /** True once the stack (or the resource) was deleted: the item is removed after the next apply. */
  readonly deleted: boolean;
  /** The routes the last successful apply put live, and their hash; absent before the first. */
  readonly applied?: { readonly routes: readonly DeclaredRoute[]; readonly declarationHash: string };
  /** Hashes of the last declarations answered SUCCESS, newest last (at most 5): rollback detection. */
  readonly succeededHashes: readonly string[];
  /** Requests waiting for an answer. */
  readonly pending: readonly PendingResponse[];
  /**
   * Answers decided but not yet confirmed sent: written BEFORE the PUT to the ResponseURL, removed
   * after it. A reconciler that crashed in between sends the same answer again (never another one).
   * @default - none
   */
  readonly outbox?: readonly DecidedAnswer[];
  /**
   * Request ids answered recently, newest last (at most {@link ANSWERED_HISTORY}): a duplicate async
   * delivery of an answered request is ignored, not stored and answered a second time.
   * @default - none
   */
  readonly answered?: readonly string[];
  /**
   * Routes resources that were deleted (StackId, LogicalResourceId, when CloudFormation issued the
   * Delete), newest last (at most {@link TOMBSTONE_HISTORY}): a Create or Update of one of them that
   * was issued before its Delete (Lambda's async delivery reorders) is not stored.
   * @default - none
   */
  readonly tombstones?: readonly Tombstone[];
  /**
   * The owner (and table) before the current one, when a Create of another logical id in the SAME
   * stack took the table over (a renamed routes resource). A Delete of the new logical id (the
   * rollback of that update) gives the table back to this one instead of removing the routes.
   * @default - none
   */
  readonly previous?: PreviousOwner;
}

/** An answer the reconciler decided on, kept until it is confirmed sent. */
export interface DecidedAnswer {
  /** The request. */
  readonly pending: PendingResponse;
  /** `SUCCESS` or `FAILED`. */
  readonly status: 'SUCCESS' | 'FAILED';
  /** The reason sent with it. */
  readonly reason?: string;
}

/** A deleted routes resource. */
export interface Tombstone {
  /** StackId of the deleted resource. */
  readonly stackId: string;
  /** LogicalResourceId of the deleted resource. */
  readonly logicalResourceId: string;
  /** Epoch ms at which CloudFormation issued the Delete (signing time of its ResponseURL). */
  readonly issuedAt: number;
}

/** The table of the owner a renamed routes resource took over from. */
export interface PreviousOwner {
  /** StackId (the same stack as the current owner). */
  readonly stackId: string;
  /** LogicalResourceId of the earlier routes resource. */
  readonly logicalResourceId: string;
  /** Its table. */
  readonly routes: readonly DeclaredRoute[];
  /** Its hash. */
  readonly declarationHash: string;
  /**
   * When CloudFormation issued the request that took the table over (epoch ms). A tombstone of the
   * earlier resource issued before then is of an earlier life of it (deleted, then declared again):
   * it does not stop the table going back to it.
   * @default - every tombstone of the earlier resource counts (items stored before this field)
   */
  readonly takenOverAt?: number;
}

/** How many answered request ids a service item remembers (duplicate deliveries). */
export const ANSWERED_HISTORY = 50;

/** How many tombstones a service item keeps. */
export const TOMBSTONE_HISTORY = 20;

/** How many requests may wait in one service item (older ones are answered FAILED by the receiver). */
export const PENDING_LIMIT = 20;

/**
 * Largest declaration the receiver accepts: 64 KiB of canonical JSON (about 250 routes). A service
 * item holds at most three tables (desired, applied, previous owner) plus bounded lists of requests
 * (pending, outbox, answered ids, tombstones), so it stays well under DynamoDB's 400 KB item limit
 * whatever the others do; the whole API body (6 MB PutRestApi limit) is bounded by the resources
 * quota long before. A rollback to an earlier table is under the same limit, since it was accepted
 * under it.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
 */
export const MAX_DECLARATION_BYTES = 64 * 1024;

/** The platform-settings item in {@link ROUTES_TABLE}. */
export interface PlatformItem {
  /** {@link PLATFORM_ITEM_KEY}. */
  readonly pk: string;
  /** Discriminator. */
  readonly kind: 'platform';
  /** The platform's API settings. */
  readonly settings: PlatformSettings;
  /** sha256 of the canonical JSON of `settings`. */
  readonly settingsHash: string;
  /** StackId of the api stack. */
  readonly stackId: string;
  /** LogicalResourceId of the settings resource. */
  readonly logicalResourceId: string;
  /** Optimistic-locking version. */
  readonly version: number;
  /** Requests waiting for an answer. */
  readonly pending: readonly PendingResponse[];
  /**
   * Hashes of the last settings answered SUCCESS, newest last (at most 5): rollback detection.
   * @default - none
   */
  readonly succeededHashes?: readonly string[];
  /** Answers decided but not yet confirmed sent (see {@link ServiceItem.outbox}). @default - none */
  readonly outbox?: readonly DecidedAnswer[];
  /** Request ids answered recently (see {@link ServiceItem.answered}). @default - none */
  readonly answered?: readonly string[];
}

/** What the reconciler last put live (item {@link APPLIED_ITEM_KEY}). */
export interface AppliedItem {
  /** {@link APPLIED_ITEM_KEY}. */
  readonly pk: string;
  /** Discriminator. */
  readonly kind: 'applied';
  /** sha256 of the OpenAPI body and the stage patch: an identical next apply is skipped. */
  readonly bodyHash: string;
  /** The deployment the stage was pointed at. */
  readonly deploymentId: string;
  /** Epoch ms of the apply. */
  readonly appliedAt: number;
  /** Optimistic-locking version. */
  readonly version: number;
}

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

/**
 * The reconcile queue: SQS FIFO, content-based deduplication ON (the scheduler's messages carry no
 * deduplication id), one message group {@link RECONCILE_MESSAGE_GROUP} so reconciles are serialised.
 * Visibility timeout {@link RECONCILE_VISIBILITY_TIMEOUT_SECONDS}; a redrive policy to a FIFO
 * dead-letter queue with maxReceiveCount {@link RECONCILE_MAX_RECEIVE_COUNT}.
 * Event source mapping: batch size 10 (the FIFO maximum), `reportBatchItemFailures` off; the
 * reconciler has reserved concurrency 1.
 */
export const RECONCILE_MESSAGE_GROUP = 'shared-api';

/** Receives before a message goes to the dead-letter queue. */
export const RECONCILE_MAX_RECEIVE_COUNT = 5;

/**
 * The reconciler's Lambda timeout in seconds: long enough for a few CreateDeployment slots when
 * many services deploy at once, short enough that a retry still fits in the routes resource's
 * ServiceTimeout (contract `ROUTES_SERVICE_TIMEOUT_SECONDS`, 900 s).
 */
export const RECONCILER_TIMEOUT_SECONDS = 300;

/**
 * Recommended visibility timeout of the reconcile queue: the reconciler's timeout plus a minute.
 * It only matters when the reconciler crashes: after a throttled apply the reconciler itself makes
 * the batch visible again in 60 s (ChangeMessageVisibility). A longer value (AWS's general advice
 * of 6 x the timeout) works too, but a crashed reconcile then waits that long for its retry.
 */
export const RECONCILE_VISIBILITY_TIMEOUT_SECONDS = RECONCILER_TIMEOUT_SECONDS + 60;

/** The receiver's Lambda timeout in seconds: it validates, stores and enqueues, nothing slow. */
export const RECEIVER_TIMEOUT_SECONDS = 30;

/** Why a reconcile was asked for. */
export type ReconcileReason = 'service' | 'platform' | 'schedule';

/**
 * The body (JSON) of a message on the reconcile queue. Every message means "make the API match the
 * whole desired state"; the fields only serve the logs and the skip rule.
 *
 * The scheduled drift repair (EventBridge Scheduler or rule, every 15 minutes) sends the literal
 * {@link SCHEDULED_RECONCILE_MESSAGE} with MessageGroupId {@link RECONCILE_MESSAGE_GROUP}.
 */
export interface ReconcileMessage {
  /** Why. */
  readonly reason: ReconcileReason;
  /** The service whose declaration changed, for `service`. */
  readonly service?: string;
  /** The request that caused it, for `service` and `platform`. */
  readonly requestId?: string;
  /**
   * Apply even when the composed body equals the last applied one (drift repair: someone may have
   * edited the API in the console).
   * @default false
   */
  readonly force?: boolean;
}

/** The scheduled drift-repair message, as the scheduler target's input. */
export const SCHEDULED_RECONCILE_MESSAGE: ReconcileMessage = { reason: 'schedule', force: true };

// ---------------------------------------------------------------------------------------------
// Platform settings custom resource
// ---------------------------------------------------------------------------------------------

/**
 * Type of the custom resource through which the platform's api stack hands its API settings to the
 * same receiver (ServiceToken: the receiver function's ARN). Accepted only from the stack named
 * `{project}-{env}-api`. Property `Settings` = `JSON.stringify(PlatformSettings)`.
 */
export const SETTINGS_RESOURCE_TYPE = 'Custom::SharedApiSettings';

/** Version of the {@link PlatformSettings} format. */
export const PLATFORM_SETTINGS_VERSION = 1;

/** Physical id the receiver answers a settings resource with. */
export function settingsPhysicalId(project: string, env: string): string {
  return `${project}-${env}-api-settings`;
}

/** Properties of a {@link SETTINGS_RESOURCE_TYPE} resource (besides `ServiceToken`). */
export interface SettingsResourceProperties {
  /** `JSON.stringify(PlatformSettings)`. */
  readonly Settings: string;
}

/** The shared CORS policy; absent (or no origins) = CORS off. */
export interface CorsSettings {
  /** Allowed origins (`*` or origin URLs). */
  readonly allowOrigins: readonly string[];
  /** Allowed methods. */
  readonly allowMethods: readonly string[];
  /** Allowed request headers. */
  readonly allowHeaders: readonly string[];
  /** `Access-Control-Allow-Credentials: true`. */
  readonly allowCredentials: boolean;
  /** `Access-Control-Max-Age` in seconds. */
  readonly maxAgeSeconds: number;
}

/** The JWT Lambda (REQUEST/TOKEN) authorizer every `jwt` route uses. */
export interface JwtAuthorizerSettings {
  /** ARN of the authorizer Lambda function (API Gateway needs a Lambda permission to invoke it). */
  readonly functionArn: string;
  /** Header that carries the bearer token, e.g. `Authorization`. */
  readonly identityHeader: string;
  /** Seconds API Gateway caches a decision; 0 = off. */
  readonly resultsCacheTtlSeconds: number;
}

/** A Cognito user-pools authorizer (used by `jwt` routes when no JWT Lambda authorizer is set). */
export interface CognitoAuthorizerSettings {
  /** User pool ARNs. */
  readonly providerArns: readonly string[];
  /** Header that carries the token. @default 'Authorization' */
  readonly identityHeader?: string;
}

/** A route the platform itself serves, e.g. `GET /health` answered by a mock integration. */
export interface PlatformRoute {
  /** HTTP method. */
  readonly method: RouteMethod;
  /** Full path, e.g. `/health`. Must not fall under a registered service's base path. */
  readonly path: string;
  /** How callers authenticate. */
  readonly authorization: RouteAuthorization;
  /** What serves it. */
  readonly integration:
    | {
        /** A MOCK integration answering `statusCode` with the JSON `body`. */
        readonly type: 'mock';
        readonly statusCode: number;
        readonly body: string;
      }
    | {
        /** A Lambda proxy integration. */
        readonly type: 'lambda';
        readonly functionArn: string;
      };
}

/** Response caching on the stage (needs the stage's cache cluster, which the api stack owns). */
export interface CachingSettings {
  /** Whether the stage has a cache cluster; routes with `cache` are cached only when true. */
  readonly enabled: boolean;
  /** Whether cached data is encrypted. */
  readonly encrypted: boolean;
}

/** API Gateway quotas the reconciler checks before an apply. */
export interface QuotaSettings {
  /**
   * Resources per REST API (a raisable quota).
   * @default 300
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
   */
  readonly resourcesPerApi: number;
}

/** Everything the platform's api stack says about the shared API. */
export interface PlatformSettings {
  /** {@link PLATFORM_SETTINGS_VERSION}. */
  readonly version: number;
  /** The REST API the reconciler writes (it owns its whole definition: nothing else may create resources, methods, authorizers or gateway responses on it). */
  readonly restApiId: string;
  /** The stage the reconciler deploys to. */
  readonly stageName: string;
  /** Region of the API and of every function (service function ARNs must be in it). */
  readonly region: string;
  /** Account of the API and of every function. */
  readonly account: string;
  /** Name of the API (OpenAPI `info.title`). */
  readonly apiName: string;
  /** CORS policy. @default - CORS off */
  readonly cors?: CorsSettings;
  /** JWT Lambda authorizer. @default - none */
  readonly jwtAuthorizer?: JwtAuthorizerSettings;
  /** Cognito authorizer. @default - none */
  readonly cognitoAuthorizer?: CognitoAuthorizerSettings;
  /** The platform's own routes. @default - none */
  readonly routes?: readonly PlatformRoute[];
  /**
   * Gateway response types that get the CORS headers (e.g. `DEFAULT_4XX`, `DEFAULT_5XX`).
   * @default ['DEFAULT_4XX', 'DEFAULT_5XX']
   */
  readonly gatewayResponses?: readonly string[];
  /** Binary media types. @default - none */
  readonly binaryMediaTypes?: readonly string[];
  /** Resource policy document (IAM JSON, as an object). @default - none */
  readonly resourcePolicy?: Record<string, unknown>;
  /** VPC endpoint ids of a PRIVATE API. @default - none (REGIONAL) */
  readonly vpcEndpointIds?: readonly string[];
  /** Stage caching. @default - off */
  readonly caching?: CachingSettings;
  /** Quotas. @default { resourcesPerApi: 300 } */
  readonly quotas?: QuotaSettings;
  /** Default method throttling (the stage-wide `*\/*` entry). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
}

// ---------------------------------------------------------------------------------------------
// Metrics (CloudWatch embedded metric format, written to the reconciler's log)
// ---------------------------------------------------------------------------------------------

/**
 * Metrics the reconciler publishes for the dashboard and alarms, dimension `Environment`.
 * `ReconcileFailures` counts failed applies; `ReconcileLagSeconds` is, per apply, the longest wait
 * from a request's arrival to its routes being live; `AnsweredRequests` counts CloudFormation answers.
 */
export const ROUTES_METRICS = {
  namespace: 'SharedLambdaInfra/Routes',
  dimension: 'Environment',
  failures: 'ReconcileFailures',
  lagSeconds: 'ReconcileLagSeconds',
  answered: 'AnsweredRequests',
} as const;

// ---------------------------------------------------------------------------------------------
// IAM: exactly what each function calls. `{...}` are placeholders the CDK side fills in.
// ---------------------------------------------------------------------------------------------

/** One IAM statement a function needs, with resource patterns. */
export interface RequiredStatement {
  /** Actions. */
  readonly actions: readonly string[];
  /**
   * Resource ARN patterns with placeholders `{partition}`, `{region}`, `{account}`, `{project}`,
   * `{env}`, `{restApiId}`, `{stageName}`, `{tableArn}`, `{queueArn}`.
   */
  readonly resources: readonly string[];
  /** Why the function needs it. */
  readonly reason: string;
}

/** The receiver's permissions (besides its log group). */
export const RECEIVER_PERMISSIONS: readonly RequiredStatement[] = [
  {
    actions: ['ssm:GetParameters'],
    resources: ['arn:{partition}:ssm:{region}:{account}:parameter/{project}/{env}/services/*/registration'],
    reason:
      "reads the declaring service's own ServiceRegistration (and those of the few names its stack or functions could be confused with): a cost per request that does not grow with the registry",
  },
  {
    actions: ['ssm:GetParametersByPath'],
    resources: ['arn:{partition}:ssm:{region}:{account}:parameter/{project}/{env}/services'],
    reason:
      "reads every ServiceRegistration, only for the platform's settings (its routes must not fall under a service's base path)",
  },
  {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    resources: ['{tableArn}'],
    reason: 'stores the desired state and the pending CloudFormation response',
  },
  {
    actions: ['sqs:SendMessage'],
    resources: ['{queueArn}'],
    reason: 'asks the reconciler to apply',
  },
  {
    actions: ['cloudformation:DescribeStackResource'],
    resources: [
      'arn:{partition}:cloudformation:{region}:{account}:stack/{project}-{env}-*-api/*',
      'arn:{partition}:cloudformation:{region}:{account}:stack/{project}-{env}-api/*',
    ],
    reason:
      "confirms with CloudFormation who sent a request (the services' routes stacks and the platform's api stack only)",
  },
];

/**
 * The reconciler's permissions (besides its log group and the SQS event source's own grants).
 * Since issue 21 it reads registrations with GetParameters, not the whole registry by path.
 */
export const RECONCILER_PERMISSIONS: readonly RequiredStatement[] = [
  {
    actions: ['ssm:GetParameters'],
    resources: ['arn:{partition}:ssm:{region}:{account}:parameter/{project}/{env}/services/*/registration'],
    reason:
      'reads the ServiceRegistration of each service that declared routes: base path and throttling come from the registry',
  },
  {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
    resources: ['{tableArn}'],
    reason: 'reads the whole desired state, clears answered requests, removes deleted services',
  },
  {
    actions: ['sqs:ChangeMessageVisibility'],
    resources: ['{queueArn}'],
    reason: 'brings a throttled batch back in 60 s instead of after the queue visibility timeout',
  },
  {
    actions: ['apigateway:PUT', 'apigateway:UpdateRestApiPolicy'],
    resources: ['arn:{partition}:apigateway:{region}::/restapis/{restApiId}'],
    reason: 'PutRestApi mode=overwrite (UpdateRestApiPolicy: the body carries the resource policy)',
  },
  {
    actions: ['apigateway:POST'],
    resources: ['arn:{partition}:apigateway:{region}::/restapis/{restApiId}/deployments'],
    reason: 'CreateDeployment, one per applied batch',
  },
  {
    actions: ['apigateway:GET', 'apigateway:PATCH'],
    resources: ['arn:{partition}:apigateway:{region}::/restapis/{restApiId}/stages/{stageName}'],
    reason: 'GetStage and UpdateStage: deployment id, per-method throttling and caching',
  },
];
