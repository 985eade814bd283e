// `npm run bench`: how long the main job and the test suite take here, and how much memory they need.
//
// Prints the machine (CPUs, load average before and after: on a loaded machine the figures mean little,
// so it warns when the 1-minute load average is above 1.0 at the start), then
//   1. the median wall time and peak resident memory of synthesizing every stack of one environment
//      (a fresh process each run, as `npm run synth` does, compliance packs and CDK's built-in
//      validation on);
//   2. `npm test` exactly as a person runs it (lint, type-check, the synth and unit vitest projects):
//      median wall time of the whole command and of each of its phases, and the five slowest test files
//      (project, total, import, tests; the median per file over the runs), from vitest's JSON report
//      extended by scripts/bench-reporter.ts;
//   3. with --e2e, the same for `npm run test:e2e` (packed packages installed in fresh directories);
//   4. synthesizing the dev platform with 1, 100, 300 and 1,000 generated registered services (compliance
//      packs off: packages/platform/scripts/synth-scale.ts), one run each, with the largest template
//      (resources, bytes): registering a service must add nothing to the api stack.
//
// Peak memory is the largest sum of VmRSS over the process tree, sampled from /proc every 100 ms (Linux
// only; every 20 ms, the sampling itself took a tenth of a core of the 2 it measures), because vitest
// and the CDK spawn children that `process.resourceUsage()` of this process does not see. The same
// samples date the phases of `npm test`: a phase starts when its program (biome, tsc, vitest) first
// appears in the tree.
//
// Options: --env NAME (default dev), --synth-runs N (default 5; 0 to skip), --test-runs N (default 3), --skip-tests,
// --e2e, --e2e-runs N (default 1), --scale LIST (default 1,100,300,1000; `none` to skip).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchFileTiming } from './bench-reporter';

const root = path.resolve(__dirname, '..');

/** A 1-minute load average above this at the start means other work shares the CPUs being measured. */
export const LOAD_WARNING_THRESHOLD = 1.0;

/** How many of the slowest test files `npm run bench` lists. */
export const SLOWEST_FILES = 5;

/** One step of an npm script: the command as the script writes it and the program that does the work. */
export interface Phase {
  /** The command, as written in the script (`npm run lint`). */
  readonly command: string;
  /** The program whose first appearance in the process tree starts the phase (`biome`). */
  readonly program: string;
}

/** One test file's time in one run, from the bench reporter's JSON report. */
export interface FileTiming {
  /** Path relative to the repository root. */
  readonly file: string;
  /** The vitest project that ran it (`shared`, `isolated`, `e2e`). */
  readonly project: string;
  /** Everything vitest spent on the file: prepare + import + setup + tests and hooks, in seconds. */
  readonly totalSeconds: number;
  /** Importing the file and what it imports, in seconds. */
  readonly importSeconds: number;
  /** Its tests and hooks (`beforeAll` syntheses included), in seconds. */
  readonly testsSeconds: number;
  /** How many tests it holds. */
  readonly tests: number;
}

/** The median of `values`: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The phases of an npm script that chains commands with `&&`: for `npm run X` the program of script X,
 * otherwise the command's first word.
 *
 * @example testPhases({ test: 'npm run lint && vitest run', lint: 'biome check .' })
 *   // [{ command: 'npm run lint', program: 'biome' }, { command: 'vitest run', program: 'vitest' }]
 */
export function testPhases(scripts: Readonly<Record<string, string>>, script = 'test'): Phase[] {
  const body = scripts[script];
  if (body === undefined) throw new Error(`package.json has no "${script}" script`);
  return body.split('&&').map((part) => {
    const command = part.trim();
    const run = /^npm run (\S+)$/.exec(command);
    const target = run ? scripts[run[1]] : command;
    if (target === undefined)
      throw new Error(`package.json script "${script}" runs "${command}", which is missing`);
    return { command, program: target.trim().split(/\s+/)[0] };
  });
}

/**
 * How long each phase took, from the moment each was first seen (seconds after the command started;
 * `undefined` when never seen) and the command's wall time. A phase lasts until the next seen phase
 * starts, the last one until the command ends; npm's start-up before the first phase is `startup`.
 */
export function phaseDurations(
  startedAt: readonly (number | undefined)[],
  totalSeconds: number,
): { startup: number; phases: (number | undefined)[] } {
  const seen = startedAt.filter((t): t is number => t !== undefined);
  const phases = startedAt.map((start) => {
    if (start === undefined) return undefined;
    const next = seen.filter((t) => t > start);
    return (next.length > 0 ? Math.min(...next) : totalSeconds) - start;
  });
  return { startup: seen.length > 0 ? Math.min(...seen) : totalSeconds, phases };
}

/**
 * Each test file of a report written by scripts/bench-reporter.ts (vitest's JSON report with a `bench`
 * field per file). A plain vitest JSON report is rejected: its file times leave out `beforeAll` and
 * imports, where a synthesis file spends nearly all of its time.
 */
export function fileTimings(report: unknown, rootDir: string): FileTiming[] {
  const results = (report as { testResults?: unknown } | null)?.testResults;
  if (!Array.isArray(results)) throw new Error('not a vitest JSON report: no testResults array');
  return results.map((entry: { name: string; bench?: BenchFileTiming; assertionResults?: unknown[] }) => {
    const file = path.relative(rootDir, entry.name);
    const b = entry.bench;
    if (!b)
      throw new Error(
        `${file} has no "bench" timing: run vitest with --reporter=./scripts/bench-reporter.ts, not --reporter=json`,
      );
    return {
      file,
      project: b.project,
      totalSeconds: (b.prepareMs + b.importMs + b.setupMs + b.testsMs) / 1000,
      importSeconds: b.importMs / 1000,
      testsSeconds: b.testsMs / 1000,
      tests: entry.assertionResults?.length ?? 0,
    };
  });
}

/**
 * The `count` slowest files over several runs, each file with the median of its times over the runs
 * it appears in, slowest first (ties by path, so the table is stable).
 */
export function slowestFiles(runs: readonly (readonly FileTiming[])[], count = SLOWEST_FILES): FileTiming[] {
  const byFile = new Map<string, FileTiming[]>();
  for (const run of runs) for (const t of run) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);
  return [...byFile.values()]
    .map((times) => ({
      ...times[0],
      totalSeconds: median(times.map((t) => t.totalSeconds)),
      importSeconds: median(times.map((t) => t.importSeconds)),
      testsSeconds: median(times.map((t) => t.testsSeconds)),
    }))
    .sort((a, b) => b.totalSeconds - a.totalSeconds || a.file.localeCompare(b.file))
    .slice(0, count);
}

/** A plain-text table: columns padded to their widest cell, numbers (and `-`) right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^(-|[\d.,]+( s)?)$/.test(r[i])));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

// ----- measuring -----

/** How often the process tree is sampled for peak memory and phase starts. */
const SAMPLE_MS = 100;

interface Run {
  readonly seconds: number;
  readonly peakMiB: number;
  readonly code: number | null;
  /** What the command printed on stdout. */
  readonly stdout: string;
  /** Both streams, for the error message when the command fails. */
  readonly output: string;
  /** Seconds after the start at which each phase's program first appeared (see `Phase`). */
  readonly phaseStarts: (number | undefined)[];
}

/** Every process under `rootPid` (itself included), with the sum of their VmRSS. */
function processTree(rootPid: number): { pids: number[]; rssKiB: number } {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      rss.set(Number(entry), Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended between readdir and read: it holds no memory any more.
    }
  }
  const pids: number[] = [];
  let rssKiB = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    pids.push(pid);
    rssKiB += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return { pids, rssKiB };
}

/** The file names of a process's argv (`node /x/node_modules/.bin/vitest run` gives node, vitest, run). */
function argvNames(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .map((arg) => path.basename(arg));
  } catch {
    return []; // ended meanwhile
  }
}

function measure(
  command: string,
  argv: string[],
  cwd: string,
  options: { phases?: readonly Phase[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  const phases = options.phases ?? [];
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const child = spawn(command, argv, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(options.env ?? process.env), AWS_EC2_METADATA_DISABLED: 'true' },
    });
    let stdout = '';
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let peak = 0;
    const phaseStarts: (number | undefined)[] = phases.map(() => undefined);
    const timer = setInterval(() => {
      if (!child.pid) return;
      const at = elapsed();
      const tree = processTree(child.pid);
      peak = Math.max(peak, tree.rssKiB);
      if (phaseStarts.every((t) => t !== undefined)) return;
      const running = new Set(tree.pids.flatMap(argvNames));
      phases.forEach((phase, i) => {
        if (phaseStarts[i] === undefined && running.has(phase.program)) phaseStarts[i] = at;
      });
    }, SAMPLE_MS);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ seconds: elapsed(), peakMiB: peak / 1024, code, stdout, output, phaseStarts });
    });
  });
}

function failed(label: string, i: number, run: Run): Error {
  const tail = run.output.trimEnd().split('\n').slice(-40).join('\n');
  return new Error(`${label}: run ${i + 1} exited with ${run.code}; its last lines:\n${tail}`);
}

const s = (seconds: number | undefined) => (seconds === undefined ? '-' : `${seconds.toFixed(2)} s`);

async function bench(
  label: string,
  runs: number,
  command: string,
  argv: string[],
  cwd: string,
): Promise<void> {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await measure(command, argv, cwd);
    if (run.code !== 0) throw failed(label, i, run);
    results.push(run);
    process.stderr.write(
      `  ${label} run ${i + 1}/${runs}: ${run.seconds.toFixed(2)} s, ${run.peakMiB.toFixed(0)} MiB\n`,
    );
  }
  const secs = results.map((r) => r.seconds);
  console.log(
    `${label.padEnd(34)} median ${median(secs).toFixed(2)} s  (min ${Math.min(...secs).toFixed(2)}, max ${Math.max(...secs).toFixed(2)}, n=${runs})  peak ${Math.max(...results.map((r) => r.peakMiB)).toFixed(0)} MiB`,
  );
}

/**
 * Runs `npm run <script>` `runs` times as a person would (no npm_* variables of the `npm run bench` that
 * started us), with vitest's bench reporter, and prints the median of the whole and of each phase, then
 * the slowest files.
 */
async function benchSuite(script: string, runs: number): Promise<void> {
  const scripts = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const phases = testPhases(scripts, script);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-suite-'));
  const results: Run[] = [];
  const files: FileTiming[][] = [];
  const label = script === 'test' ? 'npm test' : `npm run ${script}`;
  try {
    for (let i = 0; i < runs; i++) {
      const report = path.join(dir, `run-${i + 1}.json`);
      const run = await measure(
        'npm',
        [
          'run',
          script,
          '--',
          '--reporter=default',
          '--reporter=./scripts/bench-reporter.ts',
          `--outputFile=${report}`,
        ],
        root,
        { phases, env },
      );
      if (run.code !== 0) throw failed(label, i, run);
      results.push(run);
      files.push(fileTimings(JSON.parse(readFileSync(report, 'utf8')), root));
      process.stderr.write(
        `  ${label} run ${i + 1}/${runs}: ${run.seconds.toFixed(2)} s, ${run.peakMiB.toFixed(0)} MiB\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const split = results.map((r) => phaseDurations(r.phaseStarts, r.seconds));
  const stat = (values: (number | undefined)[]) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length === 0
      ? ['-', '-', '-']
      : [s(median(known)), s(Math.min(...known)), s(Math.max(...known))];
  };
  const peak = `${Math.max(...results.map((r) => r.peakMiB)).toFixed(0)} MiB`;
  console.log(`\n${label}: ${runs} run${runs === 1 ? '' : 's'}, peak memory ${peak}`);
  console.log(
    table(
      ['phase', 'program', 'median', 'min', 'max'],
      [
        [`${label} (whole)`, '', ...stat(results.map((r) => r.seconds))],
        ['  npm start-up', 'npm', ...stat(split.map((p) => p.startup))],
        ...phases.map((phase, i) => [
          `  ${phase.command}`,
          phase.program,
          ...stat(split.map((p) => p.phases[i])),
        ]),
      ],
    ),
  );
  const counted = files[0] ?? [];
  console.log(
    `\n${SLOWEST_FILES} slowest of ${counted.length} test files (${counted.reduce((n, f) => n + f.tests, 0)} tests), median per file; total = prepare + import + tests and hooks:`,
  );
  console.log(
    table(
      ['file', 'project', 'total', 'import', 'tests+hooks', 'tests'],
      slowestFiles(files).map((f) => [
        f.file,
        f.project,
        s(f.totalSeconds),
        s(f.importSeconds),
        s(f.testsSeconds),
        String(f.tests),
      ]),
    ),
  );
}

function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

function runCount(args: readonly string[], name: string, fallback: string, min = 1): number {
  const value = option(args, name, fallback);
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name}: expected a whole number >= ${min}, got "${value}"`);
  return n;
}

const loadText = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(args: readonly string[]): Promise<void> {
  const env = option(args, 'env', 'dev');
  const synthRuns = runCount(args, 'synth-runs', '5', 0);
  const testRuns = runCount(args, 'test-runs', '3');
  const e2eRuns = runCount(args, 'e2e-runs', '1');
  const scale = option(args, 'scale', '1,100,300,1000');
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

  const cpus = os.cpus();
  console.log(`node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown model'})`);
  console.log(`load average (1, 5, 15 min) at start: ${loadText()}`);
  const load = os.loadavg()[0];
  if (load > LOAD_WARNING_THRESHOLD)
    console.log(
      `WARNING: the 1-minute load average is ${load.toFixed(2)} (above ${LOAD_WARNING_THRESHOLD.toFixed(1)}): other processes share the CPUs, so the times below are longer than on an idle machine. Measure again when it is idle.`,
    );
  console.log('');

  if (synthRuns > 0)
    await bench(
      `synth ${env} (all stacks)`,
      synthRuns,
      tsx,
      ['scripts/synth.ts', '-c', `env=${env}`],
      path.join(root, 'packages', 'platform'),
    );
  if (!args.includes('--skip-tests')) await benchSuite('test', testRuns);
  if (args.includes('--e2e')) await benchSuite('test:e2e', e2eRuns);
  if (scale !== 'none') await benchScale(tsx, scale.split(',').map(Number));
  console.log(`\nload average (1, 5, 15 min) at end: ${loadText()}`);
}

/** One synthesis per registry size, in a fresh process: wall time, peak memory, largest template. */
async function benchScale(tsx: string, counts: readonly number[]): Promise<void> {
  console.log(
    '\nservices  stacks  synth s  peak MiB  most resources (stack)                      largest bytes (stack)',
  );
  for (const count of counts) {
    const run = await measure(
      tsx,
      ['scripts/synth-scale.ts', String(count)],
      path.join(root, 'packages', 'platform'),
    );
    if (run.code !== 0) throw failed(`synth with ${count} services`, 0, run);
    const r = JSON.parse(run.stdout.trim().split('\n').pop() as string) as {
      stacks: number;
      mostResources: { stack: string; resources: number };
      largestBytes: { stack: string; bytes: number };
    };
    console.log(
      `${String(count).padStart(8)}  ${String(r.stacks).padStart(6)}  ${run.seconds.toFixed(1).padStart(7)}  ${run.peakMiB.toFixed(0).padStart(8)}  ${`${r.mostResources.resources} (${r.mostResources.stack})`.padEnd(44)}${r.largestBytes.bytes} (${r.largestBytes.stack})`,
    );
  }
}

if (path.resolve(process.argv[1] ?? '') === __filename) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
