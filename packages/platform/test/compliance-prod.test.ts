import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

// The compliance packs over prod as configured: a file per environment (compliance-dev.test.ts,
// compliance-staging.test.ts, compliance-prod.test.ts), so that the two vitest workers share them.
describe('compliance of prod', () => {
  it('synthesizes every stack with no unacknowledged finding', () => {
    // synthPlatform throws with the findings listed when a pack reports an unacknowledged one.
    const { assembly } = synthPlatform({ env: 'prod', compliance: true });
    expect(assembly.stacks.map((s) => s.stackName)).toContain('shared-lambda-infra-prod-access-orders');
  });
});
