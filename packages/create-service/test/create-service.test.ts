import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CreateServiceError, createService } from '../src';

const ROOT = path.resolve(__dirname, '..', '..', '..');
// tsx as a loader in one Node process: tsx's CLI is a Node process that starts a second one. A URL,
// because the runs below start in a scratch directory, where `tsx` does not resolve.
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
const BIN = path.join(__dirname, '..', 'src', 'bin.ts');

const scratch = () => mkdtempSync(path.join(tmpdir(), 'create-service-'));
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof CreateServiceError) return error.problems;
    throw error;
  }
  throw new Error('expected a CreateServiceError');
}

describe('createService', () => {
  const cwd = scratch();
  const created = createService({ service: 'payments' }, cwd);
  const dir = path.join(cwd, 'payments');

  it('writes a repository into ./{service}', () => {
    expect(created.directory).toBe(dir);
    expect(created.files).toEqual([
      '.github/workflows/deploy.yml',
      '.gitignore',
      '.npmrc',
      'README.md',
      'bin/app.ts',
      'cdk.json',
      'dev-params.json',
      'lib/payments-stack.ts',
      'package.json',
      'src/handlers/hello.ts',
      'test/handlers/hello.test.ts',
      'test/payments-stack.test.ts',
      'tsconfig.json',
      'vitest.config.mts',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      '.github',
      '.gitignore',
      '.npmrc',
      'README.md',
      'bin',
      'cdk.json',
      'dev-params.json',
      'lib',
      'package.json',
      'src',
      'test',
      'tsconfig.json',
      'vitest.config.mts',
    ]);
  });

  it('writes a package.json with every dependency the repository needs and its own scripts', () => {
    const pkg = JSON.parse(read(dir, 'package.json'));
    expect(pkg.name).toBe('payments-service');
    expect(pkg.scripts).toEqual({ test: 'tsc --noEmit && vitest run', synth: 'cdk synth -q', cdk: 'cdk' });
    expect(pkg.dependencies).toEqual({
      '@shared-lambda-infra/consumer': '^0.1.0',
      '@shared-lambda-infra/contract': '^2.0.0',
      'aws-cdk-lib': '2.276',
      constructs: '^10.8.1',
    });
    expect(Object.keys(pkg.devDependencies).sort()).toEqual([
      '@types/aws-lambda',
      '@types/node',
      'aws-cdk',
      'tsx',
      'typescript',
      'vitest',
    ]);
  });

  it('installs the platform packages in the versions of this workspace', () => {
    // A release of the template must install the consumer and contract it was released with.
    const pkg = JSON.parse(read(dir, 'package.json'));
    for (const name of ['consumer', 'contract']) {
      const version = JSON.parse(read(path.join(ROOT, 'packages', name), 'package.json')).version;
      expect(pkg.dependencies[`@shared-lambda-infra/${name}`]).toBe(`^${version}`);
    }
  });

  it('writes a strict tsconfig', () => {
    const text = read(dir, 'tsconfig.json');
    for (const option of [
      'strict',
      'exactOptionalPropertyTypes',
      'noUncheckedIndexedAccess',
      'noUnusedLocals',
    ]) {
      expect(text).toContain(`"${option}": true,`);
    }
  });

  it('writes a stack with ServiceStack, ServiceFunction and ServiceApi and a route under /payments', () => {
    const stack = read(dir, 'lib/payments-stack.ts');
    expect(stack).toContain('export class PaymentsStack extends ServiceStack');
    expect(stack).toContain("service: 'payments'");
    expect(stack).toContain("new ServiceFunction(this, 'Hello'");
    expect(stack).toContain("addRoute('GET /payments/hello', hello)");
  });

  it('writes a deploy workflow calling the platform reusable workflow for dev, staging, prod in order', () => {
    const workflow = parse(read(dir, '.github/workflows/deploy.yml'));
    expect(Object.keys(workflow.jobs)).toEqual(['dev', 'staging', 'prod']);
    expect(workflow.jobs.dev.uses).toBe('acme/shared-lambda-infra/.github/workflows/lambda-service.yml@v1');
    expect(workflow.jobs.prod.with).toEqual({ service: 'payments', environment: 'prod' });
    expect(workflow.jobs.staging.needs).toBe('dev');
    expect(workflow.jobs.prod.needs).toBe('staging');
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('writes a README with the commands a new team runs', () => {
    const readme = read(dir, 'README.md');
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npx cdk synth');
    expect(readme).toContain('npx shared-lambda dev --dev-issuer --params dev-params.json');
    expect(readme).toContain('http://127.0.0.1:3000/payments/hello');
  });

  it('writes the params file the README dev command reads, allowing a local front end origin', () => {
    expect(JSON.parse(read(dir, 'dev-params.json'))).toEqual({ corsAllowOrigins: ['http://localhost:5173'] });
  });

  it('reads the platform packages from GitHub Packages by default', () => {
    expect(read(dir, '.npmrc')).toContain('@shared-lambda-infra:registry=https://npm.pkg.github.com\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: npm expands it from the environment, not JS
    expect(read(dir, '.npmrc')).toContain('//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN?}\n');
  });
});

describe('createService options', () => {
  it('deploys only the environments asked for, in that order', () => {
    const cwd = scratch();
    createService({ service: 'billing', environments: ['dev', 'prod'] }, cwd);
    const workflow = parse(read(path.join(cwd, 'billing'), '.github/workflows/deploy.yml'));
    expect(Object.keys(workflow.jobs)).toEqual(['dev', 'prod']);
    expect(workflow.jobs.prod.needs).toBe('dev');
  });

  it('installs from another scope and registry through npm aliases, so imports stay the same', () => {
    const cwd = scratch();
    createService(
      { service: 'billing', scope: '@acme', registry: 'https://npm.example.com/', directory: 'repo' },
      cwd,
    );
    const dir = path.join(cwd, 'repo');
    expect(JSON.parse(read(dir, 'package.json')).dependencies['@shared-lambda-infra/consumer']).toBe(
      'npm:@acme/consumer@^0.1.0',
    );
    expect(read(dir, '.npmrc')).toContain('@acme:registry=https://npm.example.com/\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: npm expands it from the environment, not JS
    expect(read(dir, '.npmrc')).toContain('//npm.example.com/:_authToken=${NODE_AUTH_TOKEN?}\n');
  });

  it('writes into an existing empty directory', () => {
    const cwd = scratch();
    mkdirSync(path.join(cwd, 'payments'));
    expect(createService({ service: 'payments' }, cwd).files).toHaveLength(14);
  });

  it('rejects an invalid service name with the naming rule', () => {
    expect(problems(() => createService({ service: 'Payments_API' }, scratch()))).toEqual([
      'service name "Payments_API" is not valid: use 2-20 lowercase letters, digits and single hyphens, starting with a letter',
    ]);
  });

  it('rejects a non-empty directory and writes nothing into it', () => {
    const cwd = scratch();
    mkdirSync(path.join(cwd, 'payments'));
    writeFileSync(path.join(cwd, 'payments', 'notes.txt'), 'mine');
    expect(problems(() => createService({ service: 'payments' }, cwd))).toEqual([
      `${path.join(cwd, 'payments')} is not empty; choose a new directory (--dir) or empty this one`,
    ]);
    expect(readdirSync(path.join(cwd, 'payments'))).toEqual(['notes.txt']);
  });

  it('rejects every bad option at once', () => {
    expect(
      problems(() =>
        createService(
          { service: 'x', environments: ['dev', 'qa', 'dev'], scope: 'acme', registry: 'npm' },
          scratch(),
        ),
      ),
    ).toEqual([
      'service name "x" is not valid: use 2-20 lowercase letters, digits and single hyphens, starting with a letter',
      '--env: "qa" is not a platform environment; expected one of dev, staging, prod',
      '--env: "dev,qa,dev" names an environment twice',
      '--scope: "acme" is not an npm scope; expected e.g. @acme',
      '--registry: "npm" is not a URL; expected e.g. https://npm.pkg.github.com',
    ]);
  });
});

describe('create-service bin', () => {
  const run = (args: string[], cwd: string) =>
    spawnSync(process.execPath, ['--import', TSX_LOADER, BIN, ...args], { cwd, encoding: 'utf8' });

  it('writes the repository and prints the next commands', () => {
    const cwd = scratch();
    const result = run(['payments', '--env', 'dev,staging'], cwd);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Created 14 files in payments. Next:');
    expect(Object.keys(parse(read(path.join(cwd, 'payments'), '.github/workflows/deploy.yml')).jobs)).toEqual(
      ['dev', 'staging'],
    );
  });

  it('fails with exit code 1 and the problem, no stack trace, on an invalid name', () => {
    const result = run(['Payments'], scratch());
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'cannot create the service repository (1 problem):\n  service name "Payments" is not valid: use 2-20 lowercase letters, digits and single hyphens, starting with a letter\n',
    );
  });

  it('fails with exit code 2 and the usage without a service name', () => {
    const result = run([], scratch());
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('expected one service name, got 0');
    expect(result.stderr).toContain('usage: npm create @shared-lambda-infra/service -- <service>');
  });
});
