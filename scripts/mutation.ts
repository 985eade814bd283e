// `npm run test:mutation`: mutation testing of the security code (docs/mutation.md).
//
// Runs Stryker (stryker.config.mjs) once per security file, one after the other, each with its own
// incremental file and JSON report under reports/mutation/, so a file can be rerun alone while
// working on its tests (`npm run test:mutation -- packages/platform/functions/routes/validate.ts`,
// `--force` to ignore the incremental file) and a run that
// stops part way keeps the files it finished. Then prints, per file and overall: mutants, killed,
// survived, no coverage, timeouts, errors, the mutation score and the wall time, and every surviving
// mutant (file:line, mutator, replacement). The same text is written to reports/mutation/summary.md.
//
// Exits 1 when the score of any file run is below MINIMUM_SCORE, or when Stryker fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SECURITY_FILES } from '../stryker.config.mjs';

const root = path.resolve(__dirname, '..');

/** The mutation score each security file must reach on its own (issue #17). */
export const MINIMUM_SCORE = 90;

/** One mutant as Stryker's JSON report (mutation-testing-report-schema) gives it. */
interface ReportMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

/** What one file's run found. */
export interface FileResult {
  readonly file: string;
  readonly mutants: number;
  readonly killed: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly timeout: number;
  /** Runtime and compile errors: mutants Stryker could not run, left out of the score. */
  readonly errors: number;
  readonly seconds: number;
  readonly survivors: readonly string[];
}

/** Stryker's score: detected (killed, timed out) over valid mutants (detected, survived, no coverage). */
export function score(r: Pick<FileResult, 'killed' | 'timeout' | 'survived' | 'noCoverage'>): number {
  const valid = r.killed + r.timeout + r.survived + r.noCoverage;
  return valid === 0 ? 100 : (100 * (r.killed + r.timeout)) / valid;
}

/**
 * The files whose own score is below {@link MINIMUM_SCORE}, with their score: each file must reach it,
 * so a well-tested file cannot carry a weak one through an overall figure.
 */
export function filesBelowMinimum(results: readonly FileResult[]): string[] {
  return results.filter((r) => score(r) < MINIMUM_SCORE).map((r) => `${r.file} (${score(r).toFixed(1)}%)`);
}

/** Counts the statuses of one file in a Stryker JSON report. */
export function summarize(file: string, mutants: readonly ReportMutant[], seconds: number): FileResult {
  const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  return {
    file,
    mutants: mutants.length,
    killed: count('Killed'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    timeout: count('Timeout'),
    errors: count('RuntimeError', 'CompileError'),
    seconds,
    survivors: mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line)
      .map(
        (m) =>
          `${file}:${m.location.start.line}:${m.location.start.column} ${m.status === 'NoCoverage' ? '(no coverage) ' : ''}${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '').slice(0, 100)}`,
      ),
  };
}

/** The figures as a Markdown table, then the surviving mutants. */
export function render(results: readonly FileResult[]): string {
  const total = results.reduce(
    (t, r) => ({
      killed: t.killed + r.killed,
      survived: t.survived + r.survived,
      noCoverage: t.noCoverage + r.noCoverage,
      timeout: t.timeout + r.timeout,
      errors: t.errors + r.errors,
      mutants: t.mutants + r.mutants,
      seconds: t.seconds + r.seconds,
    }),
    { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0, mutants: 0, seconds: 0 },
  );
  const row = (name: string, r: typeof total) =>
    `| ${name} | ${r.mutants} | ${r.killed} | ${r.survived} | ${r.noCoverage} | ${r.timeout} | ${r.errors} | ${score(r).toFixed(1)}% | ${formatSeconds(r.seconds)} |`;
  return [
    '| File | Mutants | Killed | Survived | No coverage | Timeout | Errors | Score | Time |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => row(`\`${r.file}\``, r)),
    row('**all**', total),
    '',
    results.some((r) => r.survivors.length > 0) ? 'Surviving mutants:' : 'No surviving mutant.',
    ...results.flatMap((r) => r.survivors.map((s) => `- ${s}`)),
    '',
  ].join('\n');
}

/** Removes the survivors (and mutants without coverage) from a Stryker incremental file. */
export function forgetSurvivors(incrementalFile: string): number {
  if (!existsSync(incrementalFile)) return 0;
  const report = JSON.parse(readFileSync(incrementalFile, 'utf8')) as {
    files: Record<string, { mutants: ReportMutant[] }>;
  };
  let forgotten = 0;
  for (const file of Object.values(report.files)) {
    const kept = file.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
    forgotten += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  writeFileSync(incrementalFile, JSON.stringify(report));
  return forgotten;
}

function formatSeconds(s: number): string {
  if (Number.isNaN(s)) return '-';
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

function main(): void {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  // Options for Stryker itself, e.g. --force: rerun every mutant, not only those the incremental
  // file says changed (it misses new tests that kill a static mutant, docs/mutation.md).
  const options = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const strykerOptions = options.filter((a) => a !== '--summary' && a !== '--retest-survivors');
  // --retest-survivors: an incremental run that reuses every killed mutant Stryker's own diff
  // finds unchanged, but tests every survivor again. Stryker alone would reuse a static survivor
  // even when a new test kills it (docs/mutation.md); a survivor removed from the incremental file
  // is a new mutant to it.
  const retestSurvivors = options.includes('--retest-survivors');
  // A file of the list, or a line range of one (`path:10-50`, Stryker's own notation).
  const pathOf = (f: string) => f.replace(/:\d+-\d+$/, '');
  const unknown = args.filter((a) => !SECURITY_FILES.some((f) => pathOf(f) === pathOf(a)));
  if (unknown.length > 0) {
    console.error(
      `not a security file of stryker.config.mjs: ${unknown.join(', ')}\nchoose from:\n  ${SECURITY_FILES.join('\n  ')}`,
    );
    process.exit(2);
  }
  // --summary: no run, the figures of the last run of each file that has a report.
  const summaryOnly = options.includes('--summary');
  const files = args.length > 0 ? args : [...SECURITY_FILES];
  mkdirSync(path.join(root, 'reports/mutation'), { recursive: true });
  const results: FileResult[] = [];
  let failed = false;
  for (const file of files) {
    const slug = file.replace(/^packages\//, '').replace(/[/.:]/g, '_');
    const reportFile = path.join(root, `reports/mutation/${slug}.json`);
    const timeFile = path.join(root, `reports/mutation/${slug}.seconds`);
    if (summaryOnly) {
      if (!existsSync(reportFile)) continue;
    } else {
      if (retestSurvivors) forgetSurvivors(path.join(root, `reports/mutation/${slug}.incremental.json`));
      const started = process.hrtime.bigint();
      const run = spawnSync('npx', ['stryker', 'run', ...strykerOptions], {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, MUTATION_FILE: file },
      });
      writeFileSync(timeFile, String(Number(process.hrtime.bigint() - started) / 1e9));
      if (run.status !== 0) {
        console.error(`stryker failed on ${file} (exit ${run.status})`);
        failed = true;
        continue;
      }
    }
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      files: Record<string, { mutants: ReportMutant[] }>;
    };
    const mutants = Object.values(report.files).flatMap((f) => f.mutants);
    const seconds = existsSync(timeFile) ? Number(readFileSync(timeFile, 'utf8')) : Number.NaN;
    results.push(summarize(file, mutants, seconds));
  }
  const text = render(results);
  writeFileSync(path.join(root, 'reports/mutation/summary.md'), text);
  console.log(`\n${text}`);
  const below = filesBelowMinimum(results);
  if (below.length > 0) {
    console.error(`mutation score below ${MINIMUM_SCORE}% in: ${below.join(', ')}`);
    failed = true;
  }
  if (failed) process.exit(1);
}

if (require.main === module) main();
