import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

describe('platform app', () => {
  it.each(ENVIRONMENTS)('synthesizes every stack of %s with no unacknowledged compliance finding', (env) => {
    const { assembly, config } = synthPlatform({ env });
    const names = assembly.stacks.map((s) => s.stackName);
    expect(names).toContain(`${config.project}-${env}-network`);
    expect(names).toContain(`${config.project}-${env}-api`);
  });
});
