import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type NameScope,
  platformDeployRoleName,
  serviceDeployRoleName,
  serviceExecutionRoleName,
} from '@shared-lambda-infra/contract';
import type { ServiceRehearsalInputs } from '@shared-lambda-infra/rehearse';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { PlatformApp } from './app';

/**
 * What a service repository needs to rehearse its deploy against this environment
 * (`npx shared-lambda rehearse --platform FILE`), one per registered service: its deploy and
 * execution roles, the Guard Hook's rules and the platform's templates (roles, boundaries, artifact
 * bucket policy, contract parameters), as this synthesis will deploy them.
 */
export function serviceRehearsalInputs(
  platform: PlatformApp,
  assembly: CloudAssembly,
): ServiceRehearsalInputs[] {
  const scope: NameScope = { project: platform.config.project, env: platform.config.environment };
  const templates = assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
  return platform.config.services.map((s) => ({
    format: 'shared-lambda-infra/rehearsal-inputs@1' as const,
    project: scope.project,
    environment: scope.env,
    service: s.name,
    deployRole: serviceDeployRoleName(scope, s.name),
    executionRole: serviceExecutionRoleName(scope, s.name),
    // The hook targets every registered service's execution role (guard-stack.ts).
    guardRules: platform.stacks.guard.rules,
    templates,
  }));
}

/**
 * Writes {@link serviceRehearsalInputs} to `{outdir}/rehearsal-inputs/{env}-{service}.json` and
 * returns the files written.
 */
export function writeServiceRehearsalInputs(
  platform: PlatformApp,
  assembly: CloudAssembly,
  outdir: string,
): string[] {
  const dir = path.join(outdir, 'rehearsal-inputs');
  mkdirSync(dir, { recursive: true });
  return serviceRehearsalInputs(platform, assembly).map((inputs) => {
    const file = path.join(dir, `${inputs.environment}-${inputs.service}.json`);
    writeFileSync(file, `${JSON.stringify(inputs)}\n`);
    return file;
  });
}

/** The platform's GitHub deploy role, which assumes the CDK bootstrap roles, when the environment has one. */
export function platformCaller(platform: PlatformApp): string | undefined {
  return platform.stacks.github
    ? platformDeployRoleName({ project: platform.config.project, env: platform.config.environment })
    : undefined;
}
