/**
 * Inputs of the rehearsal tests: the platform's rehearsal inputs for a service, a service's stacks
 * as the CDK CLI reads them from its cloud assembly, and the edits that reintroduce or repair the
 * known deploy breakers (issue #17) in those inputs, so the tests keep their meaning whether or not
 * the platform's fix is merged.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EnvironmentName } from '@shared-lambda-infra/contract';
import {
  type AssemblyStack,
  type Check,
  type DeployedTemplate,
  readAssembly,
  type ServiceRehearsalInputs,
} from '@shared-lambda-infra/rehearse';
import { App } from 'aws-cdk-lib';
import { serviceRehearsalInputs } from '../../packages/platform/lib/rehearsal';
import { sharedPlatform } from '../../packages/platform/test/helpers/synth';

/** The rehearsal inputs the platform of `env` (config file unchanged) writes for `service`. */
export function platformInputs(env: EnvironmentName, service = 'orders'): ServiceRehearsalInputs {
  const platform = sharedPlatform(env);
  const inputs = serviceRehearsalInputs(platform, platform.assembly).find((i) => i.service === service);
  if (!inputs) throw new Error(`${service} is not registered in ${env}`);
  return inputs;
}

/** Synthesizes the stacks `build` adds to a fresh app (no bundling) and reads them as the CLI would. */
export function serviceStacks(build: (app: App) => void): AssemblyStack[] {
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), 'rehearse-service-')),
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true },
    builtinCloudFormationValidation: false,
  });
  build(app);
  return readAssembly(app.synth().directory);
}

type Json = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Sid?: string };

/** Every policy document of the service's access stack (inline, standalone and managed policies). */
function policyDocuments(
  templates: readonly DeployedTemplate[],
  service: string,
): Array<{ Statement: Statement[] }> {
  const access = templates.find((t) => t.stackName.endsWith(`-access-${service}`));
  if (!access) throw new Error(`no access stack of ${service}`);
  const docs: Array<{ Statement: Statement[] }> = [];
  for (const r of Object.values(access.template.Resources ?? {}) as Array<{
    Type: string;
    Properties?: Json;
  }>) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(p.PolicyDocument as { Statement: Statement[] });
    if (r.Type === 'AWS::IAM::Role')
      for (const inline of (p.Policies as
        | Array<{ PolicyDocument: { Statement: Statement[] } }>
        | undefined) ?? [])
        docs.push(inline.PolicyDocument);
  }
  return docs;
}

const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

/**
 * The inputs without any grant of `action` (or a wildcard covering it) in Allow statements of the
 * service's access stack whose resources mention `resource`: the defect, reintroduced.
 */
export function withoutGrant(
  inputs: ServiceRehearsalInputs,
  action: string,
  resource: RegExp,
): ServiceRehearsalInputs {
  const templates = structuredClone(inputs.templates) as DeployedTemplate[];
  for (const doc of policyDocuments(templates, inputs.service)) {
    const kept: Statement[] = [];
    for (const s of doc.Statement) {
      if (s.Effect !== 'Allow' || !resource.test(JSON.stringify(s.Resource ?? ''))) continue;
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      if (!actions.some((a) => covers(a, action))) continue;
      // Only the matching resources lose the grant: a statement that also names other resources
      // keeps them in a copy, so the defect reintroduced is this one and no other.
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      const others = resources.filter((r) => !resource.test(JSON.stringify(r ?? '')));
      if (others.length > 0) {
        const { Sid: _sid, ...copy } = s;
        kept.push({ ...copy, Resource: others });
      }
      s.Resource = resources.filter((r) => resource.test(JSON.stringify(r ?? '')));
      s.Action = actions.filter((a) => !covers(a, action));
    }
    doc.Statement.push(...kept);
    doc.Statement = doc.Statement.filter((s) => (Array.isArray(s.Action) ? s.Action.length > 0 : true));
  }
  return { ...inputs, templates };
}

/** The inputs with `role` (a role name) also allowed `action` on `resource`: the fix, applied. */
export function withGrant(
  inputs: ServiceRehearsalInputs,
  role: string,
  action: string,
  resource: string,
): ServiceRehearsalInputs {
  const templates = structuredClone(inputs.templates) as DeployedTemplate[];
  const access = templates.find((t) => t.stackName.endsWith(`-access-${inputs.service}`)) as DeployedTemplate;
  const resources = access.template.Resources as Record<string, unknown>;
  resources[`RehearsalTestGrant${Object.keys(resources).length}`] = {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'rehearsal-test-grant',
      Roles: [role],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: action, Resource: resource }],
      },
    },
  };
  return { ...inputs, templates };
}

const INVOKE_CONFIG = "'AWS::Lambda::EventInvokeConfig'";

/** The Guard Hook's catalogue with `AWS::Lambda::EventInvokeConfig` (the fix) or without it (the defect). */
export function withInvokeConfigInCatalogue(
  inputs: ServiceRehearsalInputs,
  present: boolean,
): ServiceRehearsalInputs {
  const rules = inputs.guardRules ?? '';
  // Wherever the entry sits in the list: first, in the middle or last.
  const without = rules.replace(new RegExp(`${INVOKE_CONFIG},\\s*|,\\s*${INVOKE_CONFIG}`, 'g'), '');
  // The catalogue rule's list, not the first `Type in [` of the file (other rules select by type too).
  const catalogue = /(rule resource_type_in_service_catalogue\b[\s\S]*?Type in \[)/;
  if (!catalogue.test(without)) throw new Error('the Guard rules have no catalogue list');
  return {
    ...inputs,
    guardRules: present ? without.replace(catalogue, `$1${INVOKE_CONFIG}, `) : without,
  };
}

/** The checks that failed, one line each: stack kind resource type permission role. */
export function failures(checks: readonly Check[]): string[] {
  return checks
    .filter((c) => c.verdict === 'fail')
    .map((c) => [c.stack, c.kind, c.resource ?? '-', c.type ?? '-', c.permission, c.role ?? '-'].join(' '))
    .filter((line, i, all) => all.indexOf(line) === i);
}
