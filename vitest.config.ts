import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // CDK synthesis with cdk-nag and cfn-guard takes seconds per app; the defaults (5 s) are for unit code.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
