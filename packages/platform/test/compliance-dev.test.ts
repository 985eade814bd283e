import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

// The compliance packs (cdk-nag's AwsSolutions, Serverless and NIST 800-53 rev 5 packs, the AWS
// Control Tower rules) over dev as configured. The other environments are in
// compliance-staging.test.ts and compliance-prod.test.ts (a file each, so that the two vitest workers
// share them); the config variants other test files synthesize are in
// compliance-variants.slow.test.ts, with CDK's built-in
// CloudFormation validation (~8 s of CPU to start its engine in a process, so not in `npm test`).
describe('compliance of dev', () => {
  it('synthesizes every stack with no unacknowledged finding', () => {
    // synthPlatform throws with the findings listed when a pack reports an unacknowledged one.
    const { assembly } = synthPlatform({ env: 'dev', compliance: true });
    expect(assembly.stacks.map((s) => s.stackName)).toContain('shared-lambda-infra-dev-access-orders');
  });
});
