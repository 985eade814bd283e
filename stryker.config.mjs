// @ts-check
/**
 * The security code under mutation: service confinement and the access stack, the artifact bucket
 * policy, GitHub OIDC trust, the Guard rules, the routes receiver, its validation and the reconciler's
 * permissions, and the contract's names that IAM patterns and the receiver match stack names with.
 */
export const SECURITY_FILES = [
  'packages/platform/lib/constructs/service-confinement.ts',
  'packages/platform/lib/stacks/service-access-stack.ts',
  // The artifact bucket's policy (confineArtifactWrites); the rest of the stack is buckets' settings.
  'packages/platform/lib/stacks/storage-stack.ts:191-230',
  'packages/platform/lib/constructs/github-oidc.ts',
  'packages/platform/lib/constructs/github-access-policy.ts',
  'packages/platform/lib/stacks/github-access-stack.ts',
  'packages/platform/lib/guard/service-guard-rules.ts',
  'packages/platform/functions/routes/receiver.ts',
  'packages/platform/functions/routes/validate.ts',
  // The routes functions' permissions (statements, the reconcile queue's, CloudFormation's invoke);
  // the rest of the file is functions' settings and cdk-nag acknowledgements.
  'packages/platform/lib/constructs/routes-reconciler.ts:278-339',
  // Only the names IAM patterns and the routes receiver match stack names with: service names,
  // service name patterns and service stack names (the rest of the file names platform resources).
  'packages/contract/src/naming.ts:236-322',
  'packages/contract/src/routes.ts:96-121',
];

// scripts/mutation.ts runs Stryker once per file (MUTATION_FILE), each with its own incremental
// file and report; without it, one run over every file.
const MUTATE_ONE = process.env.MUTATION_FILE;
const SLUG = MUTATE_ONE ? MUTATE_ONE.replace(/^packages\//, '').replace(/[/.:]/g, '_') : 'all';

/**
 * Mutation testing of the security code (`npm run test:mutation`, docs/mutation.md): Stryker
 * changes one thing at a time in the files below (a condition dropped, a resource widened, a
 * comparison loosened) and runs the behaviour tests of vitest.mutation.config.ts against each
 * change; a change no test notices is a surviving mutant.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  // Each mutant runs only the tests that executed its code. Most of the security code runs while a
  // test file synthesizes its app in beforeAll ("static" mutants): those rerun the test files that
  // import the mutated file (vitest related), never the whole suite.
  coverageAnalysis: 'perTest',
  // The machines this runs on have 2 cores shared with others; one synthesis at a time.
  concurrency: 1,
  // Reuses the results of unchanged mutants and tests from the last run (reports/mutation/).
  incremental: true,
  incrementalFile: `reports/mutation/${SLUG}.incremental.json`,
  mutate: MUTATE_ONE ? [MUTATE_ONE] : [...SECURITY_FILES],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${SLUG}.json` },
  htmlReporter: { fileName: `reports/mutation/${SLUG}.html` },
  // TypeScript 7 has no JS API: Stryker's tsconfig rewrite (for `extends`/`references` outside the
  // sandbox, which this repository has none of) would fail to load it, so it is pointed nowhere.
  tsconfigFile: 'no-tsconfig-rewrite.json',
  tempDirName: `.stryker-tmp/${SLUG}`,
  // Each file's run has its own sandbox under .stryker-tmp; a run must not copy the others'.
  ignorePatterns: ['.stryker-tmp', 'reports'],
  cleanTempDir: 'always',
  // A synthesis takes seconds on a busy machine: a mutant is a timeout only well past its dry run.
  timeoutMS: 60_000,
  timeoutFactor: 3,
  thresholds: { high: 95, low: 90, break: null },
};
