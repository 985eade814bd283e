import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCdkJsonContext } from '../lib/app';
import { GithubAccessStack } from '../lib/stacks/github-access-stack';
import { ServiceAccessStack } from '../lib/stacks/service-access-stack';
import { ACCOUNT, type DeployedTemplate, IamModel, REGION } from './helpers/iam-model';
import { configFor } from './helpers/synth';

// What the access stacks refuse to build, and what their GitHub trust does in an account that holds
// several environments, asked of the IAM model over access stacks synthesized alone (no other
// platform stack, so that mutation testing reruns this file in a second). Mutation testing
// (docs/mutation.md) found these untested by any behaviour test.

const GITHUB = {
  platformRepository: 'acme/shared-lambda-infra',
  platformRepositoryOwnerId: 1,
  platformRepositoryId: 2,
};
const OIDC_URL = 'https://token.actions.githubusercontent.com';

function app(context: Record<string, unknown> = {}): App {
  return new App({
    context: { ...loadCdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
}

const pinned = (env: 'dev' | 'staging' | 'prod', github: Record<string, unknown> = {}) =>
  configFor(env, { account: ACCOUNT, region: REGION, github: { ...GITHUB, ...github } });

describe('the access stacks refuse to build', () => {
  it('a GitHub access stack without the github section, naming the config file', () => {
    const config = { ...configFor('dev'), github: undefined };
    expect(() => new GithubAccessStack(app(), { config })).toThrow(
      'GithubAccessStack needs the github section of config/dev.yaml; add github.platformRepository, or create no GitHub stacks',
    );
  });

  it("a service's access stack without the github section (no OIDC provider to trust)", () => {
    const config = { ...configFor('dev'), github: undefined };
    expect(() => new ServiceAccessStack(app(), { config, service: config.services[0] })).toThrow(
      'ServiceAccessStack for service "orders" needs the github section of config/dev.yaml (the OIDC provider); add github, or create no access stacks',
    );
  });

  it('an access stack for a reserved name, whose prefix IAM would confuse with the platform', () => {
    const config = configFor('dev');
    const service = { ...config.services[0], name: 'api' };
    expect(() => new ServiceAccessStack(app(), { config, service })).toThrow(
      'service "api" in config/dev.yaml is a reserved name',
    );
  });

  it('an access stack of a KMS-encrypted environment without the artifact key its roles must be allowed', () => {
    const config = configFor('prod');
    expect(config.storage.encryption).toBe('kms');
    expect(() => new ServiceAccessStack(app(), { config, service: config.services[0] })).toThrow(
      'ServiceAccessStack for service "orders" needs artifactKey: config/prod.yaml encrypts the artifact bucket with KMS',
    );
  });

  it('builds the access stack of every service of dev (S3-managed artifact keys)', () => {
    const config = pinned('dev');
    const scope = app();
    for (const service of config.services) {
      expect(() => new ServiceAccessStack(scope, { config, service })).not.toThrow();
    }
  });

  it('accepts the same access stack given the key', () => {
    const config = pinned('prod');
    const scope = app();
    const artifactKey = new kms.Key(
      new Stack(scope, 'Keys', { env: { account: ACCOUNT, region: REGION } }),
      'Key',
    );
    expect(
      () => new ServiceAccessStack(scope, { config, service: config.services[0], artifactKey }),
    ).not.toThrow();
  });
});

describe('GitHub trust in an account with several environments', () => {
  // dev creates the provider; staging and prod in the same account import it.
  let templates: DeployedTemplate[];
  let model: IamModel;
  beforeAll(() => {
    const scope = app();
    const stacks = [
      new GithubAccessStack(scope, { config: pinned('dev', { oidcProvider: 'create' }) }),
      new GithubAccessStack(scope, { config: pinned('staging', { oidcProvider: 'import' }) }),
      new GithubAccessStack(scope, { config: pinned('prod', { oidcProvider: 'import' }) }),
    ];
    templates = stacks.map((s) => ({ stackName: s.stackName, template: Template.fromStack(s).toJSON() }));
    model = new IamModel(templates);
  });

  it('has one GitHub provider, which IAM requires (one provider per URL and account), accepting the audience sts.amazonaws.com', () => {
    const providers = templates.flatMap((t) =>
      Object.values(t.template.Resources ?? {}).filter(
        (r) => r.Type === 'AWS::IAM::OIDCProvider' && r.Properties?.Url === OIDC_URL,
      ),
    );
    expect(providers).toHaveLength(1);
    expect(providers[0].Properties?.ClientIdList).toEqual(['sts.amazonaws.com']);
  });

  it.each(['dev', 'staging', 'prod'])(
    "lets the platform repository's %s job assume its deploy role",
    (env) => {
      const claims = {
        sub: `repo:acme@1/shared-lambda-infra@2:environment:${env}`,
        ref: 'refs/heads/main',
        repository_id: '2',
        repository_owner_id: '1',
      };
      expect(
        model.canAssumeWithGithub(`shared-lambda-infra-${env}-role-github-platform-deploy`, claims),
      ).toBe(true);
      expect(
        model.canAssumeWithGithub(`shared-lambda-infra-${env}-role-github-platform-deploy`, {
          ...claims,
          aud: 'https://github.com/acme',
        }),
      ).toBe(false);
    },
  );
});

describe("the platform's pull-request role reads the CDK bootstrap version of its qualifier", () => {
  const versionOf = (qualifier: string) =>
    `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/cdk-bootstrap/${qualifier}/version`;
  const readOnly = 'shared-lambda-infra-dev-role-github-platform-readonly';
  const modelOf = (context: Record<string, unknown>) => {
    const stack = new GithubAccessStack(app(context), { config: pinned('dev') });
    return new IamModel([{ stackName: stack.stackName, template: Template.fromStack(stack).toJSON() }]);
  };

  it('the default qualifier, hnb659fds', async () => {
    const model = modelOf({});
    expect(await model.can(readOnly, 'ssm:GetParameter', versionOf('hnb659fds'))).toBe(true);
    expect(await model.can(readOnly, 'ssm:GetParameter', versionOf('other'))).toBe(false);
  });

  it('the qualifier of @aws-cdk/core:bootstrapQualifier', async () => {
    const model = modelOf({ '@aws-cdk/core:bootstrapQualifier': 'team42' });
    expect(await model.can(readOnly, 'ssm:GetParameter', versionOf('team42'))).toBe(true);
    expect(await model.can(readOnly, 'ssm:GetParameter', versionOf('hnb659fds'))).toBe(false);
  });
});

describe('a KMS-encrypted environment: the roles use the artifact key only through S3', () => {
  // prod encrypts the artifact bucket with its own key; the key's policy is AWS's default (the
  // account's IAM policies decide), as the storage stack's is for these roles.
  let model: IamModel;
  let key: string;
  const deploy = 'shared-lambda-infra-prod-access-orders-deploy';
  const exec = 'shared-lambda-infra-prod-access-orders-cfn-exec';
  const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
  const ADMIN = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];
  beforeAll(() => {
    const config = pinned('prod');
    const scope = app();
    const keys = new Stack(scope, 'Keys', { env: { account: ACCOUNT, region: REGION } });
    const artifactKey = new kms.Key(keys, 'Key');
    const access = new ServiceAccessStack(scope, { config, service: config.services[0], artifactKey });
    model = new IamModel(
      [keys, access].map((s) => ({ stackName: s.stackName, template: Template.fromStack(s).toJSON() })),
    );
    key = model.arnOf('Keys', 'AWS::KMS::Key', 'Key');
  });

  it('the deploy role encrypts and decrypts artifacts through S3, never directly', async () => {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(await model.can(deploy, action, key, { context: viaS3 })).toBe(true);
      expect(await model.can(deploy, action, key)).toBe(false);
      expect(
        await model.can(deploy, action, key, {
          context: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` },
        }),
      ).toBe(false);
    }
    expect(await model.can(deploy, 'kms:Encrypt', key, { context: viaS3 })).toBe(false);
  });

  it('the execution role decrypts artifacts through S3 only, by its policies and by its boundary', async () => {
    expect(await model.can(exec, 'kms:Decrypt', key, { context: viaS3 })).toBe(true);
    expect(await model.can(exec, 'kms:Decrypt', key, { context: viaS3, ignoreBoundary: true })).toBe(true);
    expect(await model.can(exec, 'kms:Decrypt', key, { context: viaS3, extraPolicies: ADMIN })).toBe(true);
    expect(await model.can(exec, 'kms:Decrypt', key)).toBe(false);
    expect(await model.can(exec, 'kms:Decrypt', key, { ignoreBoundary: true })).toBe(false);
    expect(await model.can(exec, 'kms:Decrypt', key, { extraPolicies: ADMIN })).toBe(false);
    // Another key of the account, through S3: the policies name the artifact key alone.
    const other = key.replace(/key\/.*$/, 'key/0000aaaa-0000-0000-0000-000000000000');
    expect(await model.can(exec, 'kms:Decrypt', other, { context: viaS3, ignoreBoundary: true })).toBe(false);
  });

  it('the execution boundary lets DynamoDB, not the role, revoke grants', async () => {
    const viaDynamoDb = { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` };
    expect(
      await model.can(exec, 'kms:RevokeGrant', key, { context: viaDynamoDb, extraPolicies: ADMIN }),
    ).toBe(true);
    expect(await model.can(exec, 'kms:RevokeGrant', key, { extraPolicies: ADMIN })).toBe(false);
  });
});
