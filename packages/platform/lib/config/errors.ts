/** One thing wrong with a config file: where, and what. */
export interface ConfigProblem {
  /** Field path, e.g. `services[1].basePath`; empty for the file as a whole. */
  readonly path: string;
  /** What is wrong, the value received and what is allowed. */
  readonly message: string;
}

/**
 * Every problem found in one config file, reported at once. The CLI prints `message` and exits
 * without a stack trace: these are user mistakes, not bugs.
 */
export class ConfigError extends Error {
  /** The problems, in file order. */
  public readonly problems: readonly ConfigProblem[];
  /** The file they were found in. */
  public readonly file: string;

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super(`${file} has ${count}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

/** Formats a field path the way users write it: `services[1].basePath`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** Shows a received value in a message: strings quoted, long values cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
