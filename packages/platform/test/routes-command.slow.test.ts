import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'packages', 'platform', 'scripts', 'routes.ts');

function routes(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: ROOT },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('[slow] `npm run routes` gates CI', () => {
  it('exits 1 when the receiver would refuse anything in the given assembly', () => {
    const { status, output } = routes(
      '-c',
      'env=dev',
      '-c',
      'assembly=test/fixtures/refused-routes-assembly',
    );
    expect(output).toContain('shared-lambda-infra-dev-other-api  REFUSED');
    expect(output).toContain('3 REFUSED: the receiver would refuse these deploys');
    expect(status).toBe(1);
  }, 120_000);

  it('exits 0 when nothing is refused', () => {
    const { status, output } = routes('-c', 'env=dev');
    expect(output).toContain('nothing REFUSED');
    expect(status).toBe(0);
  }, 120_000);
});
