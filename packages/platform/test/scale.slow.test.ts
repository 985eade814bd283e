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

  it('adds nothing to the api stack but a second set of per-service metric filters past 900 base paths', () => {
    // The base paths svc0..svc999 need two sets of the 7 filters (docs/observability.md): the only
    // difference between the api templates of 1 and 1,000 services.
    const serviceFilters = (template: string) =>
      Object.entries(JSON.parse(template).Resources as Record<string, { Type: string }>).filter(
        ([id, r]) => r.Type === 'AWS::Logs::MetricFilter' && id.startsWith('ServiceMetricsShard'),
      );
    const withoutThem = (template: string) => {
      const parsed = JSON.parse(template);
      for (const [id] of serviceFilters(template)) delete parsed.Resources[id];
      return JSON.stringify(parsed);
    };
    expect(serviceFilters(small.apiTemplate)).toHaveLength(7);
    expect(serviceFilters(large.apiTemplate)).toHaveLength(14);
    expect(withoutThem(large.apiTemplate)).toBe(withoutThem(small.apiTemplate));
  });
});
