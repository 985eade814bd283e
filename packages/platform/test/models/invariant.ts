import type { DeclaredRoute, RoutesDeclaration, ServiceRegistration } from '@shared-lambda-infra/contract';
import { ROUTES_RESOURCE_TYPE, routesStackName } from '@shared-lambda-infra/contract';
import type { PlatformSettings } from '../../functions/routes/interface';
import { REGION, SCOPE, type World } from './world';

// A stack deployed with --no-rollback that failed keeps each resource as its last request left it.
const SETTLED = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'UPDATE_FAILED',
  'CREATE_FAILED',
]);
const AUTH: Record<string, string> = { jwt: 'CUSTOM', iam: 'AWS_IAM', none: 'NONE' };

/** `GET /orders/{id} -> fn:…-orders-get (CUSTOM)`: a method as the invariant compares it. */
function line(method: string, path: string, target: string, auth: string): string {
  return `${method} ${path} -> ${target} (${auth})`;
}

function lambdaTarget(functionArn: string): string {
  return `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`;
}

/**
 * What the invariant says the stage must serve, from the fixture alone: the declarations of the
 * settled service stacks in the CloudFormation model (registered services only) and the settings
 * of the platform's api stack.
 */
export function expectedState(world: World, registry: ReadonlyMap<string, ServiceRegistration>) {
  const methods: string[] = [];
  const throttles: Record<string, { rate: number; burst: number }> = {};
  for (const [service, registration] of registry) {
    const stack = world.cfn.stacks.get(routesStackName(SCOPE, service));
    const resource = Object.values(stack?.template ?? {}).find((r) => r.type === ROUTES_RESOURCE_TYPE);
    if (!stack || !SETTLED.has(stack.status) || !resource) continue;
    const declaration = JSON.parse(resource.properties.Declaration) as RoutesDeclaration;
    for (const r of declaration.routes as DeclaredRoute[]) {
      methods.push(line(r.method, r.path, lambdaTarget(r.functionArn), AUTH[r.authorization]));
      throttles[`${r.path.slice(1)}/${r.method}`] = {
        rate: registration.throttle.rateLimit,
        burst: registration.throttle.burstLimit,
      };
    }
  }
  const api = world.cfn.stacks.get(`${SCOPE.project}-${SCOPE.env}-api`);
  const settings = JSON.parse(api?.template.ApiSettings?.properties.Settings ?? '{}') as PlatformSettings;
  for (const r of settings.routes ?? []) {
    const target = r.integration.type === 'mock' ? 'mock' : lambdaTarget(r.integration.functionArn);
    methods.push(line(r.method, r.path, target, AUTH[r.authorization]));
  }
  return { methods: methods.sort(), throttles, origin: settings.cors?.allowOrigins[0] };
}

/** What the stage's current deployment serves, read from the API Gateway model. */
export function servedState(world: World) {
  const snapshot = world.apigateway.served();
  const methods: string[] = [];
  const preflights: Record<string, string | undefined> = {};
  const routedPaths = new Set<string>();
  for (const [path, byMethod] of Object.entries(snapshot?.resources ?? {})) {
    for (const [method, m] of Object.entries(byMethod)) {
      if (method === 'OPTIONS') {
        preflights[path] = m.responseParameters?.['method.response.header.Access-Control-Allow-Origin'];
        continue;
      }
      routedPaths.add(path);
      const target = m.integration?.type === 'mock' ? 'mock' : (m.integration?.uri ?? 'NO INTEGRATION');
      methods.push(line(method, path, target, m.authorizationType));
    }
  }
  const throttles: Record<string, { rate: number; burst: number }> = {};
  for (const [key, s] of Object.entries(world.apigateway.stage.methodSettings)) {
    if (key === '*/*' || s.throttlingRateLimit === undefined) continue;
    throttles[key] = { rate: s.throttlingRateLimit, burst: s.throttlingBurstLimit ?? -1 };
  }
  return { methods: methods.sort(), throttles, preflights, routedPaths: [...routedPaths].sort() };
}

/**
 * Asserts the invariant: the stage's current deployment serves exactly the declared routes of
 * every registered service plus the platform's own, each service route with its registry
 * throttling, each routed resource with the platform's CORS preflight.
 */
export function invariantProblems(
  world: World,
  registry: ReadonlyMap<string, ServiceRegistration>,
): string[] {
  const expected = expectedState(world, registry);
  const served = servedState(world);
  const problems: string[] = [];
  const missing = expected.methods.filter((m) => !served.methods.includes(m));
  const extra = served.methods.filter((m) => !expected.methods.includes(m));
  if (missing.length) problems.push(`not served: ${missing.join(' | ')}`);
  if (extra.length) problems.push(`served but not declared: ${extra.join(' | ')}`);
  for (const [key, t] of Object.entries(expected.throttles)) {
    const got = served.throttles[key];
    if (!got || got.rate !== t.rate || got.burst !== t.burst)
      problems.push(`throttle of ${key}: expected ${JSON.stringify(t)}, got ${JSON.stringify(got)}`);
  }
  for (const key of Object.keys(served.throttles)) {
    if (!(key in expected.throttles)) problems.push(`stale method setting ${key}`);
  }
  if (expected.origin) {
    for (const path of served.routedPaths) {
      if (served.preflights[path] !== `'${expected.origin}'`)
        problems.push(
          `preflight of ${path}: expected origin '${expected.origin}', got ${served.preflights[path]}`,
        );
    }
  }
  return problems;
}

/**
 * Every request CloudFormation sent got an answer, and one only: problems name the request (stack,
 * type, logical id) and how often it was answered. `allowIdentical` tolerates a second answer that
 * repeats the first (a reconciler that died between its PUT and recording it), never a different one.
 */
export function answerProblems(world: World, options: { allowIdentical?: boolean } = {}): string[] {
  const byRequest = new Map<string, string[]>();
  for (const a of world.cfn.answers)
    byRequest.set(a.requestId, [...(byRequest.get(a.requestId) ?? []), a.status]);
  const problems: string[] = [];
  for (const [requestId, r] of world.cfn.sent) {
    const got = byRequest.get(requestId) ?? [];
    const name = `${r.requestType} ${r.logicalId} of ${r.stack}`;
    if (got.length === 0) problems.push(`${name}: never answered`);
    else if (new Set(got).size > 1) problems.push(`${name}: answered differently (${got.join(', ')})`);
    else if (got.length > 1 && !options.allowIdentical)
      problems.push(`${name}: answered ${got.length} times`);
  }
  return problems;
}

/** Stacks in a *_FAILED state (stuck: an operator has to act). */
export function stuckStacks(world: World): string[] {
  return [...world.cfn.stacks.values()]
    .filter((s) => s.status.endsWith('_FAILED'))
    .map((s) => `${s.name} ${s.status}`);
}
