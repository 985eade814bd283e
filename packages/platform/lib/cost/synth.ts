import { App } from 'aws-cdk-lib';
import { loadCdkJsonContext } from '../app';
import type { PlatformConfig } from '../config/schema';
import { buildPlatform } from '../platform';
import type { StackTemplate } from './estimate';

/**
 * The templates of a config's platform, synthesized only for the estimate: without the compliance
 * packs, asset bundling or CDK's template validation, which change no resource and cost seconds.
 */
export function synthesizeTemplates(config: PlatformConfig): StackTemplate[] {
  const app = new App({
    context: { ...loadCdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  buildPlatform(app, config);
  return app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
}
