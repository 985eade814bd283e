#!/usr/bin/env node
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateServiceError, createService } from './create-service';

const USAGE = `usage: npm create @shared-lambda-infra/service -- <service> [options]

  --dir PATH                   where to write the repository (default: ./<service>)
  --env dev,staging,prod       environments the deploy workflow deploys to, in order
  --scope @acme                npm scope the platform packages are published under (default: @shared-lambda-infra)
  --registry URL               npm registry of that scope (default: https://npm.pkg.github.com)
  --platform-repository O/N    the platform repository whose reusable workflow deploys (default: acme/shared-lambda-infra)
  --platform-ref REF           the platform release the workflow calls (default: v1)`;

function main(argv: readonly string[]): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`expected one service name, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  try {
    const created = createService({
      service: positionals[0] as string,
      ...(values.dir !== undefined && { directory: values.dir }),
      ...(values.env !== undefined && { environments: values.env.split(',').map((e) => e.trim()) }),
      ...(values.scope !== undefined && { scope: values.scope }),
      ...(values.registry !== undefined && { registry: values.registry }),
      ...(values['platform-repository'] !== undefined && {
        platformRepository: values['platform-repository'],
      }),
      ...(values['platform-ref'] !== undefined && { platformRef: values['platform-ref'] }),
    });
    const where = path.relative(process.cwd(), created.directory) || '.';
    console.log(
      `Created ${created.files.length} files in ${where}. Next:\n\n  cd ${where}\n  npm install\n  npm test\n  npx cdk synth\n  npx shared-lambda dev --dev-issuer --params dev-params.json\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CreateServiceError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      env: { type: 'string' },
      scope: { type: 'string' },
      registry: { type: 'string' },
      'platform-repository': { type: 'string' },
      'platform-ref': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = main(process.argv.slice(2));
