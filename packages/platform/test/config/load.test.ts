import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformApp } from '../../lib/app';
import { CONFIG_DIR, loadPlatformConfig } from '../../lib/config/load';

let dir: string;
let customFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'platform-config-'));
  customFile = path.join(dir, 'custom.yaml');
  writeFileSync(
    customFile,
    [
      'environment: staging',
      'network:',
      '  cidr: 10.99.0.0/16',
      '  maxAzs: 3',
      'owner: custom-team',
      '',
    ].join('\n'),
  );
});

describe('loadPlatformConfig', () => {
  it.each(ENVIRONMENTS)('reads config/%s.yaml for that environment', (env) => {
    const { config, file } = loadPlatformConfig({ env });

    expect(config.environment).toBe(env);
    expect(path.resolve(file)).toBe(path.join(CONFIG_DIR, `${env}.yaml`));
  });

  it('reads the dev file when no environment is given', () => {
    expect(loadPlatformConfig().config.environment).toBe('dev');
  });

  it('reads a config file given by path instead', () => {
    const { config, file } = loadPlatformConfig({ configPath: customFile });

    expect(file).toBe(customFile);
    expect(config.network.cidr).toBe('10.99.0.0/16');
    expect(config.owner).toBe('custom-team');
  });

  it('rejects an unknown environment, listing the known ones', () => {
    expect(() => loadPlatformConfig({ env: 'nope' })).toThrow(
      '-c env=nope has 1 problem:\n  env: unknown environment "nope": expected one of "dev", "staging", "prod"; or pass -c config=PATH to read another file',
    );
  });

  it('rejects a config path that does not exist', () => {
    const missing = path.join(dir, 'missing.yaml');

    expect(() => loadPlatformConfig({ configPath: missing })).toThrow(
      `${missing} has 1 problem:\n  file not found; check the path given with -c config=PATH or PLATFORM_CONFIG`,
    );
  });

  it('rejects a file whose environment is not the one it was chosen for', () => {
    expect(() => loadPlatformConfig({ env: 'prod', configPath: customFile })).toThrow(
      `${customFile} has 1 problem:\n  environment: expected "prod" (the environment this file was chosen for), got "staging"; set environment: prod`,
    );
  });
});

describe('createPlatformApp', () => {
  const noBundling = { 'aws:cdk:bundling-stacks': [] };

  it('picks the environment from -c env', () => {
    const { config, configFile } = createPlatformApp({ context: { env: 'prod', ...noBundling } });

    expect(config.environment).toBe('prod');
    expect(path.resolve(configFile)).toBe(path.join(CONFIG_DIR, 'prod.yaml'));
  });

  it('picks the file from -c config', () => {
    const { config, configFile } = createPlatformApp({ context: { config: customFile, ...noBundling } });

    expect(configFile).toBe(customFile);
    expect(config.environment).toBe('staging');
    expect(config.network.cidr).toBe('10.99.0.0/16');
  });
});
