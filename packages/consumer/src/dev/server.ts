import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Parameters } from '@shared-lambda-infra/contract';
import { accessLogLine } from './access-log';
import type { DevFunction, DevRoute, DevService } from './describe';
import {
  decodesBinaryResponse,
  GATEWAY_ERRORS,
  type HttpResponse,
  MalformedResult,
  matchRoute,
  newRequestId,
  type ProxyRequest,
  proxyEvent,
  proxyResponse,
} from './proxy';
import { FunctionRuntime, type InvocationResult, LAMBDA_PAYLOAD_LIMIT } from './runtime';
import { stateDir } from './state-dir';
import { listValue, type PlatformValues } from './values';

/** A TOKEN authorizer, as the platform deploys it: `createAuthorizerHandler` of `@shared-lambda-infra/jwt-authorizer`. */
export type TokenAuthorizer = (event: {
  type: 'TOKEN';
  authorizationToken: string;
  methodArn: string;
}) => Promise<{
  principalId: string;
  policyDocument: { Statement: ReadonlyArray<{ Effect: string; Action?: unknown; Resource?: unknown }> };
  context?: Record<string, string | number | boolean | null | undefined> | null;
}>;

/** Checks a SigV4-signed request of an `iam` route: the caller's identity, or the gateway error to answer. */
export type IamVerifier = (
  request: ProxyRequest,
) => Promise<
  { ok: true; identity: Record<string, string | null> } | { ok: false; error: keyof typeof GATEWAY_ERRORS }
>;

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /** What to serve. */
  readonly service: DevService;
  /** Contract values (CORS policy, stage name). */
  readonly values: PlatformValues;
  /** The service repository: bundles go to `{root}/.shared-lambda/build`. */
  readonly root: string;
  /**
   * Port; 0 picks a free one.
   * @default 3000
   */
  readonly port?: number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Builds the authorizer for `jwt` routes once the server's URL is known (a dev issuer's JWKS is
   * served by the server itself). Required when a route uses `jwt`.
   * @default - no authorizer
   */
  readonly authorizer?: (baseUrl: string) => TokenAuthorizer;
  /**
   * Verifies `iam` routes' signatures.
   * @default - `iam` routes answer 403 Missing Authentication Token to unsigned requests and accept any signed one
   */
  readonly iam?: IamVerifier;
  /**
   * JSON documents the server publishes under `/.shared-lambda/` (a JWKS), by path.
   * @default - none
   */
  readonly documents?: (baseUrl: string) => ReadonlyMap<string, unknown>;
  /**
   * The API's binaryMediaTypes: request bodies of these types reach the handler base64-encoded, and
   * a base64 answer is decoded for a request whose first Accept type is one of them.
   * @default - none, as on an API without `api.binaryMediaTypes`
   */
  readonly binaryMediaTypes?: readonly string[];
  /**
   * Variables every function sees under its own.
   * @default process.env
   */
  readonly baseEnvironment?: Readonly<Record<string, string | undefined>>;
  /**
   * Console output.
   * @default console.log
   */
  readonly log?: (line: string) => void;
}

/** What {@link DevServer.update} changed. */
export interface ServiceChange {
  /** Routes (`GET /orders/{id}`) the new stack has and the old had not. */
  readonly routesAdded: readonly string[];
  /** Routes the old stack had and the new has not. */
  readonly routesRemoved: readonly string[];
  /** Routes in both whose authorization or function changed. */
  readonly routesChanged: readonly string[];
  /** Construct paths of functions that are new or changed (environment, timeout, entry, bundling). */
  readonly functionsChanged: readonly string[];
  /** Construct paths of functions the new stack no longer has. */
  readonly functionsRemoved: readonly string[];
}

/** A running dev server. */
export interface DevServer {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /**
   * Serves `next` (the stack loaded again) from now on, while the server keeps listening: new and
   * changed functions get a new runtime, unchanged ones keep theirs (and their warm worker);
   * invocations already running finish in the runtime they started in.
   */
  update(next: DevService): ServiceChange;
  /** Stops the server, the watchers and every function's runtime. */
  close(): Promise<void>;
}

// API Gateway gives up on an integration after 29 s (504), whatever the function's timeout.
const INTEGRATION_TIMEOUT_MS = 29_000;
// ... and on a Lambda authorizer after 10 s (500, as for an authorizer that fails).
const AUTHORIZER_TIMEOUT_MS = 10_000;
// API Gateway's payload limit (413 above it).
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
// BEARER_JWT_PATTERN of the platform's authorizer: API Gateway answers 401 to any other identity.
const BEARER_JWT = /^[Bb]earer [-0-9A-Za-z_]+\.[-0-9A-Za-z_]+\.[-0-9A-Za-z_]*$/;
const LOCAL_ACCOUNT = '000000000000';
const LOCAL_API_ID = 'local';

/**
 * Serves a service's routes on 127.0.0.1 the way the platform's shared REST API does: each request
 * becomes a Lambda proxy event for the function of its route, behind the platform's own authorizer
 * for `jwt` routes, with the platform's CORS preflights and gateway responses, and each function
 * rebuilt and reloaded when its sources change.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { values } = options;
  let service = options.service;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // The server listens before any bundle is built. Bundles are then built one at a time in the
  // background, and a request to a function not built yet starts its build at once (invoke calls
  // start), so a first request waits for its own bundle and at most one other, not for every
  // function's competing for the same cores.
  const prebuild: FunctionRuntime[] = [];
  let prebuilding = false;
  const prebuildNext = async () => {
    if (prebuilding) return;
    prebuilding = true;
    for (let next = prebuild.shift(); next; next = prebuild.shift()) await next.start();
    prebuilding = false;
  };
  const newRuntime = (fn: DevFunction) => {
    const runtime = new FunctionRuntime(fn, {
      buildDir: path.join(stateDir(options.root), 'build'),
      baseEnvironment: options.baseEnvironment ?? process.env,
      region,
      log,
    });
    prebuild.push(runtime);
    void prebuildNext();
    return runtime;
  };
  let runtimes = new Map<string, FunctionRuntime>();
  // Runtimes a reload replaced, still answering the invocations they had taken.
  const draining = new Set<FunctionRuntime>();
  for (const fn of service.functions.values()) runtimes.set(fn.path, newRuntime(fn));

  const stage = stringValue(values, Parameters.stageName.path(service.scope)) ?? service.scope.env;
  const cors = corsPolicy(options.values, service);
  let authorize: TokenAuthorizer | undefined;
  let documents: ReadonlyMap<string, unknown> = new Map();

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const arrived = new Date();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const request: ProxyRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      };
      handle(request, size)
        .catch((error: unknown): Answer => {
          log(`dev server error: ${(error as Error).stack ?? error}`);
          return { response: gatewayResponse('internalError', request, cors), error: 'internalError' };
        })
        .then((answer) => {
          const { response } = answer;
          res.writeHead(response.statusCode, flattenHeaders(response.headers));
          res.end(response.body);
          const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
          // The line the stage's access log would hold for this request, field for field.
          log(
            JSON.stringify(
              accessLogLine({
                requestId: answer.requestId ?? newRequestId(),
                sourceIp: request.sourceIp,
                httpMethod: request.method,
                resourcePath: answer.resourcePath,
                status: response.statusCode,
                protocol: `HTTP/${req.httpVersion}`,
                responseLength: response.body.length,
                responseLatencyMs: ms,
                integrationLatencyMs: answer.integrationMs,
                principalId: answer.principalId,
                caller: answer.caller,
                user: answer.user,
                error: answer.error,
                authorizerError: answer.authorizerError,
                time: arrived,
              }),
            ),
          );
        });
    });
  });

  interface Answer {
    response: HttpResponse;
    /** The route (or preflight) that answered, for the request line. */
    route?: Pick<DevRoute, 'route'>;
    /** The resource template that matched, as `$context.resourcePath`. */
    resourcePath?: string;
    requestId?: string;
    /** Milliseconds the function took, as `$context.integrationLatency`. */
    integrationMs?: number;
    principalId?: string;
    caller?: string;
    user?: string;
    /** The error the server answered itself (`$context.error.responseType`). */
    error?: keyof typeof GATEWAY_ERRORS;
    authorizerError?: string;
  }

  async function handle(request: ProxyRequest, size: number): Promise<Answer> {
    const pathname = new URL(request.url, 'http://localhost').pathname;
    if (pathname.startsWith('/.shared-lambda/')) return { response: document(pathname) };
    if (size > MAX_REQUEST_BYTES) return { response: gatewayResponse('tooLarge', request, cors) };
    // The stack may be reloaded while this request waits for the authorizer: it is answered by
    // the routes and functions it arrived at.
    const served = { service, runtimes };
    const match = matchRoute(served.service.routes, request.method, pathname);
    if (match.kind === 'none')
      return {
        response: gatewayResponse('missingAuthenticationToken', request, cors),
        error: 'missingAuthenticationToken',
      };
    if (match.kind === 'preflight') {
      return {
        response: preflight(request, cors),
        route: { route: `OPTIONS ${match.resource} (preflight)` },
        resourcePath: match.resource,
      };
    }
    const { route } = match;
    const requestId = newRequestId();
    const seen = { route, resourcePath: route.path, requestId };
    const refused = (error: keyof typeof GATEWAY_ERRORS, authorizerError?: string): Answer => ({
      ...seen,
      response: gatewayResponse(error, request, cors),
      error,
      authorizerError,
    });
    const methodArn = `arn:aws:execute-api:${region}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${stage}/${request.method}${pathname}`;
    let authorizer: Record<string, string> | undefined;
    let identity: Record<string, string | null> | undefined;
    if (route.authorization === 'jwt') {
      const outcome = await authorizeJwt(request, methodArn);
      if ('error' in outcome) return refused(outcome.error, outcome.reason);
      authorizer = outcome.context;
    } else if (route.authorization === 'iam') {
      const outcome = await (options.iam ?? unverifiedIam)(request);
      if (!outcome.ok) return refused(outcome.error);
      identity = outcome.identity;
    }
    const who = {
      principalId: authorizer?.principalId,
      caller: identity?.caller ?? undefined,
      user: identity?.user ?? undefined,
    };
    const event = proxyEvent(request, {
      resource: route.path,
      pathParameters: match.pathParameters,
      stage,
      authorizer,
      identity,
      binaryMediaTypes: options.binaryMediaTypes ?? [],
      requestId,
      accountId: LOCAL_ACCOUNT,
      apiId: LOCAL_API_ID,
    });
    const fn = served.service.functions.get(route.functionPath);
    const runtime = served.runtimes.get(route.functionPath);
    if (!fn || !runtime) throw new Error(`no runtime for ${route.functionPath}`);
    const invoked = process.hrtime.bigint();
    const result = await withTimeout(
      runtime.invoke(event, {
        awsRequestId: newRequestId(),
        functionName: fn.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${fn.functionName}`,
        memoryLimitInMB: String(fn.memorySize),
        logGroupName: `/aws/lambda/${fn.functionName}`,
        logStreamName: 'local',
      }),
      INTEGRATION_TIMEOUT_MS,
    );
    const integrationMs = Number((process.hrtime.bigint() - invoked) / 1_000_000n);
    if (result === undefined) {
      log(`${route.route}: no answer within API Gateway's 29 s integration timeout (504)`);
      return { ...refused('timeout'), ...who, integrationMs };
    }
    const response = integrationResponse(result, request, route);
    const failed = response.headers['x-amzn-ErrorType'] !== undefined;
    return {
      ...seen,
      ...who,
      response,
      integrationMs,
      ...(failed ? { error: 'internalError' as const } : {}),
    };
  }

  async function authorizeJwt(
    request: ProxyRequest,
    methodArn: string,
  ): Promise<{ context: Record<string, string> } | { error: keyof typeof GATEWAY_ERRORS; reason?: string }> {
    const token = headerValue(request, values.identityHeader);
    if (token === undefined || !BEARER_JWT.test(token))
      return { error: 'unauthorized', reason: 'Unauthorized' };
    if (!authorize) throw new Error('a jwt route was called, but the server has no authorizer');
    let result: Awaited<ReturnType<TokenAuthorizer>>;
    try {
      const answer = await withTimeout(
        authorize({ type: 'TOKEN', authorizationToken: token, methodArn }),
        AUTHORIZER_TIMEOUT_MS,
      );
      if (answer === undefined) throw new Error('the authorizer did not answer within 10 s');
      result = answer;
    } catch (error) {
      log(`authorizer failed (API Gateway answers 500): ${(error as Error).stack ?? error}`);
      return { error: 'authorizerFailure', reason: (error as Error).message };
    }
    if (!allows(result.policyDocument.Statement, methodArn)) {
      const reason = result.context?.reason;
      if (reason) log(`authorizer denied the token: ${reason}`);
      return { error: 'accessDenied', reason: reason === undefined ? undefined : String(reason) };
    }
    const context: Record<string, string> = { principalId: result.principalId };
    for (const [k, v] of Object.entries(result.context ?? {}))
      if (v !== undefined && v !== null) context[k] = String(v);
    return { context };
  }

  function integrationResponse(
    result: InvocationResult,
    request: ProxyRequest,
    route: DevRoute,
  ): HttpResponse {
    if (result.kind === 'timeout') return gatewayResponse('internalError', request, cors);
    if (result.kind === 'error') {
      log(
        `${route.route}: the function failed (API Gateway answers 502): ${result.errorType}: ${result.errorMessage}`,
      );
      return gatewayResponse('internalError', request, cors);
    }
    if (result.payload !== null && Buffer.byteLength(result.payload) > LAMBDA_PAYLOAD_LIMIT) {
      log(`${route.route}: the result exceeds Lambda's 6 MB response limit (API Gateway answers 502)`);
      return gatewayResponse('internalError', request, cors);
    }
    try {
      return proxyResponse(
        result.payload,
        decodesBinaryResponse(headerValue(request, 'accept'), options.binaryMediaTypes ?? []),
      );
    } catch (error) {
      if (!(error instanceof MalformedResult)) throw error;
      log(`${route.route}: Malformed Lambda proxy response (API Gateway answers 502): ${error.message}`);
      return gatewayResponse('internalError', request, cors);
    }
  }

  function document(pathname: string): HttpResponse {
    const doc = documents.get(pathname);
    if (doc === undefined) return json(404, { message: `nothing at ${pathname}` }, {});
    return json(200, doc, {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  authorize = options.authorizer?.(url);
  documents = options.documents?.(url) ?? new Map();
  return {
    url,
    update: (next) => {
      const change = serviceChange(service, next);
      const retired: FunctionRuntime[] = [];
      const nextRuntimes = new Map<string, FunctionRuntime>();
      for (const fn of next.functions.values()) {
        const runtime = runtimes.get(fn.path);
        if (runtime && !change.functionsChanged.includes(fn.path)) nextRuntimes.set(fn.path, runtime);
        else nextRuntimes.set(fn.path, newRuntime(fn));
      }
      for (const [fnPath, runtime] of runtimes)
        if (nextRuntimes.get(fnPath) !== runtime) retired.push(runtime);
      service = next;
      runtimes = nextRuntimes;
      for (const runtime of retired) {
        draining.add(runtime);
        void runtime.retireAll();
      }
      return change;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      prebuild.length = 0;
      await Promise.all([...runtimes.values(), ...draining].map((r) => r.stop()));
    },
  };
}

/** The platform's CORS policy for the environment, as the dev server applies it. */
interface CorsPolicy {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly allowCredentials: boolean;
}

function corsPolicy(values: PlatformValues, service: DevService): CorsPolicy {
  const list = (p: { path(s: typeof service.scope): string }) =>
    listValue(values, p.path(service.scope)) ?? [];
  return {
    allowOrigins: list(Parameters.corsAllowOrigins),
    allowMethods: list(Parameters.corsAllowMethods),
    allowHeaders: list(Parameters.corsAllowHeaders),
    allowCredentials: values.corsAllowCredentials,
  };
}

/**
 * The shared preflight ServiceApi puts on every routed resource (a MOCK integration): 204 with the
 * allowed headers and methods, and `Access-Control-Allow-Origin` only for an allowed origin.
 */
function preflight(request: ProxyRequest, cors: CorsPolicy): HttpResponse {
  const headers: Record<string, string[]> = {
    'Access-Control-Allow-Headers': [cors.allowHeaders.join(',')],
    'Access-Control-Allow-Methods': [cors.allowMethods.join(',')],
    Vary: ['Origin'],
  };
  const origin = request.headers.origin;
  if (cors.allowOrigins.includes('*')) headers['Access-Control-Allow-Origin'] = ['*'];
  else if (origin && cors.allowOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = [origin];
  return { statusCode: 204, headers, body: Buffer.alloc(0) };
}

/**
 * An error API Gateway itself answers, with the CORS headers the platform's gateway responses add
 * (none when no origin is allowed; the one origin, or `*`, when only one is; else the request's).
 */
function gatewayResponse(
  error: keyof typeof GATEWAY_ERRORS,
  request: ProxyRequest,
  cors: CorsPolicy,
): HttpResponse {
  const { statusCode, message } = GATEWAY_ERRORS[error];
  const headers: Record<string, string> = { 'x-amzn-ErrorType': errorType(error) };
  if (cors.allowOrigins.length > 0) {
    const single = cors.allowOrigins.length === 1 || cors.allowOrigins.includes('*');
    const origin = cors.allowOrigins.includes('*') ? '*' : cors.allowOrigins[0];
    const allowOrigin = single ? origin : request.headers.origin;
    if (allowOrigin) headers['Access-Control-Allow-Origin'] = allowOrigin;
    headers['Access-Control-Allow-Headers'] = cors.allowHeaders.join(',');
    headers['Access-Control-Allow-Methods'] = cors.allowMethods.join(',');
    if (!single) headers.Vary = 'Origin';
    if (cors.allowCredentials) headers['Access-Control-Allow-Credentials'] = 'true';
  }
  return json(statusCode, { message }, headers);
}

function errorType(error: keyof typeof GATEWAY_ERRORS): string {
  switch (error) {
    case 'missingAuthenticationToken':
    case 'invalidSignature':
    case 'invalidToken':
      return 'IncompleteSignatureException';
    case 'unauthorized':
      return 'UnauthorizedException';
    case 'accessDenied':
      return 'AccessDeniedException';
    case 'authorizerFailure':
      return 'AuthorizerConfigurationException';
    default:
      return 'InternalServerErrorException';
  }
}

function json(statusCode: number, body: unknown, headers: Record<string, string>): HttpResponse {
  const all: Record<string, string[]> = { 'Content-Type': ['application/json'] };
  for (const [k, v] of Object.entries(headers)) all[k] = [v];
  return { statusCode, headers: all, body: Buffer.from(JSON.stringify(body)) };
}

function flattenHeaders(headers: Readonly<Record<string, readonly string[]>>): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k] = v.length === 1 ? v[0] : [...v];
  return out;
}

function headerValue(request: ProxyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function stringValue(values: PlatformValues, path: string): string | undefined {
  const v = values.byPath.get(path);
  return typeof v === 'string' ? v : undefined;
}

/** API Gateway's evaluation of an authorizer policy: an explicit Deny wins, else an Allow must match. */
function allows(
  statements: ReadonlyArray<{ Effect: string; Resource?: unknown }>,
  methodArn: string,
): boolean {
  const matches = (s: { Resource?: unknown }) =>
    (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some(
      (r) => typeof r === 'string' && wildcard(r).test(methodArn),
    );
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

async function unverifiedIam(request: ProxyRequest): ReturnType<IamVerifier> {
  const auth = request.headers.authorization;
  if (!auth?.startsWith('AWS4-HMAC-SHA256 ')) return { ok: false, error: 'missingAuthenticationToken' };
  const accessKey = /Credential=([^/]+)\//.exec(auth)?.[1] ?? null;
  return { ok: true, identity: { accessKey } };
}

/** What `promise` resolves to, or undefined when it takes longer than `ms` (as API Gateway stops waiting). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What differs between two loads of the stack, routes by their `METHOD /path`. */
export function serviceChange(before: DevService, after: DevService): ServiceChange {
  const routes = (s: DevService) => new Map(s.routes.map((r) => [r.route, r]));
  const old = routes(before);
  const now = routes(after);
  const functionsChanged = [...after.functions.values()]
    .filter((fn) => JSON.stringify(fn) !== JSON.stringify(before.functions.get(fn.path)))
    .map((fn) => fn.path);
  return {
    routesAdded: [...now.keys()].filter((r) => !old.has(r)),
    routesRemoved: [...old.keys()].filter((r) => !now.has(r)),
    routesChanged: [...now.values()]
      .filter((r) => {
        const o = old.get(r.route);
        return o !== undefined && (o.authorization !== r.authorization || o.functionPath !== r.functionPath);
      })
      .map((r) => r.route),
    functionsChanged,
    functionsRemoved: [...before.functions.keys()].filter((p) => !after.functions.has(p)),
  };
}
