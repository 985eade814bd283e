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

describe("a service's roles, each confinement asked on its own (dev's orders, its access stack alone)", () => {
  // Mutation testing found each of these conditions droppable with no test failing: a dropped
  // condition widens what a role may do, so each row asks a question that condition decides, with
  // and without the value it requires. Rows that hold in both layers are asked as deployed, of the
  // execution boundary alone (the role granting itself `*:*`) and of its policies alone; rows one
  // layer decides on its own say which.
  const P = 'shared-lambda-infra-dev';
  const A = ACCOUNT;
  const OTHER_ACCOUNT = '222222222222';
  const exec = `${P}-access-orders-cfn-exec`;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${A}:${resource}`;
  const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
  const boundary = (service: string) => `arn:aws:iam::${A}:policy/${P}-policy-${service}-boundary`;
  const mapping = arn('lambda', 'event-source-mapping:0a1b2c3d-1111-2222-3333-444455556666');
  const stateMachine = arn('states', 'stateMachine:Workflow-1');
  const secret = arn('secretsmanager', 'secret:ApiKey-1-AbCdEf');
  // A key of the account with AWS's default key policy (the account's IAM policies decide), created
  // beside the access stack; rows name it `{key}`.
  let key: string;
  const ownFunction = arn('lambda', `function:${P}-orders-Handler-ABCDEF`);
  const foreignFunction = arn('lambda', `function:${P}-payments-Handler-ABCDEF`);
  const tagging = (service: string) => ({ 'aws:RequestTag/Service': service, 'aws:TagKeys': ['Service'] });
  const ADMIN = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];
  const LAYERS = {
    'as deployed': {},
    'by its boundary alone': { extraPolicies: ADMIN },
    'by its policies alone': { ignoreBoundary: true },
  } as const;
  let model: IamModel;
  let template: DeployedTemplate;
  beforeAll(() => {
    const config = pinned('dev');
    const scope = app();
    const keys = new Stack(scope, 'Keys', { env: { account: ACCOUNT, region: REGION } });
    new kms.Key(keys, 'Key');
    const access = new ServiceAccessStack(scope, { config, service: config.services[0] });
    template = { stackName: access.stackName, template: Template.fromStack(access).toJSON() };
    model = new IamModel([
      { stackName: keys.stackName, template: Template.fromStack(keys).toJSON() },
      template,
    ]);
    key = model.arnOf('Keys', 'AWS::KMS::Key', 'Key');
  });

  type Row = [
    action: string,
    resource: string,
    context: Record<string, string | string[]>,
    expected: boolean,
  ];
  // `policiesOnly`: rows the boundary alone does not decide (it caps by name or tag only, where the
  // policies also check the function or the absence of a tag).
  const eachLayer = (rows: Row[], policiesOnly = false) =>
    describe.each(
      Object.entries(LAYERS).filter(([name]) => !policiesOnly || name !== 'by its boundary alone'),
    )('%s', (_, layer) => {
      it.each(rows)('%s on %s (%j) is allowed: %s', async (action, resource, context, expected) => {
        const target = resource === '{key}' ? key : resource;
        expect(await model.can(exec, action, target, { ...layer, context })).toBe(expected);
      });
    });

  describe('buckets only in this account (s3:ResourceAccount)', () => {
    const bucket = `arn:aws:s3:::${P}-orders-files-abc`;
    eachLayer([
      ['s3:CreateBucket', bucket, { 's3:ResourceAccount': A }, true],
      ['s3:CreateBucket', bucket, { 's3:ResourceAccount': OTHER_ACCOUNT }, false],
    ]);
  });

  describe("changing a role's policies only while it carries the service's own boundary", () => {
    const handlerRole = role(`${P}-orders-HandlerRole-ABCDEF`);
    // DetachRolePolicy and DeleteRolePolicy: the explicit deny of roles without the boundary does
    // not name them, so the allow's condition alone decides.
    eachLayer(
      ['iam:DetachRolePolicy', 'iam:DeleteRolePolicy'].flatMap((action): Row[] => [
        [action, handlerRole, { 'iam:PermissionsBoundary': boundary('orders') }, true],
        [action, handlerRole, { 'iam:PermissionsBoundary': boundary('payments') }, false],
      ]),
    );
  });

  describe("event source mappings only for the service's functions, tagged with the service", () => {
    eachLayer([
      [
        'lambda:CreateEventSourceMapping',
        '*',
        { 'lambda:FunctionArn': ownFunction, ...tagging('orders') },
        true,
      ],
      [
        'lambda:CreateEventSourceMapping',
        '*',
        { 'lambda:FunctionArn': foreignFunction, ...tagging('orders') },
        false,
      ],
      [
        'lambda:UpdateEventSourceMapping',
        mapping,
        { 'lambda:FunctionArn': ownFunction, 'aws:ResourceTag/Service': 'orders' },
        true,
      ],
      [
        'lambda:UpdateEventSourceMapping',
        mapping,
        { 'lambda:FunctionArn': ownFunction, 'aws:ResourceTag/Service': 'payments' },
        false,
      ],
    ]);
    // An update names the function it points the mapping at: its own mapping, never at another
    // service's function (orders' queue feeding payments' code).
    eachLayer(
      [
        [
          'lambda:UpdateEventSourceMapping',
          mapping,
          { 'lambda:FunctionArn': foreignFunction, 'aws:ResourceTag/Service': 'orders' },
          false,
        ],
      ],
      true,
    );
  });

  describe("tagging with its own Service tag only what has no Service tag yet (another service's stays out of reach)", () => {
    eachLayer(
      [
        ['lambda:TagResource', mapping],
        ['states:TagResource', stateMachine],
        ['secretsmanager:TagResource', secret],
      ].flatMap(([action, resource]): Row[] => [
        [action, resource, tagging('orders'), true],
        [action, resource, { ...tagging('orders'), 'aws:ResourceTag/Service': 'payments' }, false],
      ]),
    );
  });

  describe('tagging a dashboard of its names only when it has no Service tag yet or already has its own', () => {
    const dashboard = `arn:aws:cloudwatch::${A}:dashboard/${P}-orders-main`;
    eachLayer(
      [
        ['cloudwatch:TagResource', dashboard, tagging('orders'), true],
        [
          'cloudwatch:TagResource',
          dashboard,
          { ...tagging('orders'), 'aws:ResourceTag/Service': 'orders' },
          true,
        ],
        [
          'cloudwatch:TagResource',
          dashboard,
          { ...tagging('orders'), 'aws:ResourceTag/Service': 'payments' },
          false,
        ],
      ],
      true,
    );
  });

  describe('reading the metadata of the AWS managed key of DynamoDB only (kms:ResourceAliases)', () => {
    eachLayer([
      ['kms:DescribeKey', '{key}', { 'kms:ResourceAliases': ['alias/aws/dynamodb'] }, true],
      ['kms:DescribeKey', '{key}', { 'kms:ResourceAliases': ['alias/orders-data'] }, false],
    ]);
  });

  it("revokes grants through DynamoDB of DynamoDB's managed key only, by its policies", async () => {
    const viaDynamoDb = { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` };
    const policies = { ignoreBoundary: true };
    expect(
      await model.can(exec, 'kms:RevokeGrant', key, {
        ...policies,
        context: { ...viaDynamoDb, 'kms:ResourceAliases': ['alias/aws/dynamodb'] },
      }),
    ).toBe(true);
    expect(
      await model.can(exec, 'kms:RevokeGrant', key, {
        ...policies,
        context: { ...viaDynamoDb, 'kms:ResourceAliases': ['alias/payments-data'] },
      }),
    ).toBe(false);
  });

  it('decrypts nothing through S3 by its boundary where the artifact bucket has no KMS key (dev)', async () => {
    const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
    expect(await model.can(exec, 'kms:Decrypt', key, { extraPolicies: ADMIN, context: viaS3 })).toBe(false);
    expect(
      await model.can(exec, 'kms:RevokeGrant', key, {
        extraPolicies: ADMIN,
        context: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` },
      }),
    ).toBe(true);
  });

  it("keeps its explicit denies even with a broader policy attached and its boundary ignored: roles only under the service's boundary, no trust or boundary change, the Service tag never removed", async () => {
    const broader = { extraPolicies: ADMIN, ignoreBoundary: true };
    const handlerRole = role(`${P}-orders-HandlerRole-ABCDEF`);
    expect(
      await model.can(exec, 'iam:CreateRole', handlerRole, {
        ...broader,
        context: { 'iam:PermissionsBoundary': boundary('orders') },
      }),
    ).toBe(true);
    expect(
      await model.can(exec, 'iam:CreateRole', handlerRole, {
        ...broader,
        context: { 'iam:PermissionsBoundary': boundary('payments') },
      }),
    ).toBe(false);
    expect(await model.can(exec, 'iam:UpdateAssumeRolePolicy', handlerRole, broader)).toBe(false);
    expect(await model.can(exec, 'iam:DeleteRolePermissionsBoundary', handlerRole, broader)).toBe(false);
    expect(
      await model.can(exec, 'lambda:UntagResource', mapping, {
        ...broader,
        context: { 'aws:TagKeys': ['Team'] },
      }),
    ).toBe(true);
    expect(
      await model.can(exec, 'lambda:UntagResource', mapping, {
        ...broader,
        context: { 'aws:TagKeys': ['Service'] },
      }),
    ).toBe(false);
  });

  it('is assumable by CloudFormation, and by no other service', async () => {
    expect(await model.canServiceAssume(exec, 'cloudformation.amazonaws.com')).toBe(true);
    expect(await model.canServiceAssume(exec, 'lambda.amazonaws.com')).toBe(false);
  });

  it('publishes its roles, boundary and registration at the contract paths the service and the routes functions read', () => {
    const published = new Map<string, unknown>();
    for (const r of Object.values(template.template.Resources ?? {})) {
      if (r.Type !== 'AWS::SSM::Parameter') continue;
      published.set(
        model.resolve(template, r.Properties?.Name) as string,
        model.resolve(template, r.Properties?.Value),
      );
    }
    const at = (attribute: string) => published.get(`/shared-lambda-infra/dev/services/orders/${attribute}`);
    expect(at('deploy-role-arn')).toBe(role(`${P}-access-orders-deploy`));
    expect(at('execution-role-arn')).toBe(role(exec));
    expect(at('permissions-boundary-arn')).toBe(boundary('orders'));
    expect(at('base-path')).toBe('orders');
    expect(JSON.parse(String(at('registration')))).toMatchObject({
      service: 'orders',
      basePath: 'orders',
      throttle: { rateLimit: 20, burstLimit: 40 },
    });
  });
});

describe("a service's alarm thresholds", () => {
  it('take the override a service gives, and the default for an override given as undefined', () => {
    const config = pinned('dev');
    const service = { ...config.services[0], alarms: { latencyP99Ms: undefined, throttledRequests: 7 } };
    const access = new ServiceAccessStack(app(), { config, service });
    const thresholds = Object.fromEntries(
      Object.values(Template.fromStack(access).findResources('AWS::CloudWatch::Alarm')).map((r) => [
        String(r.Properties.AlarmName).replace('shared-lambda-infra-dev-alarm-api-orders-', ''),
        r.Properties.Threshold,
      ]),
    );
    expect(thresholds).toMatchObject({ 'latency-p99': 3000, throttled: 7 });
  });
});
