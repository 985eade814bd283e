// Benchmark of the shared JWT authorizer, as it ships: bundled by esbuild with the construct's own
// options (JWT_AUTHORIZER_BUNDLING). Prints the bundle size, the cold-start cost of loading the
// bundle (median over fresh node processes) and warm verifications per second through the handler
// against a bare crypto.verify loop on the same key and token. The issuer's JWKS is served on
// 127.0.0.1; every loop is bounded by a fixed count.
//
//   npm run bench:authorizer [-- --runs 15 --iterations 2000]

import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { buildSync } from 'esbuild';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JWT_AUTHORIZER_BUNDLING } from '../src/bundling';
import { ISSUERS_ENV } from '../src/config';

type Handler = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
type Alg = 'RS256' | 'ES256';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got ${value}`);
  return value;
}

const RUNS = option('runs', 15);
const ITERATIONS = option('iterations', 2000);
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/bench/GET/orders/1';

function bundle(): string {
  const b = JWT_AUTHORIZER_BUNDLING;
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-authorizer-')), 'index.js');
  buildSync({
    entryPoints: [b.entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: b.target,
    minify: b.minify,
    sourcemap: b.sourceMap,
    external: [...b.externalModules],
    logLevel: 'error',
  });
  return outfile;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Module load of the bundle in a fresh node process: what a Lambda cold start adds to the runtime's own init. */
function coldStartMs(file: string, env: NodeJS.ProcessEnv): number[] {
  const script = `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  return Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', script], { env })));
}

async function perSecond(iterations: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(100, iterations); i++) await fn(); // warm-up: JIT, JWKS fetch
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return iterations / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const keys = {
    RS256: await generateKeyPair('RS256', { extractable: true }),
    ES256: await generateKeyPair('ES256', { extractable: true }),
  };
  const jwks = {
    keys: await Promise.all(
      (Object.keys(keys) as Alg[]).map(async (alg) => ({
        ...(await exportJWK(keys[alg].publicKey)),
        kid: alg,
        alg,
      })),
    ),
  };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    ...process.env,
    [ISSUERS_ENV]: JSON.stringify([{ issuer, audiences: ['bench'] }]),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  Object.assign(process.env, env);

  const file = bundle();
  const size = statSync(file).size;
  const gzip = gzipSync(readFileSync(file), { level: 9 }).length;
  const map = statSync(`${file}.map`).size;
  const cold = coldStartMs(file, env);

  const { handler } = require(file) as { handler: Handler };
  const rows: string[][] = [];
  for (const alg of Object.keys(keys) as Alg[]) {
    const token = await new SignJWT({ sub: 'bench', scope: 'orders:read' })
      .setProtectedHeader({ alg, kid: alg })
      .setIssuer(issuer)
      .setAudience('bench')
      .setExpirationTime('1h')
      .sign(keys[alg].privateKey);
    const event: APIGatewayTokenAuthorizerEvent = {
      type: 'TOKEN',
      authorizationToken: `Bearer ${token}`,
      methodArn: METHOD_ARN,
    };
    const first = await handler(event);
    if ((first.policyDocument.Statement[0] as { Effect: string }).Effect !== 'Allow') {
      throw new Error(`the handler did not allow the ${alg} benchmark token`);
    }
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const data = Buffer.from(`${header}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const publicKey = createPublicKey({ key: await exportJWK(keys[alg].publicKey), format: 'jwk' });
    const options = alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
    const viaHandler = await perSecond(ITERATIONS, () => handler(event));
    const bare = await perSecond(ITERATIONS, () => {
      if (!verify('sha256', data, options, sig))
        throw new Error('crypto.verify rejected the benchmark token');
    });
    rows.push([alg, viaHandler.toFixed(0), bare.toFixed(0), `${((viaHandler / bare) * 100).toFixed(0)}%`]);
  }
  server.close();

  console.log(`JWT authorizer bundle (${JWT_AUTHORIZER_BUNDLING.target}, minified, @aws-sdk/* external)`);
  console.log(
    `  size:       ${size} bytes (${(size / 1024).toFixed(1)} KiB), gzip ${gzip} bytes; source map ${map} bytes`,
  );
  console.log(
    `  cold start: module load median ${median(cold).toFixed(1)} ms over ${RUNS} fresh processes (min ${Math.min(...cold).toFixed(1)}, max ${Math.max(...cold).toFixed(1)})`,
  );
  console.log(`  JWKS fetches during the warm runs: ${fetches} (cached in module scope)`);
  console.log(`  warm verifications per second, ${ITERATIONS} iterations each:`);
  console.log('    alg     handler  crypto.verify  handler/verify');
  for (const [alg, h, c, ratio] of rows) {
    console.log(`    ${alg?.padEnd(6)}  ${h?.padStart(7)}  ${c?.padStart(13)}  ${ratio?.padStart(14)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
