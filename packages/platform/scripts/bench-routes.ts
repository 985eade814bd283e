// Benchmark of shared API v2 under concurrency: N service stacks (default 30) deploy at once against
// the models of API Gateway, CloudFormation, DynamoDB, SQS and SSM (test/models), with the REAL
// receiver and reconciler. Time is virtual (the models' quotas refill on it), so the figures are
// what the documented quotas allow, not what this machine's speed allows. Prints CreateDeployment
// and PutRestApi calls, throttled calls, completed / rolled-back / stuck stacks, the longest and
// median wait from a stack's request to its routes being live, and whether the invariant holds.
//
//   npm run bench:routes --workspace @shared-lambda-infra/platform [-- --services 30 --routes 3 --spread 30 --foreign-throttle 60]
//
// --spread S: the stacks start at random (seeded) moments within S seconds, as CI pipelines do.
// --foreign-throttle S: other clients hold the account's CreateDeployment quota for the first S seconds.

import { performance } from 'node:perf_hooks';
import type { ServiceRegistration } from '@shared-lambda-infra/contract';
import { invariantProblems } from '../test/models/invariant';
import { route, World } from '../test/models/world';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be an integer >= 0, got ${value}`);
  return value;
}

const SERVICES = option('services', 30);
const ROUTES = option('routes', 3);
const FOREIGN = option('foreign-throttle', 0);
const SPREAD = option('spread', 30);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const started = performance.now();
  const world = await new World().start();
  const registry = new Map<string, ServiceRegistration>();
  const names = Array.from({ length: SERVICES }, (_, i) => `svc${String(i).padStart(3, '0')}`);
  for (const n of names) registry.set(n, world.register(n));
  await world.run(() => world.deployPlatform());
  const before = {
    deployments: world.apigateway.calls.CreateDeployment ?? 0,
    puts: world.apigateway.calls.PutRestApi ?? 0,
  };
  const requestsBefore = world.cfn.requests.length;
  if (FOREIGN > 0) world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + FOREIGN * 1000;
  const routes = (n: string) =>
    Array.from({ length: ROUTES }, (_, i) =>
      route(i === 0 ? 'GET' : 'POST', i === 0 ? `/${n}` : `/${n}/r${i}`, `fn${i}`),
    );
  const statuses = await world.run(
    ...names.map((n) => async () => {
      await world.clock.sleep(Math.floor(world.clock.random() * SPREAD * 1000));
      return world.deployService(n, routes(n));
    }),
  );
  const waits = world.cfn.requests
    .slice(requestsBefore)
    .filter((r) => r.status === 'SUCCESS')
    .map((r) => r.waitedMs / 1000)
    .sort((a, b) => a - b);
  const count = (s: string) => statuses.filter((x) => x === s).length;
  const problems = invariantProblems(world, registry);
  await world.stop();
  const rows: Array<[string, string]> = [
    ['Services deploying at once (routes each)', `${SERVICES} (${ROUTES})`],
    ['Stacks start within', `${SPREAD} s`],
    ['Other clients hold CreateDeployment for', `${FOREIGN} s`],
    [
      'CreateDeployment calls (accepted)',
      String((world.apigateway.calls.CreateDeployment ?? 0) - before.deployments),
    ],
    ['PutRestApi calls (accepted)', String((world.apigateway.calls.PutRestApi ?? 0) - before.puts)],
    ['Throttled API Gateway calls', JSON.stringify(world.apigateway.throttled)],
    ['Reconciler invocations (failed)', `${world.invocations.total - 1} (${world.invocations.failed})`],
    [
      'Completed / rolled back / stuck stacks',
      `${count('CREATE_COMPLETE')} / ${count('ROLLBACK_COMPLETE')} / ${SERVICES - count('CREATE_COMPLETE') - count('ROLLBACK_COMPLETE')}`,
    ],
    [
      'Wait until routes live: median / longest (virtual)',
      `${percentile(waits, 50).toFixed(1)} s / ${(waits[waits.length - 1] ?? 0).toFixed(1)} s`,
    ],
    ['Invariant holds', problems.length === 0 ? 'yes' : `NO: ${problems.slice(0, 3).join('; ')}`],
    ['Wall time of this benchmark', `${((performance.now() - started) / 1000).toFixed(2)} s`],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(52)} ${v}`);
  if (problems.length > 0 || count('CREATE_COMPLETE') !== SERVICES) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
