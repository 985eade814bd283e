import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfigForApp } from '../lib/app-config';
import { ConfigError } from '../lib/config/errors';

// bin/app.ts calls loadConfigForApp before it loads aws-cdk-lib (test/config/cli.test.ts shows the
// error path does not load it); here, that it picks the config an App would.

const SHIPPED = path.join(__dirname, '..', 'config');
const SELECTION_ENV = [
  'CDK_CONTEXT_JSON',
  'CONTEXT_OVERFLOW_LOCATION_ENV',
  'PLATFORM_CONFIG',
  'PLATFORM_ENV',
];

let dir: string;
let customFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'platform-app-config-'));
  customFile = path.join(dir, 'custom.yaml');
  writeFileSync(customFile, 'environment: staging\nnetwork:\n  cidr: 10.99.0.0/16\n  maxAzs: 3\n');
});

beforeEach(() => {
  // Whatever the shell running the tests selected must not leak in.
  for (const key of SELECTION_ENV) vi.stubEnv(key, undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfigForApp', () => {
  it('reads the environment the CDK CLI passes in CDK_CONTEXT_JSON (-c env=prod)', () => {
    vi.stubEnv('CDK_CONTEXT_JSON', JSON.stringify({ env: 'prod' }));

    const { config, file } = loadConfigForApp();

    expect(config.environment).toBe('prod');
    expect(path.resolve(file)).toBe(path.join(SHIPPED, 'prod.yaml'));
  });

  it('reads the context the CDK CLI writes to a file when it is too large for the environment', () => {
    const contextFile = path.join(dir, 'context.json');
    writeFileSync(contextFile, JSON.stringify({ env: 'staging' }));
    vi.stubEnv('CONTEXT_OVERFLOW_LOCATION_ENV', contextFile);

    expect(loadConfigForApp().config.environment).toBe('staging');
  });

  it("lets the CDK CLI's context win over the given context, as an App does", () => {
    vi.stubEnv('CDK_CONTEXT_JSON', JSON.stringify({ env: 'staging' }));

    expect(loadConfigForApp({ env: 'prod' }).config.environment).toBe('staging');
  });

  it('reads the file given with -c config=PATH', () => {
    const { config, file } = loadConfigForApp({ config: customFile });

    expect(file).toBe(customFile);
    expect(config.network.cidr).toBe('10.99.0.0/16');
  });

  it('falls back to PLATFORM_ENV without context, and to dev without either', () => {
    expect(loadConfigForApp().config.environment).toBe('dev');
    vi.stubEnv('PLATFORM_ENV', 'prod');
    expect(loadConfigForApp().config.environment).toBe('prod');
  });

  it('fails with a ConfigError listing the problems of the file', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'environment: dev\nfoo: 1\n');
    vi.stubEnv('PLATFORM_CONFIG', bad);

    expect(() => loadConfigForApp()).toThrow(ConfigError);
    expect(() => loadConfigForApp()).toThrow(
      `${bad} has 2 problems:\n  network: is required: add it (a mapping of keys to values; The shared VPC)\n  foo: unknown key`,
    );
  });
});
