import { Logger } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayAuthorizerResultContext,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { ALLOWED_ALGORITHMS, type IssuerConfig } from './config';

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

const ALGORITHMS: readonly string[] = ALLOWED_ALGORITHMS;
// Failures that say the token is bad (deny); any other error is a fault (rethrow).
const TOKEN_ERRORS = new Set([
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
]);
// Clock skew tolerated on exp/nbf/iat between the issuer and Lambda.
const CLOCK_TOLERANCE_SECONDS = 5;

/** Why a token was refused; written to the log and to the Deny result's context. */
class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

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
  readonly logger?: Pick<Logger, 'debug' | 'info'>;
}

/**
 * Creates the authorizer's handler. The Lambda entry (`lambda.ts`) calls it once per execution
 * environment; a local dev server calls it with its own issuers. The handler keeps the issuers' keys
 * for its lifetime, so create it once and reuse it.
 */
export function createAuthorizerHandler(options: AuthorizerOptions): AuthorizerHandler {
  const logger =
    options.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'api-authorizer' });
  const issuers: ReadonlyMap<string, IssuerConfig> = new Map(options.issuers.map((i) => [i.issuer, i]));
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  function keySet(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
    let set = keySets.get(jwksUri);
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUri));
      keySets.set(jwksUri, set);
    }
    return set;
  }

  async function verify(token: string): Promise<JWTPayload> {
    // Cheap checks before any key fetch: the algorithm, and which issuer claims to have signed it.
    const { alg, unverified } = decode(token);
    if (!alg || !ALGORITHMS.includes(alg)) throw new TokenRejected(`algorithm ${String(alg)} not allowed`);
    const config = typeof unverified.iss === 'string' ? issuers.get(unverified.iss) : undefined;
    if (!config) throw new TokenRejected('untrusted issuer');

    const { payload } = await jwtVerify(token, keySet(config.jwksUri), {
      issuer: config.issuer,
      algorithms: [...ALGORITHMS],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    if (!audienceMatches(payload, config.audiences)) throw new TokenRejected('audience not accepted');
    return payload;
  }

  return async (event) => {
    const resource = policyResource(event.methodArn);
    try {
      const claims = await verify(bearerToken(event.authorizationToken));
      const principalId = typeof claims.sub === 'string' && claims.sub ? claims.sub : 'unknown';
      logger.debug('token accepted', { iss: claims.iss, sub: principalId });
      return {
        principalId,
        policyDocument: policy('Allow', resource),
        context: claimsContext(claims),
      };
    } catch (error) {
      const reason = rejectionReason(error);
      if (reason === undefined) throw error;
      logger.info('token rejected', { reason });
      return { principalId: 'anonymous', policyDocument: policy('Deny', resource), context: { reason } };
    }
  };
}

function bearerToken(header: string | undefined): string {
  const match = /^Bearer +(\S+)$/i.exec(header?.trim() ?? '');
  if (!match) throw new TokenRejected('missing or malformed Authorization header');
  return match[1] as string;
}

// jose's decoders throw TypeError as well as JOSE errors on garbage; any of them means "not a JWT".
function decode(token: string): { alg?: string; unverified: JWTPayload } {
  try {
    return { alg: decodeProtectedHeader(token).alg, unverified: decodeJwt(token) };
  } catch {
    throw new TokenRejected('malformed token');
  }
}

// Cognito access tokens carry no `aud` but a `client_id`; ID tokens and most other issuers use `aud`.
function audienceMatches(payload: JWTPayload, audiences: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return aud.some((a) => audiences.includes(a));
  }
  return typeof payload.client_id === 'string' && audiences.includes(payload.client_id);
}

function rejectionReason(error: unknown): string | undefined {
  if (error instanceof TokenRejected) return error.reason;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TOKEN_ERRORS.has(code)) return code;
  return undefined;
}

/**
 * The policy's resource: this API and stage with only the method and path wildcarded, so the result
 * API Gateway caches for this token covers the caller's other routes on this stage and nothing else.
 * `methodArn` is `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`.
 */
export function policyResource(methodArn: string): string {
  const parts = methodArn.split('/');
  if (parts.length < 3 || !parts[0]?.startsWith('arn:') || !parts[1]) return methodArn;
  return `${parts[0]}/${parts[1]}/*/*`;
}

function policy(effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult['policyDocument'] {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  };
}

/**
 * The verified claims as the authorizer context, which API Gateway accepts only as string, number or
 * boolean values: `sub`, `iss`, `aud` (space-separated), `scope` (from `scope`, or the `scp` array
 * some issuers use, space-separated), and every other scalar claim, with nested objects flattened to
 * dotted keys and string arrays joined with commas.
 */
export function claimsContext(claims: JWTPayload): APIGatewayAuthorizerResultContext {
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
  for (const [key, v] of Object.entries(value)) {
    const name = `${prefix}${key}`;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[name] = v.join(',');
    else if (v && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH - 1) {
      flatten(v as Record<string, unknown>, `${name}.`, out, depth + 1);
    }
  }
}
