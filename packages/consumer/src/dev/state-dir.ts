import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `.shared-lambda/` in a service repository, where `shared-lambda` keeps its bundles and the dev
 * issuer's key, created with a `.gitignore` that keeps all of it out of git.
 */
export function stateDir(root: string): string {
  const dir = path.join(root, '.shared-lambda');
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
  return dir;
}
