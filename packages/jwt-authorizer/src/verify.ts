import { verify as cryptoVerify } from 'node:crypto';
import { ALLOWED_ALGORITHMS, type AllowedAlgorithm, type IssuerConfig } from './config';
import { TokenRejected } from './errors';
import { JwksKeyStore, type JwksTiming, type VerificationKey } from './jwks';

/** The claims of a verified token (JSON values as the issuer wrote them). */
export interface JwtClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly [claim: string]: unknown;
}

/** Options of {@link JwtVerifier}. */
export interface JwtVerifierOptions extends JwksTiming {
  /** Trusted issuers. */
  readonly issuers: readonly IssuerConfig[];
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  readonly clockToleranceSeconds: number;
}

interface Header {
  readonly alg: AllowedAlgorithm;
  readonly kid: string | undefined;
}

interface Issuer {
  readonly config: IssuerConfig;
  readonly keys: JwksKeyStore;
}

const ALGORITHMS: readonly string[] = ALLOWED_ALGORITHMS;
// Issuers use a handful of distinct headers (one per key); a full cache is cleared, so made-up
// headers can cost memory only up to this bound.
const HEADER_CACHE_SIZE = 64;
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

/**
 * Verifies compact JWS JWTs (RS256/ES256) with Node's `crypto.verify` and `KeyObject`s cached per
 * issuer and `kid`: the signature check is the only real work on the warm path, which is done
 * synchronously when the key is cached. The header is trusted for nothing but selecting the
 * algorithm (from an allow-list, and it must be the key's own algorithm) and the `kid`; keys are only
 * ever taken from the configured JWKS URL, never from `jku`, `x5u` or `jwk` headers.
 */
export class JwtVerifier {
  private readonly issuers: ReadonlyMap<string, Issuer>;
  private readonly headers = new Map<string, Header>();

  constructor(private readonly options: JwtVerifierOptions) {
    // Issuers sharing a JWKS URL share its key store (and its fetches).
    const stores = new Map<string, JwksKeyStore>();
    this.issuers = new Map(
      options.issuers.map((config) => {
        let keys = stores.get(config.jwksUri);
        if (!keys) {
          keys = new JwksKeyStore(config.jwksUri, options);
          stores.set(config.jwksUri, keys);
        }
        return [config.issuer, { config, keys }];
      }),
    );
  }

  /**
   * The token's claims once its signature, issuer, audience and validity period check out;
   * synchronous when the issuer's key is cached.
   * @throws TokenRejected for a token to deny
   * @throws Error when the issuer's JWKS cannot be fetched
   */
  verify(token: string): JwtClaims | Promise<JwtClaims> {
    const dot1 = token.indexOf('.');
    const dot2 = token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw malformed();
    // Cheap checks before any key fetch: the algorithm, and which issuer claims to have signed it.
    const header = this.header(token.slice(0, dot1));
    const claims = decodeClaims(token.slice(dot1 + 1, dot2));
    const issuer = typeof claims.iss === 'string' ? this.issuers.get(claims.iss) : undefined;
    if (!issuer) throw new TokenRejected('untrusted issuer');

    const key = issuer.keys.key(header.kid, header.alg);
    if (key instanceof Promise) {
      return key.then((k) => this.check(token, dot2, k, claims, issuer.config));
    }
    return this.check(token, dot2, key, claims, issuer.config);
  }

  private check(
    token: string,
    dot2: number,
    key: VerificationKey,
    claims: JwtClaims,
    config: IssuerConfig,
  ): JwtClaims {
    const encoded = token.slice(dot2 + 1);
    const signature = Buffer.from(encoded, 'base64url');
    if (
      signature.length === 0 ||
      // Buffer.from skips characters outside base64url; a segment with any decodes to fewer bytes than
      // its length says, and accepting it would let one signature travel under many token strings.
      signature.length !== (encoded.length * 3) >> 2 ||
      (key.signatureBytes !== undefined && signature.length !== key.signatureBytes) ||
      !cryptoVerify('sha256', Buffer.from(token.slice(0, dot2), 'latin1'), key.verifyKey, signature)
    ) {
      throw new TokenRejected('ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature does not match the key');
    }
    checkTimes(claims, Math.floor(this.options.now() / 1000), this.options.clockToleranceSeconds);
    if (!audienceMatches(claims, config.audiences)) throw new TokenRejected('audience not accepted');
    return claims;
  }

  private header(segment: string): Header {
    const cached = this.headers.get(segment);
    if (cached) return cached;
    const raw = decodeSegment(segment);
    const alg = raw.alg;
    if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) {
      throw new TokenRejected(`algorithm ${String(alg)} not allowed`);
    }
    // RFC 7515 §4.1.11: a verifier must reject extensions it does not understand (e.g. b64=false).
    if (raw.crit !== undefined) throw new TokenRejected('ERR_JOSE_NOT_SUPPORTED: crit header not supported');
    if (raw.kid !== undefined && typeof raw.kid !== 'string') throw malformed();
    const header: Header = { alg: alg as AllowedAlgorithm, kid: raw.kid };
    if (this.headers.size >= HEADER_CACHE_SIZE) this.headers.clear();
    this.headers.set(segment, header);
    return header;
  }
}

function malformed(): TokenRejected {
  return new TokenRejected('malformed token');
}

function decodeSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed();
  return value as Record<string, unknown>;
}

function decodeClaims(segment: string): JwtClaims {
  const claims = decodeSegment(segment) as JwtClaims;
  for (const name of TIME_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new TokenRejected(`ERR_JWT_CLAIM_VALIDATION_FAILED: "${name}" is not a number`);
    }
  }
  return claims;
}

// A token without `exp` would be valid forever: refused, although jose (the previous verifier)
// accepted one.
function checkTimes(claims: JwtClaims, now: number, tolerance: number): void {
  if (claims.exp === undefined) throw new TokenRejected('ERR_JWT_CLAIM_VALIDATION_FAILED: "exp" is missing');
  if (claims.exp <= now - tolerance) throw new TokenRejected('ERR_JWT_EXPIRED: "exp" has passed');
  if (claims.nbf !== undefined && claims.nbf > now + tolerance) {
    throw new TokenRejected('ERR_JWT_CLAIM_VALIDATION_FAILED: "nbf" is in the future');
  }
}

// Cognito access tokens carry no `aud` but a `client_id`; ID tokens and most other issuers use `aud`.
function audienceMatches(claims: JwtClaims, audiences: readonly string[]): boolean {
  const aud = claims.aud;
  if (aud !== undefined) {
    return typeof aud === 'string'
      ? audiences.includes(aud)
      : Array.isArray(aud) && aud.some((a) => audiences.includes(a));
  }
  return typeof claims.client_id === 'string' && audiences.includes(claims.client_id);
}
