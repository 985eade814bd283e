#!/usr/bin/env node
// The `shared-lambda` command. Runs the built CLI when this package has been built (dist/), else
// its TypeScript sources through tsx, as in this repository's workspace.
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'dev', 'cli.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs/api').register();
  cli = require('../src/dev/cli.ts');
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
