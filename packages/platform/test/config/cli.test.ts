import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The CDK CLI runs `tsx bin/app.ts` (cdk.json "app") and passes `-c key=value` to it as
// CDK_CONTEXT_JSON. A config mistake must come out as the list of problems, not a stack trace.
// Here tsx is a loader in one Node process: its CLI is a Node process that starts a second one.

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
const APP = path.join(ROOT, 'packages', 'platform', 'bin', 'app.ts');
// Preloaded into each run: on exit, says on stderr whether any aws-cdk-lib module was loaded (the
// CommonJS module cache, where Node keeps aws-cdk-lib however it is reached).
const CDK_LOAD_PROBE = `data:text/javascript,${encodeURIComponent(
  [
    "import { createRequire } from 'node:module';",
    "import { sep } from 'node:path';",
    "const cache = createRequire(process.cwd() + '/').cache;",
    "process.on('exit', () => process.stderr.write('aws-cdk-lib loaded: ' +",
    "  Object.keys(cache).some((f) => f.includes(['', 'node_modules', 'aws-cdk-lib', ''].join(sep))) + '\\n'));",
  ].join('\n'),
)}`;

const BAD_CONFIG = [
  'environment: dev',
  'network:',
  '  cidr: 10.0.0.0/16',
  '  maxAzs: 5',
  'services:',
  '  - { name: orders-v1, repository: acme/orders, basePath: orders }',
  '  - { name: shop, repository: acme/shop, basePath: orders }',
  '',
].join('\n');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runApp(env: Record<string, string>): Promise<Run> {
  const base = { ...process.env };
  // The test itself must not inherit a selection from the shell that runs it.
  for (const key of ['CDK_CONTEXT_JSON', 'PLATFORM_CONFIG', 'PLATFORM_ENV']) delete base[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, '--import', CDK_LOAD_PROBE, APP], {
      cwd: ROOT,
      env: { ...base, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let badFile: string;
let viaEnv: Run;
let viaContext: Run;
let unknownEnv: Run;

beforeAll(async () => {
  badFile = path.join(mkdtempSync(path.join(tmpdir(), 'platform-cli-')), 'bad.yaml');
  writeFileSync(badFile, BAD_CONFIG);
  // Each run starts a Node process that loads aws-cdk-lib; run them side by side.
  [viaEnv, viaContext, unknownEnv] = await Promise.all([
    runApp({ PLATFORM_CONFIG: badFile }),
    runApp({ CDK_CONTEXT_JSON: JSON.stringify({ config: badFile }) }),
    runApp({ CDK_CONTEXT_JSON: JSON.stringify({ env: 'nope' }) }),
  ]);
});

const PROBLEMS = () =>
  [
    `${badFile} has 2 problems:`,
    '  network.maxAzs: expected 2 or 3, got 5',
    '  services[1].basePath: "orders" is already owned by service "orders-v1"; choose another path',
  ].join('\n');

describe('bin/app.ts with a bad config', () => {
  it('fails with exit code 1 and the problems on stderr when PLATFORM_CONFIG names the file', () => {
    expect(viaEnv.stderr).toContain(PROBLEMS());
    expect(viaEnv.status).toBe(1);
  });

  it('fails with exit code 1 and the problems on stderr when -c config names the file', () => {
    expect(viaContext.stderr).toContain(PROBLEMS());
    expect(viaContext.status).toBe(1);
  });

  it('fails without a stack trace', () => {
    for (const run of [viaEnv, viaContext, unknownEnv]) {
      expect(run.stderr).not.toMatch(/^ {4}at /m);
      expect(run.stdout).toBe('');
    }
  });

  it('reports the problems without loading aws-cdk-lib (half a second of start-up)', () => {
    for (const run of [viaEnv, viaContext, unknownEnv]) {
      expect(run.stderr).toContain('aws-cdk-lib loaded: false\n');
    }
  });

  it('fails on -c env with an unknown environment, listing the known ones', () => {
    expect(unknownEnv.stderr).toContain(
      'env: unknown environment "nope": expected one of "dev", "staging", "prod"',
    );
    expect(unknownEnv.status).toBe(1);
  });
});
