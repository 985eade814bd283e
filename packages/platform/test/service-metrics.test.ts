import { describe, expect, it } from 'vitest';
import { FILTERS_PER_SHARD, MAX_SHARDS, planMetricShards } from '../lib/service-metrics';

const NOT_PLATFORM = '$.basePath != "health" && $.basePath != "-" && $.basePath != "/"';

describe('planMetricShards', () => {
  it('has room for 12 sets of the 7 per-service filters: (100 per log group - 10 kept) / 7', () => {
    expect(FILTERS_PER_SHARD).toBe(7);
    expect(MAX_SHARDS).toBe(12);
  });

  it('serves up to 900 base paths with one set of filters that matches any base path', () => {
    const plan = planMetricShards(Array.from({ length: 900 }, (_, i) => `svc${i}`));
    expect(plan.problems).toEqual([]);
    expect(plan.shards.map((s) => s.clause)).toEqual([`$.basePath = * && ${NOT_PLATFORM}`]);
  });

  it('splits 1,000 base paths by their shortest prefix under 900: svc0..svc8* (889) and svc9* (111)', () => {
    const plan = planMetricShards(Array.from({ length: 1000 }, (_, i) => `svc${i}`));
    expect(plan.problems).toEqual([]);
    expect(plan.shards.map((s) => s.size)).toEqual([889, 111]);
    expect(plan.shards[1]?.clause).toBe(`$.basePath = "svc9*" && ${NOT_PLATFORM}`);
    expect(plan.shards[0]?.units.map((u) => u.prefix)).toEqual([
      'svc0',
      'svc1',
      'svc2',
      'svc3',
      'svc4',
      'svc5',
      'svc6',
      'svc7',
      'svc8',
    ]);
  });

  it('matches a base path that is also the prefix of others exactly', () => {
    const plan = planMetricShards(['svc', ...Array.from({ length: 1000 }, (_, i) => `svc${i}`)]);
    expect(plan.shards[0]?.units[0]).toEqual({ prefix: 'svc', exact: true, basePaths: ['svc'] });
    expect(plan.shards[0]?.clause.startsWith('($.basePath = "svc" || $.basePath = "svc0*" ||')).toBe(true);
  });

  it('supports 10,800 base paths (12 sets of 900) and no more in that layout', () => {
    const paths = (groups: number) =>
      Array.from({ length: groups * 900 }, (_, i) => `${'abcdefghijklm'[Math.floor(i / 900)]}${i}`);
    expect(planMetricShards(paths(12))).toMatchObject({ problems: [] });
    expect(planMetricShards(paths(12)).shards).toHaveLength(12);
    expect(planMetricShards(paths(13)).problems).toHaveLength(1);
  });

  it('keeps every pattern within the 1,024 characters a filter pattern may have', () => {
    const paths = Array.from({ length: 2000 }, (_, i) => `${'a'.repeat(50)}-${i}`);
    for (const shard of planMetricShards(paths).shards) expect(shard.clause.length).toBeLessThan(1024 - 70);
  });
});
