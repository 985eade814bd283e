import { defineConfig } from 'vitest/config';

// Workspace packages load from their TypeScript sources (see .npmrc), also when vitest is started
// without npm (an editor, node_modules/.bin/vitest).
// Not vite's `module` condition: some AWS SDK packages map it to ES modules Node cannot load.
const conditions = ['@shared-lambda-infra/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // CDK synthesis with cdk-nag and cfn-guard takes seconds per app; the defaults (5 s) are for unit code.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
