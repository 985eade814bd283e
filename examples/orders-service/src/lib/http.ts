import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { logger } from './logger';

/** One problem with a request, located by its path in the input, e.g. `items[0].quantity`. */
export interface FieldError {
  /** Where the problem is: a dotted path with `[n]` for array items, or a parameter name. */
  readonly path: string;
  /** What is wrong, for a person to read. */
  readonly message: string;
}

/** An error whose status and message are safe to return to the caller as they are. */
export class HttpError extends Error {
  /**
   * @param statusCode HTTP status code of the response.
   * @param message `message` of the response body.
   * @param errors field-level problems, returned as `errors` in the body.
   * @default errors - none (the body has no `errors` key)
   */
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a handler needs from an API Gateway request. */
export interface ApiRequest {
  /** The API Gateway (REST API, Lambda proxy integration) event. */
  readonly event: APIGatewayProxyEvent;
  /** The authenticated caller: the `sub` the shared JWT authorizer put in its context. */
  readonly caller: string;
}

/** A handler's answer: the status and the body, which is sent as JSON. */
export interface ApiResponse {
  /** HTTP status code. */
  readonly statusCode: number;
  /** Serialized with `JSON.stringify`. */
  readonly body: unknown;
  /**
   * Extra response headers.
   * @default - none
   */
  readonly headers?: Record<string, string>;
}

/** A Lambda handler for API Gateway proxy events. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Wraps the logic of one API operation into a Lambda handler: it adds the request ids to every
 * log line, reads the caller's identity, turns an {@link HttpError} into its response and any
 * other error into a 500 that reveals nothing but the request id.
 */
export function apiHandler(
  operation: string,
  handle: (request: ApiRequest) => Promise<ApiResponse>,
): ProxyHandler {
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ operation, apiRequestId: event.requestContext.requestId });
    try {
      // Method and path only: headers (Authorization) and bodies (customer data) stay out of the logs.
      logger.info('request', { method: event.httpMethod, path: event.path });
      const response = await handle({ event, caller: callerOf(event) });
      logger.info('response', { statusCode: response.statusCode });
      return json(response.statusCode, response.body, event, response.headers);
    } catch (error) {
      if (error instanceof HttpError) {
        logger.info('request rejected', { statusCode: error.statusCode, reason: error.message });
        const body = error.errors
          ? { message: error.message, errors: error.errors }
          : { message: error.message };
        return json(error.statusCode, body, event);
      }
      logger.error('request failed', error as Error);
      return json(500, { message: 'internal error', requestId: event.requestContext.requestId }, event);
    } finally {
      logger.resetKeys();
    }
  };
}

/**
 * The caller's identity. API Gateway only invokes a route behind the authorizer with its context
 * set, so a missing `sub` means the route was deployed without the authorizer: refuse rather than
 * store orders nobody owns.
 */
function callerOf(event: APIGatewayProxyEvent): string {
  const sub: unknown = event.requestContext.authorizer?.sub;
  if (typeof sub !== 'string' || sub.length === 0) {
    throw new HttpError(
      401,
      'the request has no authenticated caller: the route must use the shared authorizer',
    );
  }
  return sub;
}

/**
 * A JSON response. With a Lambda proxy integration API Gateway's CORS configuration answers only
 * the preflight; the actual response must carry `Access-Control-Allow-Origin` itself, so it is
 * set here when the request's origin is one of `CORS_ALLOW_ORIGINS` (comma-separated).
 */
function json(
  statusCode: number,
  body: unknown,
  event: APIGatewayProxyEvent,
  extraHeaders: Record<string, string> = {},
): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...corsHeaders(event),
    ...extraHeaders,
  };
  return { statusCode, headers, body: JSON.stringify(body) };
}

function corsHeaders(event: APIGatewayProxyEvent): Record<string, string> {
  const allowed = (process.env.CORS_ALLOW_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  const origin = header(event, 'origin');
  if (origin === undefined || !allowed.includes(origin)) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** A request header, looked up case-insensitively (HTTP header names are). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
