// `npm run release:publish`, run by .github/workflows/release.yml when no changesets are pending:
// builds every publishable package and publishes the versions the registry does not have yet.
// RELEASE_REGISTRY and RELEASE_SCOPE choose where (GitHub Packages under @shared-lambda-infra by default).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { PLATFORM_SCOPE, publishablePackages, rescope } from './publishable';

const root = path.resolve(__dirname, '..');
const registry = process.env.RELEASE_REGISTRY || 'https://npm.pkg.github.com';
const scope = process.env.RELEASE_SCOPE || PLATFORM_SCOPE;

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (scope !== PLATFORM_SCOPE) rescope(publishablePackages(root), scope);
// Provenance statements are accepted by the public npm registry only; GitHub Packages rejects them.
const provenance = new URL(registry).hostname === 'registry.npmjs.org';
execFileSync('npx', ['changeset', 'publish'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    [`npm_config_${scope}:registry`]: registry,
    NPM_CONFIG_PROVENANCE: String(provenance),
  },
});
