import { describe, expect, it } from 'vitest';
import { fileTimings, median, phaseDurations, slowestFiles, table, testPhases } from '../scripts/bench';

// The pure parts of `npm run bench`; the measuring itself runs the suite, which a test must not do.

const ROOT = '/repo';

/** One file entry as vitest's JSON reporter writes it, with the `bench` field scripts/bench-reporter.ts adds. */
function fileEntry(name: string, project: string, ms: [number, number, number, number], tests = 1) {
  const [prepareMs, importMs, setupMs, testsMs] = ms;
  return {
    assertionResults: Array.from({ length: tests }, (_, i) => ({
      ancestorTitles: [],
      fullName: `test ${i}`,
      status: 'passed',
      title: `test ${i}`,
      duration: 3.5,
      failureMessages: [],
      meta: {},
      tags: [],
    })),
    startTime: 1795790121007,
    endTime: 1795790121014.4238,
    status: 'passed',
    message: '',
    name: `${ROOT}/${name}`,
    bench: { project, prepareMs, importMs, setupMs, testsMs },
  };
}

/** A run of seven files, shaped like vitest 4's JSON report. */
const REPORT = {
  numTotalTestSuites: 7,
  numPassedTestSuites: 7,
  numFailedTestSuites: 0,
  numPendingTestSuites: 0,
  numTotalTests: 12,
  numPassedTests: 12,
  numFailedTests: 0,
  numPendingTests: 0,
  numTodoTests: 0,
  startTime: 1795790118110,
  success: true,
  testResults: [
    fileEntry('packages/platform/test/api-stack.test.ts', 'synth', [12, 1830, 0, 10450], 3),
    fileEntry('packages/platform/test/scale.test.ts', 'synth', [8, 120, 0, 21300]),
    fileEntry('packages/jwt-authorizer/test/handler.test.ts', 'unit', [40, 310, 0, 650], 2),
    fileEntry('test/workflows.test.ts', 'unit', [35, 90, 0, 2400], 2),
    fileEntry('packages/consumer/test/service-function.test.ts', 'synth', [10, 60, 0, 4100]),
    fileEntry('test/docs.test.ts', 'unit', [30, 700, 0, 150], 2),
    fileEntry('packages/contract/test/naming.test.ts', 'unit', [25, 80, 0, 40]),
  ],
};

describe('median', () => {
  it('is the middle value of an odd count, in any order', () => {
    expect(median([41.2, 38.9, 52.0])).toBe(41.2);
  });

  it('is the mean of the two middle values of an even count', () => {
    expect(median([10, 40, 20, 30])).toBe(25);
  });

  it('rejects an empty list', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('testPhases', () => {
  const scripts = {
    test: 'npm run lint && npm run typecheck && vitest run --project synth --project unit',
    lint: 'biome check .',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    'test:e2e': 'vitest run --project e2e',
  };

  it('names each command of the test script and the program that starts it', () => {
    expect(testPhases(scripts)).toEqual([
      { command: 'npm run lint', program: 'biome' },
      { command: 'npm run typecheck', program: 'tsc' },
      { command: 'vitest run --project synth --project unit', program: 'vitest' },
    ]);
  });

  it('reads another script when asked', () => {
    expect(testPhases(scripts, 'test:e2e')).toEqual([
      { command: 'vitest run --project e2e', program: 'vitest' },
    ]);
  });

  it('fails on a missing script, naming it', () => {
    expect(() => testPhases(scripts, 'bench')).toThrow('package.json has no "bench" script');
    expect(() => testPhases({ test: 'npm run lint && vitest run' })).toThrow(
      'package.json script "test" runs "npm run lint", which is missing',
    );
  });
});

describe('phaseDurations', () => {
  it('gives each phase the time until the next one starts, the last until the end', () => {
    const { startup, phases } = phaseDurations([0.4, 2.1, 9.6], 40);
    expect(startup).toBeCloseTo(0.4, 9);
    expect(phases[0]).toBeCloseTo(1.7, 9);
    expect(phases[1]).toBeCloseTo(7.5, 9);
    expect(phases[2]).toBeCloseTo(30.4, 9);
  });

  it('leaves a phase never seen undefined and gives its time to the phase before', () => {
    const { phases } = phaseDurations([0.4, undefined, 9.6], 40);
    expect(phases[0]).toBeCloseTo(9.2, 9);
    expect(phases[1]).toBeUndefined();
    expect(phases[2]).toBeCloseTo(30.4, 9);
  });

  it('counts the whole run as start-up when no phase was seen (the command failed at once)', () => {
    expect(phaseDurations([undefined, undefined], 1.5)).toEqual({
      startup: 1.5,
      phases: [undefined, undefined],
    });
  });
});

describe('fileTimings', () => {
  it('reads each file of the report: path from the root, project, total = prepare + import + setup + tests', () => {
    const [first, , third] = fileTimings(REPORT, ROOT);
    expect(first).toEqual({
      file: 'packages/platform/test/api-stack.test.ts',
      project: 'synth',
      totalSeconds: 12.292,
      importSeconds: 1.83,
      testsSeconds: 10.45,
      tests: 3,
    });
    expect(third).toEqual({
      file: 'packages/jwt-authorizer/test/handler.test.ts',
      project: 'unit',
      totalSeconds: 1,
      importSeconds: 0.31,
      testsSeconds: 0.65,
      tests: 2,
    });
  });

  it('rejects a plain vitest JSON report, whose file times leave out beforeAll and imports', () => {
    const { bench: _dropped, ...plain } = fileEntry('test/docs.test.ts', 'unit', [1, 1, 1, 1]);
    expect(() => fileTimings({ ...REPORT, testResults: [plain] }, ROOT)).toThrow(
      'test/docs.test.ts has no "bench" timing: run vitest with --reporter=./scripts/bench-reporter.ts, not --reporter=json',
    );
  });

  it('rejects something that is not a vitest JSON report', () => {
    expect(() => fileTimings({ files: [] }, ROOT)).toThrow('not a vitest JSON report: no testResults array');
    expect(() => fileTimings(null, ROOT)).toThrow('not a vitest JSON report: no testResults array');
  });
});

describe('slowestFiles', () => {
  it('lists the five slowest files of a run, slowest first', () => {
    expect(slowestFiles([fileTimings(REPORT, ROOT)]).map((f) => [f.file, f.project, f.totalSeconds])).toEqual(
      [
        ['packages/platform/test/scale.test.ts', 'synth', 21.428],
        ['packages/platform/test/api-stack.test.ts', 'synth', 12.292],
        ['packages/consumer/test/service-function.test.ts', 'synth', 4.17],
        ['test/workflows.test.ts', 'unit', 2.525],
        ['packages/jwt-authorizer/test/handler.test.ts', 'unit', 1],
      ],
    );
  });

  it('ranks by the median of each file over the runs, not by one lucky or unlucky run', () => {
    const run = (scaleMs: number, apiMs: number) =>
      fileTimings(
        {
          testResults: [
            fileEntry('packages/platform/test/scale.test.ts', 'synth', [0, 0, 0, scaleMs]),
            fileEntry('packages/platform/test/api-stack.test.ts', 'synth', [0, 0, 0, apiMs]),
          ],
        },
        ROOT,
      );
    // scale: 30, 5, 6 s (median 6); api-stack: 8, 9, 7 s (median 8)
    const slowest = slowestFiles([run(30_000, 8_000), run(5_000, 9_000), run(6_000, 7_000)], 2);
    expect(slowest.map((f) => [f.file, f.totalSeconds, f.testsSeconds])).toEqual([
      ['packages/platform/test/api-stack.test.ts', 8, 8],
      ['packages/platform/test/scale.test.ts', 6, 6],
    ]);
  });
});

describe('table', () => {
  it('pads columns to their widest cell and right-aligns the numeric ones', () => {
    expect(
      table(
        ['file', 'project', 'total', 'tests'],
        [
          ['packages/platform/test/scale.test.ts', 'synth', '21.43 s', '1'],
          ['test/workflows.test.ts', 'unit', '2.53 s', '12'],
          ['test/docs.test.ts', 'unit', '-', '2'],
        ],
      ),
    ).toBe(
      [
        'file                                  project    total  tests',
        'packages/platform/test/scale.test.ts  synth    21.43 s      1',
        'test/workflows.test.ts                unit      2.53 s     12',
        'test/docs.test.ts                     unit           -      2',
      ].join('\n'),
    );
  });
});
