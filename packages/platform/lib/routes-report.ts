import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type DeclaredRoute,
  type NameScope,
  Parameters,
  ROUTES_RESOURCE_TYPE,
  routesStackName,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

type Json = Record<string, unknown>;
interface TemplateJson {
  Resources?: Record<string, { Type: string; Properties?: Json }>;
}

/**
 * Every `serviceRegistration` value in a synthesized platform assembly, by service: what the
 * routes receiver will read from SSM once the access stacks are deployed.
 */
export function registrationsIn(assembly: CloudAssembly, scope: NameScope): Map<string, ServiceRegistration> {
  const prefix = `/${scope.project}/${scope.env}/services/`;
  const suffix = `/${Parameters.serviceRegistration.attribute}`;
  const found = new Map<string, ServiceRegistration>();
  for (const stack of assembly.stacks) {
    for (const resource of Object.values((stack.template as TemplateJson).Resources ?? {})) {
      const name = resource.Properties?.Name;
      if (resource.Type !== 'AWS::SSM::Parameter' || typeof name !== 'string') continue;
      if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
      const registration = JSON.parse(String(resource.Properties?.Value)) as ServiceRegistration;
      found.set(registration.service, registration);
    }
  }
  return found;
}

/** A route read from a service's synthesized template; the function shown by its logical id. */
export interface FoundRoute extends Omit<DeclaredRoute, 'functionArn'> {
  /** `FunctionName` of the target when the template gives one, else its logical id. */
  readonly target: string;
}

/**
 * The routes declared in the service cloud assembly at `dir` (a service repository's `cdk.out`), by
 * service: read from the `Custom::SharedApiRoutes` resource of each stack named
 * `{project}-{env}-{service}-api` for a service in `services`.
 */
export function declaredRoutesIn(
  dir: string,
  scope: NameScope,
  services: Iterable<string>,
): Map<string, FoundRoute[]> {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const byStackName = new Map([...services].map((s) => [routesStackName(scope, s), s]));
  const found = new Map<string, FoundRoute[]>();
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const service = byStackName.get(artifact.properties?.stackName ?? id);
    if (!service) continue;
    const template = JSON.parse(
      readFileSync(path.join(dir, artifact.properties?.templateFile ?? `${id}.template.json`), 'utf8'),
    ) as TemplateJson;
    found.set(service, routesOf(template));
  }
  return found;
}

function routesOf(template: TemplateJson): FoundRoute[] {
  const resources = template.Resources ?? {};
  const declaration = Object.values(resources).find((r) => r.Type === ROUTES_RESOURCE_TYPE)?.Properties
    ?.Declaration as string | { 'Fn::Join': [string, unknown[]] } | undefined;
  if (declaration === undefined) return [];
  // toJsonString leaves each function ARN as a token between literal JSON pieces.
  const text =
    typeof declaration === 'string'
      ? declaration
      : declaration['Fn::Join'][1]
          .map((part) => {
            if (typeof part === 'string') return part;
            const ref = (part as Json)['Fn::GetAtt'] as string[] | undefined;
            const id = ref?.[0] ?? JSON.stringify(part).replace(/"/g, "'");
            const name = resources[id]?.Properties?.FunctionName;
            return typeof name === 'string' ? name : id;
          })
          .join('');
  const parsed = JSON.parse(text) as { routes: DeclaredRoute[] };
  return parsed.routes.map(({ functionArn, ...route }) => ({ ...route, target: functionArn }));
}

/** What the receiver would refuse in `route`, in its words; empty when nothing. */
export function refusals(route: FoundRoute, registration: ServiceRegistration): string[] {
  const out: string[] = [];
  if (route.path !== `/${registration.basePath}` && !route.path.startsWith(`/${registration.basePath}/`)) {
    out.push(`outside base path /${registration.basePath}`);
  }
  if (!registration.allowedAuthorizations.includes(route.authorization)) {
    out.push(
      `authorization ${route.authorization} not allowed (${registration.allowedAuthorizations.join(', ')})`,
    );
  }
  if (route.cache && !registration.cachingAllowed) out.push('caching not allowed (no cache cluster)');
  return out;
}

/** The report `npm run routes` prints: each registered service, its rules, and its declared routes. */
export function renderRoutesReport(
  scope: NameScope,
  registrations: ReadonlyMap<string, ServiceRegistration>,
  declared: ReadonlyMap<string, readonly FoundRoute[]>,
  assemblies: readonly string[],
): string {
  const lines = [
    `${scope.project} ${scope.env}: ${registrations.size} registered service${registrations.size === 1 ? '' : 's'}`,
  ];
  for (const [service, r] of [...registrations].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      '',
      `${service}  /${r.basePath}  throttle ${r.throttle.rateLimit} rps, burst ${r.throttle.burstLimit}  authorization: ${r.allowedAuthorizations.join(', ')}  caching: ${r.cachingAllowed ? 'allowed' : 'off'}`,
    );
    const routes = declared.get(service);
    if (!routes) {
      lines.push(
        assemblies.length > 0
          ? '  (no routes stack of this service in the given assemblies)'
          : '  (routes: pass -c assembly=<service cdk.out>)',
      );
      continue;
    }
    if (routes.length === 0) lines.push('  (declares no route)');
    for (const route of routes) {
      const cache = route.cache ? `  cache ${route.cache.ttlSeconds}s` : '';
      const refused = refusals(route, r);
      lines.push(
        `  ${route.method.padEnd(6)} ${route.path.padEnd(32)} ${route.authorization.padEnd(5)} -> ${route.target}${cache}${refused.length ? `  REFUSED: ${refused.join('; ')}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
