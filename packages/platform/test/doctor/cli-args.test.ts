import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseContext } from '../../scripts/synth-args';

// The arguments of `npm run doctor` (and `npm run limits`): process.exit and the console are spied,
// so the parser runs for real and the exit code is what the shell would see.

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

const parse = (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exit(code as number | undefined);
  });
  vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void err.push(line));
  try {
    return { context: parseContext(argv, 'doctor', 'Checks a deployed environment.'), out, err };
  } catch (error) {
    if (error instanceof Exit) return { exit: error.code, out, err };
    throw error;
  }
};

afterEach(() => vi.restoreAllMocks());

describe('doctor arguments', () => {
  it.each([['--help'], ['-h']])('%s prints what the command does and its usage, and exits 0', (flag) => {
    expect(parse(['-c', 'env=dev', flag])).toEqual({
      exit: 0,
      out: [
        'Checks a deployed environment.\nusage: npm run doctor -- [-c env=dev|staging|prod] [-c config=PATH]',
      ],
      err: [],
    });
  });

  it('exits 2 with the usage on an unknown argument', () => {
    expect(parse(['--verbose'])).toEqual({
      exit: 2,
      out: [],
      err: [
        'unknown argument "--verbose"\nusage: npm run doctor -- [-c env=dev|staging|prod] [-c config=PATH]',
      ],
    });
  });

  it('reads -c key=value pairs', () => {
    expect(parse(['-c', 'env=staging', '--context', 'config=a=b.yaml']).context).toEqual({
      env: 'staging',
      config: 'a=b.yaml',
    });
  });
});
