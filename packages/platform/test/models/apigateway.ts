import type { MethodSetting, PatchOperation } from '@aws-sdk/client-api-gateway';
import type { VirtualClock } from './clock';

/**
 * An in-memory model of API Gateway's REST control plane, as documented:
 * - a REST API's working copy: resources (a path tree), methods, integrations, authorizers,
 *   gateway responses, binary media types, policy;
 * - PutRestApi `overwrite` (the definition replaces the working copy in one step) and `merge`;
 *   with `failOnWarnings` a method without an integration is refused;
 * - deployments that snapshot the working copy, refused with `BadRequestException: No integration
 *   defined for method` when a method in it has no integration (a half-built method);
 * - a stage pointing at one deployment, with per-method settings patched by UpdateStage
 *   (JSON-pointer paths, refused for methods the stage's deployment does not have);
 * - the fixed control-plane quotas as token buckets on the virtual clock, raising
 *   `TooManyRequestsException`, and the resources-per-API quota.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 * @see https://docs.aws.amazon.com/apigateway/latest/api/API_PutRestApi.html
 */

/** A method as the model stores it. */
export interface ModelMethod {
  /** NONE, CUSTOM, AWS_IAM or COGNITO_USER_POOLS. */
  authorizationType: string;
  /** Name of the authorizer (security scheme) for CUSTOM/COGNITO. */
  authorizer?: string;
  /** The integration; absent while the method is half-built. */
  integration?: { type: string; uri?: string; cacheKeyParameters?: string[]; responses?: unknown };
  /** Response headers of a mock (CORS preflight) integration's default response. */
  responseParameters?: Record<string, string>;
}

/** The working copy, or a deployment's snapshot of it. */
export interface ApiDefinition {
  /** Method maps by resource path; every resource path of the API is a key (root `/` included). */
  resources: Record<string, Record<string, ModelMethod>>;
  /** Authorizers by name. */
  authorizers: Record<string, unknown>;
  /** Gateway responses by type. */
  gatewayResponses: Record<string, { responseParameters?: Record<string, string> }>;
  /** Binary media types. */
  binaryMediaTypes: string[];
  /** Resource policy. */
  policy?: unknown;
}

/** Errors as the SDK surfaces them: the `name` is what callers branch on. */
export function awsError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Bucket {
  tokens: number;
  at: number;
  readonly rate: number;
  readonly burst: number;
}

/** Documented fixed quotas per account (requests per second, burst). */
const QUOTAS: Record<string, { rate: number; burst: number }> = {
  CreateDeployment: { rate: 1 / 5, burst: 1 },
  PutRestApi: { rate: 1, burst: 1 },
  GetResources: { rate: 5 / 2, burst: 5 },
  CreateResource: { rate: 5, burst: 5 },
  DeleteResource: { rate: 5, burst: 5 },
  '*': { rate: 10, burst: 40 },
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** The model of one account's API Gateway with one REST API and one stage. */
export class ApiGatewayModel {
  /** The working copy. */
  working: ApiDefinition = emptyDefinition();
  /** Deployments by id. */
  readonly deployments = new Map<
    string,
    { id: string; createdAt: number; snapshot: ApiDefinition; description?: string }
  >();
  /** The stage. */
  readonly stage: { deploymentId?: string; methodSettings: Record<string, MethodSetting> } = {
    methodSettings: {},
  };
  /** Accepted calls per operation. */
  readonly calls: Record<string, number> = {};
  /** Throttled calls per operation. */
  readonly throttled: Record<string, number> = {};
  /** Resources-per-API quota. */
  resourceLimit = 300;
  /**
   * A rule of API Gateway's import that the platform's own validation does not know (fault
   * injection): a message refuses the method with `BadRequestException`.
   */
  refuseMethod?: (path: string, method: string, integrationUri: string | undefined) => string | undefined;
  /** Until this virtual time, every call of these operations is throttled (other clients spend the quota). */
  readonly exhaustedUntil: Record<string, number> = {};
  private readonly buckets = new Map<string, Bucket>();
  private nextId = 1;

  /**
   * @param clock the virtual clock the quotas refill on.
   * @param restApiId the API's id.
   * @param stageName the stage's name.
   */
  constructor(
    private readonly clock: VirtualClock,
    readonly restApiId: string,
    readonly stageName: string,
  ) {
    this.stage.methodSettings['*/*'] = {
      metricsEnabled: true,
      loggingLevel: 'INFO',
      dataTraceEnabled: false,
    };
  }

  /** PutRestApi: replaces (`overwrite`) or merges the working copy with an OpenAPI 2.0 body. */
  putRestApi(input: {
    restApiId?: string;
    mode?: string;
    failOnWarnings?: boolean;
    body?: Uint8Array;
  }): void {
    this.checkApi(input.restApiId);
    this.spend('PutRestApi');
    const text = new TextDecoder().decode(input.body);
    if (text.length > 6 * 1024 * 1024) throw awsError('BadRequestException', 'Request body exceeds 6 MB');
    const doc = JSON.parse(text) as OpenApiDoc;
    if (doc.swagger !== '2.0') throw awsError('BadRequestException', 'Only swagger 2.0 bodies are modelled');
    const incoming = definitionFromOpenApi(doc);
    const warnings: string[] = [];
    for (const [path, methods] of Object.entries(incoming.resources)) {
      for (const [m, method] of Object.entries(methods)) {
        if (!method.integration) warnings.push(`No integration defined for method ${m} ${path}`);
        const refusal = this.refuseMethod?.(path, m, method.integration?.uri);
        if (refusal) throw awsError('BadRequestException', `Errors found during import: ${refusal}`);
        if (
          method.authorizer &&
          !(method.authorizer in incoming.authorizers) &&
          method.authorizationType !== 'AWS_IAM'
        ) {
          throw awsError('BadRequestException', `Unknown authorizer ${method.authorizer} on ${m} ${path}`);
        }
      }
    }
    if (warnings.length > 0 && input.failOnWarnings) {
      throw awsError('BadRequestException', `Warnings found during import: ${warnings.join('; ')}`);
    }
    const next = input.mode === 'overwrite' ? incoming : mergeDefinitions(this.working, incoming);
    const count = Object.keys(next.resources).length;
    if (count > this.resourceLimit) {
      throw awsError(
        'LimitExceededException',
        `Too many resources: ${count} is greater than the limit of ${this.resourceLimit}`,
      );
    }
    this.working = next;
  }

  /** CreateDeployment: snapshots the working copy; with `stageName`, points the stage at it. */
  createDeployment(input: { restApiId?: string; stageName?: string; description?: string }): { id: string } {
    this.checkApi(input.restApiId);
    this.spend('CreateDeployment');
    for (const [path, methods] of Object.entries(this.working.resources)) {
      for (const [m, method] of Object.entries(methods)) {
        if (!method.integration)
          throw awsError('BadRequestException', `No integration defined for method (${m} ${path})`);
      }
    }
    const id = `dep${String(this.nextId++).padStart(4, '0')}`;
    this.deployments.set(id, {
      id,
      createdAt: this.clock.now(),
      snapshot: structuredClone(this.working),
      description: input.description,
    });
    if (input.stageName) {
      this.checkStage(input.stageName);
      this.stage.deploymentId = id;
    }
    return { id };
  }

  /** GetStage. */
  getStage(input: { restApiId?: string; stageName?: string }) {
    this.checkApi(input.restApiId);
    this.checkStage(input.stageName);
    this.spend('GetStage');
    return {
      deploymentId: this.stage.deploymentId,
      stageName: this.stageName,
      methodSettings: structuredClone(this.stage.methodSettings),
    };
  }

  /** UpdateStage: `/deploymentId` and per-method settings (`/{escaped path}/{METHOD}/{group}/{field}`). */
  updateStage(input: { restApiId?: string; stageName?: string; patchOperations?: PatchOperation[] }) {
    this.checkApi(input.restApiId);
    this.checkStage(input.stageName);
    this.spend('UpdateStage');
    const settings = structuredClone(this.stage.methodSettings);
    let deploymentId = this.stage.deploymentId;
    for (const op of input.patchOperations ?? []) {
      if (op.path === '/deploymentId') {
        if (!op.value || !this.deployments.has(op.value))
          throw awsError('BadRequestException', `Invalid deployment id ${op.value}`);
        deploymentId = op.value;
        continue;
      }
      const parts = (op.path ?? '').split('/').slice(1);
      const resourcePath = parts[0] === '*' ? '*' : parts[0].replace(/~1/g, '/').replace(/~0/g, '~');
      const method = parts[1];
      const key = resourcePath === '*' ? `*/${method}` : `${resourcePath.slice(1)}/${method}`;
      if (key !== '*/*') {
        const snapshot = deploymentId ? this.deployments.get(deploymentId)?.snapshot : undefined;
        if (!snapshot?.resources[resourcePath]?.[method]) {
          throw awsError(
            'BadRequestException',
            `Invalid method setting path: ${op.path}: no method ${method} on ${resourcePath} in the stage's deployment`,
          );
        }
      }
      if (op.op === 'remove' && parts.length === 2) {
        delete settings[key];
        continue;
      }
      const field = `${parts[2]}/${parts[3]}`;
      settings[key] ??= {};
      const entry = settings[key];
      const value = op.value ?? '';
      switch (field) {
        case 'throttling/rateLimit':
          entry.throttlingRateLimit = Number(value);
          break;
        case 'throttling/burstLimit':
          entry.throttlingBurstLimit = Number(value);
          break;
        case 'metrics/enabled':
          entry.metricsEnabled = value === 'true';
          break;
        case 'logging/loglevel':
          entry.loggingLevel = value;
          break;
        case 'logging/dataTrace':
          entry.dataTraceEnabled = value === 'true';
          break;
        case 'caching/enabled':
          entry.cachingEnabled = value === 'true';
          break;
        case 'caching/ttlInSeconds':
          entry.cacheTtlInSeconds = Number(value);
          break;
        case 'caching/dataEncrypted':
          entry.cacheDataEncrypted = value === 'true';
          break;
        case 'caching/requireAuthorizationForCacheControl':
          entry.requireAuthorizationForCacheControl = value === 'true';
          break;
        default:
          throw awsError('BadRequestException', `Invalid patch path ${op.path}`);
      }
    }
    this.stage.methodSettings = settings;
    this.stage.deploymentId = deploymentId;
    return {};
  }

  /** A console-style edit of the working copy (drift): replaces one method's integration URI, or deletes it. */
  editMethod(path: string, method: string, change: { uri?: string; delete?: boolean }): void {
    const methods = this.working.resources[path];
    if (!methods?.[method]) throw new Error(`model: no method ${method} ${path}`);
    if (change.delete) delete methods[method];
    else if (methods[method].integration) methods[method].integration.uri = change.uri;
  }

  /** What the stage serves: its deployment's snapshot (undefined before the first deployment). */
  served(): ApiDefinition | undefined {
    return this.stage.deploymentId ? this.deployments.get(this.stage.deploymentId)?.snapshot : undefined;
  }

  private checkApi(restApiId: string | undefined): void {
    if (restApiId !== this.restApiId)
      throw awsError('NotFoundException', `Invalid REST API identifier specified: ${restApiId}`);
  }

  private checkStage(stageName: string | undefined): void {
    if (stageName !== this.stageName)
      throw awsError('NotFoundException', `Invalid stage identifier specified: ${stageName}`);
  }

  /** Spends a token of the operation's bucket and of the account-wide one, or throws TooManyRequests. */
  private spend(operation: string): void {
    const now = this.clock.now();
    if ((this.exhaustedUntil[operation] ?? 0) > now) {
      this.throttled[operation] = (this.throttled[operation] ?? 0) + 1;
      throw awsError('TooManyRequestsException', 'Too Many Requests');
    }
    const buckets = [operation in QUOTAS ? operation : undefined, '*']
      .filter((b): b is string => !!b)
      .map((b) => this.bucket(b, now));
    if (buckets.some((b) => b.tokens < 1)) {
      this.throttled[operation] = (this.throttled[operation] ?? 0) + 1;
      throw awsError('TooManyRequestsException', 'Too Many Requests');
    }
    for (const b of buckets) b.tokens -= 1;
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
  }

  private bucket(name: string, now: number): Bucket {
    let b = this.buckets.get(name);
    if (!b) {
      b = { tokens: QUOTAS[name].burst, at: now, rate: QUOTAS[name].rate, burst: QUOTAS[name].burst };
      this.buckets.set(name, b);
    }
    b.tokens = Math.min(b.burst, b.tokens + ((now - b.at) / 1000) * b.rate);
    b.at = now;
    return b;
  }
}

/** An OpenAPI 2.0 document, as far as the model reads it. */
interface OpenApiDoc {
  swagger?: string;
  paths?: Record<string, Record<string, OpenApiOperation>>;
  securityDefinitions?: Record<
    string,
    { 'x-amazon-apigateway-authtype'?: string; 'x-amazon-apigateway-authorizer'?: unknown }
  >;
  'x-amazon-apigateway-gateway-responses'?: ApiDefinition['gatewayResponses'];
  'x-amazon-apigateway-binary-media-types'?: string[];
  'x-amazon-apigateway-policy'?: unknown;
}

interface OpenApiOperation {
  security?: Array<Record<string, unknown>>;
  'x-amazon-apigateway-integration'?: {
    type: string;
    uri?: string;
    cacheKeyParameters?: string[];
    responses?: { default?: { responseParameters?: Record<string, string> } };
  };
}

function emptyDefinition(): ApiDefinition {
  return { resources: { '/': {} }, authorizers: {}, gatewayResponses: {}, binaryMediaTypes: [] };
}

/** Reads the parts of an OpenAPI 2.0 body with API Gateway extensions that the model keeps. */
function definitionFromOpenApi(doc: OpenApiDoc): ApiDefinition {
  const def = emptyDefinition();
  const schemes = doc.securityDefinitions ?? {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (scheme['x-amazon-apigateway-authorizer'])
      def.authorizers[name] = scheme['x-amazon-apigateway-authorizer'];
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const segments = path.split('/').slice(1);
    for (let i = 1; i <= segments.length; i++) def.resources[`/${segments.slice(0, i).join('/')}`] ??= {};
    for (const [key, op] of Object.entries(item)) {
      const method =
        key === 'x-amazon-apigateway-any-method'
          ? 'ANY'
          : HTTP_METHODS.includes(key)
            ? key.toUpperCase()
            : undefined;
      if (!method) continue;
      const security = (op.security?.[0] ? Object.keys(op.security[0])[0] : undefined) as string | undefined;
      const type = security ? schemes[security]?.['x-amazon-apigateway-authtype'] : undefined;
      const integration = op['x-amazon-apigateway-integration'];
      def.resources[path][method] = {
        authorizationType: !security
          ? 'NONE'
          : type === 'awsSigv4'
            ? 'AWS_IAM'
            : type === 'cognito_user_pools'
              ? 'COGNITO_USER_POOLS'
              : 'CUSTOM',
        ...(security && type !== 'awsSigv4' ? { authorizer: security } : {}),
        ...(integration
          ? {
              integration: {
                type: integration.type,
                uri: integration.uri,
                cacheKeyParameters: integration.cacheKeyParameters,
              },
              responseParameters: integration.responses?.default?.responseParameters,
            }
          : {}),
      };
    }
  }
  def.gatewayResponses = structuredClone(doc['x-amazon-apigateway-gateway-responses'] ?? {});
  def.binaryMediaTypes = [...(doc['x-amazon-apigateway-binary-media-types'] ?? [])];
  def.policy = doc['x-amazon-apigateway-policy'];
  return def;
}

/** `merge`: the body's paths and methods are added or replace same-named ones; nothing is removed. */
function mergeDefinitions(base: ApiDefinition, incoming: ApiDefinition): ApiDefinition {
  const next = structuredClone(base);
  for (const [path, methods] of Object.entries(incoming.resources)) {
    next.resources[path] = { ...(next.resources[path] ?? {}), ...methods };
  }
  Object.assign(next.authorizers, incoming.authorizers);
  Object.assign(next.gatewayResponses, incoming.gatewayResponses);
  next.binaryMediaTypes = [...new Set([...next.binaryMediaTypes, ...incoming.binaryMediaTypes])];
  next.policy = incoming.policy ?? next.policy;
  return next;
}
