import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type NameScope,
  Parameters,
  parseRoutesDeclaration,
  ROUTES_RESOURCE_TYPE,
  routeResources,
  routesStackName,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { type Location, routeLabel, validateDeclaration } from '../functions/routes/validate';

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

/**
 * One routes declaration found in a service cloud assembly: the `Declaration` of a
 * `Custom::SharedApiRoutes` resource, as the receiver will receive it once CloudFormation resolved
 * its references (the function ARNs).
 */
export interface FoundDeclaration {
  /** The stack that holds it. */
  readonly stackName: string;
  /** The registered service whose routes stack it is; `undefined` when it is no such stack. */
  readonly service?: string;
  /** The `Declaration` text, references replaced by the values CloudFormation would give them. */
  readonly declaration: unknown;
}

/**
 * Every routes declaration in the service cloud assembly at `dir` (a service repository's
 * `cdk.out`), with the service whose routes stack holds it. A declaration in any other stack (of an
 * unregistered service, or not named `{project}-{env}-{service}-api`) is returned without service:
 * the receiver refuses it.
 *
 * @param location account and Region of the shared API: function references become ARNs there
 */
export function declarationsIn(
  dir: string,
  scope: NameScope,
  services: Iterable<string>,
  location: Location & { readonly partition?: string },
): FoundDeclaration[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const byStackName = new Map([...services].map((s) => [routesStackName(scope, s), s]));
  const found: FoundDeclaration[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const stackName = artifact.properties?.stackName ?? id;
    const template = JSON.parse(
      readFileSync(path.join(dir, artifact.properties?.templateFile ?? `${id}.template.json`), 'utf8'),
    ) as TemplateJson;
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== ROUTES_RESOURCE_TYPE) continue;
      found.push({
        stackName,
        service: byStackName.get(stackName),
        declaration: resolve(resource.Properties?.Declaration, template, stackName, {
          partition: 'aws',
          ...location,
        }),
      });
    }
  }
  return found;
}

/**
 * What CloudFormation would make of a value: `Fn::Join` joined, pseudo parameters filled in, a
 * function's `Arn` built from its `FunctionName` (or, without one, from the name CloudFormation would
 * generate from the stack name and logical id, which is never the service's own).
 */
function resolve(
  value: unknown,
  template: TemplateJson,
  stackName: string,
  location: Location & { readonly partition: string },
): unknown {
  if (typeof value === 'string' || typeof value !== 'object' || value === null) return value;
  const v = value as Json;
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (Array.isArray(join) && Array.isArray(join[1])) {
    return join[1].map((part) => String(resolve(part, template, stackName, location))).join(join[0]);
  }
  const pseudo: Record<string, string> = {
    'AWS::Region': location.region,
    'AWS::AccountId': location.account,
    'AWS::Partition': location.partition,
  };
  if (typeof v.Ref === 'string' && v.Ref in pseudo) return pseudo[v.Ref];
  const getAtt = v['Fn::GetAtt'] as [string, string] | undefined;
  const target = getAtt ? template.Resources?.[getAtt[0]] : undefined;
  if (getAtt && getAtt[1] === 'Arn' && target?.Type === 'AWS::Lambda::Function') {
    const given = target.Properties?.FunctionName;
    const name = typeof given === 'string' ? given : `${`${stackName}-${getAtt[0]}`.slice(0, 50)}-GENERATED`;
    return `arn:${location.partition}:lambda:${location.region}:${location.account}:function:${name}`;
  }
  return JSON.stringify(value);
}

/** The report `npm run routes` prints, and whether anything in it would be refused. */
export interface RoutesReport {
  /** The text. */
  readonly text: string;
  /** How many REFUSED lines it has: the command fails when there is any. */
  readonly refused: number;
}

/**
 * The report `npm run routes` prints: each registered service, its rules, its budget, its declared
 * routes, and REFUSED wherever the receiver would refuse (the receiver's own validateDeclaration),
 * plus every declaration in a stack the receiver would not accept at all.
 */
export function renderRoutesReport(
  scope: NameScope,
  location: Location,
  registrations: ReadonlyMap<string, ServiceRegistration>,
  found: readonly FoundDeclaration[],
  assemblies: readonly string[],
): RoutesReport {
  let refused = 0;
  const lines = [
    `${scope.project} ${scope.env}: ${registrations.size} registered service${registrations.size === 1 ? '' : 's'}`,
  ];
  for (const [service, r] of [...registrations].sort(([a], [b]) => a.localeCompare(b))) {
    const declared = found.filter((f) => f.service === service);
    const parsed = declared.map((d) => parseRoutesDeclaration(d.declaration));
    const routes = parsed.flatMap((p) => ('declaration' in p ? p.declaration.routes : []));
    const use =
      declared.length > 0 ? `${routeResources(routes).length}/${r.resourceBudget}` : `-/${r.resourceBudget}`;
    lines.push(
      '',
      `${service}  /${r.basePath}  throttle ${r.throttle.rateLimit} rps, burst ${r.throttle.burstLimit}  authorization: ${r.allowedAuthorizations.join(', ')}  caching: ${r.cachingAllowed ? 'allowed' : 'off'}  resources: ${use}`,
    );
    if (declared.length === 0) {
      lines.push(
        assemblies.length > 0
          ? '  (no routes stack of this service in the given assemblies)'
          : '  (routes: pass -c assembly=<service cdk.out>)',
      );
      continue;
    }
    for (const d of declared) {
      const { declaration, problems } = validateDeclaration(scope, location, r, d.declaration, registrations);
      const shown = declaration?.routes ?? routes;
      if (shown.length === 0 && problems.length === 0) lines.push('  (declares no route)');
      const unplaced = [...problems];
      shown.forEach((route, i) => {
        const own = unplaced.filter((p) => p.startsWith(`route "${routeLabel(route)}" (routes[${i}]): `));
        for (const p of own) unplaced.splice(unplaced.indexOf(p), 1);
        const cache = route.cache ? `  cache ${route.cache.ttlSeconds}s` : '';
        const reasons = own.map((p) => p.slice(p.indexOf('): ') + 3));
        lines.push(
          `  ${route.method.padEnd(6)} ${route.path.padEnd(32)} ${route.authorization.padEnd(5)} -> ${functionName(route.functionArn)}${cache}${reasons.length ? `  REFUSED: ${reasons.join('; ')}` : ''}`,
        );
        refused += reasons.length > 0 ? 1 : 0;
      });
      for (const p of unplaced) lines.push(`  REFUSED: ${p}`);
      refused += unplaced.length;
    }
  }
  for (const d of found.filter((f) => f.service === undefined)) {
    lines.push(
      '',
      `${d.stackName}  REFUSED: a ${ROUTES_RESOURCE_TYPE} in a stack that is not the routes stack ({project}-{env}-{service}-api) of a service registered in ${scope.env}; the receiver refuses it (register the service, or name the stack ${scope.project}-${scope.env}-{service}-api)`,
    );
    refused++;
  }
  lines.push(
    '',
    refused > 0 ? `${refused} REFUSED: the receiver would refuse these deploys` : 'nothing REFUSED',
  );
  return { text: lines.join('\n'), refused };
}

/** The function name of an ARN, for display. */
function functionName(arn: string): string {
  return /:function:([^:]+)/.exec(arn)?.[1] ?? arn;
}
