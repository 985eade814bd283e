import { Logger } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayAuthorizerResultContext,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { IssuerConfig } from './config';
import { TokenRejected } from './errors';
import { type JwtClaims, JwtVerifier } from './verify';

// The shared JWT authorizer of the platform's REST API (a TOKEN authorizer).
//
// Outcomes, and why each is what it is:
// - a valid token: an Allow policy for every method of this API and stage, so API Gateway's result
//   cache (keyed by the token) serves the caller's other routes without invoking us again;
// - a present but invalid token (bad signature, expired, wrong issuer or audience, unknown key,
//   HS256 or `none`): an explicit Deny (403), which API Gateway also caches for the token, and which
//   is NOT a function error, so the Errors metric (and its alarm) counts only real faults;
// - a missing or non-Bearer header never reaches us: the authorizer's identity validation
//   expression makes API Gateway answer 401 itself;
// - a fault (JWKS unreachable, bad configuration): the function fails, API Gateway answers 500 and
//   the authorizer-errors alarm fires. A fault never turns into an Allow.
//
// The token itself is never logged: it is a bearer credential.

/** Defaults of {@link AuthorizerOptions}. */
export const AUTHORIZER_DEFAULTS = {
  /** Clock skew tolerated on `exp` and `nbf` between the issuer and Lambda. */
  clockToleranceSeconds: 5,
  // jose's figures, kept: an unknown kid refetches the JWKS at most every 30 s, and keys are
  // refetched after 10 minutes so a key the issuer withdrew stops verifying.
  /** Minimum milliseconds between two JWKS fetches caused by unknown `kid`s. */
  jwksCooldownMs: 30_000,
  /** Milliseconds after which an issuer's keys are fetched again. */
  jwksMaxAgeMs: 600_000,
  // API Gateway waits 10 s at most for the authorizer (its function timeout too).
  /** Milliseconds a JWKS fetch may take. */
  jwksTimeoutMs: 5_000,
} as const;

/** A TOKEN authorizer handler: one request's bearer JWT in, an Allow or Deny policy out. */
export type AuthorizerHandler = (
  event: APIGatewayTokenAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

/** Options of {@link createAuthorizerHandler}. */
export interface AuthorizerOptions {
  /** Trusted issuers (see {@link parseIssuers} for reading them from the function's environment). */
  readonly issuers: readonly IssuerConfig[];
  /**
   * Where accept/reject decisions are logged (never the token).
   * @default - a Powertools logger named by POWERTOOLS_SERVICE_NAME, else 'api-authorizer'
   */
  readonly logger?: Pick<Logger, 'debug' | 'info'> & Partial<Pick<Logger, 'getLevelName'>>;
  /**
   * Seconds of clock skew tolerated on `exp` and `nbf`.
   * @default 5
   */
  readonly clockToleranceSeconds?: number;
  /**
   * Minimum milliseconds between two fetches of an issuer's JWKS caused by tokens whose `kid` it
   * lacks (rate limit of key-rotation refreshes).
   * @default 30000
   */
  readonly jwksCooldownMs?: number;
  /**
   * Milliseconds after which an issuer's keys are fetched again on next use.
   * @default 600000
   */
  readonly jwksMaxAgeMs?: number;
  /**
   * Milliseconds a JWKS fetch may take before the invocation fails.
   * @default 5000
   */
  readonly jwksTimeoutMs?: number;
  /**
   * The clock, in epoch milliseconds (token validity and JWKS cache ages).
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * Creates the authorizer's handler. The Lambda entry (`lambda.ts`) calls it once per execution
 * environment; a local dev server calls it with its own issuers. The handler keeps the issuers' keys
 * for its lifetime, so create it once and reuse it.
 */
export function createAuthorizerHandler(options: AuthorizerOptions): AuthorizerHandler {
  const d = AUTHORIZER_DEFAULTS;
  const logger =
    options.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'api-authorizer' });
  // Powertools reads the X-Ray trace id from the environment on every call, even at a level it then
  // drops; on the warm path that costs as much as all the claims checks, so the level is asked once.
  const logAccepted = !logger.getLevelName || ['TRACE', 'DEBUG'].includes(logger.getLevelName());
  const verifier = new JwtVerifier({
    issuers: options.issuers,
    clockToleranceSeconds: options.clockToleranceSeconds ?? d.clockToleranceSeconds,
    cooldownMs: options.jwksCooldownMs ?? d.jwksCooldownMs,
    maxAgeMs: options.jwksMaxAgeMs ?? d.jwksMaxAgeMs,
    timeoutMs: options.jwksTimeoutMs ?? d.jwksTimeoutMs,
    now: options.now ?? Date.now,
  });

  return async (event) => {
    const resource = policyResource(event.methodArn);
    try {
      const verified = verifier.verify(bearerToken(event.authorizationToken));
      // Awaiting only a real promise saves a microtask turn on the warm path (key cached).
      const claims = verified instanceof Promise ? await verified : verified;
      const principalId = typeof claims.sub === 'string' && claims.sub ? claims.sub : 'unknown';
      if (logAccepted) logger.debug('token accepted', { iss: claims.iss, sub: principalId });
      return {
        principalId,
        policyDocument: policy('Allow', resource),
        context: claimsContext(claims),
      };
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      logger.info('token rejected', { reason: error.reason });
      return {
        principalId: 'anonymous',
        policyDocument: policy('Deny', resource),
        context: { reason: error.reason },
      };
    }
  };
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer +(\S+)$/i.exec(header?.trim() ?? '');
  if (!match) throw new TokenRejected('missing or malformed Authorization header');
  return match[1] as string;
}

/**
 * The policy's resource: this API and stage with only the method and path wildcarded, so the result
 * API Gateway caches for this token covers the caller's other routes on this stage and nothing else.
 * `methodArn` is `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`.
 */
export function policyResource(methodArn: string): string {
  // indexOf rather than split: this runs on every request, and split allocates every path segment.
  const apiEnd = methodArn.indexOf('/');
  const stageEnd = methodArn.indexOf('/', apiEnd + 1);
  if (!methodArn.startsWith('arn:') || apiEnd < 0 || stageEnd < 0 || stageEnd === apiEnd + 1)
    return methodArn;
  return `${methodArn.slice(0, stageEnd)}/*/*`;
}

type PolicyDocument = APIGatewayAuthorizerResult['policyDocument'];

// An authorizer serves one API and stage or a few, so the two policies of each are built once and
// shared (frozen: callers such as a dev server must not change what the next request receives).
const POLICY_CACHE_SIZE = 64;
const policies = { Allow: new Map<string, PolicyDocument>(), Deny: new Map<string, PolicyDocument>() };

function policy(effect: 'Allow' | 'Deny', resource: string): PolicyDocument {
  const cache = policies[effect];
  let document = cache.get(resource);
  if (!document) {
    document = Object.freeze({
      Version: '2012-10-17',
      Statement: Object.freeze([
        Object.freeze({ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }),
      ]) as PolicyDocument['Statement'],
    });
    if (cache.size >= POLICY_CACHE_SIZE) cache.clear();
    cache.set(resource, document);
  }
  return document;
}

/**
 * The verified claims as the authorizer context, which API Gateway accepts only as string, number or
 * boolean values: `sub`, `iss`, `aud` (space-separated), `scope` (from `scope`, or the `scp` array
 * some issuers use, space-separated), and every other scalar claim, with nested objects flattened to
 * dotted keys and string arrays joined with commas.
 */
export function claimsContext(claims: JwtClaims): APIGatewayAuthorizerResultContext {
  const context: APIGatewayAuthorizerResultContext = {};
  flatten(claims as Record<string, unknown>, '', context, 0);
  if (Array.isArray(claims.aud)) context.aud = claims.aud.join(' ');
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string') context.scope = scope;
  else if (Array.isArray(scope)) context.scope = scope.filter((s) => typeof s === 'string').join(' ');
  return context;
}

// Two levels are enough for the claims issuers nest (e.g. `address`, `realm_access`); deeper
// structures are dropped rather than blowing up the context API Gateway forwards on every request.
const MAX_DEPTH = 2;

function flatten(
  value: Record<string, unknown>,
  prefix: string,
  out: APIGatewayAuthorizerResultContext,
  depth: number,
): void {
  for (const key in value) {
    const v = value[key];
    const name = `${prefix}${key}`;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[name] = v.join(',');
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH - 1) {
      flatten(v as Record<string, unknown>, `${name}.`, out, depth + 1);
    }
  }
}
