// The vitest reporter `npm run bench` runs the suite with: vitest's own JSON report, plus a `bench` field
// on each file with the file's project and where its time went.
//
// Vitest's JSON reporter alone cannot rank files: it has no project name, and a file's `startTime` and
// `endTime` span its tests only, so a file that synthesizes for 10 s in `beforeAll` and then asserts for
// 20 ms reports 20 ms. The module diagnostics vitest keeps per file count the import and the hooks too.
import type { TestModule } from 'vitest/node';
import { JsonReporter } from 'vitest/reporters';

/** Where one test file's time went, in milliseconds, as vitest's module diagnostics measure it. */
export interface BenchFileTiming {
  /** The vitest project that ran the file (`shared`, `isolated`, `e2e`). */
  readonly project: string;
  /** Setting up the test environment and vitest's harness in the worker. */
  readonly prepareMs: number;
  /** Importing the test file and everything it imports (aws-cdk-lib, cdk-nag: most of a cold synth file). */
  readonly importMs: number;
  /** Importing the project's setup files. */
  readonly setupMs: number;
  /** Every test and hook of the file (`beforeAll` syntheses included). */
  readonly testsMs: number;
}

/** Vitest's JSON reporter, each file entry extended with `bench: BenchFileTiming`. */
export default class BenchReporter extends JsonReporter {
  private readonly timings = new Map<string, BenchFileTiming>();

  constructor() {
    super({});
  }

  override async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    for (const module of testModules) {
      const d = module.diagnostic();
      this.timings.set(module.moduleId, {
        project: module.project.name,
        prepareMs: d.environmentSetupDuration + d.prepareDuration,
        importMs: d.collectDuration,
        setupMs: d.setupDuration,
        testsMs: d.duration,
      });
    }
    await super.onTestRunEnd(testModules);
  }

  override async writeReport(report: string): Promise<void> {
    const json = JSON.parse(report) as { testResults: Array<{ name: string; bench?: BenchFileTiming }> };
    for (const file of json.testResults) file.bench = this.timings.get(file.name);
    await super.writeReport(JSON.stringify(json));
  }
}
