import { defineConfig } from 'vitest/config';

// Workspace packages load from their TypeScript sources (see .npmrc), also when vitest is started
// without npm (an editor, node_modules/.bin/vitest).
// Not vite's `module` condition: some AWS SDK packages map it to ES modules Node cannot load.
const conditions = ['@shared-lambda-infra/source', 'node', 'development|production'];

// Files that synthesize CDK apps. They share one module registry per worker (`isolate: false`):
// loading aws-cdk-lib, cdk-nag and our constructs costs 1-2 s per file, paid once per worker
// instead of once per file, and `sharedPlatform(env)` synthesizes an environment once per worker.
// They hold no module state that a test changes.
const SYNTH = [
  'packages/platform/test/*.test.ts',
  'packages/consumer/test/*.test.ts',
  'examples/*/test/*.test.ts',
  'test/contract.test.ts',
  'test/security/**/*.test.ts',
];
// End-to-end checks that install packed packages into fresh directories (minutes, network):
// `npm run test:e2e`, run by CI after `npm test`.
const E2E = ['test/**/*.slow.test.ts'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // CDK synthesis with cdk-nag and cfn-guard takes seconds per app; the defaults (5 s) are for unit code.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the CPUs: a single worker on the 2-core machines
    // this suite is measured on, while half of a synthesis is waiting on cfn-guard and esbuild.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'synth', include: SYNTH, isolate: false },
      },
      // Runtime code (handlers, the authorizer, the dev server) keeps module-scope caches and mocks
      // AWS SDK clients: each file gets a fresh registry.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...SYNTH, ...E2E, '**/node_modules/**'],
        },
      },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
