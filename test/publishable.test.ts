import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CONTRACT_MAJOR_VERSION } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { publishablePackages, rescope } from '../scripts/publishable';

const ROOT = path.resolve(__dirname, '..');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** A workspace with a contract, a consumer depending on it, and a private app. */
function fixture(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'publishable-'));
  const write = (dir: string, pkg: object) => {
    mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(pkg));
  };
  write('.', { private: true, workspaces: ['packages/contract', 'packages/consumer', 'apps/*'] });
  write('packages/contract', { name: '@shared-lambda-infra/contract', version: '1.2.0' });
  write('packages/consumer', {
    name: '@shared-lambda-infra/consumer',
    version: '0.3.0',
    dependencies: { '@shared-lambda-infra/contract': '^1.2.0', esbuild: '^0.28.2' },
  });
  write('apps/web', { name: 'web', version: '0.0.0', private: true });
  return root;
}

describe('publishablePackages', () => {
  it('lists the packages that are not private, in the order of workspaces', () => {
    expect(publishablePackages(fixture()).map((p) => `${p.name}@${p.version}`)).toEqual([
      '@shared-lambda-infra/contract@1.2.0',
      '@shared-lambda-infra/consumer@0.3.0',
    ]);
  });

  it('finds contract, rehearse, consumer and create-service in this repository', () => {
    expect(publishablePackages(ROOT).map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '@shared-lambda-infra/contract',
        '@shared-lambda-infra/rehearse',
        '@shared-lambda-infra/consumer',
        '@shared-lambda-infra/create-service',
      ]),
    );
  });
});

describe('rescope', () => {
  it('renames the packages and aliases their dependencies on each other, so imports stay the same', () => {
    const root = fixture();
    rescope(publishablePackages(root), '@acme');
    expect(json(path.join(root, 'packages/contract/package.json')).name).toBe('@acme/contract');
    const consumer = json(path.join(root, 'packages/consumer/package.json'));
    expect(consumer.name).toBe('@acme/consumer');
    expect(consumer.dependencies).toEqual({
      '@shared-lambda-infra/contract': 'npm:@acme/contract@^1.2.0',
      esbuild: '^0.28.2',
    });
  });

  it('rejects a scope that is not an npm scope', () => {
    expect(() => rescope([], 'acme')).toThrow('scope "acme" is not an npm scope (e.g. @acme)');
  });
});

describe('package versions', () => {
  const contract = json(path.join(ROOT, 'packages/contract/package.json'));
  const consumer = json(path.join(ROOT, 'packages/consumer/package.json'));

  it('gives the contract package the major version of the contract it publishes', () => {
    // The CloudFormation rule compares CONTRACT_MAJOR_VERSION; npm ranges compare the package's.
    expect(contract.version.split('.')[0]).toBe(CONTRACT_MAJOR_VERSION);
  });

  it('makes the consumer depend on a caret range of that contract major', () => {
    expect(consumer.dependencies['@shared-lambda-infra/contract']).toMatch(
      new RegExp(`^\\^${contract.version.split('.')[0]}\\.\\d+\\.\\d+$`),
    );
  });

  it('declares esbuild, which bundles every ServiceFunction, as a dependency of the consumer', () => {
    expect(consumer.dependencies.esbuild).toBeDefined();
  });
});

describe('release docs', () => {
  // A service team installs what the docs tell it to: a package the consumer depends on but the
  // docs never name is one a private registry will not be set up to serve.
  const releasing = readFileSync(path.join(ROOT, 'docs/releasing.md'), 'utf8');
  const consumerReadme = readFileSync(path.join(ROOT, 'packages/consumer/README.md'), 'utf8');
  const published = publishablePackages(ROOT);

  it.each(published.map((p) => [p.name] as const))(
    'docs/releasing.md lists %s and gives it a row',
    (name) => {
      const [intro] = releasing.split('\n## ');
      expect(intro).toContain(`\`${name}\``);
      expect(releasing).toContain(`| \`${name.split('/')[1]}\` |`);
    },
  );

  it("names every published package the consumer depends on in the consumer's README", () => {
    const consumer = json(path.join(ROOT, 'packages/consumer/package.json'));
    const ours = Object.keys(consumer.dependencies as Record<string, string>).filter((d) =>
      published.some((p) => p.name === d),
    );
    expect(ours).toEqual([
      '@shared-lambda-infra/contract',
      '@shared-lambda-infra/jwt-authorizer',
      '@shared-lambda-infra/rehearse',
    ]);
    for (const dep of ours) expect(consumerReadme.split('## Quick start')[0]).toContain(`\`${dep}\``);
  });
});
