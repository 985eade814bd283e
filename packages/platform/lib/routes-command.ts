import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { unattendedApp } from './app';
import { loadPlatformConfig } from './config/load';
import { buildPlatform } from './platform';
import { declarationsIn, type RoutesReport, registrationsIn, renderRoutesReport } from './routes-report';

/** The `-c key=value` pairs `npm run routes` takes. */
export interface RoutesCommandContext {
  /** `-c env=dev|staging|prod`. @default - the `PLATFORM_ENV` environment variable, else dev */
  readonly env?: string;
  /** `-c config=PATH`, relative to `cwd`. @default - the `PLATFORM_CONFIG` environment variable, else the env's file */
  readonly config?: string;
  /** `-c assembly=DIR[,DIR]`: service cloud assemblies (a service's cdk.out), relative to `cwd`. @default - none */
  readonly assembly?: string;
}

/**
 * Account and Region used for function references when the config pins none: the receiver then
 * compares a function's account and Region with the API's, which are the same placeholder, so only
 * the function's name decides (as it does once deployed in one account).
 */
const PLACEHOLDER_LOCATION = { account: '000000000000', region: 'us-east-1' } as const;

/**
 * What `npm run routes` prints: the registry of the configured environment (the `serviceRegistration`
 * values of its access stacks, synthesized here without compliance packs or bundling, exactly what
 * the routes receiver reads once they are deployed) and, for each given service assembly, the routes
 * the service declares, each checked by the receiver's own validation. `refused` counts what the
 * receiver would refuse: the script exits non-zero when it is not 0. Throws a `ConfigError` for a
 * config mistake.
 *
 * @param cwd where the command runs: relative `config` and `assembly` paths resolve from here
 */
export function routesCommand(context: RoutesCommandContext, cwd: string): RoutesReport {
  const { config, file } = loadPlatformConfig({
    env: context.env ?? process.env.PLATFORM_ENV,
    configPath: context.config ? path.resolve(cwd, context.config) : process.env.PLATFORM_CONFIG,
  });
  const scope = { project: config.project, env: config.environment };
  const location = {
    account: config.account ?? PLACEHOLDER_LOCATION.account,
    region: config.region ?? PLACEHOLDER_LOCATION.region,
  };
  const outdir = mkdtempSync(path.join(tmpdir(), 'platform-routes-'));
  try {
    const app = unattendedApp(outdir);
    buildPlatform(app, config);
    const registrations = registrationsIn(app.synth(), scope);
    const assemblies = (context.assembly ?? '')
      .split(',')
      .filter(Boolean)
      .map((d) => path.resolve(cwd, d));
    const found = assemblies.flatMap((dir) => declarationsIn(dir, scope, registrations.keys(), location));
    const report = renderRoutesReport(scope, location, registrations, found, assemblies);
    return { ...report, text: `Registry from ${path.relative(cwd, file) || file}\n${report.text}` };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
