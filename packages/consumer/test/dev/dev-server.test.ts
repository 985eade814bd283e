import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { BIN, copyExample, REPO } from './example-copy';
import { type FakeDynamoDb, startFakeDynamoDb } from './fake-dynamodb';

// `shared-lambda dev` run as a service team runs it, in a copy of the example service (so the
// reload test can edit its sources), on an ephemeral port, over real HTTP on 127.0.0.1. DynamoDB
// is a small model on 127.0.0.1 (the handlers run in worker threads, out of a mock's reach).

const DEV_CONFIG = path.join(REPO, 'packages', 'platform', 'config', 'dev.yaml');
// dev.yaml with one binary media type, read by the server from the platform configuration.
const BINARY_MEDIA_TYPES = ['image/png'];
const CREDENTIALS = { accessKeyId: 'AKIDLOCALDEVTEST', secretAccessKey: 'local-dev-test-secret' };
const DEV_ISSUER = 'urn:shared-lambda-infra:dev-issuer';
// From packages/platform/config/dev.yaml.
const ALLOWED_ORIGIN = 'http://localhost:3000';

// The example's app plus routes for what its handlers never do: throw, hang past the timeout,
// return a malformed result; and an echo of the event behind jwt and behind iam.
const TEST_APP = `
import * as path from 'node:path';
import { ServiceFunction } from '@shared-lambda-infra/consumer';
import { App, Duration } from 'aws-cdk-lib';
import { OrdersStack } from '../lib/orders-stack';

const app = new App();
const stack = new OrdersStack(app, 'Orders', { env: app.node.tryGetContext('env') ?? 'dev' });
const fixture = (id: string, file: string, timeout?: Duration) =>
  new ServiceFunction(stack, id, { entry: path.join(__dirname, '..', 'dev-fixtures', file), timeout });
stack.api.addRoute('GET /orders/boom', fixture('Boom', 'boom.ts'), { authorization: 'none' });
stack.api.addRoute('GET /orders/malformed', fixture('Malformed', 'malformed.ts'), { authorization: 'none' });
stack.api.addRoute('GET /orders/slow', fixture('Slow', 'slow.ts', Duration.seconds(1)), { authorization: 'none' });
stack.api.addRoute('POST /orders/echo/{part}', fixture('Echo', 'echo.ts'));
stack.api.addRoute('GET /orders/internal/echo', fixture('InternalEcho', 'echo.ts'), { authorization: 'iam' });
stack.api.addRoute('POST /orders/binary', fixture('Binary', 'binary.ts'), { authorization: 'none' });
`;

let dir: string;
let dynamo: FakeDynamoDb;
let child: ChildProcess;
let url: string;
let token: string;
const output: string[] = [];

beforeAll(async () => {
  dir = copyExample();
  fs.cpSync(path.join(__dirname, 'fixtures'), path.join(dir, 'dev-fixtures'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'dev-test-app.ts'), TEST_APP);
  const platformConfig = parseYaml(fs.readFileSync(DEV_CONFIG, 'utf8'));
  platformConfig.api.binaryMediaTypes = BINARY_MEDIA_TYPES;
  fs.writeFileSync(path.join(dir, 'platform-dev.yaml'), stringifyYaml(platformConfig));
  dynamo = await startFakeDynamoDb();

  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
  };
  token = run(['token', '--sub', 'alice', '--scope', 'orders:read orders:write'], env).trim();
  child = spawn(
    process.execPath,
    [
      BIN,
      'dev',
      '--app',
      'bin/dev-test-app.ts',
      '--dev-issuer',
      '--platform-config',
      'platform-dev.yaml',
      '--port',
      '0',
    ],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split('\n'));
      const found = /Listening on (http:\/\/\S+)/.exec(output.join('\n'));
      if (found) resolve(found[1] as string);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`shared-lambda dev exited with ${code}:\n${output.join('\n')}`)),
    );
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  await dynamo?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`shared-lambda ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

// biome-ignore lint/suspicious/noExplicitAny: a response body, read field by field by the assertions
async function body(response: Response): Promise<any> {
  return response.json();
}

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` });

async function createOrder(quantity: number): Promise<Response> {
  return fetch(`${url}/orders`, {
    method: 'POST',
    headers: { ...bearer(token), 'Content-Type': 'application/json' },
    body: JSON.stringify({ currency: 'EUR', items: [{ sku: 'BOOK-042', quantity, unitPriceCents: 1250 }] }),
  });
}

describe('jwt routes run the platform authorizer', () => {
  it('answers 401 Unauthorized to a request without a token', async () => {
    const response = await fetch(`${url}/orders`);
    expect(response.status).toBe(401);
    expect(await body(response)).toEqual({ message: 'Unauthorized' });
  });

  it('answers 401 to a header that is not a bearer JWT, as the identity validation expression does', async () => {
    const response = await fetch(`${url}/orders`, { headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } });
    expect(response.status).toBe(401);
  });

  it('answers 403 to a token signed by a key the issuer does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'orders:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setIssuer(DEV_ISSUER)
      .setSubject('mallory')
      .setAudience('shared-lambda-dev')
      .setExpirationTime('1h')
      .sign(privateKey);
    const response = await fetch(`${url}/orders`, { headers: bearer(forged) });
    expect(response.status).toBe(403);
    expect(await body(response)).toEqual({
      message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  it('passes a minted token and puts its verified claims in the event', async () => {
    const response = await fetch(`${url}/orders/echo/first%20part?tag=a&tag=b`, {
      method: 'POST',
      headers: { ...bearer(token), 'Content-Type': 'text/plain', 'X-Trace': 'one' },
      body: 'hello',
    });
    expect(response.status).toBe(200);
    const { event, env } = await body(response);
    expect(event.requestContext.authorizer).toMatchObject({
      principalId: 'alice',
      sub: 'alice',
      iss: DEV_ISSUER,
      aud: 'shared-lambda-dev',
      scope: 'orders:read orders:write',
    });
    expect(event).toMatchObject({
      resource: '/orders/echo/{part}',
      path: '/orders/echo/first%20part',
      httpMethod: 'POST',
      pathParameters: { part: 'first part' },
      queryStringParameters: { tag: 'b' },
      multiValueQueryStringParameters: { tag: ['a', 'b'] },
      body: 'hello',
      isBase64Encoded: false,
      stageVariables: null,
    });
    expect(event.headers['X-Trace']).toBe('one');
    expect(event.requestContext).toMatchObject({
      stage: 'dev',
      resourcePath: '/orders/echo/{part}',
      httpMethod: 'POST',
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'shared-lambda-infra-dev-fn-orders-echo',
      POWERTOOLS_SERVICE_NAME: 'orders',
    });
  });
});

describe('the example service', () => {
  it('creates an order from a POST body, owned by the token subject', async () => {
    const response = await createOrder(2);
    expect(response.status).toBe(201);
    const order = await body(response);
    expect(order).toMatchObject({ owner: 'alice', currency: 'EUR', totalCents: 2500, status: 'PENDING' });
    expect(response.headers.get('location')).toBe(`/orders/${order.id}`);
    expect(dynamo.calls).toContainEqual({
      operation: 'PutItem',
      tableName: 'shared-lambda-infra-dev-table-orders-orders',
    });
  });

  it('reads an order by its path parameter', async () => {
    const created = await body(await createOrder(1));
    const response = await fetch(`${url}/orders/${created.id}`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(await body(response)).toMatchObject({ id: created.id, owner: 'alice', totalCents: 1250 });
  });

  it('pages the caller orders with the query string', async () => {
    await createOrder(3);
    const response = await fetch(`${url}/orders?limit=1`, { headers: bearer(token) });
    expect(response.status).toBe(200);
    const page = await body(response);
    expect(page.items).toHaveLength(1);
    expect(typeof page.nextToken).toBe('string');
    const rejected = await fetch(`${url}/orders?limit=0`, { headers: bearer(token) });
    expect(rejected.status).toBe(400);
    expect(await body(rejected)).toEqual({
      message: 'invalid query parameters',
      errors: [{ path: 'limit', message: 'must be at least 1' }],
    });
  });

  it('gives the handlers the allowed origins from the platform configuration', async () => {
    const response = await fetch(`${url}/orders?limit=0`, {
      headers: { ...bearer(token), Origin: ALLOWED_ORIGIN },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });
});

describe('CORS preflights follow the platform policy', () => {
  it('allows an origin of the environment', async () => {
    const response = await fetch(`${url}/orders/123`, {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED_ORIGIN, 'Access-Control-Request-Method': 'GET' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,PATCH,DELETE,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token',
    );
  });

  it('gives another origin no Access-Control-Allow-Origin', async () => {
    const response = await fetch(`${url}/orders`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'GET' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes an allowed origin on gateway errors (the environment allows two)', async () => {
    const response = await fetch(`${url}/orders`, { headers: { Origin: ALLOWED_ORIGIN } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });
});

describe('binary media types from the platform configuration', () => {
  const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0xff, 0x00]);
  const post = (accept: string) =>
    fetch(`${url}/orders/binary`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png', Accept: accept },
      body: PNG_BYTES,
    });

  it('hands a body of a binary type to the handler base64-encoded, and decodes its base64 answer for an Accept of that type', async () => {
    const response = await post('image/png');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG_BYTES);
  });

  it('answers the base64 text itself when the first Accept type is not binary, as the deployed API does', async () => {
    const response = await post('text/plain, image/png');
    expect(await response.text()).toBe(PNG_BYTES.toString('base64'));
  });
});

describe('API Gateway behaviour around the function', () => {
  it('answers 502 when the handler throws', async () => {
    const response = await fetch(`${url}/orders/boom`);
    expect(response.status).toBe(502);
    expect(await body(response)).toEqual({ message: 'Internal server error' });
  });

  it('answers 502 to a malformed result', async () => {
    const response = await fetch(`${url}/orders/malformed`);
    expect(response.status).toBe(502);
    expect(output.join('\n')).toContain('Malformed Lambda proxy response');
  });

  it('stops a handler at its timeout and answers 502', async () => {
    const response = await fetch(`${url}/orders/slow`);
    expect(response.status).toBe(502);
    expect(output.join('\n')).toContain('Task timed out after 1.00 seconds');
  });

  it('answers 403 Missing Authentication Token for a path no route has', async () => {
    const response = await fetch(`${url}/payments`);
    expect(response.status).toBe(403);
    expect(await body(response)).toEqual({ message: 'Missing Authentication Token' });
  });

  it("prints one line per request with the fields of the stage's access log, and the basePath CloudWatch adds", async () => {
    await fetch(`${url}/orders/boom`);
    const line = output.find((l) => l.includes('"resourcePath":"/orders/boom"'));
    const fields = JSON.parse(line ?? '{}') as Record<string, string>;
    expect(Object.keys(fields)).toEqual([
      'requestId',
      'extendedRequestId',
      'ip',
      'caller',
      'user',
      'principalId',
      'requestTime',
      'httpMethod',
      'resourcePath',
      'status',
      'protocol',
      'responseLength',
      'responseLatency',
      'integrationLatency',
      'authorizerError',
      'errorType',
      'basePath',
    ]);
    expect(fields).toMatchObject({
      httpMethod: 'GET',
      resourcePath: '/orders/boom',
      status: '502',
      protocol: 'HTTP/1.1',
      errorType: 'DEFAULT_5XX',
      basePath: 'orders',
    });
    expect(fields.integrationLatency).toMatch(/^\d+$/);
  });
});

/** SHA-256 / HMAC-SHA-256 for the Smithy signer, from node:crypto. */
class NodeSha256 {
  private readonly hash: { update(data: string | Uint8Array): unknown; digest(): Buffer };
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

describe('iam routes verify SigV4', () => {
  async function signed(secretAccessKey: string): Promise<Response> {
    const host = new URL(url).host;
    const signer = new SignatureV4({
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey },
      region: 'eu-west-1',
      service: 'execute-api',
      sha256: NodeSha256,
    });
    const request = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: host,
      path: '/orders/internal/echo',
      query: { q: '1' },
      headers: { host },
    });
    return fetch(`${url}/orders/internal/echo?q=1`, { headers: request.headers });
  }

  it('passes a request signed with the known credentials, with the access key in the event', async () => {
    const response = await signed(CREDENTIALS.secretAccessKey);
    expect(response.status).toBe(200);
    const { event } = await body(response);
    expect(event.requestContext.identity.accessKey).toBe(CREDENTIALS.accessKeyId);
  });

  it('rejects a signature made with another secret', async () => {
    const response = await signed('not-the-secret');
    expect(response.status).toBe(403);
  });

  it('rejects an unsigned request', async () => {
    const response = await fetch(`${url}/orders/internal/echo`);
    expect(response.status).toBe(403);
    expect(await body(response)).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('reload', () => {
  it('serves the new code after a handler source changes, without a restart', async () => {
    const missing = `${url}/orders/00000000-0000-4000-8000-000000000000`;
    const before = await body(await fetch(missing, { headers: bearer(token) }));
    expect(before.message).toBe('order 00000000-0000-4000-8000-000000000000 not found');
    const file = path.join(dir, 'src', 'handlers', 'get-order.ts');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/`order (\$\{id\}) not found`/, '`no order $1 here`'),
    );
    let message = before.message;
    for (let i = 0; i < 100 && message === before.message; i++) {
      await new Promise((r) => setTimeout(r, 200));
      message = (await body(await fetch(missing, { headers: bearer(token) }))).message;
    }
    expect(message).toBe('no order 00000000-0000-4000-8000-000000000000 here');
    expect(output.join('\n')).toContain('reloaded src/handlers/get-order.ts');
  });
});

describe('stack reload', () => {
  const MISSING_ID = '00000000-0000-4000-8000-000000000000';

  /** The first complete output line containing `text`, once there is one. */
  async function waitForLine(text: string): Promise<string> {
    for (let i = 0; i < 150; i++) {
      const all = output.join('\n');
      const at = all.indexOf(text);
      const end = at < 0 ? -1 : all.indexOf('\n', at);
      if (end >= 0) return all.slice(all.lastIndexOf('\n', at) + 1, end);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no line with ${text} in:\n${output.join('\n')}`);
  }

  /** Replaces `from` (which must be there) by `to` in the copy's file; returns the content before. */
  function edit(file: string, from: string, to: string): string {
    const absolute = path.join(dir, file);
    const content = fs.readFileSync(absolute, 'utf8');
    if (!content.includes(from)) throw new Error(`${file} has no ${from}`);
    fs.writeFileSync(absolute, content.replace(from, to));
    return content;
  }

  it('serves a route added to the stack file without a restart, and says so in one line', async () => {
    const before = await fetch(`${url}/orders/by-id/${MISSING_ID}`, { headers: bearer(token) });
    expect(before.status).toBe(403);
    edit(
      'lib/orders-stack.ts',
      "api.addRoute('POST /orders', create);",
      "api.addRoute('POST /orders', create);\n    api.addRoute('GET /orders/by-id/{id}', get);",
    );
    const line = await waitForLine('orders-stack.ts changed');
    expect(line).toBe('lib/orders-stack.ts changed: stack reloaded, routes added: GET /orders/by-id/{id}');
    const after = await fetch(`${url}/orders/by-id/${MISSING_ID}`, { headers: bearer(token) });
    expect(after.status).toBe(404);
    // The request line is written after the response.
    expect(JSON.parse(await waitForLine('"resourcePath":"/orders/by-id/{id}"'))).toMatchObject({
      resourcePath: '/orders/by-id/{id}',
      status: '404',
      basePath: 'orders',
    });
    // The routes that were there keep answering.
    expect((await fetch(`${url}/orders`, { headers: bearer(token) })).status).toBe(200);
  });

  it("restarts a function whose environment changed in the app, with the new value in the handler's environment", async () => {
    edit(
      'bin/dev-test-app.ts',
      "fixture('Echo', 'echo.ts')",
      "new ServiceFunction(stack, 'Echo', { entry: path.join(__dirname, '..', 'dev-fixtures', 'echo.ts'), environment: { POWERTOOLS_SERVICE_NAME: 'orders-reloaded' } })",
    );
    const line = await waitForLine('dev-test-app.ts changed');
    expect(line).toBe('bin/dev-test-app.ts changed: stack reloaded, functions restarted: Echo');
    const response = await fetch(`${url}/orders/echo/again`, { method: 'POST', headers: bearer(token) });
    expect(response.status).toBe(200);
    expect((await body(response)).env.POWERTOOLS_SERVICE_NAME).toBe('orders-reloaded');
  });

  it('keeps the previous routes when the changed stack file does not load', async () => {
    const good = edit(
      'lib/orders-stack.ts',
      "api.addRoute('GET /orders', list);",
      "api.addRoute('GET /orders', list",
    );
    const line = await waitForLine('does not load');
    expect(line).toMatch(
      /^lib\/orders-stack\.ts changed: the stack does not load, the previous routes stay: /,
    );
    expect((await fetch(`${url}/orders/by-id/${MISSING_ID}`, { headers: bearer(token) })).status).toBe(404);
    fs.writeFileSync(path.join(dir, 'lib', 'orders-stack.ts'), good);
  });
});
