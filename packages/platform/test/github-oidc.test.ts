import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GithubActionsRole,
  type GithubActionsRoleProps,
  githubOidcProviderArn,
  githubSubjects,
} from '../lib/constructs/github-oidc';
import { ACCOUNT, IamModel, REGION } from './helpers/iam-model';

// GitHub OIDC trust: which tokens may assume a GithubActionsRole, asked of the IAM evaluator over the
// synthesized trust policy, and which repositories, environments and refs the construct refuses to
// trust at all. Mutation testing (docs/mutation.md) found these edges untested.

const ORDERS = { repository: 'acme/orders-service', ownerId: 4242, repositoryId: 777001 };

/** A stack of GithubActionsRoles, one per case, synthesized once. */
let model: IamModel;
const ROLES: Record<string, Omit<GithubActionsRoleProps, 'oidcProviderArn' | 'description'>> = {
  immutable: {
    ...ORDERS,
    roleName: 'deploy-immutable',
    context: { kind: 'environment', name: 'prod' },
    allowedRefs: ['refs/heads/main', 'refs/tags/v*'],
  },
  classic: {
    repository: 'acme/payments-service',
    roleName: 'deploy-classic',
    context: { kind: 'environment', name: 'dev' },
  },
  oneRef: {
    repository: 'acme/payments-service',
    roleName: 'deploy-one-ref',
    context: { kind: 'environment', name: 'dev' },
    allowedRefs: ['refs/heads/main'],
  },
  pullRequest: { repository: 'acme/platform', roleName: 'read-only', context: { kind: 'pullRequest' } },
};

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Github', { env: { account: ACCOUNT, region: REGION } });
  for (const [id, props] of Object.entries(ROLES)) {
    new GithubActionsRole(stack, id, {
      ...props,
      oidcProviderArn: githubOidcProviderArn(stack),
      description: id,
    });
  }
  model = new IamModel([{ stackName: 'github', template: Template.fromStack(stack).toJSON() }]);
});

const claims = (sub: string, ref: string, extra: Record<string, string> = {}) => ({ sub, ref, ...extra });
const ids = { repository_id: '777001', repository_owner_id: '4242' };
const IMMUTABLE_SUB = 'repo:acme@4242/orders-service@777001:environment:prod';

describe('a GithubActionsRole trusts', () => {
  it('the immutable subject with both ids, on an allowed branch and on an allowed tag pattern', () => {
    expect(model.canAssumeWithGithub('deploy-immutable', claims(IMMUTABLE_SUB, 'refs/heads/main', ids))).toBe(
      true,
    );
    expect(
      model.canAssumeWithGithub('deploy-immutable', claims(IMMUTABLE_SUB, 'refs/tags/v1.2.3', ids)),
    ).toBe(true);
  });

  it('no other audience', () => {
    expect(
      model.canAssumeWithGithub('deploy-immutable', {
        ...claims(IMMUTABLE_SUB, 'refs/heads/main', ids),
        aud: 'https://github.com/acme',
      }),
    ).toBe(false);
  });

  it('no token with another repository id or owner id', () => {
    for (const wrong of [
      { ...ids, repository_id: '777002' },
      { ...ids, repository_owner_id: '4243' },
    ]) {
      expect(
        model.canAssumeWithGithub('deploy-immutable', claims(IMMUTABLE_SUB, 'refs/heads/main', wrong)),
      ).toBe(false);
    }
  });

  it('no ref outside allowedRefs', () => {
    expect(
      model.canAssumeWithGithub('deploy-immutable', claims(IMMUTABLE_SUB, 'refs/heads/feature', ids)),
    ).toBe(false);
    expect(
      model.canAssumeWithGithub(
        'deploy-one-ref',
        claims('repo:acme/payments-service:environment:dev', 'refs/heads/x'),
      ),
    ).toBe(false);
    expect(
      model.canAssumeWithGithub(
        'deploy-one-ref',
        claims('repo:acme/payments-service:environment:dev', 'refs/heads/main'),
      ),
    ).toBe(true);
  });

  it('every ref when allowedRefs is not given, for its environment only', () => {
    expect(
      model.canAssumeWithGithub(
        'deploy-classic',
        claims('repo:acme/payments-service:environment:dev', 'refs/heads/any'),
      ),
    ).toBe(true);
    expect(
      model.canAssumeWithGithub(
        'deploy-classic',
        claims('repo:acme/payments-service:environment:prod', 'refs/heads/any'),
      ),
    ).toBe(false);
  });

  it('pull_request jobs of its repository, for a pull-request role', () => {
    expect(
      model.canAssumeWithGithub('read-only', claims('repo:acme/platform:pull_request', 'refs/pull/1/merge')),
    ).toBe(true);
    expect(
      model.canAssumeWithGithub('read-only', claims('repo:acme/platform:environment:dev', 'refs/heads/main')),
    ).toBe(false);
  });
});

describe('githubSubjects', () => {
  it('gives the classic subject, or only the immutable one when both ids are known', () => {
    expect(githubSubjects({ repository: 'a/b' }, { kind: 'pullRequest' })).toEqual(['repo:a/b:pull_request']);
    expect(githubSubjects(ORDERS, { kind: 'environment', name: 'prod' })).toEqual([IMMUTABLE_SUB]);
  });

  it('accepts the longest owner and repository names GitHub allows', () => {
    const repository = `${'a'.repeat(39)}/${'b._-'.repeat(25)}`;
    expect(githubSubjects({ repository }, { kind: 'environment', name: 'x'.repeat(255) })).toEqual([
      `repo:${repository}:environment:${'x'.repeat(255)}`,
    ]);
  });

  it.each([
    ['acme/*'],
    ['acme'],
    ['acme/orders/x'],
    ['-acme/orders'],
    [`${'a'.repeat(40)}/orders`],
    [`acme/${'b'.repeat(101)}`],
    ['x acme/orders'],
    ['acme/orders x'],
  ])('rejects %j, which is not exactly one repository', (repository) => {
    expect(() => githubSubjects({ repository }, { kind: 'pullRequest' })).toThrow(
      `GitHub repository ${JSON.stringify(repository)} is not one repository: write it as owner/name, e.g. acme/orders-service, with no wildcards`,
    );
  });

  it('rejects one immutable id without the other, naming both', () => {
    expect(() => githubSubjects({ repository: 'a/b', repositoryId: 1 }, { kind: 'pullRequest' })).toThrow(
      'GitHub repository a/b: the immutable subject needs both ownerId and repositoryId, got ownerId none and repositoryId 1; give both or neither',
    );
    expect(() => githubSubjects({ repository: 'a/b', ownerId: 2 }, { kind: 'pullRequest' })).toThrow(
      'got ownerId 2 and repositoryId none',
    );
  });

  it.each([['prod*'], ['a:b'], [''], ['x'.repeat(256)], [' prod'], ['prod ']])(
    'rejects the environment name %j',
    (name) => {
      expect(() => githubSubjects({ repository: 'a/b' }, { kind: 'environment', name })).toThrow(
        `GitHub environment ${JSON.stringify(name)} cannot be trusted exactly: use letters, digits, ".", "_" and "-" only`,
      );
    },
  );
});

/** A pull-request role of `a/b`, with `props` over those defaults, in a stack of its own. */
function roleStack(props: Partial<GithubActionsRoleProps>): Stack {
  const stack = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: REGION } });
  new GithubActionsRole(stack, 'R', {
    repository: 'a/b',
    roleName: 'r',
    description: 'd',
    context: { kind: 'pullRequest' },
    oidcProviderArn: githubOidcProviderArn(stack),
    ...props,
  });
  return stack;
}

describe('GithubActionsRole sessions', () => {
  const maxSession = (props: Partial<GithubActionsRoleProps>): unknown => {
    const [role] = Object.values(Template.fromStack(roleStack(props)).findResources('AWS::IAM::Role'));
    return role?.Properties?.MaxSessionDuration;
  };

  it('last one hour by default, and as long as maxSessionDuration says', () => {
    expect(maxSession({})).toBe(3600);
    expect(maxSession({ maxSessionDuration: Duration.hours(2) })).toBe(7200);
  });
});

describe('GithubActionsRole refuses', () => {
  const build = (props: Partial<GithubActionsRoleProps>) => () => roleStack(props);

  it('a role name over 64 characters, and builds one of 64', () => {
    expect(build({ roleName: 'r'.repeat(65) })).toThrow(
      `role name ${'r'.repeat(65)} is 65 characters; IAM allows 64`,
    );
    expect(build({ roleName: 'r'.repeat(64) })).not.toThrow();
  });

  it('an empty description, the IAM console says what the role is for', () => {
    expect(build({ description: '' })).toThrow(
      'role r needs a description: what it is for, shown in the IAM console',
    );
    expect(build({ description: '  ' })).toThrow('role r needs a description');
  });

  it('a job context that is neither an environment nor pull requests (untyped input)', () => {
    const context = { kind: '', name: 'dev' } as unknown as GithubActionsRoleProps['context'];
    expect(build({ context })).toThrow('GitHub job context kind "" is neither environment nor pullRequest');
  });

  it('an empty allowedRefs', () => {
    expect(build({ allowedRefs: [] })).toThrow(
      'allowedRefs is empty: no job could assume the role; name at least one ref',
    );
  });

  it.each([
    ['main'],
    ['refs/pull/1/merge'],
    ['refs/heads/'],
    ['xrefs/heads/main'],
    ['refs/heads/main branch'],
  ])('the ref pattern %j', (ref) => {
    expect(build({ allowedRefs: [ref] })).toThrow(
      `Git ref pattern ${JSON.stringify(ref)} is not allowed: start with refs/heads/ or refs/tags/, e.g. refs/heads/main or refs/tags/v*`,
    );
  });

  it('nothing of refs/heads/feature/x or refs/tags/v*', () => {
    expect(build({ allowedRefs: ['refs/heads/feature/x', 'refs/tags/v*'] })).not.toThrow();
  });
});
