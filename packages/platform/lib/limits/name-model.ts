// How the platform's policies grow with the project and service names, so config validation can
// refuse a name whose longest generated policy would cross an IAM limit without synthesizing
// anything (validation runs before aws-cdk-lib is even loaded). The model is measured from each
// shipped environment file's synthesized templates and kept in policy-templates.json, which
// `npm run docs` regenerates and test/limits/name-model.test.ts keeps fresh: a statement added to
// a boundary changes the file, and the validation follows.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentName } from '@shared-lambda-infra/contract';
import type { ConfigProblem } from '../config/errors';
import { show } from '../config/errors';
import type { PlatformConfig } from '../config/schema';
import type { MeasuredEnvironment } from './measure';
import { managedPolicies, roles } from './measure';

/** Where the model is kept. */
export const POLICY_TEMPLATES_FILE = path.join(__dirname, 'policy-templates.json');

/** One policy as a function of the names: `fixed + project × |project| + service × |service|`. */
export interface PolicyTemplate {
  /** Which limit it is measured against. */
  readonly kind: 'managed' | 'trust' | 'inline';
  /** The policy, with `{project}`, `{env}` and `{service}` for the names: `{project}-{env}-iam/PermissionsBoundary`. */
  readonly policy: string;
  /** Whether there is one per registered service. */
  readonly perService: boolean;
  /** Resolved length without the names. */
  readonly fixed: number;
  /** Occurrences of the project name. */
  readonly project: number;
  /** Occurrences of the service name (a base path equal to it counts too, so the model errs high). */
  readonly service: number;
}

/** The model of every shipped environment. */
export type PolicyTemplates = Partial<Record<EnvironmentName, readonly PolicyTemplate[]>>;

function occurrences(text: string, word: string): number {
  let n = 0;
  for (let i = text.indexOf(word); i >= 0 && word.length > 0; i = text.indexOf(word, i + word.length)) n++;
  return n;
}

/** Measures the model of one environment from its synthesized templates. */
export function measurePolicyTemplates(env: MeasuredEnvironment): PolicyTemplate[] {
  const { config } = env;
  const projectLength = config.project.length;
  const serviceOf = (stackName: string) =>
    config.services.find((s) => stackName.endsWith(`-access-${s.name}`))?.name;
  const name = (subject: string, service: string | undefined) => {
    const [stack, id] = subject.split('/');
    const generic = stack.replace(`${config.project}-${config.environment}-`, '{project}-{env}-');
    const logical = id.replace(/[0-9A-F]{8}$/, '');
    return `${service ? generic.replace(new RegExp(`-${service}$`), '-{service}') : generic}/${logical}`;
  };
  const template = (
    kind: PolicyTemplate['kind'],
    subject: string,
    text: string,
    length: number,
  ): PolicyTemplate => {
    const service = serviceOf(subject.split('/')[0]);
    const project = occurrences(text, config.project);
    const own = service ? occurrences(text.split(config.project).join(''), service) : 0;
    return {
      kind,
      policy: name(subject, service),
      perService: service !== undefined,
      fixed: length - project * projectLength - own * (service?.length ?? 0),
      project,
      service: own,
    };
  };
  const seen = new Set<string>();
  const out: PolicyTemplate[] = [];
  const add = (t: PolicyTemplate) => {
    // Every service's policies are alike: keep the first service's.
    if (seen.has(`${t.kind} ${t.policy}`)) return;
    seen.add(`${t.kind} ${t.policy}`);
    out.push(t);
  };
  for (const p of managedPolicies(env))
    add(template('managed', p.subject, JSON.stringify(p.document), p.length));
  for (const r of roles(env)) {
    add(template('trust', r.subject, JSON.stringify(r.trustDocument), r.trustLength));
  }
  return out;
}

let cached: PolicyTemplates | undefined;

/** The committed model; empty when the file is missing (a fresh checkout before `npm run docs`). */
export function policyTemplates(): PolicyTemplates {
  if (!cached) {
    cached = existsSync(POLICY_TEMPLATES_FILE)
      ? (JSON.parse(readFileSync(POLICY_TEMPLATES_FILE, 'utf8')) as PolicyTemplates)
      : {};
  }
  return cached;
}

/** IAM's limit for a kind of policy. */
function limitOf(kind: PolicyTemplate['kind'], quotas: PlatformConfig['quotas'] | undefined): number {
  if (kind === 'trust') return quotas?.roleTrustPolicyLength ?? 2048;
  return kind === 'managed' ? 6144 : 10_240;
}

const LIMIT_NAME = {
  managed: 'managed policy',
  trust: 'role trust policy',
  inline: 'inline role policies',
} as const;

/** The parts of a config the name checks read. */
export interface NameParts {
  readonly project?: string;
  readonly environment?: EnvironmentName;
  readonly services?: ReadonlyArray<{ readonly index: number; readonly service: { readonly name: string } }>;
  readonly quotas?: PlatformConfig['quotas'];
}

/**
 * Refuses a project name or a service name whose longest generated policy would cross an IAM
 * limit, computed with the policy templates of the config's environment.
 */
export function checkNameLimits(
  parts: NameParts,
  templates: PolicyTemplates = policyTemplates(),
): ConfigProblem[] {
  if (parts.project === undefined || parts.environment === undefined) return [];
  const model = templates[parts.environment] ?? [];
  const project = parts.project;
  const problems: ConfigProblem[] = [];
  const size = (t: PolicyTemplate, service: number) =>
    t.fixed + t.project * project.length + t.service * service;
  // The project alone: with the shortest service name (2 characters) a policy that still crosses
  // is the project name's doing.
  const projectWorst = model
    .map((t) => ({ t, size: size(t, t.perService ? 2 : 0), limit: limitOf(t.kind, parts.quotas) }))
    .filter((x) => x.size > x.limit)
    .sort((a, b) => b.size - a.size)[0];
  if (projectWorst) {
    const { t, limit } = projectWorst;
    const room = Math.floor(
      (limit - (t.fixed + t.service * (t.perService ? 2 : 0))) / Math.max(1, t.project),
    );
    problems.push({
      path: 'project',
      message: `${show(project)} makes the ${LIMIT_NAME[t.kind]} ${t.policy} ${projectWorst.size.toLocaleString('en-US')} characters once resolved, over IAM's limit of ${limit.toLocaleString('en-US')}; use a project name of at most ${room} characters${t.kind === 'trust' ? ' or raise quotas.roleTrustPolicyLength' : ''}`,
    });
    return problems;
  }
  for (const { index, service } of parts.services ?? []) {
    const worst = model
      .filter((t) => t.perService)
      .map((t) => ({ t, size: size(t, service.name.length), limit: limitOf(t.kind, parts.quotas) }))
      .filter((x) => x.size > x.limit)
      .sort((a, b) => b.size - a.size)[0];
    if (!worst) continue;
    const { t, limit } = worst;
    const room = Math.floor((limit - t.fixed - t.project * project.length) / Math.max(1, t.service));
    problems.push({
      path: `services[${index}].name`,
      message: `${show(service.name)} makes the ${LIMIT_NAME[t.kind]} ${t.policy.replace('{service}', service.name)} ${worst.size.toLocaleString('en-US')} characters once resolved, over IAM's limit of ${limit.toLocaleString('en-US')}; use a service name of at most ${room} characters${t.kind === 'trust' ? ' or raise quotas.roleTrustPolicyLength' : ''}`,
    });
  }
  return problems;
}

/** The model file's text for the given environments' synthesized platforms. */
export function renderPolicyTemplates(environments: readonly MeasuredEnvironment[]): string {
  const model: PolicyTemplates = Object.fromEntries(
    environments.map((env) => [env.config.environment, measurePolicyTemplates(env)]),
  );
  return `${JSON.stringify(model, null, 2)}\n`;
}
