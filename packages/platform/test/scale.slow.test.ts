import { describe, expect, it } from 'vitest';
import { type ScaleResult, synthScale } from '../scripts/synth-scale';

// 1,000 registered services, synthesized with the compliance packs OFF: they run every rule over
// every one of the ~1,006 stacks (many minutes) and check rules, not size; every other platform test
// runs them. CloudFormation's limits: 500 resources and 1 MB per template.
// @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
describe('the platform with 1,000 registered services', () => {
  let large: ScaleResult;
  let small: ScaleResult;

  it('synthesizes every template within 500 resources and 1 MB', () => {
    large = synthScale(1000);
    small = synthScale(1);
    // network, storage, iam, observability, api, github, guard + 1,000 access
    expect(large.stacks).toBe(1007);
    expect(large.mostResources.resources).toBeLessThanOrEqual(500);
    expect(large.largestBytes.bytes).toBeLessThanOrEqual(1_048_576);
  }, 1_800_000);

  it('guards every service: one Guard Hook per 50 services', () => {
    expect(large.guardHooks).toBe(20);
    expect(small.guardHooks).toBe(1);
  });

  it('adds nothing to the api stack: its template is the same with 1 or 1,000 services', () => {
    expect(large.apiTemplate).toBe(small.apiTemplate);
  });
});
