import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
/** The `shared-lambda` command, as npx runs it. */
export const BIN = path.join(REPO, 'packages', 'consumer', 'bin', 'shared-lambda.js');

/**
 * A copy of examples/orders-service in a temporary directory, as a service repository of its own
 * (a lock file, its dependencies resolved from this repository's node_modules), so a test or a
 * benchmark can edit its sources. Remove it with `fs.rmSync(dir, { recursive: true })`.
 */
export function copyExample(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-lambda-dev-'));
  fs.cpSync(path.join(REPO, 'examples', 'orders-service'), dir, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|cdk\.out|\.shared-lambda)$/.test(src),
  });
  // The copy resolves its dependencies (and @aws-sdk/*, left out of bundles) from the repository's.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  // A service repository has its own lock file (NodejsFunction looks for one); the example shares the root's.
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
  return dir;
}
