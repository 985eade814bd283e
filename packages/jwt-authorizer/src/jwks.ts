import { createPublicKey, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AllowedAlgorithm } from './config';
import { TokenRejected } from './errors';

/** A public key of an issuer, parsed once, with the one algorithm it may verify. */
export interface VerificationKey {
  /** The only algorithm this key verifies: RSA keys RS256, P-256 keys ES256 (no algorithm confusion). */
  readonly alg: AllowedAlgorithm;
  /** What `crypto.verify` takes: the key object, with ES256's raw r||s signature encoding. */
  readonly verifyKey: KeyObject | VerifyKeyObjectInput;
  /** Exact signature length in bytes when the algorithm fixes one (ES256: 64), else undefined. */
  readonly signatureBytes: number | undefined;
}

/** Timing of {@link JwksKeyStore}. */
export interface JwksTiming {
  /** Minimum milliseconds between two fetches of a JWKS caused by tokens naming an unknown `kid`. */
  readonly cooldownMs: number;
  /** Milliseconds after which the keys are fetched again on next use (so a withdrawn key stops verifying). */
  readonly maxAgeMs: number;
  /** Milliseconds a fetch may take before it fails. */
  readonly timeoutMs: number;
  /** The clock, in epoch milliseconds. */
  readonly now: () => number;
}

// RSA keys under 2048 bits are factorable by well-funded attackers (NIST SP 800-131A).
const MIN_RSA_BITS = 2048;
// A JWKS is a few keys; a bigger answer is a misconfigured or hostile endpoint.
const MAX_JWKS_BYTES = 256 * 1024;
const MAX_KEYS = 100;
// ES256 signatures in a JWS are r||s, 32 bytes each (RFC 7518 §3.4), never DER.
const ES256_SIGNATURE_BYTES = 64;

/**
 * One issuer's JWKS, fetched on first use, turned into `KeyObject`s once and looked up by `kid` on
 * every verification. A token naming a `kid` the set lacks (the issuer rotated its keys) triggers a
 * fetch, at most once per cooldown whatever the traffic, so tokens with made-up `kid`s cannot make
 * the authorizer hammer the issuer. Concurrent callers share one fetch in flight.
 */
export class JwksKeyStore {
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly uri: string,
    private readonly timing: JwksTiming,
  ) {}

  /**
   * The key a token's `kid` (or, without a `kid`, its algorithm) selects, fetching the set when it is
   * stale or lacks the `kid`. Resolves synchronously-cached keys without a promise when it can, since
   * this runs on every request.
   * @throws TokenRejected when no key (or, without `kid`, more than one) matches
   * @throws Error when the JWKS cannot be fetched (a fault, never a Deny)
   */
  key(kid: string | undefined, alg: AllowedAlgorithm): VerificationKey | Promise<VerificationKey> {
    const now = this.timing.now();
    if (now - this.fetchedAt < this.timing.maxAgeMs) {
      const found = this.select(kid, alg);
      if (found) return found;
      if (now - this.fetchedAt < this.timing.cooldownMs) throw noMatchingKey(kid);
    }
    return this.refresh().then(() => this.select(kid, alg) ?? Promise.reject(noMatchingKey(kid)));
  }

  private select(kid: string | undefined, alg: AllowedAlgorithm): VerificationKey | undefined {
    if (kid !== undefined) {
      const key = this.keys.get(kid);
      return key?.alg === alg ? key : undefined;
    }
    // No kid: usable only when exactly one key of the algorithm exists (what jose and RFC 7515 allow).
    const candidates = [...this.keys.values()].filter((k) => k.alg === alg);
    if (candidates.length > 1) {
      throw new TokenRejected('ERR_JWKS_MULTIPLE_MATCHING_KEYS: token has no kid and several keys match');
    }
    return candidates[0];
  }

  private refresh(): Promise<void> {
    this.inFlight ??= fetchJson(this.uri, this.timing.timeoutMs)
      .then((body) => {
        this.keys = parseJwks(body, this.uri);
        this.fetchedAt = this.timing.now();
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

function noMatchingKey(kid: string | undefined): TokenRejected {
  return new TokenRejected(
    `ERR_JWKS_NO_MATCHING_KEY: no published key for kid ${kid === undefined ? '(none)' : JSON.stringify(kid)}`,
  );
}

/**
 * The usable signing keys of a JWKS document by `kid`. Keys the authorizer cannot use (encryption
 * keys, other key types or curves, short RSA keys, keys whose `alg` is not RS256/ES256, malformed
 * keys) are skipped, as jose does, so one odd key does not take the issuer's other keys down.
 */
export function parseJwks(body: unknown, uri: string): Map<string, VerificationKey> {
  const list = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error(`JWKS at ${uri} has no "keys" array`);
  const keys = new Map<string, VerificationKey>();
  let unnamed = 0;
  for (const jwk of list.slice(0, MAX_KEYS) as Record<string, unknown>[]) {
    const key = verificationKey(jwk);
    if (!key) continue;
    // A key without kid is still selectable by algorithm; give it a name no token header can carry.
    keys.set(typeof jwk.kid === 'string' ? jwk.kid : `\0${unnamed++}`, key);
  }
  return keys;
}

function verificationKey(jwk: Record<string, unknown>): VerificationKey | undefined {
  if (!jwk || typeof jwk !== 'object') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return undefined;
  const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
  if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) return undefined;
  let key: KeyObject;
  try {
    // Only the public members: a JWKS that (wrongly) publishes a private key still yields a public key.
    const { kty, n, e, crv, x, y } = jwk as Record<string, string>;
    key = createPublicKey({ key: alg === 'RS256' ? { kty, n, e } : { kty, crv, x, y }, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined;
  return alg === 'ES256'
    ? { alg, verifyKey: { key, dsaEncoding: 'ieee-p1363' }, signatureBytes: ES256_SIGNATURE_BYTES }
    : { alg, verifyKey: key, signatureBytes: undefined };
}

/** GET a JSON document with node's own http(s) client (lighter to load on a cold start than fetch). */
function fetchJson(uri: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const get = uri.startsWith('https:') ? httpsGet : uri.startsWith('http:') ? httpGet : undefined;
    if (!get) {
      reject(new Error(`JWKS URL ${uri} is not http(s)`));
      return;
    }
    const request = get(uri, { headers: { accept: 'application/json' }, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`JWKS fetch from ${uri} answered HTTP ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) {
          request.destroy(new Error(`JWKS at ${uri} is larger than ${MAX_JWKS_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(new Error(`JWKS at ${uri} is not JSON (${(error as Error).message})`));
        }
      });
    });
    request.on('timeout', () =>
      request.destroy(new Error(`JWKS fetch from ${uri} timed out after ${timeoutMs} ms`)),
    );
    request.on('error', reject);
  });
}
