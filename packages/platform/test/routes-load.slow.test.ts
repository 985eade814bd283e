import { describe, expect, it } from 'vitest';
import { concurrentDeploys, type LoadResult, releaseTrain } from './models/load';

/**
 * Issue 21's load figures as assertions (the benchmark, scripts/bench-routes.ts, prints the same
 * scenarios): every stack completes or rolls back cleanly (none *_FAILED), every request is answered
 * exactly once, and the stage serves exactly the live stacks' declarations.
 */

function expectClean(result: LoadResult, expected: Record<string, string>) {
  expect(result.statuses).toEqual(expected);
  expect(result.stuck).toEqual([]);
  expect(result.answerProblems).toEqual([]);
  expect(result.invariantProblems).toEqual([]);
  expect(result.deadLetters).toBe(0);
}

function all(names: readonly string[], status: string): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, status]));
}

describe('shared API v2 under load (models, virtual time)', () => {
  it('100 services deploying within a minute all complete', async () => {
    const result = await concurrentDeploys(100, 100, 60);
    expectClean(result, all(Object.keys(result.statuses), 'CREATE_COMPLETE'));
    expect(Object.keys(result.statuses)).toHaveLength(100);
  });

  it('10 services deploying at once among 1,000 registered all complete', async () => {
    const result = await concurrentDeploys(10, 1000, 0);
    expectClean(result, all(Object.keys(result.statuses), 'CREATE_COMPLETE'));
    expect(Object.keys(result.statuses)).toHaveLength(10);
  });

  it('a release train of 200 registered: 12 creates within 30 s, one rollback, one delete', async () => {
    const result = await releaseTrain(200, 150);
    const creates = Array.from({ length: 12 }, (_, i) => `svc${String(150 + i).padStart(4, '0')}`);
    expectClean(result, {
      ...all(creates, 'CREATE_COMPLETE'),
      svc0000: 'UPDATE_ROLLBACK_COMPLETE',
      svc0001: 'DELETE_COMPLETE',
    });
  });
});
