// SLOW (minutes): packs the publishable packages, scaffolds a service repository outside the
// workspace and runs that repository's own commands against the installed tarballs. It proves what a
// service team gets from the registry, with no monorepo around: no workspace links, no source
// condition, no TypeScript loader for the libraries. It runs in `npm run test:e2e`, not in `npm test`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishablePackages } from '../scripts/publishable';

const ROOT = path.resolve(__dirname, '..');
const PACKAGES = publishablePackages(ROOT);
const TEMPLATE = '@shared-lambda-infra/create-service';

// Nothing of the workspace may leak in: NODE_OPTIONS carries the source condition (.npmrc), and
// npm_config_* would point npm at the workspace's settings.
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['NODE_OPTIONS', 'INIT_CWD', 'BASH_ENV', 'FORCE_COLOR'].includes(k) && !/^npm_/i.test(k),
  ),
);
ENV.NO_COLOR = '1'; // plain output to match on

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...ENV, ...env } });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes, whatever NO_COLOR says
    child.on('close', (status) => resolve({ status, output: output.replace(/\u001b\[[0-9;]*m/g, '') }));
  });
}

async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} in ${cwd} failed (${result.status}):\n${result.output}`);
  }
  return result.output;
}

type Resource = { Type: string; Properties: Record<string, unknown> };

const work = mkdtempSync(path.join(tmpdir(), 'separate-repository-'));
const tarballs = path.join(work, 'tarballs');
const repo = path.join(work, 'payments');
const tarballOf = new Map<string, string>();
let test: Run;
let synth: Run;
let strictLibCheck: Run;
let tsNode: Run;
let template: { Parameters: Record<string, { Default?: string }>; Resources: Record<string, Resource> };

beforeAll(async () => {
  // GIVEN the packages as the registry would serve them (npm pack runs each package's build)
  mkdirSync(tarballs);
  const packed = JSON.parse(
    execFileSync(
      'npm',
      ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['--workspace', p.name])],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    ),
  ) as Array<{ name: string; filename: string }>;
  for (const p of packed) tarballOf.set(p.name, path.join(tarballs, p.filename));

  // WHEN a team scaffolds a repository with the template, installed on its own
  const tool = path.join(work, 'tool');
  mkdirSync(tool);
  writeFileSync(path.join(tool, 'package.json'), '{ "private": true }\n');
  const scaffolder = [TEMPLATE, '@shared-lambda-infra/contract'].map((name) => tarballOf.get(name) ?? '');
  await mustRun('npm', ['install', '--no-audit', '--no-fund', ...scaffolder], tool);
  await mustRun(path.join(tool, 'node_modules', '.bin', 'create-service'), ['payments', '--dir', repo], work);

  // ... points its platform dependencies at the tarballs (a registry would serve them), locks, and
  // installs with `npm ci` as its README says
  const libraries = [...tarballOf].filter(([name]) => name !== TEMPLATE).map(([, file]) => file);
  await mustRun('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', ...libraries], repo);
  await mustRun('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], repo);

  // ... and runs its own commands
  [test, synth, strictLibCheck] = await Promise.all([
    run('npm', ['test'], repo),
    run('npx', ['cdk', 'synth', '-q'], repo),
    run('npx', ['tsc', '--noEmit', '--skipLibCheck', 'false'], repo),
  ]);
  if (synth.status === 0) {
    template = JSON.parse(readFileSync(path.join(repo, 'cdk.out', 'Payments.template.json'), 'utf8'));
  }

  // ... or, as `cdk init app --language typescript` sets up, runs the app with ts-node (TypeScript 5:
  // ts-node needs the TypeScript JavaScript API, which TypeScript 7 does not have)
  await mustRun(
    'npm',
    ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', 'ts-node@10', 'typescript@5'],
    repo,
  );
  tsNode = await run('npx', ['ts-node', '--prefer-ts-exts', '--transpile-only', 'bin/app.ts'], repo, {
    CDK_OUTDIR: path.join(work, 'ts-node.out'),
  });
}, 1_200_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The template parameter that reads the SSM parameter `ssmPath`, as `{ Ref }`. */
function parameterRef(ssmPath: string): { Ref: string } {
  const found = Object.entries(template.Parameters).find(([, p]) => p.Default === ssmPath);
  if (!found) throw new Error(`the template reads no SSM parameter ${ssmPath}`);
  return { Ref: found[0] };
}

const resourcesOf = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

describe('[slow] a service repository outside the workspace, from the packed packages', () => {
  it('packs every publishable package', () => {
    expect([...tarballOf.keys()].sort()).toEqual(PACKAGES.map((p) => p.name).sort());
    expect([...tarballOf.keys()]).toEqual(
      expect.arrayContaining([
        '@shared-lambda-infra/contract',
        '@shared-lambda-infra/consumer',
        '@shared-lambda-infra/create-service',
      ]),
    );
  });

  it('installs the libraries as copies, not links into the workspace', () => {
    const consumer = path.join(repo, 'node_modules', '@shared-lambda-infra', 'consumer');
    expect(readdirSync(consumer)).toEqual(expect.arrayContaining(['dist', 'package.json']));
    expect(readdirSync(consumer)).not.toContain('test');
    const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@shared-lambda-infra/consumer'].link).toBeUndefined();
  });

  it("passes the new repository's own npm test (strict tsc, then vitest)", () => {
    expect(test.output).toMatch(/Tests\s+\d+ passed/);
    expect(test.status).toBe(0);
  });

  it("type-checks the platform packages' declarations with skipLibCheck false, exactOptionalPropertyTypes and noUncheckedIndexedAccess", () => {
    // aws-cdk-lib's declarations fail these flags on their own; every other file must pass.
    const files = new Set(
      strictLibCheck.output
        .split('\n')
        .map((line) => /^([^\s(]+)\(\d+,\d+\): error/.exec(line)?.[1])
        .filter((file): file is string => file !== undefined),
    );
    const ours = [...files].filter((file) => !file.startsWith('node_modules/aws-cdk-lib/'));
    expect(ours).toEqual([]);
    expect(strictLibCheck.status === 0 || files.size > 0, strictLibCheck.output).toBe(true);
  });

  it('synthesizes with npx cdk synth', () => {
    expect(synth.status, synth.output).toBe(0);
    expect(synth.output).not.toMatch(/error|warning/i);
  });

  it('puts the function in the shared VPC through the contract parameters', () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter((f) =>
      (f.Properties.FunctionName as string | undefined)?.startsWith('shared-lambda-infra-dev-fn-payments-'),
    );
    expect(functions).toHaveLength(1);
    expect(functions[0]?.Properties.VpcConfig).toEqual({
      SubnetIds: parameterRef('/shared-lambda-infra/dev/network/private-subnet-ids'),
      SecurityGroupIds: [parameterRef('/shared-lambda-infra/dev/network/lambda-security-group-id')],
      // IPv6 egress when the platform publishes a dual-stack VPC (vpc-ip-address-type), else no key.
      Ipv6AllowedForDualStack: { 'Fn::If': [expect.any(String), true, { Ref: 'AWS::NoValue' }] },
    });
  });

  it("gives every role the service's own permissions boundary, written in the template", () => {
    const roles = resourcesOf('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      expect(role.Properties.PermissionsBoundary).toEqual({
        'Fn::Sub':
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-payments-boundary',
      });
    }
  });

  it('declares GET /payments/hello to the platform and builds no API Gateway resource', () => {
    const declarations = resourcesOf('Custom::SharedApiRoutes');
    expect(declarations).toHaveLength(1);
    const declaration = JSON.stringify(declarations[0]?.Properties.Declaration);
    expect(declaration).toContain('/payments/hello');
    expect(declaration).toContain('GET');
    expect(resourcesOf('AWS::ApiGateway::Method')).toEqual([]);
    expect(resourcesOf('AWS::ApiGateway::Resource')).toEqual([]);
  });

  it('bundles the handler with esbuild from the installed dependencies', () => {
    const assets = readdirSync(path.join(repo, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    expect(assets.length).toBeGreaterThan(0);
  });

  it('runs the app with ts-node, the loader of a default `cdk init` project', () => {
    expect(tsNode.status, tsNode.output).toBe(0);
    expect(readdirSync(path.join(work, 'ts-node.out'))).toContain('Payments.template.json');
  });

  it('loads the consumer in plain Node, from its JavaScript build', async () => {
    const out = await mustRun(
      process.execPath,
      [
        '-e',
        "const c = require('@shared-lambda-infra/consumer'); console.log(require.resolve('@shared-lambda-infra/consumer'), typeof c.ServiceStack)",
      ],
      repo,
    );
    expect(out).toBe(
      `${path.join(repo, 'node_modules', '@shared-lambda-infra', 'consumer', 'dist', 'index.js')} function\n`,
    );
  });
});

describe('[slow] shared-lambda dev in the new repository, run as its README says', () => {
  // The README's commands, read from the README: what it tells a team is what is run.
  let readme: string;
  let dev: ChildProcess | undefined;
  let url: string;
  let token: string;
  let origin: string;
  const devOutput: string[] = [];

  beforeAll(async () => {
    readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const command = /^npx (shared-lambda dev [^#\n]*?)\s*#/m.exec(readme)?.[1];
    if (!command) throw new Error(`the README gives no \`npx shared-lambda dev\` command:\n${readme}`);
    // A free port instead of the default 3000, so the run cannot collide with anything listening.
    // Detached: npx starts the command in a child of its own, and the whole group is stopped after.
    dev = spawn('npx', [...command.split(/\s+/), '--port', '0'], { cwd: repo, env: ENV, detached: true });
    url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        devOutput.push(chunk.toString());
        const found = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(devOutput.join(''));
        if (found) resolve(found[1] as string);
      };
      dev?.stdout?.on('data', onData);
      dev?.stderr?.on('data', onData);
      dev?.on('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${devOutput.join('')}`)));
    });
    // `$(npx shared-lambda token)`, as the README's curl line mints it.
    expect(readme).toContain('Authorization: Bearer $(npx shared-lambda token)');
    token = (await mustRun('npx', ['shared-lambda', 'token'], repo)).trim();
    origin = (
      JSON.parse(readFileSync(path.join(repo, 'dev-params.json'), 'utf8')) as { corsAllowOrigins: string[] }
    ).corsAllowOrigins[0] as string;
  }, 120_000);

  afterAll(async () => {
    if (!dev?.pid || dev.exitCode !== null) return;
    const exited = new Promise((resolve) => dev?.once('exit', resolve));
    process.kill(-dev.pid, 'SIGTERM');
    await exited;
  });

  /** The README's route URL, on the port the server listens on. */
  const hello = () => {
    const readmeUrl = /http:\/\/127\.0\.0\.1:3000(\/payments\/hello)\b/.exec(readme)?.[1];
    if (!readmeUrl) throw new Error('the README names no http://127.0.0.1:3000/payments/hello');
    return `${url}${readmeUrl}`;
  };

  it('lists the template route and listens', () => {
    expect(devOutput.join('')).toMatch(/GET\s+\/payments\/hello\s+jwt\s+src\/handlers\/hello\.ts/);
  });

  it('answers 401 Unauthorized to a request without a token', async () => {
    const response = await fetch(hello());
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers 403 to a minted token whose claims were changed after signing', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
    const response = await fetch(hello(), {
      headers: { Authorization: `Bearer ${header}.${forged}.${signature}` },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      message: 'User is not authorized to access this resource with an explicit deny',
    });
  });

  it("answers 200 to a minted token, the handler greeting the token's subject from the event's claims", async () => {
    const response = await fetch(hello(), { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    // `shared-lambda token` mints for sub "dev-user" unless told otherwise.
    expect(await response.json()).toEqual({ service: 'payments', hello: 'dev-user' });
  });

  it('allows the preflight of the origin in dev-params.json, and not of another', async () => {
    const preflight = (from: string) =>
      fetch(hello(), {
        method: 'OPTIONS',
        headers: { Origin: from, 'Access-Control-Request-Method': 'GET' },
      });
    expect(origin).toBe('http://localhost:5173');
    const allowed = await preflight(origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await preflight('https://elsewhere.example.com');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
