import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Parameters, platformDeployRoleName, platformReadOnlyRoleName } from '@shared-lambda-infra/contract';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCdkJsonContext } from '../lib/app';
import { ConfigError } from '../lib/config/errors';
import { parsePlatformConfig } from '../lib/config/load';
import type { PlatformConfig } from '../lib/config/schema';
import { AccessPolicy } from '../lib/constructs/github-access-policy';
import { githubSubjects } from '../lib/constructs/github-oidc';
import { GithubAccessStack } from '../lib/stacks/github-access-stack';
import { configFor, merge, rawConfig, TEST_CONTEXT } from './helpers/synth';

const OWNER_ID = 1342004;
const REPO_ID = 771234567;
const OIDC = 'token.actions.githubusercontent.com';

/**
 * Synthesizes GitHub access stacks alone (no other platform stack), without the compliance packs:
 * they run over the GitHub stack of every environment in compliance-environments.test.ts.
 */
function synthGithub(configs: PlatformConfig[], context: Record<string, unknown> = {}) {
  const app = new App({
    context: { ...loadCdkJsonContext(), ...TEST_CONTEXT, ...context },
    outdir: mkdtempSync(path.join(tmpdir(), 'github-access-')),
    builtinCloudFormationValidation: false,
  });
  const stacks = configs.map((config) => new GithubAccessStack(app, { config }));
  const assembly = app.synth();
  return stacks.map((s) => ({
    stack: s,
    template: Template.fromJSON(assembly.getStackArtifact(s.artifactId).template),
  }));
}

/** Every statement of every managed policy attached to the role with `roleLogicalId`. */
function policyStatements(template: Template, roleLogicalId: string): Array<Record<string, unknown>> {
  const policies = template.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
        .PolicyDocument.Statement,
  );
}

function roleLogicalId(template: Template, roleName: string): string {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } });
  const ids = Object.keys(roles);
  expect(ids).toHaveLength(1);
  return ids[0];
}

function actionsOf(statement: Record<string, unknown>): string[] {
  const a = statement.Action;
  return Array.isArray(a) ? (a as string[]) : [a as string];
}

const bootstrapRole = (role: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':iam::',
      { Ref: 'AWS::AccountId' },
      `:role/cdk-hnb659fds-${role}-role-`,
      { Ref: 'AWS::AccountId' },
      '-',
      { Ref: 'AWS::Region' },
    ],
  ],
});

const importedProviderArn = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:oidc-provider/${OIDC}`],
  ],
};

describe('GithubAccessStack', () => {
  // dev creates the provider (and gives the immutable ids); staging, in the same account, imports it.
  let dev: Template;
  let staging: Template;
  let byName: Template;
  let devStack: GithubAccessStack;
  const devConfig = configFor('dev', {
    github: { platformRepositoryOwnerId: OWNER_ID, platformRepositoryId: REPO_ID },
  });
  const stagingConfig = configFor('staging');
  // Only dev may trust a repository by name (staging and prod require its ids): another project.
  const byNameConfig = configFor('dev', { project: 'by-name' });
  const scope = { project: devConfig.project, env: 'dev' as const };

  beforeAll(() => {
    // GIVEN dev (oidcProvider: create) and staging (oidcProvider: import) WHEN synthesized (the packs
    // run over these stacks in compliance-environments.test.ts and, with
    // numeric repository ids, compliance-variants.slow.test.ts)
    const [d, s, n] = synthGithub([devConfig, stagingConfig, byNameConfig]);
    dev = d.template;
    devStack = d.stack;
    staging = s.template;
    byName = n.template;
  });

  it('is named {project}-{env}-github', () => {
    expect(devStack.stackName).toBe('shared-lambda-infra-dev-github');
  });

  describe('OIDC provider', () => {
    it('creates the GitHub provider with the sts.amazonaws.com audience when oidcProvider is create', () => {
      dev.resourceCountIs('AWS::IAM::OIDCProvider', 1);
      dev.hasResourceProperties('AWS::IAM::OIDCProvider', {
        Url: `https://${OIDC}`,
        ClientIdList: ['sts.amazonaws.com'],
        ThumbprintList: Match.absent(),
      });
    });

    it('retains the created provider, because other environments of the account import it', () => {
      dev.hasResource('AWS::IAM::OIDCProvider', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('creates no provider when oidcProvider is import, and trusts the one at its deterministic ARN', () => {
      staging.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      staging.hasResourceProperties('AWS::IAM::Role', {
        RoleName: platformDeployRoleName({ ...scope, env: 'staging' }),
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Federated: importedProviderArn } })],
        },
      });
    });

    it('publishes the provider ARN as the oidcProviderArn contract parameter', () => {
      const providerId = Object.keys(dev.findResources('AWS::IAM::OIDCProvider'))[0];
      dev.hasResourceProperties('AWS::SSM::Parameter', {
        Name: Parameters.oidcProviderArn.path(scope),
        Value: { Ref: providerId },
      });
      staging.hasResourceProperties('AWS::SSM::Parameter', {
        Name: Parameters.oidcProviderArn.path({ ...scope, env: 'staging' }),
        Value: importedProviderArn,
      });
    });
  });

  describe('platform deploy role', () => {
    it('trusts only the immutable subject and ids of the platform repository, its environment and the allowed refs', () => {
      dev.hasResourceProperties('AWS::IAM::Role', {
        RoleName: platformDeployRoleName(scope),
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRoleWithWebIdentity',
              Effect: 'Allow',
              Principal: { Federated: Match.anyValue() },
              Condition: {
                StringEquals: {
                  [`${OIDC}:aud`]: 'sts.amazonaws.com',
                  [`${OIDC}:sub`]: `repo:acme@${OWNER_ID}/shared-lambda-infra@${REPO_ID}:environment:dev`,
                  [`${OIDC}:repository_id`]: String(REPO_ID),
                  [`${OIDC}:repository_owner_id`]: String(OWNER_ID),
                },
                // dev.yaml lets any branch deploy, explicitly.
                StringLike: { [`${OIDC}:ref`]: 'refs/heads/*' },
              },
            },
          ],
        },
      });
    });

    it('trusts only the classic subject when the repository ids are not configured (dev only)', () => {
      byName.hasResourceProperties('AWS::IAM::Role', {
        RoleName: platformDeployRoleName({ project: 'by-name', env: 'dev' }),
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: {
                StringEquals: {
                  [`${OIDC}:aud`]: 'sts.amazonaws.com',
                  [`${OIDC}:sub`]: 'repo:acme/shared-lambda-infra:environment:dev',
                },
              },
            }),
          ],
        },
      });
    });

    it("trusts the shipped staging config's repository by its ids (placeholders to replace)", () => {
      staging.hasResourceProperties('AWS::IAM::Role', {
        RoleName: platformDeployRoleName({ ...scope, env: 'staging' }),
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: Match.objectLike({
                StringEquals: Match.objectLike({
                  [`${OIDC}:sub`]: 'repo:acme@100000001/shared-lambda-infra@200000002:environment:staging',
                  [`${OIDC}:repository_id`]: '200000002',
                }),
              }),
            }),
          ],
        },
      });
    });

    it('may only assume the deploy, file-publishing and lookup roles of the CDK bootstrap', () => {
      const statements = policyStatements(dev, roleLogicalId(dev, platformDeployRoleName(scope)));
      expect(statements).toEqual([
        {
          Sid: 'AssumeCdkBootstrapRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [bootstrapRole('deploy'), bootstrapRole('file-publishing'), bootstrapRole('lookup')],
        },
      ]);
    });

    it('names the bootstrap roles with the qualifier from the @aws-cdk/core:bootstrapQualifier context', () => {
      const [{ template }] = synthGithub([configFor('dev')], {
        '@aws-cdk/core:bootstrapQualifier': 'team42',
      });
      const statements = policyStatements(template, roleLogicalId(template, platformDeployRoleName(scope)));
      expect(JSON.stringify(statements)).toContain(':role/cdk-team42-deploy-role-');
      expect(JSON.stringify(statements)).not.toContain('hnb659fds');
    });
  });

  describe('platform read-only role', () => {
    it('trusts only pull_request jobs of the platform repository', () => {
      dev.hasResourceProperties('AWS::IAM::Role', {
        RoleName: platformReadOnlyRoleName(scope),
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: {
                StringEquals: {
                  [`${OIDC}:aud`]: 'sts.amazonaws.com',
                  [`${OIDC}:sub`]: `repo:acme@${OWNER_ID}/shared-lambda-infra@${REPO_ID}:pull_request`,
                  [`${OIDC}:repository_id`]: String(REPO_ID),
                  [`${OIDC}:repository_owner_id`]: String(OWNER_ID),
                },
              },
            }),
          ],
        },
      });
    });

    it('cannot write nor assume any role: it reads stack templates and the bootstrap version only', () => {
      const statements = policyStatements(dev, roleLogicalId(dev, platformReadOnlyRoleName(scope)));
      const actions = statements.flatMap(actionsOf);
      expect(actions.sort()).toEqual([
        'cloudformation:DescribeStacks',
        'cloudformation:GetTemplate',
        'cloudformation:GetTemplateSummary',
        'cloudformation:ListStackResources',
        'ssm:GetParameter',
      ]);
      expect(statements.every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(true);
    });

    it('reads only the stacks of its own environment', () => {
      const statements = policyStatements(dev, roleLogicalId(dev, platformReadOnlyRoleName(scope)));
      const read = statements.find((s) => actionsOf(s).includes('cloudformation:GetTemplate'));
      expect(JSON.stringify(read?.Resource)).toContain(':stack/shared-lambda-infra-dev-*/*');
    });
  });

  describe('every trust policy', () => {
    it.each([
      ['dev', () => dev],
      ['staging', () => staging],
    ])('of %s pins aud and sub with StringEquals, and uses StringLike only for the ref', (_env, template) => {
      const roles = Object.values(template().findResources('AWS::IAM::Role')) as Array<{
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: Array<{ Condition?: Record<string, Record<string, unknown>> }>;
          };
        };
      }>;
      expect(roles).toHaveLength(2);
      for (const role of roles) {
        for (const statement of role.Properties.AssumeRolePolicyDocument.Statement) {
          const { StringLike: like, ...exact } = statement.Condition ?? {};
          expect(Object.keys(exact)).toEqual(['StringEquals']);
          expect(Object.keys(like ?? {}).every((k) => k === `${OIDC}:ref`)).toBe(true);
          expect(statement.Condition?.StringEquals[`${OIDC}:aud`]).toBe('sts.amazonaws.com');
          const subs = [statement.Condition?.StringEquals[`${OIDC}:sub`]].flat() as string[];
          expect(subs.length).toBeGreaterThan(0);
          for (const sub of subs)
            expect(sub).toMatch(
              /^repo:acme(@\d+)?\/shared-lambda-infra(@\d+)?:(environment:\w+|pull_request)$/,
            );
        }
      }
    });
  });

  describe('compliance', () => {
    it('acknowledges the one wildcard (the environment stack pattern) by its exact finding id, with a reason', () => {
      const policy = devStack.node.findChild('PlatformReadOnlyPolicy') as AccessPolicy;
      const findings = [...policy.acknowledgedFindings.keys()];
      expect(findings).toEqual([
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/shared-lambda-infra-dev-*/*]',
      ]);
      expect(policy.acknowledgedFindings.get(findings[0])).toMatch(/shared-lambda-infra-dev-/);
      const deploy = devStack.node.findChild('PlatformDeployPolicy') as AccessPolicy;
      expect(deploy.acknowledgedFindings.size).toBe(0);
    });

    it('fails when a policy allows a wildcard resource without saying why', () => {
      const stack = new Stack(new App(), 'Test');
      expect(
        () =>
          new AccessPolicy(stack, 'P', {
            description: 'x',
            roles: [],
            statements: [{ sid: 'Wide', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] }],
          }),
      ).toThrow(
        /statement Wide allows arn:aws:s3:::bucket\/\*, which has a wildcard, without a wildcardReason/,
      );
    });

    it('fails when a policy allows a wildcard action', () => {
      const stack = new Stack(new App(), 'Test');
      expect(
        () =>
          new AccessPolicy(stack, 'P', {
            description: 'x',
            roles: [],
            statements: [{ sid: 'All', actions: ['s3:*'], resources: ['arn:aws:s3:::bucket'] }],
          }),
      ).toThrow(/statement All allows s3:\*: name each action/);
    });
  });

  describe('GitHub subjects', () => {
    it('gives the classic subject, and only the immutable one when both ids are known', () => {
      expect(
        githubSubjects({ repository: 'octocat/my-repo' }, { kind: 'environment', name: 'prod' }),
      ).toEqual(['repo:octocat/my-repo:environment:prod']);
      expect(
        githubSubjects(
          { repository: 'octocat/my-repo', ownerId: 123456, repositoryId: 456789 },
          { kind: 'pullRequest' },
        ),
      ).toEqual(['repo:octocat@123456/my-repo@456789:pull_request']);
    });

    it('rejects a repository pattern that could match more than one repository', () => {
      expect(() => githubSubjects({ repository: 'acme/*' }, { kind: 'pullRequest' })).toThrow(
        /GitHub repository "acme\/\*" is not one repository: write it as owner\/name/,
      );
    });

    it('rejects an environment name with a wildcard', () => {
      expect(() => githubSubjects({ repository: 'acme/x' }, { kind: 'environment', name: 'prod*' })).toThrow(
        /GitHub environment "prod\*" cannot be trusted exactly/,
      );
    });

    it('rejects one immutable id without the other', () => {
      expect(() => githubSubjects({ repository: 'acme/x', ownerId: 1 }, { kind: 'pullRequest' })).toThrow(
        /needs both ownerId and repositoryId, got ownerId 1 and repositoryId none/,
      );
    });
  });

  describe('config', () => {
    const parse = (override: Record<string, unknown>) =>
      parsePlatformConfig(merge(rawConfig('dev'), override), 'config/dev.yaml');

    it('rejects a platform repository with a wildcard before synthesis', () => {
      expect(() => parse({ github: { platformRepository: 'acme/*' } })).toThrow(ConfigError);
      expect(() => parse({ github: { platformRepository: 'acme/*' } })).toThrow(
        /github\.platformRepository: .*wildcard/,
      );
    });

    it('rejects a platform repository that is not owner/name', () => {
      expect(() => parse({ github: { platformRepository: 'shared-lambda-infra' } })).toThrow(
        /github\.platformRepository: must be a GitHub repository as owner\/name/,
      );
    });

    it('rejects a platform repository owner id without the repository id', () => {
      expect(() => parse({ github: { platformRepositoryOwnerId: OWNER_ID } })).toThrow(
        /github\.platformRepositoryId: is required when platformRepositoryOwnerId is set/,
      );
    });

    it('fails to build the stack when the config has no github section', () => {
      const config = parse({ github: undefined });
      expect(() => new GithubAccessStack(new App(), { config })).toThrow(
        /needs the github section of config\/dev\.yaml/,
      );
    });
  });
});
