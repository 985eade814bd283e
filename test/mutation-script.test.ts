import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesBelowMinimum, forgetSurvivors, score, summarize } from '../scripts/mutation';
import { SECURITY_FILES } from '../stryker.config.mjs';

// scripts/mutation.ts, the figures `npm run test:mutation` prints and the incremental file it edits
// for --retest-survivors.

const at = (line: number) => ({ start: { line, column: 1 } });

describe('npm run test:mutation', () => {
  it("scores as Stryker does: killed and timed out over every mutant but errors (Stryker's definition)", () => {
    expect(score({ killed: 8, timeout: 1, survived: 1, noCoverage: 0 })).toBe(90);
    expect(score({ killed: 0, timeout: 0, survived: 0, noCoverage: 0 })).toBe(100);
    expect(score({ killed: 3, timeout: 0, survived: 0, noCoverage: 1 })).toBe(75);
  });

  it('fails each file below 90 % on its own, however well the others score', () => {
    const result = (file: string, killed: number, survived: number) => ({
      file,
      mutants: killed + survived,
      killed,
      survived,
      noCoverage: 0,
      timeout: 0,
      errors: 0,
      seconds: 1,
      survivors: [],
    });
    expect(
      filesBelowMinimum([result('strong.ts', 1000, 0), result('weak.ts', 89, 11), result('edge.ts', 9, 1)]),
    ).toEqual(['weak.ts (89.0%)']);
  });

  it('counts the statuses of a report and lists survivors and uncovered mutants by line', () => {
    const result = summarize(
      'a.ts',
      [
        { mutatorName: 'StringLiteral', replacement: '""', status: 'Survived', location: at(9) },
        { mutatorName: 'BooleanLiteral', replacement: 'false', status: 'Killed', location: at(1) },
        { mutatorName: 'ObjectLiteral', replacement: '{}', status: 'NoCoverage', location: at(3) },
        { mutatorName: 'ObjectLiteral', status: 'CompileError', location: at(4) },
      ],
      12,
    );
    expect(result).toMatchObject({
      mutants: 4,
      killed: 1,
      survived: 1,
      noCoverage: 1,
      errors: 1,
      seconds: 12,
    });
    expect(result.survivors).toEqual([
      'a.ts:3:1 (no coverage) ObjectLiteral -> "{}"',
      'a.ts:9:1 StringLiteral -> "\\"\\""',
    ]);
  });

  it('--retest-survivors forgets survivors and uncovered mutants of the incremental file, keeps the rest', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mutation-')), 'x.incremental.json');
    const mutant = (id: string, status: string) => ({ id, status, mutatorName: 'M', location: at(1) });
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: '2',
        files: {
          'a.ts': {
            source: 'x',
            mutants: [
              mutant('1', 'Killed'),
              mutant('2', 'Survived'),
              mutant('3', 'NoCoverage'),
              mutant('4', 'Timeout'),
            ],
          },
        },
      }),
    );
    expect(forgetSurvivors(file)).toBe(2);
    const kept = JSON.parse(readFileSync(file, 'utf8'));
    expect(kept.schemaVersion).toBe('2');
    expect(kept.files['a.ts'].mutants.map((m: { id: string }) => m.id)).toEqual(['1', '4']);
    expect(forgetSurvivors(path.join(path.dirname(file), 'absent.json'))).toBe(0);
  });
});

describe('equivalent mutants marked in the security code', () => {
  // `// Stryker disable next-line Mutator: reason` leaves a mutant out of the score (Stryker's
  // "ignored"): only for a change that cannot make a difference, said in the comment and listed in
  // docs/mutation.md. A bare or reasonless disable would hide a real survivor.
  const root = path.resolve(__dirname, '..');
  const files = [...new Set(SECURITY_FILES.map((f) => f.replace(/:\d+-\d+$/, '')))];

  it('every security file of stryker.config.mjs exists', () => {
    expect(files.filter((f) => !existsSync(path.join(root, f)))).toEqual([]);
  });

  it('names the mutator and gives a reason on every Stryker disable comment, for one line only', () => {
    const bad = files.flatMap((f) =>
      readFileSync(path.join(root, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
        .filter(({ line }) => /Stryker\s+disable/i.test(line))
        .filter(({ line }) => !/\/\/ Stryker disable next-line [A-Z]\w+(,[A-Z]\w+)*: .{20,}/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(bad).toEqual([]);
  });

  it('lists every file that has one in docs/mutation.md', () => {
    const docs = readFileSync(path.join(root, 'docs/mutation.md'), 'utf8');
    const marked = files.filter((f) => /Stryker disable/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(marked.filter((f) => !docs.includes(path.basename(f)))).toEqual([]);
  });
});
