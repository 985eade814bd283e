import { generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuthorizerHandler, createAuthorizerHandler } from '../src/index';

// The verifier's own behaviour (key cache, JWKS refresh and its rate limit, algorithm confusion, the
// claims' time checks) with real RSA/EC keys, tokens signed by jose (an independent implementation)
// and the issuer's JWKS served over HTTP on 127.0.0.1. Time is the handler's injected clock, so
// cooldowns and expiries are exact without waiting.

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/GET/orders/42';
// 2027-01-15T08:00:00Z: the fixture's "now", in epoch milliseconds and seconds.
const T0 = 1_800_000_000_000;
const T0_S = 1_800_000_000;
const COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 600_000;
const TOLERANCE_S = 5;

interface Key {
  readonly privateKey: KeyObject;
  readonly jwk: JsonWebKey;
}

function rsaKey(kid: string, bits = 2048): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function ecKey(kid: string): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

let server: Server;
let issuer: string;
let published: JsonWebKey[] = [];
let status = 200;
let fetches = 0;
let attackerHits = 0;
let rsa1: Key;
let rsa2: Key;
let ec1: Key;
let weak: Key;
let now = T0;
let handler: AuthorizerHandler;

beforeAll(async () => {
  rsa1 = rsaKey('rsa-1');
  rsa2 = rsaKey('rsa-2');
  ec1 = ecKey('ec-1');
  weak = rsaKey('weak', 1024);
  server = createServer((req, res) => {
    if (req.url === '/attacker/jwks.json') {
      attackerHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [] }));
      return;
    }
    fetches++;
    if (status !== 200) {
      res.writeHead(status).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// A fresh handler (empty key cache) per test, and a JWKS of rsa-1 and ec-1.
beforeEach(() => {
  published = [rsa1.jwk, ec1.jwk];
  status = 200;
  fetches = 0;
  attackerHits = 0;
  now = T0;
  handler = createAuthorizerHandler({
    issuers: [{ issuer, audiences: ['orders-api'], jwksUri: `${issuer}/jwks.json` }],
    logger: { debug: () => undefined, info: () => undefined },
    clockToleranceSeconds: TOLERANCE_S,
    jwksCooldownMs: COOLDOWN_MS,
    jwksMaxAgeMs: MAX_AGE_MS,
    now: () => now,
  });
});

async function token(
  key: Key,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = key.jwk.kty === 'EC' ? 'ES256' : 'RS256';
  return new SignJWT({ iss: issuer, aud: 'orders-api', sub: 'user-1', iat: T0_S, exp: T0_S + 300, ...claims })
    .setProtectedHeader({ alg, kid: key.jwk.kid as string, ...header })
    .sign(key.privateKey);
}

async function decide(jwt: string): Promise<{ effect: string; reason: unknown }> {
  const result: APIGatewayAuthorizerResult = await handler({
    type: 'TOKEN',
    authorizationToken: `Bearer ${jwt}`,
    methodArn: METHOD_ARN,
  });
  return {
    effect: (result.policyDocument.Statement[0] as { Effect: string }).Effect,
    reason: result.context?.reason,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

// Signed with node's crypto directly, for tokens jose refuses to produce (weak keys, crit headers).
function rawToken(key: Key, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64({ iss: issuer, aud: 'orders-api', exp: T0_S + 300, ...claims })}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

describe('JWKS cache and key rotation', () => {
  it('fetches the JWKS once for many tokens of cached kids, RS256 and ES256', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await decide(await token(rsa1, { sub: `u${i}` }))).effect).toBe('Allow');
      expect((await decide(await token(ec1, { sub: `u${i}` }))).effect).toBe('Allow');
    }
    expect(fetches).toBe(1);
  });

  it('shares one fetch among concurrent first requests', async () => {
    const jwt = await token(rsa1);
    const results = await Promise.all(Array.from({ length: 20 }, () => decide(jwt)));
    expect(results.every((r) => r.effect === 'Allow')).toBe(true);
    expect(fetches).toBe(1);
  });

  it('refetches the JWKS for a kid it lacks once the cooldown has passed, and accepts the new key', async () => {
    expect((await decide(await token(rsa1))).effect).toBe('Allow');
    published = [rsa1.jwk, rsa2.jwk, ec1.jwk];
    now = T0 + COOLDOWN_MS;

    expect((await decide(await token(rsa2))).effect).toBe('Allow');
    expect(fetches).toBe(2);
  });

  it('rate-limits refetches caused by unknown kids to one per cooldown', async () => {
    expect((await decide(await token(rsa1))).effect).toBe('Allow');
    now = T0 + COOLDOWN_MS;
    const madeUp = await token(rsa2, {}, { kid: 'made-up' });

    // The first unknown kid after the cooldown refetches; the next ones within the cooldown do not.
    for (let i = 0; i < 10; i++) {
      expect(await decide(madeUp)).toEqual({
        effect: 'Deny',
        reason: 'ERR_JWKS_NO_MATCHING_KEY: no published key for kid "made-up"',
      });
    }
    expect(fetches).toBe(2);
    now = T0 + 2 * COOLDOWN_MS - 1;
    expect((await decide(madeUp)).effect).toBe('Deny');
    expect(fetches).toBe(2);

    now = T0 + 2 * COOLDOWN_MS;
    expect((await decide(madeUp)).effect).toBe('Deny');
    expect(fetches).toBe(3);
  });

  it('does not accept a newly published key before the cooldown ends (the kid is refused until then)', async () => {
    expect((await decide(await token(rsa1))).effect).toBe('Allow');
    published = [rsa1.jwk, rsa2.jwk];
    now = T0 + COOLDOWN_MS - 1;
    expect((await decide(await token(rsa2))).effect).toBe('Deny');
    now = T0 + COOLDOWN_MS;
    expect((await decide(await token(rsa2))).effect).toBe('Allow');
    expect(fetches).toBe(2);
  });

  it('stops accepting a withdrawn key once the cached keys are older than the maximum age', async () => {
    const old = await token(rsa1, { exp: T0_S + 3600 });
    expect((await decide(old)).effect).toBe('Allow');
    published = [rsa2.jwk];

    now = T0 + MAX_AGE_MS - 1;
    expect((await decide(old)).effect).toBe('Allow');
    expect(fetches).toBe(1);

    now = T0 + MAX_AGE_MS;
    expect(await decide(old)).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWKS_NO_MATCHING_KEY: no published key for kid "rsa-1"',
    });
    expect((await decide(await token(rsa2, { exp: T0_S + 3600 }))).effect).toBe('Allow');
    expect(fetches).toBe(2);
  });

  it('fails (500, not Deny) when the JWKS answers an error, and recovers on the next request', async () => {
    status = 503;
    await expect(decide(await token(rsa1))).rejects.toThrow(/answered HTTP 503/);
    status = 200;
    expect((await decide(await token(rsa1))).effect).toBe('Allow');
    expect(fetches).toBe(2);
  });

  it('selects the only key of the algorithm for a token without kid, and refuses when several match', async () => {
    const noKid = async (key: Key) =>
      new SignJWT({ iss: issuer, aud: 'orders-api', exp: T0_S + 300 })
        .setProtectedHeader({ alg: key.jwk.kty === 'EC' ? 'ES256' : 'RS256' })
        .sign(key.privateKey);
    expect((await decide(await noKid(ec1))).effect).toBe('Allow');

    published = [rsa1.jwk, rsa2.jwk];
    now = T0 + MAX_AGE_MS;
    expect(await decide(await noKid(rsa1))).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS: token has no kid and several keys match',
    });
  });
});

describe('algorithm confusion and forged headers', () => {
  it('refuses an RS256 token whose kid names the EC key, and an ES256 token whose kid names the RSA key', async () => {
    expect(await decide(await token(rsa1, {}, { kid: 'ec-1' }))).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWKS_NO_MATCHING_KEY: no published key for kid "ec-1"',
    });
    expect((await decide(await token(ec1, {}, { kid: 'rsa-1' }))).effect).toBe('Deny');
  });

  it('refuses an HS256 token whose HMAC secret is the published RSA key as PEM', async () => {
    const { createPublicKey } = await import('node:crypto');
    const pem = createPublicKey({ key: rsa1.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const jwt = await new SignJWT({ iss: issuer, aud: 'orders-api', exp: T0_S + 300 })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(String(pem)));
    expect(await decide(jwt)).toEqual({ effect: 'Deny', reason: 'algorithm HS256 not allowed' });
  });

  it('refuses algorithms outside RS256/ES256 even when the key type fits (PS256, RS512, ES384)', async () => {
    const body = b64({ iss: issuer, aud: 'orders-api', exp: T0_S + 300 });
    for (const alg of ['PS256', 'RS512', 'ES384']) {
      const jwt = `${b64({ alg, kid: 'rsa-1' })}.${body}.c2ln`;
      expect(await decide(jwt)).toEqual({ effect: 'Deny', reason: `algorithm ${alg} not allowed` });
    }
  });

  it('never takes a key from the token: jwk and jku headers naming the attacker key are ignored', async () => {
    const attacker = rsaKey('rsa-1');
    const jwt = await token(attacker, {}, { jwk: attacker.jwk, jku: `${issuer}/../attacker/jwks.json` });
    expect(await decide(jwt)).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature does not match the key',
    });
    expect(attackerHits).toBe(0);
  });

  it('ignores RSA keys under 2048 bits and encryption keys in the JWKS', async () => {
    published = [weak.jwk, { ...rsa2.jwk, use: 'enc' }];
    expect((await decide(rawToken(weak, { alg: 'RS256', kid: 'weak' }, {}))).reason).toBe(
      'ERR_JWKS_NO_MATCHING_KEY: no published key for kid "weak"',
    );
    expect((await decide(await token(rsa2))).reason).toBe(
      'ERR_JWKS_NO_MATCHING_KEY: no published key for kid "rsa-2"',
    );
  });

  it('refuses an ES256 token whose signature is DER-encoded instead of r||s', async () => {
    const signingInput = `${b64({ alg: 'ES256', kid: 'ec-1' })}.${b64({ iss: issuer, aud: 'orders-api', exp: T0_S + 300 })}`;
    const der = sign('sha256', Buffer.from(signingInput), { key: ec1.privateKey, dsaEncoding: 'der' });
    expect((await decide(`${signingInput}.${der.toString('base64url')}`)).reason).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature does not match the key',
    );
  });

  it('refuses a token with a crit header (extensions it does not implement, such as b64=false)', async () => {
    const jwt = rawToken(rsa1, { alg: 'RS256', kid: 'rsa-1', crit: ['b64'], b64: false }, {});
    expect(await decide(jwt)).toEqual({
      effect: 'Deny',
      reason: 'ERR_JOSE_NOT_SUPPORTED: crit header not supported',
    });
  });

  it('refuses a signature segment with characters outside base64url, though it decodes to the same bytes', async () => {
    const [header, payload, signature] = (await token(rsa1)).split('.');
    expect((await decide(`${header}.${payload}.${signature}`)).effect).toBe('Allow');
    expect(
      (await decide(`${header}.${payload}.${signature?.slice(0, 10)}!!!!${signature?.slice(10)}`)).reason,
    ).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature does not match the key');
  });

  it('refuses a token with an empty signature or an extra segment', async () => {
    const [header, payload] = (await token(rsa1)).split('.');
    expect((await decide(`${header}.${payload}.`)).reason).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature does not match the key',
    );
    expect((await decide(`${header}.${payload}.c2ln.c2ln`)).reason).toBe('malformed token');
  });
});

describe('time, issuer and audience claims', () => {
  it('accepts a token until exp plus the 5 s tolerance, and refuses it from then on', async () => {
    expect((await decide(await token(rsa1, { exp: T0_S - TOLERANCE_S + 1 }))).effect).toBe('Allow');
    expect(await decide(await token(rsa1, { exp: T0_S - TOLERANCE_S }))).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWT_EXPIRED: "exp" has passed',
    });
  });

  it('accepts a token whose nbf is at most 5 s ahead, and refuses one further ahead', async () => {
    expect((await decide(await token(rsa1, { nbf: T0_S + TOLERANCE_S }))).effect).toBe('Allow');
    expect(await decide(await token(rsa1, { nbf: T0_S + TOLERANCE_S + 1 }))).toEqual({
      effect: 'Deny',
      reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED: "nbf" is in the future',
    });
  });

  it('refuses a token without exp, or with a non-numeric exp', async () => {
    expect((await decide(await token(rsa1, { exp: undefined }))).reason).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED: "exp" is missing',
    );
    expect((await decide(await token(rsa1, { exp: `${T0_S + 300}` }))).reason).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED: "exp" is not a number',
    );
  });

  it('matches iss exactly: a trailing slash makes another issuer', async () => {
    expect(await decide(await token(rsa1, { iss: `${issuer}/` }))).toEqual({
      effect: 'Deny',
      reason: 'untrusted issuer',
    });
  });

  it('checks aud before client_id: a token with a foreign aud is refused whatever its client_id', async () => {
    expect(
      (await decide(await token(rsa1, { aud: ['billing', 'web'], client_id: 'orders-api' }))).reason,
    ).toBe('audience not accepted');
    expect((await decide(await token(rsa1, { aud: ['billing', 'orders-api'] }))).effect).toBe('Allow');
  });
});
