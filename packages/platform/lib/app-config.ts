// What the platform app reads before it builds anything: cdk.json's context and the config file.
// bin/app.ts loads this module alone first, so that a config mistake is reported without loading
// aws-cdk-lib (about 0.5 s): import nothing here that imports aws-cdk-lib, constructs or cdk-nag.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type LoadConfigOptions, type LoadedConfig, loadPlatformConfig } from './config/load';

/** The platform package's root folder (where cdk.json lives). */
export const PLATFORM_ROOT = path.resolve(__dirname, '..');

/** The environment variable in which the CDK CLI hands the app its context (`-c key=value`, cdk.json). */
const CLI_CONTEXT_ENV = 'CDK_CONTEXT_JSON';
/** The CDK CLI writes the context to this file instead when it is too large for the environment. */
const CLI_CONTEXT_FILE_ENV = 'CONTEXT_OVERFLOW_LOCATION_ENV';

/**
 * The `context` block of cdk.json: the feature flags. The CDK CLI passes them to the app, but an
 * app started any other way (tests, `tsx bin/app.ts`, the synth script) would silently run with
 * the old defaults, so every entry point loads them here.
 */
export function loadCdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PLATFORM_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Which config file an app reads, given a lookup of its context: `-c config=PATH`, else
 * `-c env=NAME`, else the `PLATFORM_CONFIG` and `PLATFORM_ENV` environment variables.
 */
export function configSelection(context: (key: string) => unknown): LoadConfigOptions {
  return {
    env: stringValue(context('env')) ?? process.env.PLATFORM_ENV,
    configPath: stringValue(context('config')) ?? process.env.PLATFORM_CONFIG,
  };
}

/**
 * Loads and validates the config that `createPlatformApp({ context })` would build from, without
 * creating the app: the context is cdk.json's, then `context`, then what the CDK CLI passes
 * (`CDK_CONTEXT_JSON`, or the file it overflows to), later ones winning, as in an `App`.
 *
 * Throws a `ConfigError` listing every problem.
 */
export function loadConfigForApp(context: Record<string, unknown> = {}): LoadedConfig {
  const merged: Record<string, unknown> = { ...loadCdkJsonContext(), ...context, ...cliContext() };
  return loadPlatformConfig(configSelection((key) => merged[key]));
}

/** The context the CDK CLI passes to the app it runs; `App` reads the same two places. */
function cliContext(): Record<string, unknown> {
  const json = process.env[CLI_CONTEXT_ENV];
  const file = process.env[CLI_CONTEXT_FILE_ENV];
  return {
    ...(json ? (JSON.parse(json) as Record<string, unknown>) : {}),
    ...(file ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {}),
  };
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
