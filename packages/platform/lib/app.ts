import { App } from 'aws-cdk-lib';
import { configSelection, loadCdkJsonContext } from './app-config';
import { addComplianceChecks } from './compliance';
import type { ConfigProblem } from './config/errors';
import { type LoadedConfig, loadPlatformConfig } from './config/load';
import type { PlatformConfig } from './config/schema';
import { configWarnings } from './config/validate';
import { buildPlatform, type PlatformStacks } from './platform';

export { loadCdkJsonContext, PLATFORM_ROOT } from './app-config';

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
  /** What the config trusts that it should not in staging or prod (repository names in dev), to print. */
  readonly warnings: readonly ConfigProblem[];
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
    ? { config: options.config, file: '(inline)', warnings: configWarnings(options.config) }
    : loadPlatformConfig(configSelection((key) => app.node.tryGetContext(key)));
  const stacks = buildPlatform(app, loaded.config);
  if (options.compliance ?? true) addComplianceChecks(app);
  return { app, config: loaded.config, configFile: loaded.file, warnings: loaded.warnings, stacks };
}

/**
 * An app for a synthesis whose templates a program reads and nobody deploys (the routes report, the
 * scale benchmark): no asset bundling, no built-in CloudFormation validation, no construct tree
 * file, and no construct stack traces. CDK captures one for every construct and every
 * acknowledgement (see acknowledge() in compliance.ts): a tenth of a platform synthesis, a third at
 * 1,000 stacks, and no template carries them.
 */
export function unattendedApp(outdir: string): App {
  return new App({
    outdir,
    context: {
      ...loadCdkJsonContext(),
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:disable-creation-stack-traces': true,
    },
    builtinCloudFormationValidation: false,
    treeMetadata: false,
  });
}
