// `npm run routes -- -c env=dev [-c config=PATH] [-c assembly=DIR[,DIR]]`: prints, from a synthesized
// registry, each registered service's base path, throttling and allowed authorization types, and the
// routes each service declares in the given service cloud assemblies (a service repository's cdk.out
// after `cdk synth`), each route checked as the routes receiver would check it.
//
// The registry is the `serviceRegistration` SSM values of the platform's access stacks, synthesized
// here (no compliance packs, no bundling; no AWS account needed): exactly what the receiver reads
// once they are deployed. The root package.json runs this file with tsx directly, because npm
// swallows `-c` when it forwards arguments through `npm run --workspace`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadCdkJsonContext } from '../lib/app';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { buildPlatform } from '../lib/platform';
import { declaredRoutesIn, registrationsIn, renderRoutesReport } from '../lib/routes-report';

function parseContext(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const pair = argv[i] === '-c' || argv[i] === '--context' ? (argv[++i] ?? '') : undefined;
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq <= 0) {
      console.error(
        `unexpected argument "${argv[i] ?? ''}"\nusage: npm run routes -- -c env=dev|staging|prod [-c config=PATH] [-c assembly=DIR[,DIR]]`,
      );
      process.exit(2);
    }
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

const context = parseContext(process.argv.slice(2));
const cwd = process.env.INIT_CWD ?? process.cwd();
const outdir = mkdtempSync(path.join(tmpdir(), 'platform-routes-'));
try {
  const { config, file } = loadPlatformConfig({
    env: context.env ?? process.env.PLATFORM_ENV,
    configPath: context.config ? path.resolve(cwd, context.config) : process.env.PLATFORM_CONFIG,
  });
  const scope = { project: config.project, env: config.environment };
  const app = new App({
    outdir,
    context: {
      ...loadCdkJsonContext(),
      'aws:cdk:bundling-stacks': [],
      // Only the registry's values are read: the stack trace CDK captures for every resource and
      // every acknowledgement (see acknowledge() in lib/compliance.ts) is never read here, and
      // costs about a tenth of this synthesis (half of one under vitest, see TEST_CONTEXT).
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:disable-creation-stack-traces': true,
    },
    builtinCloudFormationValidation: false,
  });
  buildPlatform(app, config);
  const registrations = registrationsIn(app.synth(), scope);
  const assemblies = (context.assembly ?? '')
    .split(',')
    .filter(Boolean)
    .map((d) => path.resolve(cwd, d));
  const declared = new Map(
    assemblies.flatMap((dir) => [...declaredRoutesIn(dir, scope, registrations.keys())]),
  );
  console.log(`Registry from ${path.relative(cwd, file) || file}`);
  console.log(renderRoutesReport(scope, registrations, declared, assemblies));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
