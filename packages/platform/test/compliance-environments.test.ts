import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

// The compliance packs over staging and prod as configured (dev: compliance-dev.test.ts).
describe('compliance of staging and prod', () => {
  it.each(['staging', 'prod'] as const)(
    'synthesizes every stack of %s with no unacknowledged finding',
    (env) => {
      // synthPlatform throws with the findings listed when a pack reports an unacknowledged one.
      const { assembly } = synthPlatform({ env, compliance: true });
      expect(assembly.stacks.map((s) => s.stackName)).toContain(`shared-lambda-infra-${env}-access-orders`);
    },
  );
});
