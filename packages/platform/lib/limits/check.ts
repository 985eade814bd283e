import type { PlatformConfig } from '../config/schema';
import { evaluateLimits, limitContext, limitProblems } from './evaluate';
import type { CfnTemplate } from './resolve';
import { sameAccountEnvironments } from './synth';

/**
 * The limit problems of a synthesized platform: `errors` for every limit exceeded (the synthesis
 * must fail), `warnings` for every one past 80%. Each message names the limit, the usage, its
 * largest contributors and the fix.
 */
export function checkAssemblyLimits(
  config: PlatformConfig,
  stacks: ReadonlyArray<{ readonly stackName: string; readonly template: unknown }>,
): { errors: string[]; warnings: string[] } {
  const env = {
    config,
    stacks: stacks.map((s) => ({ stackName: s.stackName, template: s.template as CfnTemplate })),
  };
  return limitProblems(evaluateLimits(limitContext(env, sameAccountEnvironments(config))));
}
