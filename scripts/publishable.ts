import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A workspace package that is published to the registry (not `private`). */
export interface PublishablePackage {
  /** The package name, e.g. `@shared-lambda-infra/consumer`. */
  readonly name: string;
  /** Its version in package.json. */
  readonly version: string;
  /** Its folder, absolute. */
  readonly dir: string;
  /** Its bin names, when it has any. */
  readonly bins: readonly string[];
}

/**
 * The publishable packages of the workspace at `root`, in the order of its `workspaces` field (the
 * order npm builds them in, so a dependency comes before its dependents). Publishing a new package
 * takes one line: its folder in `workspaces`.
 */
export function publishablePackages(root: string): PublishablePackage[] {
  const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const dirs = workspaces.flatMap((entry) => {
    if (!entry.endsWith('/*')) return [path.join(root, entry)];
    const parent = path.join(root, entry.slice(0, -2));
    return readdirSync(parent)
      .sort()
      .map((d) => path.join(parent, d));
  });
  return dirs.flatMap((dir) => {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) return [];
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      name: string;
      version: string;
      private?: boolean;
      bin?: Record<string, string>;
    };
    if (pkg.private) return [];
    return [{ name: pkg.name, version: pkg.version, dir, bins: Object.keys(pkg.bin ?? {}) }];
  });
}

/** The scope the packages are developed under and imported by. */
export const PLATFORM_SCOPE = '@shared-lambda-infra';

/**
 * Renames the publishable packages to `scope` (GitHub Packages only accepts the scope of the
 * repository's owner) and turns their dependencies on each other into npm aliases
 * (`"@shared-lambda-infra/contract": "npm:@acme/contract@^1.0.0"`), so the published code keeps
 * importing `@shared-lambda-infra/...`. Rewrites the package.json files in place: run it only in a
 * release job's checkout.
 */
export function rescope(packages: readonly PublishablePackage[], scope: string): void {
  if (!/^@[a-z0-9][a-z0-9._-]*$/.test(scope))
    throw new Error(`scope "${scope}" is not an npm scope (e.g. @acme)`);
  const ours = new Set(packages.map((p) => p.name));
  const renamed = (name: string) => `${scope}/${name.slice(PLATFORM_SCOPE.length + 1)}`;
  for (const p of packages) {
    const file = path.join(p.dir, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    pkg.name = renamed(p.name);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const deps = pkg[field] as Record<string, string> | undefined;
      for (const [name, range] of Object.entries(deps ?? {})) {
        if (ours.has(name) && deps) deps[name] = `npm:${renamed(name)}@${range}`;
      }
    }
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
}
