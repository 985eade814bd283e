import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  assertServiceName,
  ENVIRONMENTS,
  type EnvironmentName,
  isEnvironmentName,
} from '@shared-lambda-infra/contract';
import { PLATFORM_SCOPE, serviceFiles } from './template';

/** Options of {@link createService}. */
export interface CreateServiceOptions {
  /** The service name, as the platform team registers it (2-20 lowercase letters, digits and hyphens). */
  readonly service: string;
  /**
   * The directory to write the repository into; it must not exist or be empty.
   * @default - `./{service}` under the current directory
   */
  readonly directory?: string;
  /**
   * The environments the deploy workflow deploys to, in order.
   * @default ['dev', 'staging', 'prod']
   */
  readonly environments?: readonly string[];
  /**
   * The npm scope the platform packages are published under (GitHub Packages: the organisation).
   * @default '@shared-lambda-infra'
   */
  readonly scope?: string;
  /**
   * The npm registry that serves the scope.
   * @default 'https://npm.pkg.github.com'
   */
  readonly registry?: string;
  /**
   * `owner/name` of the platform repository whose reusable workflow deploys the service.
   * @default 'acme/shared-lambda-infra'
   */
  readonly platformRepository?: string;
  /**
   * The platform release the deploy workflow calls.
   * @default 'v1'
   */
  readonly platformRef?: string;
}

/** A mistake in the options: the message lists every problem, one a line, and is meant for a person. */
export class CreateServiceError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `cannot create the service repository (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'CreateServiceError';
  }
}

/** What {@link createService} wrote. */
export interface CreatedService {
  /** The absolute path of the new repository. */
  readonly directory: string;
  /** The files written, relative to {@link directory}, sorted. */
  readonly files: readonly string[];
}

const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;

/**
 * Writes a standalone service repository: package.json with every dependency, cdk.json, a strict
 * tsconfig, a handler with its test, a stack with `ServiceStack`, `ServiceFunction` and
 * `ServiceApi`, the deploy workflow and a README. Checks every option first and reports every
 * problem at once.
 */
export function createService(options: CreateServiceOptions, cwd: string = process.cwd()): CreatedService {
  const problems: string[] = [];
  try {
    assertServiceName(options.service);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const environments = options.environments ?? ENVIRONMENTS;
  const unknown = environments.filter((e) => !isEnvironmentName(e));
  if (environments.length === 0) problems.push(`--env: give at least one of ${ENVIRONMENTS.join(', ')}`);
  for (const env of unknown) {
    problems.push(
      `--env: "${env}" is not a platform environment; expected one of ${ENVIRONMENTS.join(', ')}`,
    );
  }
  if (new Set(environments).size !== environments.length) {
    problems.push(`--env: "${environments.join(',')}" names an environment twice`);
  }
  const scope = options.scope ?? PLATFORM_SCOPE;
  if (!SCOPE.test(scope)) problems.push(`--scope: "${scope}" is not an npm scope; expected e.g. @acme`);
  const registry = options.registry ?? 'https://npm.pkg.github.com';
  if (!/^https?:\/\/[^\s]+$/.test(registry)) {
    problems.push(`--registry: "${registry}" is not a URL; expected e.g. https://npm.pkg.github.com`);
  }
  const platformRepository = options.platformRepository ?? 'acme/shared-lambda-infra';
  if (!/^[\w.-]+\/[\w.-]+$/.test(platformRepository)) {
    problems.push(`--platform-repository: "${platformRepository}" is not owner/name`);
  }
  const directory = path.resolve(cwd, options.directory ?? options.service);
  if (existsSync(directory) && (!statSync(directory).isDirectory() || readdirSync(directory).length > 0)) {
    problems.push(`${directory} is not empty; choose a new directory (--dir) or empty this one`);
  }
  if (problems.length > 0) throw new CreateServiceError(problems);

  const files = serviceFiles({
    service: options.service,
    environments: environments as readonly EnvironmentName[],
    scope,
    registry,
    platformRepository,
    platformRef: options.platformRef ?? 'v1',
    versions: templateVersions(),
  });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(directory, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return { directory, files: Object.keys(files).sort() };
}

/**
 * The version ranges this release of the template installs: the dependencies of this package,
 * which Changesets and Dependabot keep current (see its package.json).
 */
function templateVersions(): Record<string, string> {
  // Two levels up from src/ and from dist/ alike.
  const pkg = require('../package.json') as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  return { ...pkg.dependencies, ...pkg.devDependencies };
}
