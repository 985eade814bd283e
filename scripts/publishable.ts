import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
