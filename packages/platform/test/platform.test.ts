import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

describe('platform app', () => {
  it.each(ENVIRONMENTS)('synthesizes every stack of %s with no unacknowledged compliance finding', (env) => {
    // CDK's built-in CloudFormation validation (~2 s a process) runs here for dev, as in `npm run synth`;
    // the other test files leave it off.
    const { assembly, config } = synthPlatform({ env, builtinValidation: env === 'dev' });
    const names = assembly.stacks.map((s) => s.stackName);
    for (const component of ['network', 'storage', 'iam', 'observability', 'api', 'github', 'access-orders']) {
      expect(names).toContain(`${config.project}-${env}-${component}`);
    }
    expect(names).toHaveLength(7);
  });
});
