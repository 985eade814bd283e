import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from './compliance';
import { type LoadedConfig, loadPlatformConfig } from './config/load';
import type { PlatformConfig } from './config/schema';
import { buildPlatform, type PlatformStacks } from './platform';

/** The platform package's root folder (where cdk.json lives). */
export const PLATFORM_ROOT = path.resolve(__dirname, '..');

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

/** Options of {@link createPlatformApp}. */
export interface PlatformAppOptions {
  /**
   * Extra context, as `cdk -c key=value` would give (`env`, `config`, bundling switches).
   * @default - none
   */
  readonly context?: Record<string, unknown>;
  /**
   * Where to write the cloud assembly.
   * @default - a temporary directory (the CDK CLI sets its own)
   */
  readonly outdir?: string;
  /**
   * Run CDK's built-in CloudFormation template validation at synth. It costs ~2 s a process, so
   * most unit tests turn it off; `npm run synth` and at least one test keep it on.
   * @default true
   */
  readonly builtinCloudFormationValidation?: boolean;
  /**
   * Use this config instead of reading one from `-c config=PATH` / `-c env=NAME`.
   * @default - read from context (`config`, `env`) or the environment (`PLATFORM_CONFIG`, `PLATFORM_ENV`)
   */
  readonly config?: PlatformConfig;
  /**
   * Register the compliance packs (cdk-nag and the Control Tower rules) so that `synth()` fails on
   * an unacknowledged finding. Unit tests that assert on templates turn them off: the packs do not
   * change a template, and the tests run them once per environment in a dedicated file.
   * @default true
   */
  readonly compliance?: boolean;
}

/** A platform app with its stacks and the config it was built from. */
export interface PlatformApp {
  /** The CDK app, with compliance checks registered. */
  readonly app: App;
  /** The config it was built from. */
  readonly config: PlatformConfig;
  /** The file the config was read from (or `(inline)`). */
  readonly configFile: string;
  /** The stacks. */
  readonly stacks: PlatformStacks;
}

/**
 * Creates the app of one environment: cdk.json feature flags, config from context or the
 * environment, every stack, and (unless turned off) the compliance packs (cdk-nag and Control
 * Tower guard rules).
 *
 * Throws a `ConfigError` (with every problem listed) before any construct is created when the
 * config is wrong.
 */
export function createPlatformApp(options: PlatformAppOptions = {}): PlatformApp {
  const app = new App({
    context: { ...loadCdkJsonContext(), ...options.context },
    outdir: options.outdir,
    builtinCloudFormationValidation: options.builtinCloudFormationValidation ?? true,
  });
  const loaded: LoadedConfig = options.config
    ? { config: options.config, file: '(inline)' }
    : loadPlatformConfig({
        env: stringContext(app, 'env') ?? process.env.PLATFORM_ENV,
        configPath: stringContext(app, 'config') ?? process.env.PLATFORM_CONFIG,
      });
  const stacks = buildPlatform(app, loaded.config);
  if (options.compliance ?? true) addComplianceChecks(app);
  return { app, config: loaded.config, configFile: loaded.file, stacks };
}

function stringContext(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
