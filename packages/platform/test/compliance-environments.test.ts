import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { synthPlatform } from './helpers/synth';

// The compliance packs (cdk-nag's AwsSolutions, Serverless and NIST 800-53 rev 5 packs, the AWS
// Control Tower rules) over each environment as configured; the config variants other test files
// synthesize are in compliance-variants.slow.test.ts, with CDK's built-in CloudFormation
// validation (~8 s of CPU to start its engine in a process, so not in `npm test`).
//
// One file, so that one vitest worker runs the three one after the other: most of their time is
// cfn-guard, which on the 2-core machine the suite is measured on ran three times slower beside
// another cfn-guard (two environments in the two workers at once) and twice as slow beside
// anything else (`npm run bench` figures in docs/benchmarks.md).
describe.each(ENVIRONMENTS)('compliance of %s', (env) => {
  it('synthesizes every stack with no unacknowledged finding', () => {
    // synthPlatform throws with the findings listed when a pack reports an unacknowledged one.
    const { assembly } = synthPlatform({ env, compliance: true });
    expect(assembly.stacks.map((s) => s.stackName)).toContain(`shared-lambda-infra-${env}-access-orders`);
  });
});
