import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../packages/platform/lib/config/load';
import { generatedFiles } from '../scripts/generate-docs';

// Reference docs and the config JSON Schema are generated from code; a stale copy misleads every
// reader (and every editor that validates YAML against the schema), so a stale file fails here.

const ROOT = path.resolve(__dirname, '..');

describe('generated files', () => {
  const files = generatedFiles();

  it('generates the contract reference, the config reference, the security matrix, the limits table and the config JSON Schema', () => {
    expect(files.map((f) => path.relative(ROOT, f.file)).sort()).toEqual([
      'docs/config.md',
      'docs/contract.md',
      'docs/limits.md',
      'docs/security.md',
      'packages/platform/config/platform-config.schema.json',
    ]);
  });

  it.each(files.map((f) => [path.relative(ROOT, f.file), f] as const))(
    '%s is up to date',
    (name, { file, content }) => {
      const committed = existsSync(file) ? readFileSync(file, 'utf8') : '(missing)';

      expect(committed === content, `${name} is stale: run npm run docs`).toBe(true);
    },
  );

  it('points every environment file at the JSON Schema', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const text = readFileSync(path.join(ROOT, 'packages', 'platform', 'config', `${env}.yaml`), 'utf8');

      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./platform-config.schema.json');
    }
  });

  it('documents every top-level config key and every contract parameter', () => {
    const configDoc = files.find((f) => f.file.endsWith('config.md'))?.content ?? '';
    const contractDoc = files.find((f) => f.file.endsWith('contract.md'))?.content ?? '';
    const schema = JSON.parse(files.find((f) => f.file.endsWith('.schema.json'))?.content ?? '{}') as {
      properties: Record<string, unknown>;
    };

    for (const key of Object.keys(schema.properties)) expect(configDoc).toMatch(new RegExp(`\`${key}[\`.[]`));
    expect(contractDoc).toContain('`/{project}/{env}/network/vpc-id`');
    expect(contractDoc).toContain('`/{project}/{env}/services/{service}/deploy-role-arn`');
  });
});

describe('example configs in docs/examples', () => {
  // The docs tell readers to run `npm run synth -- -c config=docs/examples/…` and `npm run cost -- …`:
  // a config rule added later (e.g. repository ids required in staging) must not leave them broken.
  const dir = path.join(ROOT, 'docs', 'examples');
  const examples = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has the examples the network and cost docs name', () => {
    expect(examples.sort()).toEqual(['network-dual-stack.yaml', 'network-regional-nat.yaml']);
  });

  it.each(examples)('%s passes config validation', (file) => {
    expect(() => loadPlatformConfig({ configPath: path.join(dir, file) })).not.toThrow();
  });
});
