import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem, formatPath, show } from './errors';
import { type PlatformConfig, platformConfigSchema } from './schema';
import { validateSemantics } from './validate';

/** The folder that holds the environment files shipped with the platform. */
export const CONFIG_DIR = path.resolve(__dirname, '..', '..', 'config');

/** Where to read the config from. */
export interface LoadConfigOptions {
  /**
   * Environment name: reads `config/<env>.yaml`.
   * @default 'dev'
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
}

/** Reads, parses and validates one environment's config; throws a {@link ConfigError} listing every problem. */
export function loadPlatformConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const file = resolveConfigFile(options);
  const shown = displayPath(file);
  if (!existsSync(file)) {
    throw new ConfigError(shown, [{ path: '', message: 'file not found' }]);
  }
  return { config: parseConfigText(readFileSync(file, 'utf8'), shown), file: shown };
}

function resolveConfigFile(options: LoadConfigOptions): string {
  if (options.configPath) return path.resolve(options.configPath);
  const env = options.env ?? DEFAULT_ENVIRONMENT;
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) {
    throw new ConfigError('-c env', [
      {
        path: 'env',
        message: `unknown environment ${show(env)}: expected one of ${ENVIRONMENTS.join(', ')}`,
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

/** Validates an already-parsed object as a platform config. */
export function parsePlatformConfig(raw: unknown, file: string): PlatformConfig {
  const result = platformConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.flatMap(describeIssue));
  }
  const problems = validateSemantics(result.data);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  const where = formatPath(issue.path);
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'unknown key; check its spelling against config/platform-config.schema.json',
      }));
    case 'invalid_type':
      if (input === undefined) return [{ path: where, message: `is required (expected ${issue.expected})` }];
      return [{ path: where, message: `expected ${issue.expected}, got ${show(input)}` }];
    case 'invalid_value':
      return [
        {
          path: where,
          message: `expected ${issue.values.map((v) => show(v)).join(' or ')}, got ${show(input)}`,
        },
      ];
    case 'invalid_union':
      return [{ path: where, message: `${issue.message}, got ${show(input)}` }];
    default:
      return [{ path: where, message: `${issue.message}, got ${show(input)}` }];
  }
}
