import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type Reporter, type TestSpecification, type Vitest } from 'vitest/node';

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
  'packages/contract/test/service-names.test.ts',
  'packages/platform/test/routes/validate.test.ts',
  'packages/platform/test/routes/declaration.test.ts',
  'packages/platform/test/access-policy.test.ts',
  'packages/platform/test/routes-reconciler-placeholders.test.ts',
  'packages/platform/test/access-stacks-behaviour.test.ts',
  'packages/platform/test/routes/receiver.test.ts',
  'packages/platform/test/routes/receiver-paths.test.ts',
  'packages/platform/test/routes/response-url.test.ts',
  'packages/platform/test/routes-faults.test.ts',
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

/** What the reporter below reads and writes of vitest's task tree. */
interface Task {
  type: string;
  mode?: string;
  tasks?: Task[];
  result?: { state?: string; errors?: unknown[] };
}

/**
 * A test whose file-level beforeAll failed (a mutant that makes synthesis throw) is reported by vitest
 * as skipped; Stryker's vitest runner looks for the failure in the test's describe blocks but not in
 * the file, so for a test inside a describe it counts the mutant as surviving. This marks such tests
 * failed with their hook's error, in the state Stryker reads, so a mutant that breaks synthesis
 * counts as killed, as it fails `npm test`.
 */
class HookFailuresFailTheirTests implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      const task = file as unknown as Task & { name: string; file?: unknown; suite?: unknown };
      const errors = task.result?.errors ?? [];
      if (errors.length > 0 && (task.tasks ?? []).length === 0) {
        // The file threw while loading (a mutant that breaks what it computes at import): no test
        // was collected to fail, so one stands for the file.
        task.tasks = [
          {
            type: 'test',
            name: 'the file loads',
            mode: 'run',
            file,
            suite: file,
            result: { state: 'fail', errors },
          } as Task,
        ];
      }
      failSkippedUnder(task, []);
    }
  }
}

function failSkippedUnder(task: Task, inherited: unknown[]): void {
  const errors = task.result?.errors?.length ? task.result.errors : inherited;
  if (task.type === 'test') {
    // vitest marks the tests under a failed hook `skip` (mode and state).
    const skipped = task.result === undefined || task.result.state === 'skip';
    if (errors.length > 0 && skipped) {
      task.mode = 'run';
      task.result = { ...task.result, state: 'fail', errors };
    }
    return;
  }
  for (const child of task.tasks ?? []) failSkippedUnder(child, errors);
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
    reporters: ['default', new HookFailuresFailTheirTests()],
    // Tells test/security/iam-matrix.test.ts to leave out the action-list pin (see there).
    env: { SHARED_LAMBDA_MUTATION_RUN: '1' },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
