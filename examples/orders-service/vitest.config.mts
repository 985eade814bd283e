import { defineConfig } from 'vitest/config';

// Inside the platform monorepo, npm starts this with the `@shared-lambda-infra/source` condition
// (the monorepo's .npmrc) so the platform packages load from their TypeScript sources; vite
// resolves with conditions of its own, so name them (not `module`: some AWS SDK packages map it
// to ES modules Node cannot load). In a service repository this is vitest's default.
const SOURCE = '@shared-lambda-infra/source';
const fromSources = process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE}`) ?? false;

export default defineConfig({
  ...(fromSources && { ssr: { resolve: { conditions: [SOURCE, 'node', 'development|production'] } } }),
  test: {
    include: ['test/**/*.test.ts'],
    // A CDK synthesis takes seconds; the defaults (5 s, hooks 10 s) are for unit code.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
