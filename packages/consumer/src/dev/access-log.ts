import {
  ACCESS_LOG_BASE_PATH_FIELD,
  ACCESS_LOG_FIELDS,
  type AccessLogField,
  basePathOfResourcePath,
} from '@shared-lambda-infra/contract';
import type { GATEWAY_ERRORS } from './proxy';

/**
 * The gateway response type API Gateway logs as `$context.error.responseType` for each error the
 * dev server answers itself (the per-service metrics count `THROTTLED`, `UNAUTHORIZED` and
 * `ACCESS_DENIED` from it).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
export const GATEWAY_RESPONSE_TYPES: Readonly<Record<keyof typeof GATEWAY_ERRORS, string>> = {
  missingAuthenticationToken: 'MISSING_AUTHENTICATION_TOKEN',
  unauthorized: 'UNAUTHORIZED',
  accessDenied: 'ACCESS_DENIED',
  authorizerFailure: 'AUTHORIZER_FAILURE',
  // A failed or malformed Lambda answer: AWS documents no more specific type for it; the per-service
  // metrics count it by its 502 status, not by this field.
  internalError: 'DEFAULT_5XX',
  timeout: 'INTEGRATION_TIMEOUT',
  tooLarge: 'REQUEST_TOO_LARGE',
  invalidSignature: 'INVALID_SIGNATURE',
  invalidToken: 'UNAUTHORIZED',
  signatureExpired: 'EXPIRED_TOKEN',
};

/** What the dev server knows of one request when it has answered it. */
export interface AccessLogRequest {
  readonly requestId: string;
  readonly sourceIp: string;
  readonly httpMethod: string;
  /** The resource template that matched (`/orders/{id}`); undefined when none did. */
  readonly resourcePath?: string;
  readonly status: number;
  readonly protocol: string;
  readonly responseLength: number;
  readonly responseLatencyMs: number;
  /** Milliseconds the function took; undefined when it was not invoked. */
  readonly integrationLatencyMs?: number;
  /** The authorizer's principal; undefined when no authorizer allowed the request. */
  readonly principalId?: string;
  /** SigV4 caller and user (`iam` routes). */
  readonly caller?: string;
  readonly user?: string;
  /** The error the dev server answered itself, when it did. */
  readonly error?: keyof typeof GATEWAY_ERRORS;
  /** Why the authorizer refused or failed. */
  readonly authorizerError?: string;
  /** When the request arrived. */
  readonly time: Date;
}

/**
 * One access log line, with the fields the platform's stage writes (the contract's
 * `ACCESS_LOG_FIELDS`, in that order, every value a string and `-` for none, as API Gateway
 * writes them), and the `basePath` CloudWatch Logs adds at ingestion.
 */
export function accessLogLine(
  r: AccessLogRequest,
): Record<AccessLogField | typeof ACCESS_LOG_BASE_PATH_FIELD, string> {
  const values: Record<AccessLogField, string | undefined> = {
    requestId: r.requestId,
    extendedRequestId: r.requestId,
    ip: r.sourceIp,
    caller: r.caller,
    user: r.user,
    principalId: r.principalId,
    requestTime: clfTime(r.time),
    httpMethod: r.httpMethod,
    resourcePath: r.resourcePath,
    status: String(r.status),
    protocol: r.protocol,
    responseLength: String(r.responseLength),
    responseLatency: String(r.responseLatencyMs),
    integrationLatency: r.integrationLatencyMs === undefined ? undefined : String(r.integrationLatencyMs),
    authorizerError: r.authorizerError,
    errorType: r.error ? GATEWAY_RESPONSE_TYPES[r.error] : undefined,
  };
  const line = Object.fromEntries(
    (Object.keys(ACCESS_LOG_FIELDS) as AccessLogField[]).map((field) => [field, values[field] ?? '-']),
  ) as Record<AccessLogField | typeof ACCESS_LOG_BASE_PATH_FIELD, string>;
  line[ACCESS_LOG_BASE_PATH_FIELD] = basePathOfResourcePath(line.resourcePath);
  return line;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`: CLF, `dd/MMM/yyyy:HH:mm:ss +0000` (API Gateway writes UTC). */
export function clfTime(t: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} +0000`;
}
