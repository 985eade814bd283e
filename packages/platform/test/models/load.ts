import { performance } from 'node:perf_hooks';
import type { DeclaredRoute, ServiceRegistration } from '@shared-lambda-infra/contract';
import { answerProblems, invariantProblems, stuckStacks } from './invariant';
import { platformSettings, route, World } from './world';

/**
 * The load scenarios of issue 21, shared by the slow test (routes-load.slow.test.ts, which asserts)
 * and the routes benchmark (scripts/bench-routes.ts, which prints): real receiver and reconciler,
 * the models' quotas (API Gateway's control plane, Parameter Store's 40 TPS) on the virtual clock.
 */

/** What a load scenario measured. */
export interface LoadResult {
  readonly name: string;
  readonly registered: number;
  /** Final status of each stack the scenario deployed or deleted, by stack. */
  readonly statuses: Record<string, string>;
  readonly stuck: string[];
  readonly answerProblems: string[];
  readonly invariantProblems: string[];
  readonly requests: number;
  readonly createDeployments: number;
  readonly putRestApis: number;
  readonly apiGatewayThrottled: number;
  readonly parameterStoreCalls: number;
  readonly parameterStoreThrottled: number;
  readonly reconcilerInvocations: number;
  readonly reconcilerFailures: number;
  readonly deadLetters: number;
  /** Seconds (virtual) from a request to its answer: median and longest. */
  readonly waitMedianSeconds: number;
  readonly waitMaxSeconds: number;
  /** Seconds of virtual time the scenario took. */
  readonly virtualSeconds: number;
  /** Seconds of this machine's time. */
  readonly wallSeconds: number;
}

/** The service names `svc0000`… */
export function serviceNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `svc${String(i).padStart(4, '0')}`);
}

/** A service's table of `routes` routes. */
export function tableOf(service: string, routes = 3): DeclaredRoute[] {
  return Array.from({ length: routes }, (_, i) =>
    route(i === 0 ? 'GET' : 'POST', i === 0 ? `/${service}` : `/${service}/r${i}`, `fn${i}`),
  );
}

async function measure(
  name: string,
  registeredCount: number,
  resourcesPerApi: number,
  body: (world: World, registry: Map<string, ServiceRegistration>) => Promise<Record<string, string>>,
): Promise<LoadResult> {
  const wall = performance.now();
  const world = await new World().start();
  try {
    const registry = new Map<string, ServiceRegistration>();
    for (const n of serviceNames(registeredCount)) registry.set(n, world.register(n));
    // Resources per API is a raisable quota (300 by default): a platform with 100+ services has it raised.
    world.apigateway.resourceLimit = resourcesPerApi;
    await world.run(() => world.deployPlatform(platformSettings({ quotas: { resourcesPerApi } })));
    const before = {
      requests: world.cfn.requests.length,
      deployments: world.apigateway.calls.CreateDeployment ?? 0,
      puts: world.apigateway.calls.PutRestApi ?? 0,
      at: world.clock.now(),
      ssmCalls: Object.values(world.ssm.faults.calls).reduce((a, b) => a + b, 0),
      ssmThrottled: Object.values(world.ssm.faults.throttled).reduce((a, b) => a + b, 0),
    };
    const statuses = await body(world, registry);
    await world.settle();
    const waits = world.cfn.requests
      .slice(before.requests)
      .map((r) => r.waitedMs / 1000)
      .sort((a, b) => a - b);
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      name,
      registered: registeredCount,
      statuses,
      stuck: stuckStacks(world),
      answerProblems: answerProblems(world),
      invariantProblems: invariantProblems(world, registry),
      requests: world.cfn.requests.length - before.requests,
      createDeployments: (world.apigateway.calls.CreateDeployment ?? 0) - before.deployments,
      putRestApis: (world.apigateway.calls.PutRestApi ?? 0) - before.puts,
      apiGatewayThrottled: sum(world.apigateway.throttled),
      parameterStoreCalls: sum(world.ssm.faults.calls) - before.ssmCalls,
      parameterStoreThrottled: sum(world.ssm.faults.throttled) - before.ssmThrottled,
      reconcilerInvocations: world.invocations.total,
      reconcilerFailures: world.invocations.failed,
      deadLetters: world.queue.deadLetters.length,
      waitMedianSeconds: waits[Math.floor(waits.length / 2)] ?? 0,
      waitMaxSeconds: waits[waits.length - 1] ?? 0,
      virtualSeconds: (world.clock.now() - before.at) / 1000,
      wallSeconds: (performance.now() - wall) / 1000,
    };
  } finally {
    await world.stop();
  }
}

async function deployAll(
  world: World,
  services: readonly string[],
  spreadMs: number,
): Promise<Record<string, string>> {
  const statuses = await world.run(
    ...services.map((n) => async () => {
      if (spreadMs > 0) await world.clock.sleep(Math.floor(world.clock.random() * spreadMs));
      return world.deployService(n, tableOf(n));
    }),
  );
  return Object.fromEntries(services.map((n, i) => [n, statuses[i]]));
}

/** `count` services (of `registered`) deploying within `spreadSeconds` (0: the same instant). */
export function concurrentDeploys(
  count: number,
  registered: number,
  spreadSeconds: number,
  /** Other clients hold the account's CreateDeployment quota for this long from the start. */
  foreignThrottleSeconds = 0,
): Promise<LoadResult> {
  const quota = Math.max(300, count * 3 + 10);
  const name =
    spreadSeconds === 0
      ? `${count} services at the same instant (${registered} registered, resources quota ${quota})`
      : `${count} services within ${spreadSeconds} s (${registered} registered, resources quota ${quota})`;
  const suffix =
    foreignThrottleSeconds > 0 ? `, CreateDeployment held by others for ${foreignThrottleSeconds} s` : '';
  return measure(`${name}${suffix}`, registered, quota, (world) => {
    world.apigateway.exhaustedUntil.CreateDeployment = world.clock.now() + foreignThrottleSeconds * 1000;
    return deployAll(world, serviceNames(registered).slice(0, count), spreadSeconds * 1000);
  });
}

/**
 * A release train: 200 registered services, `live` of them deployed beforehand; then, within 30 s,
 * 12 new services are created, one live service's update fails later in its stack (a rollback) and
 * one live service's stack is deleted.
 */
export function releaseTrain(registered = 200, live = 150): Promise<LoadResult> {
  return measure(
    `release train (${registered} registered, ${live} live, resources quota 1000)`,
    registered,
    1000,
    async (world, registry) => {
      const names = serviceNames(registered);
      const baseline = await deployAll(world, names.slice(0, live), 0);
      const notLive = Object.entries(baseline).filter(([, s]) => s !== 'CREATE_COMPLETE');
      if (notLive.length > 0)
        throw new Error(`release train: the baseline did not deploy: ${JSON.stringify(notLive)}`);
      await world.settle();
      const creates = names.slice(live, live + 12);
      const [rolledBack, deleted] = [names[0], names[1]];
      const at = (ms: number, fn: () => Promise<string>) => async () => {
        await world.clock.sleep(ms);
        return fn();
      };
      const statuses = await world.run(
        ...creates.map((n, i) => at(i * 2_500, () => world.deployService(n, tableOf(n)))),
        at(7_000, () => world.deployService(rolledBack, tableOf(rolledBack, 5), { failAfter: true })),
        at(13_000, () => world.deleteService(deleted)),
      );
      // The deleted service leaves the registry's expectations: its stack is gone.
      registry.delete(deleted);
      return Object.fromEntries([...creates, rolledBack, deleted].map((n, i) => [n, statuses[i]]));
    },
  );
}
