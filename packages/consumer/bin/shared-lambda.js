#!/usr/bin/env node
// The `shared-lambda` command. Runs the built CLI when this package has been built (dist/), else
// its TypeScript sources through tsx, as in this repository's workspace. Inside the workspace the
// source export condition is active (the root .npmrc puts it in NODE_OPTIONS), and then the built
// CLI cannot run even when dist/ exists: its imports of the other workspace packages would resolve
// to their TypeScript sources, which plain Node cannot load. So the condition decides first.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'dev', 'cli.js');
// From sources, the workspace packages the service's app imports must resolve to their sources too:
// run again with the export condition that selects them (harmless where no package declares it).
const SOURCE_CONDITION = '--conditions=@shared-lambda-infra/source';

function run(cli) {
  cli.main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

const fromSources =
  process.execArgv.includes(SOURCE_CONDITION) ||
  (process.env.NODE_OPTIONS ?? '').includes(SOURCE_CONDITION.slice('--conditions='.length));

if (fromSources) {
  require('tsx/cjs/api').register();
  run(require('../src/dev/cli.ts'));
} else if (fs.existsSync(built)) {
  run(require(built));
} else {
  const child = spawn(
    process.execPath,
    [...process.execArgv, SOURCE_CONDITION, __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  // Ctrl-C and kill reach the server, which stops its watchers and workers before exiting.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
