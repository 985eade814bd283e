import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { unattendedApp } from './app';
import { loadPlatformConfig } from './config/load';
import { buildPlatform } from './platform';
import { declaredRoutesIn, registrationsIn, renderRoutesReport } from './routes-report';

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
 * What `npm run routes` prints: the registry of the configured environment (the `serviceRegistration`
 * values of its access stacks, synthesized here without compliance packs or bundling, exactly what
 * the routes receiver reads once they are deployed) and, for each given service assembly, the routes
 * the service declares, each checked as the receiver would check it. Throws a `ConfigError` for a
 * config mistake.
 *
 * @param cwd where the command runs: relative `config` and `assembly` paths resolve from here
 */
export function routesCommand(context: RoutesCommandContext, cwd: string): string {
  const { config, file } = loadPlatformConfig({
    env: context.env ?? process.env.PLATFORM_ENV,
    configPath: context.config ? path.resolve(cwd, context.config) : process.env.PLATFORM_CONFIG,
  });
  const scope = { project: config.project, env: config.environment };
  const outdir = mkdtempSync(path.join(tmpdir(), 'platform-routes-'));
  try {
    const app = unattendedApp(outdir);
    buildPlatform(app, config);
    const registrations = registrationsIn(app.synth(), scope);
    const assemblies = (context.assembly ?? '')
      .split(',')
      .filter(Boolean)
      .map((d) => path.resolve(cwd, d));
    const declared = new Map(
      assemblies.flatMap((dir) => [...declaredRoutesIn(dir, scope, registrations.keys())]),
    );
    return `Registry from ${path.relative(cwd, file) || file}\n${renderRoutesReport(scope, registrations, declared, assemblies)}`;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
