import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { loadPlatformConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { synthesizeTemplates } from '../cost/synth';
import type { MeasuredEnvironment } from './measure';
import type { CfnTemplate } from './resolve';

/** An environment synthesized for measuring only (no compliance packs, bundling or validation). */
export function measuredEnvironment(config: PlatformConfig): MeasuredEnvironment {
  return {
    config,
    stacks: synthesizeTemplates(config).map((s) => ({
      stackName: s.stackName,
      template: s.template as CfnTemplate,
    })),
  };
}

/**
 * The other shipped environments deployed to the same account as `config`: their stacks count
 * against the same account quotas. Environment-agnostic configs share with nobody, and nothing is
 * synthesized for them.
 */
export function sameAccountEnvironments(config: PlatformConfig): MeasuredEnvironment[] {
  if (!config.account) return [];
  return ENVIRONMENTS.filter((env) => env !== config.environment)
    .map((env) => loadPlatformConfig({ env }).config)
    .filter((other) => other.account === config.account)
    .map(measuredEnvironment);
}
