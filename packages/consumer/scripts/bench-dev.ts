// `npx tsx packages/consumer/scripts/bench-dev.ts`: how fast `shared-lambda dev` is for a service team.
//
// In a temporary copy of examples/orders-service, prints the median of
//   1. start-up: from running `shared-lambda dev` to "Listening on" (loading the app, synthesis
//      without bundling or CDK's built-in validation), and to the first response of GET /orders
//      (which waits for that function's bundle), over --starts runs (default 3);
//   2. the first request to a function in a started server (its bundle, worker and module load), and warm requests
//      (GET /orders?limit=0 with a dev token: the platform authorizer, then the handler's 400), over
//      --requests (default 100);
//   3. reload: from writing a handler source file to the first response from the new code, over
//      --reloads (default 5);
//   4. stack reload: from adding a route to the stack file to the first answer of the new route
//      (the app loaded and synthesized again, the route table swapped), over --reloads.
// Bundles are built in the background, one at a time, once the server listens, so the first request
// can wait for its bundle: "start-up to first response" is the figure a developer waits for.
// Options: --starts N, --requests N, --reloads N.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, copyExample } from '../test/dev/example-copy';
import { startFakeDynamoDb } from '../test/dev/fake-dynamodb';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const MISSING = '/orders/00000000-0000-4000-8000-000000000000';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

function start(dir: string, dynamoUrl: string): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'dev', '--dev-issuer', '--port', '0'], {
    cwd: dir,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Listening on (http:\/\/\S+)/.exec(output);
      if (found) resolve({ child, url: found[1] as string, ms: ms(started) });
    });
    child.on('exit', (code) => reject(new Error(`shared-lambda dev exited with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function main(): Promise<void> {
  const dir = copyExample();
  // The handlers' DynamoDB calls go to a model on 127.0.0.1, so the figures measure no network.
  const dynamo = await startFakeDynamoDb();
  try {
    const token = spawnSync(process.execPath, [BIN, 'token', '--sub', 'bench'], {
      cwd: dir,
      encoding: 'utf8',
    }).stdout.trim();
    const headers = { Authorization: `Bearer ${token}` };
    const starts: number[] = [];
    const firstResponses: number[] = [];
    for (let i = 0; i < option('starts', 3); i++) {
      const server = await start(dir, dynamo.url);
      starts.push(server.ms);
      const t = process.hrtime.bigint();
      await (await fetch(`${server.url}/orders?limit=0`, { headers })).text();
      firstResponses.push(server.ms + ms(t));
      await stop(server.child);
    }
    const server = await start(dir, dynamo.url);
    let t = process.hrtime.bigint();
    await (await fetch(`${server.url}/orders?limit=0`, { headers })).text();
    const first = ms(t);
    const warm: number[] = [];
    for (let i = 0; i < option('requests', 100); i++) {
      t = process.hrtime.bigint();
      await (await fetch(`${server.url}/orders?limit=0`, { headers })).text();
      warm.push(ms(t));
    }
    const reloads: number[] = [];
    const file = path.join(dir, 'src', 'handlers', 'get-order.ts');
    const original = fs.readFileSync(file, 'utf8');
    for (let i = 0; i < option('reloads', 5); i++) {
      const marker = `reload ${i}`;
      t = process.hrtime.bigint();
      fs.writeFileSync(file, original.replace(/`order (\$\{id\}) not found`/, `\`${marker} $1\``));
      for (let polls = 0; ; polls++) {
        const body = await (await fetch(`${server.url}${MISSING}`, { headers })).text();
        if (body.includes(marker)) break;
        if (polls > 1000) throw new Error(`no reload after ${ms(t)} ms: ${body}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      reloads.push(ms(t));
    }
    const stackReloads: number[] = [];
    const stackFile = path.join(dir, 'lib', 'orders-stack.ts');
    const stackSource = fs.readFileSync(stackFile, 'utf8');
    for (let i = 0; i < option('reloads', 5); i++) {
      t = process.hrtime.bigint();
      const added = `api.addRoute('POST /orders', create);\n    api.addRoute('GET /orders/bench${i}/{id}', get);`;
      fs.writeFileSync(stackFile, stackSource.replace("api.addRoute('POST /orders', create);", added));
      for (let polls = 0; ; polls++) {
        const response = await fetch(`${server.url}/orders/bench${i}/x`, { headers });
        await response.text();
        if (response.status !== 403) break;
        if (polls > 1000) throw new Error(`no stack reload after ${ms(t)} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      stackReloads.push(ms(t));
    }
    await stop(server.child);
    console.log(`start-up (to "Listening on"), median of ${starts.length}: ${median(starts).toFixed(0)} ms`);
    console.log(
      `start-up to first response (GET /orders), median of ${firstResponses.length}: ${median(firstResponses).toFixed(0)} ms`,
    );
    console.log(`first request to a function: ${first.toFixed(0)} ms`);
    console.log(
      `warm request (jwt authorizer + handler), median of ${warm.length}: ${median(warm).toFixed(1)} ms`,
    );
    console.log(
      `reload (source write to new response), median of ${reloads.length}: ${median(reloads).toFixed(0)} ms`,
    );
    console.log(
      `stack reload (route added to the stack file to its first answer), median of ${stackReloads.length}: ${median(stackReloads).toFixed(0)} ms`,
    );
  } finally {
    await dynamo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
