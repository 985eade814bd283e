import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { stateDir } from './state-dir';

/**
 * The `iss` of development tokens. Not a URL: nothing but a dev server started with `--dev-issuer`
 * trusts it, and no deployed authorizer lists it.
 */
export const DEV_ISSUER = 'urn:shared-lambda-infra:dev-issuer';

/** The audience development tokens carry, and the dev issuer accepts, unless told otherwise. */
export const DEV_AUDIENCE = 'shared-lambda-dev';

/** The dev key's file name in the state directory (`.shared-lambda/`, git-ignored). */
const DEV_KEY_FILE = 'dev-issuer-key.json';

const ALGORITHM = 'ES256';

/** The local signing key of the dev issuer. */
export interface DevKey {
  /** Private key, as a JWK with `kid` and `alg`. */
  readonly privateJwk: JWK;
  /** Public half, for the JWKS. */
  readonly publicJwk: JWK;
}

/**
 * The dev issuer's key in `root` (the service repository), created on first use: an ES256 key pair
 * written to `.shared-lambda/dev-issuer-key.json`, with a `.gitignore` beside it so it is never
 * committed. It signs development tokens only; keep it off shared machines all the same.
 */
export async function loadDevKey(root: string): Promise<DevKey> {
  const file = path.join(stateDir(root), DEV_KEY_FILE);
  if (fs.existsSync(file)) {
    const privateJwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
    return { privateJwk, publicJwk: publicHalf(privateJwk) };
  }
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const privateJwk: JWK = { ...jwk, alg: ALGORITHM, use: 'sig', kid: `dev-${Date.now().toString(36)}` };
  fs.writeFileSync(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
  return { privateJwk, publicJwk: publicHalf(privateJwk) };
}

function publicHalf(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return rest;
}

/** The JWKS document of the dev issuer. */
export function devJwks(key: DevKey): { keys: JWK[] } {
  return { keys: [key.publicJwk] };
}

/** Claims of a development token. */
export interface DevTokenOptions {
  /** `sub`: the caller. */
  readonly sub: string;
  /**
   * `scope`, space-separated.
   * @default - no scope claim
   */
  readonly scope?: string;
  /**
   * `aud`.
   * @default DEV_AUDIENCE
   */
  readonly aud?: string;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /**
   * More claims.
   * @default - none
   */
  readonly claims?: Readonly<Record<string, string>>;
}

/** A JWT signed by the dev issuer's key, as `shared-lambda token` prints it. */
export async function mintDevToken(key: DevKey, options: DevTokenOptions): Promise<string> {
  const signingKey = await importJWK(key.privateJwk, ALGORITHM);
  const claims: Record<string, string> = { ...options.claims };
  if (options.scope) claims.scope = options.scope;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.privateJwk.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setSubject(options.sub)
    .setAudience(options.aud ?? DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(signingKey);
}
