import { beforeAll, describe, expect, it } from 'vitest';
import type { DeployedTemplate, IamModel } from '../../packages/platform/test/helpers/iam-model';
import { describeConfinement } from './confinement';
import { buildSecurityEnvironment } from './environment';
import { describeHandlerPermissionWalk } from './handler-permissions';
import { MATRIX } from './matrix';
import { PINNED_ACTIONS } from './pinned-actions';

// One synthesis of the platform (pinned account and region; compliance packs run in
// packages/platform/test/compliance.test.ts) and of both services' kitchen-sink stacks, shared by
// the matrix, the pinned actions and the handler-permission walk; every question is asked of the
// real IAM evaluator.
let model: IamModel;
let templates: readonly DeployedTemplate[];
beforeAll(() => {
  ({ model, templates } = buildSecurityEnvironment());
});

describe('who can do what to whom (docs/security.md)', () => {
  for (const row of MATRIX) {
    it(`${row.who}: ${row.request} is ${row.expected}`, async () => {
      expect(await row.ask(model)).toBe(row.expected === 'allowed');
    });
  }
});

// Left out of `npm run test:mutation` (vitest.mutation.config.ts): the pin compares actions only, so
// a mutant that widens a resource or drops a condition must be caught by an evaluator question.
describe.skipIf(process.env.SHARED_LAMBDA_MUTATION_RUN === '1')('the actions of every platform role', () => {
  it('are exactly the reviewed lists, statement by statement', () => {
    const actual: Record<string, Record<string, string[]>> = {};
    for (const t of templates) {
      const component = t.stackName.replace('shared-lambda-infra-dev-', '');
      if (!['access-orders', 'github', 'iam'].includes(component)) continue;
      for (const [logicalId, resource] of Object.entries(t.template.Resources ?? {})) {
        if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
        const document = resource.Properties?.PolicyDocument as
          | { Statement: Array<Record<string, unknown>> }
          | undefined;
        const statements = document?.Statement ?? [];
        actual[`${component}/${logicalId.replace(/[0-9A-F]{8}$/, '')}`] = Object.fromEntries(
          statements.map((s) => [
            `${s.Effect} ${s.Sid ?? '(no sid)'}`,
            [s.Action as string | string[]].flat().sort(),
          ]),
        );
      }
    }
    expect(actual).toEqual(PINNED_ACTIONS);
  });
});

describeHandlerPermissionWalk();

describeConfinement();
