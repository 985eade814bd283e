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

// An execution role is confined twice, by its policies and by its own permissions boundary: each
// must answer every row on its own, so an edit that loosens one is caught while the other still
// holds (mutation testing found such edits alive). The rows with an inline `*:*` policy already ask
// the boundary alone.
const EXECUTION_ROLE_ROWS = MATRIX.filter((r) => /^(orders|payments) execution role$/.test(r.who));

/**
 * Rows one layer answers alone, by design: the execution boundary keeps a role to the service's own
 * resources and no more (it has no room for finer grain within 6,144 characters).
 */
const POLICIES_ONLY: Record<string, string> = {
  'iam:AttachRolePolicy AdministratorAccess to its own function role':
    "which managed policies a role of the service may carry is the policies' rule; the boundary lets the role change its own roles only, and each of those carries the service's boundary, so AdministratorAccess there still reaches only the service's own resources",
};
const ADMIN = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];

/** The model, with every question of `can` asked of one layer of the role's confinement. */
function oneLayer(of: IamModel, layer: 'boundary' | 'policies'): IamModel {
  const layered = Object.create(of) as IamModel;
  layered.can = (role, action, resource, options = {}) =>
    of.can(role, action, resource, {
      ...options,
      ...(layer === 'boundary'
        ? { extraPolicies: [...(options.extraPolicies ?? []), ...ADMIN] }
        : { ignoreBoundary: true }),
    });
  return layered;
}

describe.each([
  ['its boundary alone (the role grants itself `*:*`)', 'boundary'],
  ['its policies alone (its boundary ignored)', 'policies'],
] as const)('an execution role, confined by %s', (_, layer) => {
  it('answers rows of the matrix', () => {
    expect(EXECUTION_ROLE_ROWS.length).toBeGreaterThan(30);
  });
  for (const row of EXECUTION_ROLE_ROWS) {
    const policiesOnly = POLICIES_ONLY[row.request];
    if (layer === 'boundary' && policiesOnly) {
      it(`${row.who}: ${row.request} is allowed by the boundary alone (${policiesOnly})`, async () => {
        expect(await row.ask(oneLayer(model, layer))).toBe(true);
      });
      continue;
    }
    it(`${row.who}: ${row.request} is ${row.expected}`, async () => {
      expect(await row.ask(oneLayer(model, layer))).toBe(row.expected === 'allowed');
    });
  }
});

describeHandlerPermissionWalk();

describeConfinement();
