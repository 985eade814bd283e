import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateGuardRulesOnEach, type GuardFinding } from '../lib/guard/cfn-guard';

// The batch form against the real cfn-guard: several inputs in one run, each input's findings on
// that input. The inputs differ only in which resource breaks the rule, so findings landing on the
// wrong input (or in another order) show as a wrong logical id.

const RULES = `
let queues = Resources.*[ Type == 'AWS::SQS::Queue' ]
rule queue_encrypted when %queues !empty {
  %queues.Properties.SqsManagedSseEnabled == true <<a queue must be encrypted>>
}
`;

function queues(encrypted: Record<string, boolean>): object {
  return {
    Resources: Object.fromEntries(
      Object.entries(encrypted).map(([id, on]) => [
        id,
        { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: on } },
      ]),
    ),
  };
}

describe('evaluateGuardRulesOnEach', () => {
  let findings: GuardFinding[][];

  beforeAll(() => {
    findings = evaluateGuardRulesOnEach(RULES, [
      queues({ First: false, Fine: true }),
      queues({ Fine: true }),
      queues({ Third: false }),
    ]);
  });

  it('returns one list of findings per input, in the order of the inputs', () => {
    expect(findings).toEqual([
      [{ rule: 'queue_encrypted', resource: 'First', message: 'a queue must be encrypted' }],
      [],
      [{ rule: 'queue_encrypted', resource: 'Third', message: 'a queue must be encrypted' }],
    ]);
  });

  it('returns nothing for no inputs', () => {
    expect(evaluateGuardRulesOnEach(RULES, [])).toEqual([]);
  });

  it('rejects rules cfn-guard cannot parse, with its message', () => {
    expect(() => evaluateGuardRulesOnEach('rule broken {', [queues({ Fine: true })])).toThrow(
      /^cfn-guard failed \(exit 5\): Parsing error handling rule file = rules\.guard/,
    );
  });
});
