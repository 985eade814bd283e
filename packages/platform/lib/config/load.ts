import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigProblem, formatPath, show } from './errors';
import { type PlatformConfig, platformConfigSchema } from './schema';
import { type ConfigParts, configWarnings, validateParts } from './validate';

/** The folder that holds the environment files shipped with the platform. */
export const CONFIG_DIR = path.resolve(__dirname, '..', '..', 'config');

/** Where to read the config from. */
export interface LoadConfigOptions {
  /**
   * Environment name: reads `config/<env>.yaml`. With `configPath`, the file's `environment` must
   * equal it, so a file chosen for prod that says `dev` fails instead of deploying dev-named stacks.
   * @default - `DEFAULT_ENVIRONMENT` ('dev'); with `configPath`, whatever environment the file names
   */
  readonly env?: string;
  /**
   * A config file to read instead of the environment's own.
   * @default - config/<env>.yaml
   */
  readonly configPath?: string;
}

/** A loaded config and the file it came from. */
export interface LoadedConfig {
  /** The parsed, defaulted, validated config. */
  readonly config: PlatformConfig;
  /** The file it was read from, relative to the working directory when inside it. */
  readonly file: string;
  /**
   * What is sound enough to deploy but worth fixing (a repository trusted by name in dev), each
   * with its field; the entry points print them.
   */
  readonly warnings: ConfigProblem[];
}

/** Reads, parses and validates one environment's config; throws a {@link ConfigError} listing every problem. */
export function loadPlatformConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const file = resolveConfigFile(options);
  const shown = displayPath(file);
  if (!existsSync(file)) {
    throw new ConfigError(shown, [
      {
        path: '',
        message: options.configPath
          ? `file not found; check the path given with -c config=PATH or PLATFORM_CONFIG (${show(options.configPath)})`
          : `file not found; every environment needs config/${options.env ?? DEFAULT_ENVIRONMENT}.yaml`,
      },
    ]);
  }
  const config = parseConfigText(readFileSync(file, 'utf8'), shown);
  // A file chosen for prod (`-c env=prod`) that says `environment: dev` would deploy dev-named
  // stacks with prod's settings, or the other way round.
  const env = options.env ?? (options.configPath ? undefined : DEFAULT_ENVIRONMENT);
  if (env !== undefined && config.environment !== env) {
    throw new ConfigError(shown, [
      {
        path: 'environment',
        message: `expected ${show(env)} (the environment this file was chosen for), got ${show(config.environment)}; set environment: ${env}`,
      },
    ]);
  }
  return { config, file: shown, warnings: configWarnings(config) };
}

function resolveConfigFile(options: LoadConfigOptions): string {
  if (options.configPath) return path.resolve(options.configPath);
  const env = options.env ?? DEFAULT_ENVIRONMENT;
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) {
    throw new ConfigError(`-c env=${env}`, [
      {
        path: 'env',
        message: `unknown environment ${show(env)}: expected ${oneOf(ENVIRONMENTS.map((e) => show(e)))}; or pass -c config=PATH to read another file`,
      },
    ]);
  }
  return path.join(CONFIG_DIR, `${env}.yaml`);
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Parses YAML text as a platform config; `file` names it in error messages. */
export function parseConfigText(text: string, file: string): PlatformConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.pos ? lineCounter.linePos(e.pos[0]) : undefined;
        return {
          path: pos ? `line ${pos.line}, column ${pos.col}` : '',
          message: `invalid YAML: ${e.message.split('\n')[0]}`,
        };
      }),
    );
  }
  return parsePlatformConfig(doc.toJS(), file);
}

/**
 * Validates an already-parsed object as a platform config: the schema first, then the checks of
 * meaning (validate.ts). Every problem is reported in one {@link ConfigError}: when the schema
 * rejects some sections, the checks of meaning still run on the sections that parsed.
 */
export function parsePlatformConfig(raw: unknown, file: string): PlatformConfig {
  const input = raw ?? {};
  const result = platformConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    const problems = validateParts(partsOf(result.data));
    if (problems.length > 0) throw new ConfigError(file, inFileOrder(problems, input));
    return result.data;
  }
  const schemaProblems = result.error.issues.flatMap((issue) => describeIssue(issue, input));
  const semanticProblems = validateParts(parsedParts(input));
  throw new ConfigError(file, inFileOrder([...schemaProblems, ...semanticProblems], input));
}

/** The sections of a config that passed the schema, for the checks of meaning. */
function partsOf(config: PlatformConfig): ConfigParts {
  return { ...config, services: config.services.map((service, index) => ({ index, service })) };
}

/** Parses each top-level section (and each service) alone, keeping the ones that pass. */
function parsedParts(input: unknown): ConfigParts {
  if (!isRecord(input)) return {};
  const shape = platformConfigSchema.shape;
  const section = <K extends keyof typeof shape>(key: K): z.output<(typeof shape)[K]> | undefined => {
    const r = shape[key].safeParse(input[key]);
    return r.success ? (r.data as z.output<(typeof shape)[K]>) : undefined;
  };
  const services = Array.isArray(input.services)
    ? input.services.flatMap((raw, index) => {
        const r = shape.services.unwrap().element.safeParse(raw);
        return r.success ? [{ index, service: r.data }] : [];
      })
    : undefined;
  return {
    project: section('project'),
    environment: section('environment'),
    network: section('network'),
    storage: section('storage'),
    observability: section('observability'),
    api: section('api'),
    services,
    github: section('github'),
    quotas: section('quotas'),
  };
}

/** Orders problems by where their top-level key appears in the file; stable within a key. */
function inFileOrder(problems: ConfigProblem[], input: unknown): ConfigProblem[] {
  const keys = isRecord(input) ? Object.keys(input) : [];
  const rank = (p: ConfigProblem) => keys.indexOf(/^[A-Za-z0-9_-]+/.exec(p.path)?.[0] ?? '');
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map(({ p }) => p);
}

// ----- turning zod issues into sentences -----

type Schema = z.core.$ZodType;

function describeIssue(issue: z.core.$ZodIssue, root: unknown): ConfigProblem[] {
  const where = formatPath(issue.path);
  const hasInput = 'input' in issue && issue.input !== undefined;
  // `key:` with nothing after it is null in YAML: say so rather than show "null".
  const got = issue.input === null ? 'got an empty value' : `got ${show(issue.input)}`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: unknownKeyMessage(key, allowedKeys(issue.path, root)),
      }));
    case 'invalid_type':
      if (!hasInput) return [{ path: where, message: requiredMessage(typeName(issue.expected), issue.path) }];
      return [{ path: where, message: `expected ${typeName(issue.expected)}, ${got}` }];
    case 'invalid_value': {
      const expected = oneOf(issue.values.map((v) => show(v)));
      if (!hasInput) return [{ path: where, message: requiredMessage(expected, issue.path) }];
      return [{ path: where, message: `expected ${expected}, ${got}` }];
    }
    case 'too_big':
    case 'too_small':
      return [{ path: where, message: `${rangeMessage(issue)}, ${got}` }];
    case 'invalid_union': {
      // A discriminated union whose discriminator matched no branch (zod puts the options on the issue).
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator && options) {
        const value = isRecord(issue.input) ? issue.input[discriminator] : undefined;
        const expected = oneOf(options.map((o) => show(o)));
        if (value === undefined) return [{ path: where, message: requiredMessage(expected, issue.path) }];
        return [{ path: where, message: `expected ${expected}, got ${show(value)}` }];
      }
      return [{ path: where, message: `${issue.message}, ${got}` }];
    }
    case 'invalid_format':
      if (issue.message.startsWith('Invalid')) {
        const rule = issue.pattern ? `text matching ${issue.pattern}` : `a valid ${issue.format}`;
        return [{ path: where, message: `expected ${rule}, ${got}` }];
      }
      return [{ path: where, message: `${issue.message}, ${got}` }];
    default:
      return [{ path: where, message: `${issue.message}, ${got}` }];
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** `"a"`, `"a" or "b"`, `one of "a", "b", "c"`. */
function oneOf(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? 'nothing';
  if (values.length === 2) return `${values[0]} or ${values[1]}`;
  return `one of ${values.join(', ')}`;
}

function requiredMessage(expected: string, at: readonly PropertyKey[]): string {
  const description = descriptionAt(at);
  return `is required: add it (${expected}${description ? `; ${description}` : ''})`;
}

function rangeMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  if (!issue.message.startsWith('Too ')) return issue.message;
  const big = issue.code === 'too_big';
  const bound = Number(
    big ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum,
  );
  const relation = issue.exact
    ? 'exactly'
    : big
      ? issue.inclusive
        ? 'at most'
        : 'less than'
      : issue.inclusive
        ? 'at least'
        : 'more than';
  switch (issue.origin) {
    case 'array':
      return `expected ${relation} ${bound} ${bound === 1 ? 'entry' : 'entries'}`;
    case 'string':
      return `expected ${relation} ${bound} ${bound === 1 ? 'character' : 'characters'}`;
    default:
      return `expected ${numberRange(issue.path) ?? `${relation} ${bound}`}`;
  }
}

/** Both bounds of a number field, e.g. `a whole number from 16 to 28`, so one message shows the whole range. */
function numberRange(at: readonly PropertyKey[]): string | undefined {
  const node = schemaAt(at, undefined);
  if (!node) return undefined;
  const checks = ((unwrap(node)._zod.def as { checks?: z.core.$ZodCheck[] }).checks ?? []).map(
    (c) => c._zod.def as { check: string; value?: number; inclusive?: boolean; format?: string },
  );
  const lower = checks.filter((c) => c.check === 'greater_than').at(-1);
  const upper = checks.filter((c) => c.check === 'less_than').at(-1);
  if (lower?.value === undefined || upper?.value === undefined) return undefined;
  const [low, high] = [lower.value, upper.value];
  const kind = checks.some((c) => c.format?.includes('int')) ? 'a whole number' : 'a number';
  if (lower.inclusive && upper.inclusive) return `${kind} from ${low} to ${high}`;
  const lowText = lower.inclusive ? `at least ${low}` : `more than ${low}`;
  const highText = upper.inclusive ? `at most ${high}` : `less than ${high}`;
  return `${kind} ${lowText} and ${highText}`;
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  if (allowed.length === 0) return 'unknown key; remove it';
  const near = closest(key, allowed);
  return `unknown key${near ? `; did you mean "${near}"?` : ''} (allowed here: ${allowed.join(', ')})`;
}

/** The keys the schema allows at `at`, following the input to pick a discriminated union's branch. */
function allowedKeys(at: readonly PropertyKey[], root: unknown): string[] {
  const node = schemaAt(at, root);
  const def = node ? unwrap(node)._zod.def : undefined;
  return def?.type === 'object' ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function descriptionAt(at: readonly PropertyKey[]): string | undefined {
  let node = schemaAt(at, undefined);
  while (node) {
    const text = z.globalRegistry.get(node)?.description;
    if (text) return text.replace(/\s*CAUTION:.*$/, '').replace(/\.$/, '');
    node = inner(node);
  }
  return undefined;
}

/** Walks the schema along a field path; undefined where it cannot tell (e.g. an unmatched union). */
function schemaAt(at: readonly PropertyKey[], root: unknown): Schema | undefined {
  let node: Schema | undefined = platformConfigSchema;
  let value: unknown = root;
  for (const key of at) {
    if (!node) return undefined;
    node = pickBranch(unwrap(node), value);
    const def: z.core.$ZodTypeDef = node._zod.def;
    if (def.type === 'object') node = (def as z.core.$ZodObjectDef).shape[String(key)];
    else if (def.type === 'array') node = (def as z.core.$ZodArrayDef).element;
    else return undefined;
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node && pickBranch(unwrap(node), value);
}

function pickBranch(node: Schema, value: unknown): Schema {
  const def = node._zod.def;
  if (def.type !== 'union') return node;
  const { options, discriminator } = def as z.core.$ZodDiscriminatedUnionDef;
  if (!discriminator || !isRecord(value)) return node;
  const match = options.find((o) => o._zod.propValues?.[discriminator]?.has(value[discriminator] as never));
  return match ? unwrap(match) : node;
}

function inner(node: Schema): Schema | undefined {
  const def = node._zod.def as { type: string; innerType?: Schema; in?: Schema };
  if (def.type === 'pipe') return def.in;
  return def.innerType;
}

function unwrap(node: Schema): Schema {
  let current = node;
  for (let next = inner(current); next; next = inner(current)) current = next;
  return current;
}

/** The allowed key a misspelt one most likely meant: within a third of its length in edits. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(key.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
