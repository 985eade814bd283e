import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// API Gateway REST API (v1) Lambda proxy semantics, as documented, for the dev server.
// @see https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html

/** A route template the router matches against. */
export interface RouteTemplate {
  /** `GET`, or `ANY`. */
  readonly method: string;
  /** `/orders/{id}`, `/files/{proxy+}`. */
  readonly path: string;
}

/** What the router found for a request. */
export type RouteMatch<R extends RouteTemplate> =
  | { readonly kind: 'route'; readonly route: R; readonly pathParameters: Record<string, string> | null }
  | { readonly kind: 'preflight'; readonly resource: string }
  | { readonly kind: 'none' };

/**
 * Finds the route for `method` and `path` the way API Gateway picks a resource: at each level a
 * literal segment wins over a variable, a variable over a greedy `{name+}`; then the method, with
 * `ANY` answering the methods the resource does not declare. OPTIONS on a routed resource is the
 * shared CORS preflight.
 */
export function matchRoute<R extends RouteTemplate>(
  routes: readonly R[],
  method: string,
  path: string,
): RouteMatch<R> {
  const segments = path.split('/').filter((s) => s.length > 0);
  const byResource = new Map<string, R[]>();
  for (const r of routes) byResource.set(r.path, [...(byResource.get(r.path) ?? []), r]);
  const candidates = [...byResource.keys()]
    .map((resource) => ({ resource, params: bind(resource, segments), rank: rank(resource) }))
    .filter(
      (c): c is { resource: string; params: Record<string, string>; rank: number[] } =>
        c.params !== undefined,
    )
    .sort((a, b) => compareRank(a.rank, b.rank));
  const best = candidates[0];
  if (!best) return { kind: 'none' };
  if (method === 'OPTIONS') return { kind: 'preflight', resource: best.resource };
  const methods = byResource.get(best.resource) ?? [];
  const route = methods.find((r) => r.method === method) ?? methods.find((r) => r.method === 'ANY');
  if (!route) return { kind: 'none' };
  return { kind: 'route', route, pathParameters: Object.keys(best.params).length ? best.params : null };
}

function bind(resource: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = resource.split('/').filter((s) => s.length > 0);
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part.endsWith('+}')) {
      if (i >= segments.length) return undefined;
      params[part.slice(1, -2)] = segments.slice(i).map(decode).join('/');
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (part.startsWith('{')) params[part.slice(1, -1)] = decode(segment);
    else if (part !== decode(segment)) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

// Per level: 0 literal, 1 variable, 2 greedy; lower sorts first.
function rank(resource: string): number[] {
  return resource
    .split('/')
    .filter((s) => s.length > 0)
    .map((p) => (p.endsWith('+}') ? 2 : p.startsWith('{') ? 1 : 0));
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The request as the event builder needs it. */
export interface ProxyRequest {
  readonly method: string;
  /** The raw request target, `/orders?limit=2`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names as the client sent them, with their values (`req.rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** The parts of the event that come from the API rather than the request. */
export interface ProxyEventContext {
  /** The matched resource, `/orders/{id}`. */
  readonly resource: string;
  readonly pathParameters: Record<string, string> | null;
  /** The stage name (`requestContext.stage`). */
  readonly stage: string;
  /** `requestContext.authorizer`: the authorizer's principal and context, or an IAM identity. */
  readonly authorizer?: Record<string, string>;
  /** `requestContext.identity` additions (the SigV4 access key). */
  readonly identity?: Record<string, string | null>;
  /** Content types whose bodies arrive base64-encoded (the API's binaryMediaTypes). */
  readonly binaryMediaTypes: readonly string[];
  readonly requestId: string;
  readonly accountId: string;
  readonly apiId: string;
}

/**
 * The REST API (v1) Lambda proxy event for `request`: single- and multi-value headers and query
 * parameters (null when there are none), path parameters, the request context with the stage,
 * request id and authorizer, and the body as text, or base64 for a binary media type.
 */
export function proxyEvent(request: ProxyRequest, context: ProxyEventContext): Record<string, unknown> {
  const url = new URL(request.url, 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const binary = request.body.length > 0 && isBinary(contentType, context.binaryMediaTypes);
  const now = new Date();
  return {
    resource: context.resource,
    path: url.pathname,
    httpMethod: request.method,
    headers: Object.keys(headers).length ? headers : null,
    multiValueHeaders: Object.keys(headers).length ? multiValueHeaders : null,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: context.pathParameters,
    stageVariables: null,
    requestContext: {
      resourceId: 'local',
      resourcePath: context.resource,
      httpMethod: request.method,
      extendedRequestId: context.requestId,
      requestTime: apiGatewayTime(now),
      path: `/${context.stage}${url.pathname}`,
      accountId: context.accountId,
      protocol: 'HTTP/1.1',
      stage: context.stage,
      domainPrefix: 'localhost',
      requestTimeEpoch: now.getTime(),
      requestId: context.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: request.headers['user-agent'] ?? null,
        user: null,
        ...context.identity,
      },
      domainName: request.headers.host ?? 'localhost',
      apiId: context.apiId,
      ...(context.authorizer ? { authorizer: context.authorizer } : {}),
    },
    body: request.body.length === 0 ? null : request.body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary,
  };
}

/**
 * Whether API Gateway decodes a base64 handler result (`isBase64Encoded: true`) for this request:
 * only when the request's first Accept media type is one of the API's binaryMediaTypes. Otherwise
 * the caller receives the base64 text as it is, which is what a deployed API does, so a missing
 * `api.binaryMediaTypes` entry shows here and not only after a deploy.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
 */
export function decodesBinaryResponse(
  accept: string | undefined,
  binaryMediaTypes: readonly string[],
): boolean {
  const first = (accept ?? '').split(',')[0]?.split(';')[0]?.trim() ?? '';
  return isBinary(first, binaryMediaTypes);
}

// Media types are case-insensitive (RFC 6838), in the request and in the API's list alike.
function isBinary(contentType: string, binaryMediaTypes: readonly string[]): boolean {
  const type = contentType.toLowerCase();
  return binaryMediaTypes.some((entry) => {
    const t = entry.toLowerCase();
    if (t === '*/*') return true;
    if (t.endsWith('/*')) return type.startsWith(t.slice(0, -1));
    return t === type;
  });
}

// `27/Nov/2026:11:20:00 +0000`, the format of requestContext.requestTime.
function apiGatewayTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** An HTTP response to send. */
export interface HttpResponse {
  readonly statusCode: number;
  /** Header name → values. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
}

/** A handler result API Gateway would refuse, with why (for the console; the client sees a 502). */
export class MalformedResult extends Error {}

const RESULT_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

/**
 * The HTTP response API Gateway makes of a proxy handler's (JSON-serialized) result, or throws
 * {@link MalformedResult} where API Gateway answers 502 "Malformed Lambda proxy response": a result
 * that is not an object, has keys other than statusCode, headers, multiValueHeaders, body and
 * isBase64Encoded, lacks an integer statusCode, or has a body that is not a string.
 *
 * @param decodeBinary whether a base64 body (`isBase64Encoded: true`) is decoded: see
 *   {@link decodesBinaryResponse}; when false the caller gets the base64 text.
 */
export function proxyResponse(payload: string | null, decodeBinary = true): HttpResponse {
  const result: unknown = payload === null ? null : JSON.parse(payload);
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new MalformedResult(
      `the result is ${describe(result)}, not an object with statusCode, headers and body`,
    );
  }
  const r = result as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => !RESULT_KEYS.has(k));
  if (extra.length) {
    throw new MalformedResult(
      `the result has keys API Gateway does not accept: ${extra.join(', ')} (allowed: ${[...RESULT_KEYS].join(', ')})`,
    );
  }
  if (
    typeof r.statusCode !== 'number' ||
    !Number.isInteger(r.statusCode) ||
    r.statusCode < 100 ||
    r.statusCode > 599
  ) {
    throw new MalformedResult(`statusCode must be an integer HTTP status, got ${describe(r.statusCode)}`);
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') {
    throw new MalformedResult(`body must be a string (JSON.stringify it), got ${describe(r.body)}`);
  }
  if (r.isBase64Encoded !== undefined && typeof r.isBase64Encoded !== 'boolean') {
    throw new MalformedResult(`isBase64Encoded must be a boolean, got ${describe(r.isBase64Encoded)}`);
  }
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(objectOf(r.headers, 'headers'))) {
    headers[name] = [scalar(value, `headers.${name}`)];
  }
  for (const [name, values] of Object.entries(objectOf(r.multiValueHeaders, 'multiValueHeaders'))) {
    if (!Array.isArray(values)) throw new MalformedResult(`multiValueHeaders.${name} must be a list`);
    headers[name] = [...(headers[name] ?? []), ...values.map((v) => scalar(v, `multiValueHeaders.${name}`))];
  }
  const body =
    typeof r.body === 'string'
      ? Buffer.from(r.body, r.isBase64Encoded && decodeBinary ? 'base64' : 'utf8')
      : Buffer.alloc(0);
  return { statusCode: r.statusCode, headers, body };
}

function objectOf(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedResult(`${field} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function scalar(value: unknown, field: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new MalformedResult(`${field} must be a string, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `${typeof value} ${JSON.stringify(value).slice(0, 60)}`;
}

/** API Gateway's own JSON error responses (gateway responses), by cause. */
export const GATEWAY_ERRORS = {
  missingAuthenticationToken: { statusCode: 403, message: 'Missing Authentication Token' },
  unauthorized: { statusCode: 401, message: 'Unauthorized' },
  accessDenied: {
    statusCode: 403,
    message: 'User is not authorized to access this resource with an explicit deny',
  },
  authorizerFailure: { statusCode: 500, message: null },
  internalError: { statusCode: 502, message: 'Internal server error' },
  timeout: { statusCode: 504, message: 'Endpoint request timed out' },
  tooLarge: { statusCode: 413, message: 'Request Too Long' },
  invalidSignature: {
    statusCode: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  },
  invalidToken: { statusCode: 403, message: 'The security token included in the request is invalid.' },
  signatureExpired: {
    statusCode: 403,
    message: 'Signature expired: the X-Amz-Date is more than 5 minutes away',
  },
} as const;

/** A new request id, as API Gateway makes one per request. */
export function newRequestId(): string {
  return randomUUID();
}
