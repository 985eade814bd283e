import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type ValidationError, validateWorkflow } from '@action-validator/core';
import {
  DEFAULT_PROJECT,
  ENVIRONMENTS,
  type EnvironmentName,
  platformDeployRoleName,
  platformReadOnlyRoleName,
  serviceDeployRoleName,
  serviceExecutionRoleName,
} from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SECURITY_FILES } from '../stryker.config.mjs';

const ROOT = path.resolve(__dirname, '..');
const ACCOUNT = '123456789012';

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly uses?: string;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string | { name: string };
  readonly concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  readonly permissions?: Record<string, string>;
  readonly strategy?: {
    'fail-fast'?: boolean;
    matrix?: { include?: Array<Record<string, string>>; file?: string[] };
  };
  readonly with?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

function workflowFiles(): string[] {
  const inDir = (dir: string) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(dir, f));
  const examples = readdirSync(path.join(ROOT, 'examples')).flatMap((e) => {
    try {
      return inDir(path.join('examples', e, '.github', 'workflows'));
    } catch {
      return []; // an example without workflows
    }
  });
  return [...inDir(path.join('.github', 'workflows')), ...examples];
}

const FILES = workflowFiles();
const load = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8')) as Workflow;
const text = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const jobsOf = (file: string) => Object.entries(load(file).jobs);
const stepsOf = (job: Job) => job.steps ?? [];
/** The shell commands of a job's `run:` steps, in order. */
const runsOf = (job: Job | undefined) =>
  (job?.steps ?? []).flatMap((s) => (s.run === undefined ? [] : [s.run]));
const assumesRole = (job: Job) =>
  stepsOf(job).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const deploys = (job: Job) => stepsOf(job).some((s) => /\bcdk deploy\b/.test(s.run ?? ''));
/** A job that versions or publishes packages with Changesets (a pull request, provenance). */
const releases = (job: Job) => stepsOf(job).some((s) => s.uses?.startsWith('changesets/action@'));
/** A job calling this repository's reusable workflow, which assumes a role in its deploy job. */
const callsServiceWorkflow = (job: Job) => /\/\.github\/workflows\/lambda-service\.yml@/.test(job.uses ?? '');

/**
 * action-validator's errors for a workflow, as its CLI prints them. In process, with the engine the
 * CLI wraps: a CLI run per file is a Node process and a WebAssembly instance each (about 0.5 s of CPU).
 */
function validatorErrors(src: string): string {
  const { errors }: { errors: ValidationError[] } = validateWorkflow(src);
  return errors.length === 0 ? '' : JSON.stringify(errors, null, 2);
}

/** `role-to-assume` (and other ARNs) with every expression replaced by the value it would have. */
function substitute(value: string, values: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
    if (expr === "vars.AWS_PARTITION || 'aws'") return 'aws';
    if (/vars(\.AWS_ACCOUNT_ID|\[matrix\.accountVariable\] \|\| vars\.AWS_ACCOUNT_ID)$/.test(expr))
      return ACCOUNT;
    if (expr in values) return values[expr];
    throw new Error(`no value for expression \${{ ${expr} }} in ${value}`);
  });
}

/** A GitHub Actions expression as a workflow writes it. */
const ghExpression = (expr: string) => `$\{{ ${expr} }}`;

const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('workflow files', () => {
  it('finds the platform workflows and the example service workflow', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        '.github/workflows/platform-ci.yml',
        '.github/workflows/platform-deploy.yml',
        '.github/workflows/lambda-service.yml',
        'examples/orders-service/.github/workflows/deploy.yml',
      ]),
    );
  });

  it.each(FILES)('%s passes action-validator', (file) => {
    expect(validatorErrors(text(file)), `action-validator errors in ${file}`).toBe('');
  });

  it('action-validator fails on an invalid workflow, so the check above can fail', () => {
    const errors = validatorErrors('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz: []\n');
    expect(errors).toContain("Additional property 'stepz' is not allowed");
    expect(errors).toContain('"path": "/jobs/build"');
  });
});

describe('workflow security', () => {
  it.each(FILES)('%s grants only contents: read at the top level', (file) => {
    expect(load(file).permissions).toEqual({ contents: 'read' });
  });

  it.each(FILES)(
    '%s grants id-token: write only to jobs that assume an AWS role or sign package provenance',
    (file) => {
      for (const [name, job] of jobsOf(file)) {
        const wantsToken = job.permissions?.['id-token'] === 'write';
        expect(wantsToken, `${file} job ${name}`).toBe(
          assumesRole(job) || callsServiceWorkflow(job) || releases(job),
        );
      }
    },
  );

  it.each(FILES)(
    '%s grants pull-requests: write only to the jobs that comment on or open a pull request',
    (file) => {
      for (const [name, job] of jobsOf(file)) {
        const comments = stepsOf(job).some((s) => s.uses?.startsWith('actions/github-script@'));
        expect(job.permissions?.['pull-requests'] === 'write', `${file} job ${name}`).toBe(
          comments || releases(job),
        );
      }
    },
  );

  it.each(FILES)(
    '%s pins every third-party action to a full commit SHA with its release in a comment',
    (file) => {
      const lines = text(file).split('\n');
      const usesLines = lines.filter((l) => /^\s*(-\s+)?uses:/.test(l));
      expect(usesLines.length).toBeGreaterThan(0);
      for (const line of usesLines) {
        const ref = /uses:\s*(\S+)/.exec(line)?.[1] ?? '';
        if (ref.startsWith('./')) continue; // this repository's own code, same commit
        expect(ref, `${file}: ${line.trim()}`).not.toMatch(/^docker:\/\//);
        if (/\/\.github\/workflows\/lambda-service\.yml@/.test(ref)) {
          // The platform's own reusable workflow: a release tag or a commit SHA (see deploy.yml).
          expect(ref, `${file}: ${line.trim()}`).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
          continue;
        }
        expect(line, `${file}: ${line.trim()}`).toMatch(
          /uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$/,
        );
      }
    },
  );

  it.each(FILES)('%s never expands inputs or event data inside a shell script', (file) => {
    // `${{ }}` in `run:` is pasted into the script before it runs: a crafted branch name or
    // input would become code. Values reach scripts through env instead.
    for (const [name, job] of jobsOf(file)) {
      for (const step of stepsOf(job)) {
        expect(step.run ?? '', `${file} job ${name}`).not.toMatch(
          /\$\{\{\s*(inputs|github\.event|github\.head_ref)/,
        );
      }
    }
  });

  it.each(FILES)(
    '%s runs every deployment in a GitHub environment, one at a time and never cancelled',
    (file) => {
      for (const [name, job] of jobsOf(file)) {
        if (!deploys(job)) continue;
        expect(job.environment, `${file} job ${name}`).toBeDefined();
        expect(job.concurrency?.group, `${file} job ${name}`).toBeTruthy();
        expect(job.concurrency?.['cancel-in-progress'], `${file} job ${name}`).toBe(false);
      }
    },
  );
});

describe('workflow versions', () => {
  it.each(FILES.filter((f) => f.startsWith('.github/')))('%s sets up Node.js 26, the current LTS', (file) => {
    const versions = jobsOf(file).flatMap(([, job]) =>
      stepsOf(job)
        .filter((s) => s.uses?.startsWith('actions/setup-node@'))
        .map((s) => s.with?.['node-version']),
    );
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions) expect(['26', ghExpression('inputs.node-version')]).toContain(v);
  });

  it.each(FILES)('%s uses the current major of each action', (file) => {
    const current: Record<string, string> = {
      'actions/checkout': 'v7.0.1',
      'actions/setup-node': 'v7.0.0',
      'aws-actions/configure-aws-credentials': 'v6.2.3',
      'actions/github-script': 'v8.0.0',
      'changesets/action': 'v2.1.1',
    };
    for (const line of text(file).split('\n')) {
      const m = /uses:\s*([\w.-]+\/[\w.-]+)@[0-9a-f]{40}\s+#\s*(v\S+)/.exec(line);
      if (m) expect(`${m[1]} ${m[2]}`).toBe(`${m[1]} ${current[m[1] ?? '']}`);
    }
  });
});

describe('release.yml', () => {
  const file = '.github/workflows/release.yml';
  const workflow = load(file);
  const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { default?: string }> };

  it('publishes to GitHub Packages by default; registry and scope are inputs', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(dispatch.inputs['registry-url']?.default).toBe('https://npm.pkg.github.com');
    expect(dispatch.inputs.scope?.default).toBe('@shared-lambda-infra');
  });

  it('installs, builds and runs every test, end-to-end included, before Changesets versions or publishes', () => {
    const steps = stepsOf(workflow.jobs.release as Job);
    const runs = steps.map((s) => s.run ?? s.uses?.split('@')[0]);
    expect(runs.slice(2)).toEqual([
      'npm ci',
      'npm run build',
      'npm test',
      'npm run test:e2e',
      'changesets/action',
    ]);
    expect(steps.at(-1)?.with?.['publish-script']).toBe('npm run release:publish');
  });
});

describe('platform-ci.yml', () => {
  const file = '.github/workflows/platform-ci.yml';
  const workflow = load(file);

  it('runs on pull requests: install, `npm test` (lint, type-check, tests) and synth of every environment', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const runs = runsOf(workflow.jobs.checks);
    expect(runs.slice(0, 2)).toEqual(['npm ci', 'npm test']);
    const synth = runs.find((r) => r.includes('npm run synth')) ?? '';
    expect(synth).toContain('for env in dev staging prod');
    const rehearse = runs.find((r) => r.includes('npm run rehearse')) ?? '';
    expect(rehearse).toContain('for env in dev staging prod');
  });

  it('runs the end-to-end tests in a job of their own, waiting for nothing', () => {
    expect(runsOf(workflow.jobs.e2e)).toEqual(['npm ci', 'npm run test:e2e']);
    expect(workflow.jobs.e2e.needs).toBeUndefined();
  });

  it('runs the mutation tests of each security file in a job of its own, waiting for nothing', () => {
    const mutation = workflow.jobs.mutation;
    expect(runsOf(mutation)).toEqual(['npm ci', 'npm run test:mutation -- "$MUTATION_TARGET"']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, verbatim
    expect(stepsOf(mutation).at(-1)?.env).toEqual({ MUTATION_TARGET: '${{ matrix.file }}' });
    // Every file of stryker.config.mjs, so a file added there is not left out of CI.
    expect(mutation.strategy?.matrix?.file).toEqual([...SECURITY_FILES]);
    expect(mutation.strategy?.['fail-fast']).toBe(false);
    expect(mutation.needs).toBeUndefined();
  });

  it('diffs every environment with that environment read-only role, outside any GitHub environment', () => {
    const diff = workflow.jobs.diff;
    expect(diff.environment).toBeUndefined(); // an environment would change the OIDC subject
    const envs = (diff.strategy?.matrix?.include ?? []).map((m) => m.environment);
    expect(envs).toEqual([...ENVIRONMENTS]);
    const role = stepsOf(diff).find(assumesRoleStep)?.with?.['role-to-assume'] ?? '';
    for (const env of ENVIRONMENTS) {
      expect(substitute(role, { 'matrix.environment': env })).toBe(
        roleArn(platformReadOnlyRoleName({ project: DEFAULT_PROJECT, env })),
      );
    }
    expect(stepsOf(diff).some((s) => /cdk diff --all --no-change-set/.test(s.run ?? ''))).toBe(true);
  });

  it('posts the diff on the pull request', () => {
    const post = stepsOf(workflow.jobs.diff).find((s) => s.uses?.startsWith('actions/github-script@'));
    expect(post?.with?.script).toMatch(/issues\.(createComment|updateComment)/);
  });
});

function assumesRoleStep(step: Step): boolean {
  return step.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false;
}

describe('platform-deploy.yml', () => {
  const file = '.github/workflows/platform-deploy.yml';
  const workflow = load(file);
  const deployJobs = Object.entries(workflow.jobs).filter(([, j]) => deploys(j));

  it('deploys dev only after `npm test` and the end-to-end tests, each in its own job, passed', () => {
    expect(runsOf(workflow.jobs.checks)).toEqual(['npm ci', 'npm test']);
    expect(runsOf(workflow.jobs.e2e)).toEqual(['npm ci', 'npm run test:e2e']);
    expect(workflow.jobs.e2e.needs).toBeUndefined();
    const dev = deployJobs.find(([, j]) => j.environment === 'dev')?.[1];
    expect(list(dev?.needs).sort()).toEqual(['checks', 'e2e']);
  });

  it('deploys on push to main, dev then staging then prod', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(deployJobs.map(([, j]) => j.environment)).toEqual([...ENVIRONMENTS]);
    const byEnv = Object.fromEntries(deployJobs.map(([name, j]) => [j.environment as string, name]));
    expect(list(workflow.jobs[byEnv.staging].needs)).toContain(byEnv.dev);
    expect(list(workflow.jobs[byEnv.prod].needs)).toContain(byEnv.staging);
  });

  it.each(ENVIRONMENTS)('rehearses %s before it deploys it', (env) => {
    const [, job] = deployJobs.find(([, j]) => j.environment === env) ?? [];
    const runs = runsOf(job as Job);
    const rehearse = runs.indexOf(`npm run rehearse -- -c env=${env}`);
    expect(rehearse).toBeGreaterThan(-1);
    expect(rehearse).toBeLessThan(runs.findIndex((r) => r.includes('cdk deploy')));
  });

  it.each(ENVIRONMENTS)('deploys %s with the platform deploy role of that environment', (env) => {
    const [, job] = deployJobs.find(([, j]) => j.environment === env) ?? [];
    const role = stepsOf(job as Job).find(assumesRoleStep)?.with?.['role-to-assume'] ?? '';
    expect(substitute(role, {})).toBe(roleArn(platformDeployRoleName({ project: DEFAULT_PROJECT, env })));
    expect(
      stepsOf(job as Job).some((s) =>
        s.run?.includes(`cdk deploy --all --require-approval never -c env=${env}`),
      ),
    ).toBe(true);
  });
});

describe('lambda-service.yml', () => {
  const file = '.github/workflows/lambda-service.yml';
  const workflow = load(file);
  const call = workflow.on.workflow_call as {
    inputs: Record<string, { type: string; required?: boolean; default?: string }>;
    secrets?: unknown;
  };

  it('rehearses the deploy after the synth, in a job the deploy job waits for', () => {
    const runs = runsOf(workflow.jobs.synth);
    const synth = runs.findIndex((r) => r.includes('cdk synth'));
    const rehearse = runs.findIndex((r) => r.includes('npx shared-lambda rehearse --platform "$INPUTS"'));
    expect(synth).toBeGreaterThan(-1);
    expect(rehearse).toBeGreaterThan(synth);
    expect(list(workflow.jobs.deploy.needs)).toContain('synth');
    expect(call.inputs['rehearsal-inputs'].default).toBe('');
  });

  it('is a reusable workflow with inputs service, environment, working-directory, project, rehearsal-inputs and node-version, and no secrets', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    expect(Object.keys(call.inputs).sort()).toEqual([
      'environment',
      'node-version',
      'project',
      'rehearsal-inputs',
      'service',
      'working-directory',
    ]);
    expect(call.inputs.service.required).toBe(true);
    expect(call.inputs.environment.required).toBe(true);
    expect(call.inputs.project.default).toBe(DEFAULT_PROJECT);
    expect(call.secrets).toBeUndefined();
  });

  it('installs with a token that can read the platform packages from GitHub Packages', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const install = stepsOf(job).find((s) => s.run === 'npm ci');
      expect(install?.env?.NODE_AUTH_TOKEN, name).toBe(ghExpression('github.token'));
      expect(job.permissions?.packages, name).toBe('read');
    }
  });

  it('tests and synthesizes before it deploys', () => {
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'synth', 'deploy']);
    expect(list(workflow.jobs.deploy.needs).sort()).toEqual(['synth', 'test']);
    expect(workflow.jobs.deploy.environment).toBe(ghExpression('inputs.environment'));
  });

  it.each(ENVIRONMENTS)(
    'deploys to %s with the service deploy role, handing CloudFormation the service execution role',
    (env) => {
      const values = {
        'inputs.project': DEFAULT_PROJECT,
        'inputs.environment': env,
        'inputs.service': 'orders',
      };
      const scope = { project: DEFAULT_PROJECT, env: env as EnvironmentName };
      const steps = stepsOf(workflow.jobs.deploy);
      const role = steps.find(assumesRoleStep)?.with?.['role-to-assume'] ?? '';
      expect(substitute(role, values)).toBe(roleArn(serviceDeployRoleName(scope, 'orders')));
      const deploy = steps.find((s) => /\bcdk deploy\b/.test(s.run ?? ''));
      expect(deploy?.run).toContain('--role-arn "$EXECUTION_ROLE_ARN"');
      expect(substitute(deploy?.env?.EXECUTION_ROLE_ARN ?? '', values)).toBe(
        roleArn(serviceExecutionRoleName(scope, 'orders')),
      );
    },
  );
});

describe('examples/orders-service deploy.yml', () => {
  const file = 'examples/orders-service/.github/workflows/deploy.yml';
  const workflow = load(file);

  it('calls the reusable workflow for dev on push to main, then staging, then prod', () => {
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    const jobs = Object.entries(workflow.jobs);
    expect(jobs.every(([, j]) => callsServiceWorkflow(j) && j.with?.service === 'orders')).toBe(true);
    expect(jobs.map(([, j]) => j.with?.environment)).toEqual([...ENVIRONMENTS]);
    expect(list(workflow.jobs.staging.needs)).toEqual(['dev']);
    expect(list(workflow.jobs.prod.needs)).toEqual(['staging']);
  });
});

describe('dependabot.yml', () => {
  const config = parse(readFileSync(path.join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
    updates: Array<{ 'package-ecosystem': string; groups?: Record<string, { patterns: string[] }> }>;
  };

  it('updates the GitHub Actions and the npm dependencies', () => {
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });

  it('brings the CDK library, CLI and constructs in one pull request', () => {
    const npm = config.updates.find((u) => u['package-ecosystem'] === 'npm');
    expect(npm?.groups?.cdk?.patterns).toEqual(
      expect.arrayContaining(['aws-cdk', 'aws-cdk-lib', 'constructs']),
    );
  });
});
