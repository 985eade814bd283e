import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

// The tests `npm run test:mutation` (stryker.config.mjs) runs against each mutant of the security
// code: behaviour tests only. IAM questions asked of the real evaluator (test/security/), Guard
// rules evaluated by cfn-guard on literal and synthesized templates, the routes receiver and
// reconciler driven against the in-memory AWS models. Template-assertion files and the action-list
// pin are left out: a mutant they alone notice is a mutant no behaviour test notices.
//
// Stryker copies the repository into a sandbox but links node_modules to the original, where the
// workspace links point at the unmutated sources: the aliases below load every workspace package
// from the sandbox instead, so a mutant of packages/contract reaches the platform code that uses it.

const conditions = ['@shared-lambda-infra/source', 'node', 'development|production'];
const here = (file: string) => path.join(__dirname, file);

export const MUTATION_TESTS = [
  'test/security/iam-matrix.test.ts',
  'packages/platform/test/service-guard-rules.test.ts',
  'packages/platform/test/service-guard-catalogue.test.ts',
  'packages/platform/test/access-policy.test.ts',
  'packages/platform/test/github-oidc.test.ts',
  'packages/platform/test/routes/receiver.test.ts',
  'packages/platform/test/routes/validate.test.ts',
  'packages/platform/test/routes/validate-boundaries.test.ts',
  'packages/platform/test/routes-scenarios.test.ts',
  'packages/contract/test/naming.test.ts',
];

export default defineConfig({
  resolve: {
    conditions,
    alias: ['contract', 'consumer', 'jwt-authorizer'].map((name) => ({
      find: `@shared-lambda-infra/${name}`,
      replacement: here(`packages/${name}/src/index.ts`),
    })),
  },
  ssr: { resolve: { conditions } },
  test: {
    include: MUTATION_TESTS,
    // Tells test/security/iam-matrix.test.ts to leave out the action-list pin (see there).
    env: { SHARED_LAMBDA_MUTATION_RUN: '1' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
