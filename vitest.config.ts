import { defineConfig } from 'vitest/config';

// Workspace packages load from their TypeScript sources (see .npmrc), also when vitest is started
// without npm (an editor, node_modules/.bin/vitest).
// Not vite's `module` condition: some AWS SDK packages map it to ES modules Node cannot load.
const conditions = ['@shared-lambda-infra/source', 'node', 'development|production'];

const ALL = ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'];
// Files whose modules keep state a test changes: the authorizer's JWKS cache and environment, the
// dev server's workers. Each gets a fresh module registry. (The example's handler tests restore
// their mocked AWS SDK client after each file, and share the AWS SDK's modules with the others.)
const ISOLATED = [
  'packages/jwt-authorizer/test/**/*.test.ts',
  'packages/consumer/test/dev/dev-server.test.ts',
];
// What takes minutes (packed packages installed in fresh repositories, the README's commands on a
// fresh copy, 1,000 registered services, compliance over every config variant): `npm run test:e2e`,
// run by CI after `npm test`.
const E2E = ['test/**/*.slow.test.ts', 'packages/*/test/**/*.slow.test.ts'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // CDK synthesis with cdk-nag and cfn-guard takes seconds per app; the defaults (5 s) are for unit code.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the CPUs: a single worker on the 2-core machines
    // this suite is measured on, while part of a synthesis waits on cfn-guard and esbuild.
    maxWorkers: 2,
    projects: [
      // Every other file shares one module registry per worker (`isolate: false`): aws-cdk-lib,
      // cdk-nag, zod and our constructs load once per worker instead of once per file (1-2 s each),
      // and `sharedPlatform(env)` synthesizes an environment once per worker.
      {
        extends: true,
        test: {
          name: 'shared',
          include: ALL,
          exclude: [...ISOLATED, ...E2E, '**/node_modules/**'],
          isolate: false,
        },
      },
      // A worker thread per file: a quarter less CPU than a process per file here.
      { extends: true, test: { name: 'isolated', include: ISOLATED, pool: 'threads' } },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
