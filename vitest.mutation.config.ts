import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

// Cheapest first (see CheapestFirst): unit tests, then cfn-guard, the models, and the IAM questions
// over a synthesized environment last.
export const MUTATION_TESTS = [
  'packages/contract/test/naming.test.ts',
  'packages/platform/test/routes/validate.test.ts',
  'packages/platform/test/routes/validate-boundaries.test.ts',
  'packages/platform/test/access-policy.test.ts',
  'packages/platform/test/routes/receiver.test.ts',
  'packages/platform/test/routes/receiver-boundaries.test.ts',
  'packages/platform/test/github-oidc.test.ts',
  'packages/platform/test/service-guard-catalogue.test.ts',
  'packages/platform/test/service-guard-rules.test.ts',
  'packages/platform/test/routes-scenarios.test.ts',
  'test/security/iam-matrix.test.ts',
];

/**
 * Runs the test files in the order of MUTATION_TESTS, cheapest first. Stryker stops a mutant's run at
 * its first failing test (bail), so a mutant a unit test kills never waits for a synthesis.
 */
class CheapestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => MUTATION_TESTS.findIndex((t) => f.moduleId.endsWith(t));
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: CheapestFirst },
    // Tells test/security/iam-matrix.test.ts to leave out the action-list pin (see there).
    env: { SHARED_LAMBDA_MUTATION_RUN: '1' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
