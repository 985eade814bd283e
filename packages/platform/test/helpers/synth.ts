import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EnvironmentName } from '@shared-lambda-infra/contract';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { parse } from 'yaml';
import { createPlatformApp, type PlatformApp } from '../../lib/app';
import { CONFIG_DIR, parsePlatformConfig } from '../../lib/config/load';
import type { PlatformConfig } from '../../lib/config/schema';

/** A config file's raw content, before parsing and defaults. */
export function rawConfig(env: EnvironmentName): Record<string, unknown> {
  return parse(readFileSync(path.join(CONFIG_DIR, `${env}.yaml`), 'utf8')) as Record<string, unknown>;
}

/**
 * Deep-merges `overrides` into `base`: objects merge, everything else (arrays included) replaces;
 * `undefined` deletes the key.
 */
export function merge(
  base: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    if (value === undefined) delete out[key];
    else if (isPlainObject(value) && isPlainObject(current)) out[key] = merge(current, value);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parsed config of an environment file, with `overrides` merged into the raw file first. */
export function configFor(env: EnvironmentName, overrides: Record<string, unknown> = {}): PlatformConfig {
  return parsePlatformConfig(merge(rawConfig(env), overrides), `config/${env}.yaml (test overrides)`);
}

/**
 * Context every test app gets: no construct creation stack traces. CDK captures one per construct
 * and per acknowledgement (halving synthesis time when off); templates do not carry them, and
 * compliance findings name construct paths.
 */
export const TEST_CONTEXT: Readonly<Record<string, unknown>> = {
  'aws:cdk:disable-stack-trace': true,
  'aws:cdk:disable-creation-stack-traces': true,
};

/** Options of {@link synthPlatform}. */
export interface SynthOptions {
  /** @default 'dev' */
  readonly env?: EnvironmentName;
  /** Merged into the environment file before parsing. @default - none */
  readonly overrides?: Record<string, unknown>;
  /** Use this config as is. @default - the environment file with overrides */
  readonly config?: PlatformConfig;
  /** CDK's built-in CloudFormation validation (~8 s of CPU the first time in a process). @default false */
  readonly builtinValidation?: boolean;
  /** Bundle Lambda assets with esbuild. @default false */
  readonly bundling?: boolean;
  /**
   * Run the compliance packs (cdk-nag, Control Tower rules): synthesis fails on an unacknowledged
   * finding. They cost seconds per synthesis and never change a template, so they are off here and
   * run once per environment (`compliance-environments.test.ts`) and per
   * config variant (`compliance-variants.slow.test.ts`, in `npm run test:e2e`).
   * @default false
   */
  readonly compliance?: boolean;
}

/** A synthesized platform. */
export interface SynthResult extends PlatformApp {
  /** The cloud assembly. */
  readonly assembly: CloudAssembly;
  /** The template of a stack, for assertions. */
  template(stack: Stack): Template;
}

/**
 * Builds and synthesizes the platform for one environment. With `compliance: true` an
 * unacknowledged finding of the packs fails here, with the findings listed. Call it once per file,
 * in `beforeAll`; for an environment's unmodified config use {@link sharedPlatform}.
 */
export function synthPlatform(options: SynthOptions = {}): SynthResult {
  const env = options.env ?? 'dev';
  const config = options.config ?? configFor(env, options.overrides);
  const outdir = mkdtempSync(path.join(tmpdir(), 'platform-synth-'));
  const platform = createPlatformApp({
    config,
    outdir,
    builtinCloudFormationValidation: options.builtinValidation ?? false,
    context: { ...TEST_CONTEXT, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    compliance: options.compliance ?? false,
  });
  let assembly: CloudAssembly;
  try {
    assembly = platform.app.synth();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${validationFindings(outdir)}`);
  }
  const templates = new Map<Stack, Template>();
  return {
    ...platform,
    assembly,
    template(stack: Stack): Template {
      let t = templates.get(stack);
      if (!t) {
        t = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
        templates.set(stack, t);
      }
      return t;
    },
  };
}

const shared = new Map<EnvironmentName, SynthResult>();

/**
 * The platform of an environment with its config file unchanged, synthesized once per worker
 * process and shared by every test file that worker runs (the `synth` vitest project does not
 * isolate files). Read it, never add constructs to it.
 */
export function sharedPlatform(env: EnvironmentName): SynthResult {
  let result = shared.get(env);
  if (!result) {
    result = synthPlatform({ env });
    shared.set(env, result);
  }
  return result;
}

/** The unacknowledged findings in a cloud assembly's validation report, one line each. */
export function validationFindings(outdir: string): string {
  const file = path.join(outdir, 'validation-report.json');
  if (!existsSync(file)) return '(no validation report)';
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: Array<{
      pluginName: string;
      violations: Array<{
        ruleName: string;
        description: string;
        violatingConstructs: Array<{ constructPath: string }>;
      }>;
    }>;
  };
  return report.pluginReports
    .flatMap((p) =>
      p.violations.flatMap((v) =>
        v.violatingConstructs.map(
          (c) => `${p.pluginName} ${v.ruleName} at ${c.constructPath}: ${v.description.slice(0, 160)}`,
        ),
      ),
    )
    .join('\n');
}
