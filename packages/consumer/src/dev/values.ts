import * as fs from 'node:fs';
import { EMPTY_LIST_VALUE, type NameScope, Parameters } from '@shared-lambda-infra/contract';
import { parse as parseYaml } from 'yaml';

/** One issuer the dev server trusts, in the shape the platform's authorizer takes. */
export interface DevIssuer {
  /** Expected `iss` claim. */
  readonly issuer: string;
  /** Accepted `aud` values. */
  readonly audiences: readonly string[];
  /** Where its public keys are. */
  readonly jwksUri: string;
}

/**
 * The platform values a service sees, as far as they can be known on a laptop: contract parameter
 * values (by SSM path) and the bits of the platform's configuration the API applies (CORS
 * credentials, trusted issuers, identity header).
 */
export interface PlatformValues {
  /** Contract parameter values by SSM path; StringList values as arrays. */
  readonly byPath: ReadonlyMap<string, string | readonly string[]>;
  /** Environment variables that override every function's (the params file's `environment`). */
  readonly environment: Readonly<Record<string, string>>;
  /** Whether gateway responses carry `Access-Control-Allow-Credentials: true`. */
  readonly corsAllowCredentials: boolean;
  /** Issuers from the platform configuration. */
  readonly issuers: readonly DevIssuer[];
  /** The API's binary media types (`api.binaryMediaTypes` of the platform configuration). */
  readonly binaryMediaTypes: readonly string[];
  /** The header the shared authorizer reads the token from. */
  readonly identityHeader: string;
  /** Where each value came from, for the start-up summary. */
  readonly sources: readonly string[];
}

/** Where {@link loadPlatformValues} reads from. */
export interface PlatformValueSources {
  /** Project and environment whose parameter paths to fill. */
  readonly scope: NameScope;
  /**
   * The platform's configuration file for the environment (`config/dev.yaml`).
   * @default - none
   */
  readonly platformConfigFile?: string;
  /**
   * A JSON file of contract values: `aws ssm get-parameters-by-path` output, or an object keyed by
   * contract parameter name (`corsAllowOrigins`) or SSM path, plus an optional `environment` object.
   * Wins over the platform configuration.
   * @default - none
   */
  readonly paramsFile?: string;
}

// What the platform applies when its configuration file leaves a CORS key out (the platform's
// `lib/config/defaults.ts`, which this package cannot import; see docs/config.md).
const PLATFORM_CORS_DEFAULTS = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Api-Key', 'X-Amz-Security-Token'],
};
const DEFAULT_IDENTITY_HEADER = 'Authorization';

/** Thrown for a user mistake in a values file: the CLI prints the message alone. */
export class DevInputError extends Error {}

/** Reads the platform values from the files given; every problem of a file is reported at once. */
export function loadPlatformValues(sources: PlatformValueSources): PlatformValues {
  const byPath = new Map<string, string | readonly string[]>();
  const used: string[] = [];
  let corsAllowCredentials = false;
  let issuers: DevIssuer[] = [];
  let identityHeader = DEFAULT_IDENTITY_HEADER;
  let binaryMediaTypes: readonly string[] = [];
  let environment: Record<string, string> = {};
  if (sources.platformConfigFile) {
    const config = readPlatformConfig(sources.platformConfigFile, sources.scope);
    for (const [path, value] of config.byPath) byPath.set(path, value);
    corsAllowCredentials = config.corsAllowCredentials;
    binaryMediaTypes = config.binaryMediaTypes;
    issuers = config.issuers;
    identityHeader = config.identityHeader;
    used.push(sources.platformConfigFile);
  }
  if (sources.paramsFile) {
    const params = readParamsFile(sources.paramsFile, sources.scope);
    for (const [path, value] of params.byPath) byPath.set(path, value);
    environment = params.environment;
    used.push(sources.paramsFile);
  }
  return {
    byPath,
    environment,
    corsAllowCredentials,
    issuers,
    identityHeader,
    binaryMediaTypes,
    sources: used,
  };
}

/** A contract value as a list (`StringList` values, or a `String` split at commas). */
export function listValue(values: PlatformValues, path: string): readonly string[] | undefined {
  const value = values.byPath.get(path);
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value;
  return list.length === 1 && list[0] === EMPTY_LIST_VALUE ? [] : list;
}

interface PlatformConfigValues {
  byPath: Map<string, string | readonly string[]>;
  corsAllowCredentials: boolean;
  issuers: DevIssuer[];
  identityHeader: string;
  binaryMediaTypes: string[];
}

function readPlatformConfig(file: string, scope: NameScope): PlatformConfigValues {
  const doc = parseFile(file, (text) => parseYaml(text) as unknown);
  const problems: string[] = [];
  const root = asObject(doc, file, '', problems);
  const api = asObject(root.api ?? {}, file, 'api', problems);
  const cors = asObject(api.cors ?? {}, file, 'api.cors', problems);
  const list = (value: unknown, field: string, fallback: readonly string[]): string[] => {
    if (value === undefined) return [...fallback];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      problems.push(`${field}: expected a list of strings, got ${JSON.stringify(value)}`);
      return [];
    }
    return value;
  };
  const origins = list(cors.allowOrigins, 'api.cors.allowOrigins', []);
  const byPath = new Map<string, string | readonly string[]>([
    [Parameters.corsAllowOrigins.path(scope), origins.length ? origins : [EMPTY_LIST_VALUE]],
    [
      Parameters.corsAllowMethods.path(scope),
      list(cors.allowMethods, 'api.cors.allowMethods', PLATFORM_CORS_DEFAULTS.allowMethods),
    ],
    [
      Parameters.corsAllowHeaders.path(scope),
      list(cors.allowHeaders, 'api.cors.allowHeaders', PLATFORM_CORS_DEFAULTS.allowHeaders),
    ],
    [Parameters.stageName.path(scope), typeof api.stageName === 'string' ? api.stageName : scope.env],
  ]);
  const retention = asObject(root.observability ?? {}, file, 'observability', problems).logRetentionDays;
  if (typeof retention === 'number') byPath.set(Parameters.logRetentionDays.path(scope), String(retention));

  const issuers: DevIssuer[] = [];
  let identityHeader = DEFAULT_IDENTITY_HEADER;
  if (api.authorizer !== undefined) {
    const authorizer = asObject(api.authorizer, file, 'api.authorizer', problems);
    if (typeof authorizer.identityHeader === 'string') identityHeader = authorizer.identityHeader;
    const entries = Array.isArray(authorizer.issuers) ? authorizer.issuers : [];
    entries.forEach((entry: unknown, i: number) => {
      const e = asObject(entry, file, `api.authorizer.issuers[${i}]`, problems);
      if (typeof e.issuer !== 'string') {
        problems.push(
          `api.authorizer.issuers[${i}].issuer: expected a string, got ${JSON.stringify(e.issuer)}`,
        );
        return;
      }
      issuers.push({
        issuer: e.issuer,
        audiences: list(e.audiences, `api.authorizer.issuers[${i}].audiences`, []),
        jwksUri:
          typeof e.jwksUri === 'string' ? e.jwksUri : `${e.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
      });
    });
  }
  const binaryMediaTypes = list(api.binaryMediaTypes, 'api.binaryMediaTypes', []);
  throwProblems(file, problems);
  return {
    byPath,
    corsAllowCredentials: cors.allowCredentials === true,
    issuers,
    identityHeader,
    binaryMediaTypes,
  };
}

function readParamsFile(
  file: string,
  scope: NameScope,
): { byPath: Map<string, string | readonly string[]>; environment: Record<string, string> } {
  const doc = parseFile(file, (text) => JSON.parse(text) as unknown);
  const problems: string[] = [];
  const root = asObject(doc, file, '', problems);
  const byPath = new Map<string, string | readonly string[]>();
  const byName = new Map<string, string>(
    Object.entries(Parameters)
      .filter(([, p]) => !p.perService)
      .map(([name, p]) => [name, (p.path as (s: NameScope) => string)(scope)]),
  );
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(root)) {
    if (key === 'Parameters' && Array.isArray(value)) {
      // `aws ssm get-parameters-by-path --path /{project}/{env} --recursive` output.
      value.forEach((p: { Name?: unknown; Value?: unknown; Type?: unknown }, i) => {
        if (typeof p?.Name !== 'string' || typeof p.Value !== 'string') {
          problems.push(`Parameters[${i}]: expected { "Name": string, "Value": string }`);
          return;
        }
        byPath.set(p.Name, p.Type === 'StringList' ? p.Value.split(',') : p.Value);
      });
    } else if (key === 'environment') {
      for (const [name, v] of Object.entries(asObject(value, file, 'environment', problems))) {
        if (typeof v === 'string') environment[name] = v;
        else problems.push(`environment.${name}: expected a string, got ${JSON.stringify(v)}`);
      }
    } else {
      const path = key.startsWith('/') ? key : byName.get(key);
      if (!path) {
        problems.push(
          `${key}: not a contract parameter; use an SSM path ("/${scope.project}/${scope.env}/api/stage-name") or a name from docs/contract.md (${[...byName.keys()].slice(0, 3).join(', ')}, …)`,
        );
      } else if (
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      ) {
        byPath.set(path, value);
      } else {
        problems.push(`${key}: expected a string or a list of strings, got ${JSON.stringify(value)}`);
      }
    }
  }
  throwProblems(file, problems);
  return { byPath, environment };
}

function parseFile(file: string, parse: (text: string) => unknown): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DevInputError(`${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new DevInputError(`${file} cannot be parsed: ${(error as Error).message}`);
  }
}

function asObject(value: unknown, file: string, field: string, problems: string[]): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return value as Record<string, unknown>;
  problems.push(`${field || '(top level)'}: expected an object in ${file}, got ${JSON.stringify(value)}`);
  return {};
}

function throwProblems(file: string, problems: string[]): void {
  if (problems.length === 0) return;
  const noun = problems.length === 1 ? 'problem' : 'problems';
  throw new DevInputError(`${file} has ${problems.length} ${noun}:\n  ${problems.join('\n  ')}`);
}
