// SLOW (minutes): runs every command of the README's "On a fresh machine" section, as written, in a
// fresh copy of the repository (the files git tracks or would track, nothing ignored), so the
// documented commands cannot rot. Two honest shortcuts keep it affordable:
// - `npm ci` is replaced by a hard-linked copy of this checkout's node_modules (the same lockfile
//   produced it; the copy's workspace links point into the copy);
// - `npm test` runs lint, type-check and ONE test file (test/contract.test.ts), since the whole
//   suite would include this test again.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

/** The commands of the ```bash blocks in the README's "On a fresh machine" section, without comments. */
function freshMachineCommands(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## On a fresh machine\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((block) =>
    (block[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

const COMMANDS = freshMachineCommands();
// A shell as a person would open it: nothing of the npm process running this test.
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['NODE_OPTIONS', 'INIT_CWD', 'BASH_ENV', 'FORCE_COLOR'].includes(k) && !/^npm_/i.test(k),
  ),
);
ENV.NO_COLOR = '1'; // plain output to match on

const copy = mkdtempSync(path.join(tmpdir(), 'readme-commands-'));
const results = new Map<string, { status: number | null; output: string; cdkOut: string[] }>();

/** What the test runs for a README command (see the shortcuts above). */
function asRun(command: string): string {
  return command.replace(/^npm ci && /, '').replace(/^npm test$/, 'npm test -- test/contract.test.ts');
}

beforeAll(() => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('node_modules/'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    try {
      copyFileSync(path.join(ROOT, file), path.join(copy, file));
    } catch {
      // listed by git but deleted in the working tree: not part of the copy
    }
  }
  execFileSync('git', ['init', '-q'], { cwd: copy }); // as a clone would have
  execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules')]);
  // `-c config=./my-env.yaml`: any file with the schema; the staging file under another name.
  copyFileSync(path.join(copy, 'packages/platform/config/staging.yaml'), path.join(copy, 'my-env.yaml'));

  for (const command of COMMANDS) {
    const outdir = path.join(copy, 'packages', 'platform', 'cdk.out');
    rmSync(outdir, { recursive: true, force: true });
    const result = spawnSync('bash', ['-c', asRun(command)], { cwd: copy, env: ENV, encoding: 'utf8' });
    let cdkOut: string[] = [];
    try {
      cdkOut = readdirSync(outdir);
    } catch {
      // no assembly
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes, whatever NO_COLOR says
    const output = `${result.stdout}${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    results.set(command, { status: result.status, output, cdkOut });
  }
}, 3_600_000); // six synths with every compliance pack: minutes each on a busy machine

afterAll(() => rmSync(copy, { recursive: true, force: true }));

const templatesOf = (command: string) =>
  (results.get(command)?.cdkOut ?? []).filter((f) => f.endsWith('.template.json'));

describe('[slow] the README commands on a fresh copy', () => {
  it('finds the documented commands', () => {
    expect(COMMANDS).toEqual([
      'npm ci && npm run synth',
      'npm ci && npm test',
      'npm run synth -- -c env=prod',
      'npm run synth -- -c config=./my-env.yaml',
      'PLATFORM_ENV=staging npm run synth',
      'cd packages/platform && npx cdk synth -c env=prod',
      'npm run routes -- -c env=prod',
    ]);
  });

  it.each(COMMANDS)('`%s` succeeds', (command) => {
    const result = results.get(command);
    expect(result?.status, result?.output).toBe(0);
  });

  it('`npm run synth` synthesizes dev', () => {
    expect(results.get('npm ci && npm run synth')?.output).toContain(
      'Synthesized dev from packages/platform/config/dev.yaml',
    );
  });

  it('`npm run synth -- -c env=prod` synthesizes the prod stacks', () => {
    const command = 'npm run synth -- -c env=prod';
    expect(results.get(command)?.output).toContain(
      'Synthesized prod from packages/platform/config/prod.yaml',
    );
    expect(templatesOf(command).length).toBeGreaterThan(0);
    expect(templatesOf(command).every((t) => t.includes('prod'))).toBe(true);
  });

  it('`-c config=./my-env.yaml` reads the file relative to where the command runs', () => {
    expect(results.get('npm run synth -- -c config=./my-env.yaml')?.output).toContain(
      'Synthesized staging from my-env.yaml',
    );
  });

  it('`PLATFORM_ENV=staging` synthesizes staging', () => {
    expect(results.get('PLATFORM_ENV=staging npm run synth')?.output).toContain(
      'Synthesized staging from packages/platform/config/staging.yaml',
    );
  });

  it('the CDK CLI synthesizes the prod stacks', () => {
    const command = 'cd packages/platform && npx cdk synth -c env=prod';
    expect(templatesOf(command).length).toBeGreaterThan(0);
    expect(templatesOf(command).every((t) => t.includes('prod'))).toBe(true);
  });

  it('`npm run routes -- -c env=prod` gets -c through npm to the report: the prod registry', () => {
    const output = results.get('npm run routes -- -c env=prod')?.output ?? '';
    expect(output).toContain('shared-lambda-infra prod: 1 registered service');
    expect(output).toContain(
      'orders  /orders  throttle 200 rps, burst 400  authorization: jwt, iam  caching: off',
    );
  });

  it('`npm test` lints, type-checks and runs vitest', () => {
    const output = results.get('npm ci && npm test')?.output ?? '';
    expect(output).toContain('> biome check .');
    expect(output).toContain('> tsc -p tsconfig.json --noEmit');
    expect(output).toMatch(/Tests\s+\d+ passed/);
  });
});
