import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

// SLOW (a full `npm run synth` with bundling and the compliance packs): the commands as a person
// runs them.

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const ENV = { ...process.env, NO_COLOR: '1' };

function run(script: string, args: string[]) {
  const result = spawnSync('npx', ['tsx', path.join('packages', 'platform', 'scripts', script), ...args], {
    cwd: ROOT,
    env: ENV,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('[slow] npm run limits and npm run synth', () => {
  it('`npm run limits -- -c env=prod` prints each limit with its headroom and where it runs out', () => {
    const { status, stdout } = run('limits.ts', ['-c', 'env=prod']);

    expect(status).toBe(0);
    expect(stdout).toContain('AWS limits of prod (environment-agnostic, 1 services)');
    // prod.yaml: 3 AZs, one service: 3 × (1 + n) passes 500 at n = 166.
    expect(stdout).toMatch(
      /Lambda Hyperplane ENIs per VPC +6 +500 network interfaces +494 \(99%\) +166 services +ok/,
    );
    expect(stdout).toMatch(/IAM managed policy size +5,[0-9]{3} +6,144 characters/);
  });

  it('`npm run synth` fails on an exceeded limit, naming it, the usage and the fix', () => {
    // GIVEN dev's config in an account whose roles may have 5 managed policies
    const dir = mkdtempSync(path.join(tmpdir(), 'limits-cli-'));
    const file = path.join(dir, 'dev.yaml');
    const dev = readFileSync(path.join(ROOT, 'packages', 'platform', 'config', 'dev.yaml'), 'utf8');
    writeFileSync(file, `${dev}\nquotas:\n  managedPoliciesPerRole: 5\n`);

    // WHEN
    const { status, stderr } = run('synth.ts', ['-c', `config=${file}`]);

    // THEN
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /error: IAM managed policies per role: shared-lambda-infra-dev-access-orders\/ExecutionRole[0-9A-F]{8} uses 6 policies, which exceeds the limit of 5 \(Managed policies per role, L-0DA4ABF3\); largest: .*; fix: ask AWS to raise "Managed policies per role"/,
    );
  });
});
