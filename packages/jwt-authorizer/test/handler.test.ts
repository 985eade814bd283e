import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultJwksUri, ISSUERS_ENV, parseIssuers, policyResource } from '../src/index';

// The authorizer runs for real: real RSA and EC keys, real tokens, and the issuers' JWKS served over
// HTTP on 127.0.0.1. jose fetches http URLs as well as https ones, so no seam is needed (aws-jwt-verify
// fetches with node's https.request, which refuses http: URLs, one reason the handler uses jose).

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/GET/orders/42';
const STAGE_WILDCARD = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/dev/*/*';

type Handler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

let server: Server;
let base: string;
let handler: Handler;
const jwksHits: Record<string, number> = {};
let rsa: { privateKey: CryptoKey; jwk: JWK };
let ec: { privateKey: CryptoKey; jwk: JWK };
let stranger: CryptoKey; // a valid RSA key the issuers never published
let issuerA: string;
let issuerB: string;

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

async function token(
  claims: JWTPayload,
  options: { alg?: 'RS256' | 'ES256'; kid?: string; key?: CryptoKey; expiresIn?: string | number } = {},
): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const jwt = new SignJWT({ iss: issuerA, aud: 'orders-api', sub: 'user-1', ...claims })
    .setProtectedHeader({ alg, kid: options.kid ?? (alg === 'RS256' ? 'rsa-1' : 'ec-1'), typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(options.key ?? (alg === 'RS256' ? rsa.privateKey : ec.privateKey));
}

function event(authorizationToken: string, methodArn = METHOD_ARN): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', authorizationToken, methodArn };
}

function effect(result: APIGatewayAuthorizerResult): string {
  return (result.policyDocument.Statement[0] as { Effect: string }).Effect;
}

beforeAll(async () => {
  rsa = await keyPair('RS256', 'rsa-1');
  ec = await keyPair('ES256', 'ec-1');
  stranger = (await generateKeyPair('RS256')).privateKey;
  server = createServer((req, res) => {
    const url = req.url ?? '';
    jwksHits[url] = (jwksHits[url] ?? 0) + 1;
    // Issuer A publishes at the conventional path, issuer B at a custom jwksUri.
    const keys =
      url === '/a/.well-known/jwks.json' ? [rsa.jwk, ec.jwk] : url === '/b-keys' ? [ec.jwk] : undefined;
    if (!keys) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuerA = `${base}/a`;
  issuerB = `${base}/b/`;
  process.env[ISSUERS_ENV] = JSON.stringify([
    { issuer: issuerA, audiences: ['orders-api'] },
    { issuer: issuerB, audiences: ['mobile', 'web'], jwksUri: `${base}/b-keys` },
    // Nothing listens on port 1: a fetch of these keys fails the way an unreachable issuer does.
    { issuer: `${base}/down`, audiences: ['orders-api'], jwksUri: 'http://127.0.0.1:1/jwks.json' },
  ]);
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  // The Lambda entry itself, so the test also covers reading the issuers from the environment.
  handler = (await import('../src/lambda.js')).handler;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('JWT authorizer: allowed tokens', () => {
  it('allows a valid RS256 token for every method of the stage and passes the claims in the context', async () => {
    const jwt = await token({
      scope: 'orders:read orders:write',
      email: 'ana@example.com',
      tenant: { id: 't-1', plan: 'gold' },
      groups: ['admins', 'ops'],
    });

    const result = await handler(event(`Bearer ${jwt}`));

    expect(result.principalId).toBe('user-1');
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_WILDCARD },
    ]);
    expect(result.context).toMatchObject({
      sub: 'user-1',
      iss: issuerA,
      aud: 'orders-api',
      scope: 'orders:read orders:write',
      email: 'ana@example.com',
      'tenant.id': 't-1',
      'tenant.plan': 'gold',
      groups: 'admins,ops',
    });
  });

  it('allows a valid ES256 token of a second issuer whose keys are at a custom jwksUri', async () => {
    const jwt = await token({ iss: issuerB, aud: ['web', 'other'], scp: ['a', 'b'] }, { alg: 'ES256' });

    const result = await handler(event(`Bearer ${jwt}`));

    expect(effect(result)).toBe('Allow');
    expect(result.context).toMatchObject({ iss: issuerB, aud: 'web other', scope: 'a b' });
  });

  it('allows a token without aud whose client_id is an accepted audience (Cognito access tokens)', async () => {
    const jwt = await token({ aud: undefined, client_id: 'orders-api', token_use: 'access' });

    const result = await handler(event(`bearer ${jwt}`));

    expect(effect(result)).toBe('Allow');
    expect(result.context).toMatchObject({ client_id: 'orders-api', token_use: 'access' });
  });

  it('fetches an issuer JWKS once and reuses it across invocations', async () => {
    const before = jwksHits['/a/.well-known/jwks.json'] ?? 0;
    for (let i = 0; i < 5; i++) {
      expect(effect(await handler(event(`Bearer ${await token({ sub: `u${i}` })}`)))).toBe('Allow');
    }
    expect(before).toBe(1);
    expect(jwksHits['/a/.well-known/jwks.json']).toBe(1);
  });

  it('scopes the policy to the API and stage of the method ARN, also for the root path', () => {
    expect(policyResource('arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/')).toBe(
      'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/*/*',
    );
  });
});

describe('JWT authorizer: denied tokens', () => {
  async function expectDenied(authorization: string, reason: RegExp): Promise<void> {
    const result = await handler(event(authorization));
    expect(effect(result)).toBe('Deny');
    expect(result.policyDocument.Statement[0]).toMatchObject({ Resource: STAGE_WILDCARD });
    expect(String(result.context?.reason)).toMatch(reason);
  }

  it('denies an unsigned token (alg none)', async () => {
    const jwt = new UnsecuredJWT({ iss: issuerA, aud: 'orders-api', sub: 'user-1' })
      .setExpirationTime('5m')
      .encode();
    await expectDenied(`Bearer ${jwt}`, /algorithm none not allowed/);
  });

  it('denies an HS256 token, even one whose secret is a published public key', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const jwt = await new SignJWT({ iss: issuerA, aud: 'orders-api', sub: 'user-1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setExpirationTime('5m')
      .sign(secret);
    await expectDenied(`Bearer ${jwt}`, /algorithm HS256 not allowed/);
  });

  it('denies an expired token', async () => {
    const jwt = await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await expectDenied(`Bearer ${jwt}`, /ERR_JWT_EXPIRED/);
  });

  it('denies a token that is not valid yet (nbf in the future)', async () => {
    const jwt = await token({ nbf: Math.floor(Date.now() / 1000) + 600 });
    await expectDenied(`Bearer ${jwt}`, /ERR_JWT_CLAIM_VALIDATION_FAILED/);
  });

  it('denies a token from an issuer that is not configured', async () => {
    const jwt = await token({ iss: 'https://evil.example.com/' });
    await expectDenied(`Bearer ${jwt}`, /untrusted issuer/);
  });

  it('denies a token of a configured issuer signed with another configured issuer keys', async () => {
    // Issuer B publishes only the EC key: an RS256 token claiming B is signed by A's key.
    const jwt = await token({ iss: issuerB, aud: 'web' });
    await expectDenied(`Bearer ${jwt}`, /ERR_JWKS_NO_MATCHING_KEY/);
  });

  it('denies a token for another audience', async () => {
    const jwt = await token({ aud: 'billing-api' });
    await expectDenied(`Bearer ${jwt}`, /audience not accepted/);
  });

  it('denies a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await token({ sub: 'user-1' })).split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: issuerA,
        aud: 'orders-api',
        sub: 'admin',
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
    ).toString('base64url');
    await expectDenied(`Bearer ${header}.${forged}.${signature}`, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });

  it('denies a malformed token', async () => {
    await expectDenied('Bearer not-a-jwt', /malformed token/);
    await expectDenied('Bearer aaa.bbb.ccc', /malformed token/);
  });

  it('denies a missing or non-Bearer Authorization header', async () => {
    await expectDenied('', /missing or malformed Authorization header/);
    await expectDenied('Basic dXNlcjpwYXNz', /missing or malformed Authorization header/);
  });

  it('denies a token signed by a key whose kid the issuer does not publish', async () => {
    const jwt = await token({}, { kid: 'rotated-away', key: stranger });
    await expectDenied(`Bearer ${jwt}`, /ERR_JWKS_NO_MATCHING_KEY/);
  });

  it('denies a token signed by an unpublished key that reuses a published kid', async () => {
    const jwt = await token({}, { kid: 'rsa-1', key: stranger });
    await expectDenied(`Bearer ${jwt}`, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });
});

describe('JWT authorizer: faults and logging', () => {
  it('fails (API Gateway answers 500) rather than allowing when the issuer JWKS cannot be fetched', async () => {
    const jwt = await token({ iss: `${base}/down` });
    await expect(handler(event(`Bearer ${jwt}`))).rejects.toThrow();
  });

  it('never writes the token to the log, on allow or on deny', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const good = await token({ sub: 'log-check' });
    const bad = await token({ aud: 'billing-api' });

    await handler(event(`Bearer ${good}`));
    await handler(event(`Bearer ${bad}`));

    const output = lines.join('');
    expect(output).toContain('token rejected');
    for (const jwt of [good, bad]) {
      for (const part of jwt.split('.')) expect(output).not.toContain(part);
    }
  });
});

describe('authorizer configuration', () => {
  it('defaults the JWKS URL to {issuer}/.well-known/jwks.json, with or without a trailing slash', () => {
    expect(defaultJwksUri('https://auth.example.com/')).toBe(
      'https://auth.example.com/.well-known/jwks.json',
    );
    expect(parseIssuers(JSON.stringify([{ issuer: 'https://a.example.com', audiences: ['x'] }]))).toEqual([
      {
        issuer: 'https://a.example.com',
        audiences: ['x'],
        jwksUri: 'https://a.example.com/.well-known/jwks.json',
      },
    ]);
  });

  it('rejects a missing, non-JSON or empty issuer list with a message that says what is wrong', () => {
    expect(() => parseIssuers(undefined)).toThrow(/AUTHORIZER_ISSUERS is not set/);
    expect(() => parseIssuers('{oops')).toThrow(/AUTHORIZER_ISSUERS is not valid JSON/);
    expect(() => parseIssuers('[]')).toThrow(/must be a non-empty JSON array of issuers, got \[\]/);
    expect(() => parseIssuers('[{"issuer":"https://a","audiences":[]}]')).toThrow(
      /AUTHORIZER_ISSUERS\[0\]\.audiences must be a non-empty array of strings/,
    );
  });
});
