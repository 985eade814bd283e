import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  artifactBucketName,
  Parameters,
  serviceDeployRoleName,
  serviceExecutionRoleName,
  serviceStackName,
} from '@shared-lambda-infra/contract';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCdkJsonContext } from '../lib/app';
import { parsePlatformConfig } from '../lib/config/load';
import type { PlatformConfig } from '../lib/config/schema';
import { type AccessPolicy, flattenForNag } from '../lib/constructs/github-access-policy';
import { ServiceAccessStack } from '../lib/stacks/service-access-stack';
import { configFor, merge, rawConfig, TEST_CONTEXT } from './helpers/synth';

const OIDC = 'token.actions.githubusercontent.com';
type Statement = Record<string, unknown> & { Effect: string; Action: string | string[]; Resource: unknown };

/**
 * Synthesizes the access stacks of every service of each config, alone (no other platform stack),
 * without the compliance packs: they run over the access stacks in compliance-environments.test.ts
 * and compliance-variants.slow.test.ts.
 */
function synthAccess(configs: PlatformConfig[]) {
  const app = new App({
    context: { ...loadCdkJsonContext(), ...TEST_CONTEXT },
    outdir: mkdtempSync(path.join(tmpdir(), 'service-access-')),
    builtinCloudFormationValidation: false,
    // tree.json (the construct tree, for the CDK console view) is not read here.
    treeMetadata: false,
  });
  const stacks = configs.flatMap((config) => {
    // What the storage stack exports when the artifact bucket is KMS-encrypted: a key in a stack of
    // its own, so the access stack takes it as a cross-stack reference as in the platform.
    const artifactKey =
      config.storage.encryption === 'kms'
        ? new kms.Key(new Stack(app, `${config.environment}-storage`), 'ArtifactKey')
        : undefined;
    return config.services.map((service) => new ServiceAccessStack(app, { config, service, artifactKey }));
  });
  const assembly = app.synth();
  return stacks.map((stack) => ({
    stack,
    json: assembly.getStackArtifact(stack.artifactId).template as object,
  }));
}

/** Resolves Fn::Join / Ref / GetAtt the way they read: `arn:<AWS::Partition>:...`. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (node['Fn::Join']) {
    const [d, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(d);
  }
  if (node.Ref) return `<${node.Ref as string}>`;
  if (node['Fn::GetAtt']) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Statements of every managed policy attached to the role named `roleName`, resources flattened. */
function statementsOf(template: Template, roleName: string): Statement[] {
  const roles = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } }));
  expect(roles).toHaveLength(1);
  const policies = template.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roles[0] }]) },
  });
  return Object.values(policies).flatMap((p) =>
    (
      p as { Properties: { PolicyDocument: { Statement: Statement[] } } }
    ).Properties.PolicyDocument.Statement.map((s) => ({ ...s, Resource: list(s.Resource).map(flat) })),
  );
}

function bySid(statements: Statement[], sid: string): Statement {
  const s = statements.find((x) => x.Sid === sid);
  expect(s, `statement ${sid}`).toBeDefined();
  return s as Statement;
}

const actions = (s: Statement) => list(s.Action);
const resources = (s: Statement) => s.Resource as string[];

describe('ServiceAccessStack', () => {
  // dev: artifact bucket with S3-managed keys, two services (billing with immutable ids);
  // prod: KMS-encrypted bucket.
  const devConfig = configFor('dev', {
    services: [
      { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' },
      {
        name: 'billing',
        repository: 'acme/billing',
        repositoryOwnerId: 77,
        repositoryId: 9001,
        basePath: 'billing',
      },
    ],
  });
  const prodConfig = configFor('prod');
  const dev = { project: devConfig.project, env: 'dev' as const };
  const prod = { project: prodConfig.project, env: 'prod' as const };
  let stacks: Record<string, { stack: ServiceAccessStack; template: Template; json: object }>;

  beforeAll(() => {
    // WHEN synthesized (the compliance packs run over these access stacks in
    // compliance-environments.test.ts and, with numeric repository ids, in
    // compliance-variants.slow.test.ts)
    stacks = {};
    for (const { stack, json } of synthAccess([devConfig, prodConfig])) {
      stacks[`${stack.config.environment}/${stack.service.name}`] = {
        stack,
        json,
        template: Template.fromJSON(json),
      };
    }
  });

  const template = (key: string) => stacks[key].template;

  it('gives each service its own small stack named {project}-{env}-access-{service}', () => {
    expect(Object.values(stacks).map((s) => s.stack.stackName)).toEqual([
      'shared-lambda-infra-dev-access-orders',
      'shared-lambda-infra-dev-access-billing',
      'shared-lambda-infra-prod-access-orders',
    ]);
  });

  describe('deploy role', () => {
    it('trusts only the service repository jobs of the same GitHub environment, pinning aud and the exact sub', () => {
      template('dev/orders').hasResourceProperties('AWS::IAM::Role', {
        RoleName: serviceDeployRoleName(dev, 'orders'),
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRoleWithWebIdentity',
              Effect: 'Allow',
              Principal: {
                Federated: {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':iam::',
                      { Ref: 'AWS::AccountId' },
                      `:oidc-provider/${OIDC}`,
                    ],
                  ],
                },
              },
              Condition: {
                StringEquals: {
                  [`${OIDC}:aud`]: 'sts.amazonaws.com',
                  [`${OIDC}:sub`]: 'repo:acme/orders-service:environment:dev',
                },
              },
            },
          ],
        },
      });
    });

    it('trusts only the immutable subject and the repository ids when repositoryOwnerId and repositoryId are configured', () => {
      template('dev/billing').hasResourceProperties('AWS::IAM::Role', {
        RoleName: serviceDeployRoleName(dev, 'billing'),
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: Match.objectLike({
                StringEquals: {
                  [`${OIDC}:aud`]: 'sts.amazonaws.com',
                  [`${OIDC}:sub`]: 'repo:acme@77/billing@9001:environment:dev',
                  [`${OIDC}:repository_id`]: '9001',
                  [`${OIDC}:repository_owner_id`]: '77',
                },
              }),
            }),
          ],
        },
      });
    });

    it('changes only its own stacks, and only by handing CloudFormation its execution role', () => {
      const statements = statementsOf(template('dev/orders'), serviceDeployRoleName(dev, 'orders'));
      const stackArn = `arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${serviceStackName(dev, 'orders', 'x').slice(0, -1)}*/*`;
      const cfn = statements.filter((s) => actions(s).some((a) => a.startsWith('cloudformation:')));
      expect(cfn.flatMap(resources).every((r) => r === stackArn)).toBe(true);
      const change = bySid(statements, 'ChangeServiceStacksAsExecutionRole');
      expect(actions(change).sort()).toEqual([
        'cloudformation:CreateChangeSet',
        'cloudformation:CreateStack',
        'cloudformation:DeleteStack',
        'cloudformation:UpdateStack',
      ]);
      const execId = Object.keys(
        template('dev/orders').findResources('AWS::IAM::Role', {
          Properties: { RoleName: serviceExecutionRoleName(dev, 'orders') },
        }),
      )[0];
      expect(change.Condition).toEqual({
        StringEquals: { 'cloudformation:RoleArn': { 'Fn::GetAtt': [execId, 'Arn'] } },
      });
      // Every other CloudFormation action neither creates nor updates a stack by itself.
      const unconditioned = cfn.filter((s) => s !== change).flatMap(actions);
      expect(unconditioned.filter((a) => /Create|Update|DeleteStack$/.test(a))).toEqual([]);
    });

    it('passes only its own execution role, and only to CloudFormation', () => {
      const statements = statementsOf(template('dev/orders'), serviceDeployRoleName(dev, 'orders'));
      const pass = statements.filter((s) => actions(s).includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(resources(pass[0])).toEqual([expect.stringMatching(/^<ExecutionRole[0-9A-F]+\.Arn>$/)]);
      expect(pass[0].Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      });
    });

    it('writes only its own prefix of the artifact bucket', () => {
      const statements = statementsOf(template('dev/orders'), serviceDeployRoleName(dev, 'orders'));
      const s3 = statements.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
      const writes = s3.filter((s) => actions(s).some((a) => /Put|Delete|Abort/.test(a)));
      expect(writes.flatMap(resources)).toEqual([
        `arn:<AWS::Partition>:s3:::${artifactBucketName(dev, '<AWS::AccountId>', '<AWS::Region>')}/orders/*`,
      ]);
      const listing = bySid(statements, 'ListServiceArtifacts');
      expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': ['orders/*'] } });
    });

    it('uses the artifact key only through S3 when the bucket is KMS-encrypted', () => {
      const statements = statementsOf(template('prod/orders'), serviceDeployRoleName(prod, 'orders'));
      const kms = bySid(statements, 'EncryptArtifactsThroughS3');
      expect(actions(kms).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(kms.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      });
      // The storage stack's key by cross-stack reference: no SSM-typed parameter, which CloudFormation
      // would resolve with the CDK deploy role's credentials (allowed the bootstrap parameter only).
      expect(resources(kms)).toEqual([
        expect.stringMatching(
          /^\{"Fn::GetStackOutput":\{"StackName":"prod-storage",.*"OutputName":"PublishOutputFnGetAttArtifactKey[0-9A-F]+Arn[0-9A-F]+"\}\}$/,
        ),
      ]);
      const ssmTyped = Object.values(
        (template('prod/orders').toJSON().Parameters ?? {}) as Record<
          string,
          { Type: string; Default?: string }
        >,
      ).filter((p) => p.Type.startsWith('AWS::SSM::Parameter::'));
      expect(ssmTyped.map((p) => p.Default)).toEqual(['/cdk-bootstrap/hnb659fds/version']);
    });

    it('uses no key but the AWS managed DynamoDB key when the bucket uses S3-managed keys', () => {
      const deploy = statementsOf(template('dev/orders'), serviceDeployRoleName(dev, 'orders'));
      expect(deploy.flatMap(actions).filter((a) => a.startsWith('kms:'))).toEqual([]);
      const kms = statementsOf(template('dev/orders'), serviceExecutionRoleName(dev, 'orders')).filter((s) =>
        actions(s).some((a) => a.startsWith('kms:')),
      );
      expect(kms.map((s) => [s.Sid, actions(s)])).toEqual([
        ['DescribeWithoutResourceLevelPermissions', expect.arrayContaining(['kms:ListAliases'])],
        ['DescribeDynamoDbManagedKey', ['kms:DescribeKey']],
        ['RevokeDynamoDbManagedKeyGrantsThroughDynamoDb', ['kms:RevokeGrant']],
      ]);
      for (const s of kms.slice(1)) {
        expect(s.Condition).toMatchObject({
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/dynamodb' },
        });
      }
      expect(kms[2].Condition).toMatchObject({
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
      });
    });
  });

  describe('execution role', () => {
    const exec = (key: string, scope: typeof dev | typeof prod, service: string) =>
      statementsOf(template(key), serviceExecutionRoleName(scope, service));

    it('is trusted by CloudFormation only', () => {
      template('dev/orders').hasResourceProperties('AWS::IAM::Role', {
        RoleName: serviceExecutionRoleName(dev, 'orders'),
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'cloudformation.amazonaws.com' },
            },
          ],
        },
      });
    });

    it('has no API Gateway permission at all: routes are declared, the platform applies them', () => {
      for (const key of ['dev/orders', 'dev/billing']) {
        const [env, service] = key.split('/');
        const statements = exec(key, env === 'dev' ? dev : prod, service);
        expect(statements.flatMap(actions).filter((a) => a.startsWith('apigateway:'))).toEqual([]);
      }
    });

    it("invokes only the platform's routes receiver, named by convention", () => {
      const invoke = bySid(exec('dev/orders', dev, 'orders'), 'InvokeRoutesReceiver');
      expect(actions(invoke)).toEqual(['lambda:InvokeFunction']);
      expect(resources(invoke)).toEqual([
        'arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:shared-lambda-infra-dev-fn-routes-receiver',
      ]);
    });

    it('reads only its own artifacts, through S3 when they are KMS-encrypted', () => {
      const statements = exec('prod/orders', prod, 'orders');
      const read = bySid(statements, 'ReadServiceArtifacts');
      expect(actions(read).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
      expect(resources(read)).toEqual([
        `arn:<AWS::Partition>:s3:::${artifactBucketName(prod, '<AWS::AccountId>', '<AWS::Region>')}/orders/*`,
      ]);
      expect(bySid(statements, 'DecryptArtifactsThroughS3')).toMatchObject({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
      });
    });
  });

  describe('confinement', () => {
    it("never names another service's resources", () => {
      // GIVEN two services in one environment THEN neither stack mentions the other
      expect(JSON.stringify(stacks['dev/orders'].json)).not.toMatch(/billing/);
      expect(JSON.stringify(stacks['dev/billing'].json)).not.toMatch(/orders/);
    });

    it('allows wildcard actions only in the execution boundary, and acknowledges every wildcard with a reason', () => {
      for (const { stack, template: t } of Object.values(stacks)) {
        const policies = Object.entries(t.findResources('AWS::IAM::ManagedPolicy')) as Array<
          [string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]
        >;
        const allowedIn = (p: (typeof policies)[number]) =>
          p[1].Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');
        const wildActions = (p: (typeof policies)[number]) =>
          allowedIn(p)
            .flatMap((s) => list(s.Action))
            .filter((a) => a.includes('*'));
        expect(
          policies.filter((p) => wildActions(p).length > 0).map(([id]) => id.replace(/[0-9A-F]{8}$/, '')),
        ).toEqual(['ExecutionBoundary']);
        const allowed = policies.flatMap(allowedIn);
        const wildcards = new Set([
          ...allowed
            .flatMap((s) => list(s.Resource).map(flat))
            .filter((r) => r.includes('*'))
            .map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
          ...policies.flatMap(wildActions).map((a) => `AwsSolutions-IAM5[Action::${a}]`),
        ]);
        // Families of actions (`lambda:*Function*`), never a whole service: no NIST full-access finding.
        expect(policies.flatMap(wildActions).filter((a) => /^(\w+:)?\*$/.test(a))).toEqual([]);
        const acknowledged = new Map<string, string>();
        for (const child of stack.node.children) {
          const findings = (child as Partial<AccessPolicy>).acknowledgedFindings;
          for (const [id, reason] of findings ?? []) acknowledged.set(id, reason);
        }
        expect(new Set(acknowledged.keys())).toEqual(wildcards);
        for (const reason of acknowledged.values()) expect(reason.length).toBeGreaterThan(40);
      }
    });

    it('names an AWS service in every resource ARN: IAM allows no wildcard in the service segment', () => {
      // "You can't use a wildcard in the service segment that identifies the AWS product" (IAM JSON
      // policy elements: Resource); cfn-lint's E3510 and CDK's validation refuse it with an account.
      const bad: string[] = [];
      for (const { template: t } of Object.values(stacks)) {
        const docs = [
          ...Object.values(t.findResources('AWS::IAM::ManagedPolicy')),
          ...Object.values(t.findResources('AWS::IAM::Policy')),
        ].map((r) => (r as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument);
        const text = JSON.stringify(docs, (_k, v) =>
          v && typeof v === 'object' && ('Fn::Join' in v || 'Ref' in v) ? flattenForNag(v) : v,
        );
        // <AWS::Partition> and the like hold colons of their own.
        const plain = text.replace(/<AWS::(\w+)>/g, '$1');
        for (const arn of plain.match(/arn:[^"]*/g) ?? [])
          if (/[*?]/.test(arn.split(':')[2] ?? '')) bad.push(arn);
      }
      expect(bad).toEqual([]);
    });

    it('keeps every managed policy within the 6,144-character IAM limit', () => {
      for (const { template: t } of Object.values(stacks)) {
        for (const p of Object.values(t.findResources('AWS::IAM::ManagedPolicy')) as Array<{
          Properties: { PolicyDocument: unknown };
        }>) {
          // IAM counts the resolved document without whitespace: the references are flattened, then
          // given the longest values they can take (a 12-digit account, a 14-character Region, the
          // aws-us-gov partition).
          // The artifact key's ARN is read from the storage stack's output (Fn::GetStackOutput):
          // counted as the longest key ARN it can be.
          const KEY_ARN = 'arn:aws:kms:ap-southeast-4:123456789012:key/12345678-1234-1234-1234-123456789012';
          const flattened = JSON.stringify(p.Properties.PolicyDocument, (_k, v) =>
            v && typeof v === 'object' && 'Fn::GetStackOutput' in v
              ? KEY_ARN
              : v && typeof v === 'object' && ('Fn::Join' in v || 'Ref' in v)
                ? flattenForNag(v)
                : v,
          );
          const resolved = flattened
            .replaceAll('<AWS::AccountId>', '123456789012')
            .replaceAll('<AWS::Region>', 'ap-southeast-4')
            .replaceAll('<AWS::Partition>', 'aws-us-gov');
          expect(resolved.length).toBeLessThan(6144);
        }
      }
    });
  });

  it('publishes the deploy and execution role ARNs as per-service contract parameters', () => {
    const t = template('dev/billing');
    const role = (name: string) =>
      Object.keys(t.findResources('AWS::IAM::Role', { Properties: { RoleName: name } }))[0];
    t.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.serviceDeployRoleArn.path(dev, 'billing'),
      Value: { 'Fn::GetAtt': [role(serviceDeployRoleName(dev, 'billing')), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.serviceExecutionRoleArn.path(dev, 'billing'),
      Value: { 'Fn::GetAtt': [role(serviceExecutionRoleName(dev, 'billing')), 'Arn'] },
    });
  });

  it('publishes the registry entry of the service (base path, throttle, authorizations, caching) for the routes receiver', () => {
    const t = template('dev/orders');
    const registration = Object.values(
      t.findResources('AWS::SSM::Parameter', {
        Properties: { Name: '/shared-lambda-infra/dev/services/orders/registration' },
      }),
    )[0]?.Properties as { Value: string; Type: string };
    expect(registration.Type).toBe('String');
    // dev.yaml: api.throttle 50/100, a JWT authorizer, no cache; dev allows public routes by default.
    expect(JSON.parse(registration.Value)).toEqual({
      service: 'orders',
      basePath: 'orders',
      throttle: { rateLimit: 50, burstLimit: 100 },
      allowedAuthorizations: ['jwt', 'none', 'iam'],
      cachingAllowed: false,
      // Two registered services (orders, billing) share 300 (Resources per API) less / and /health.
      resourceBudget: 149,
    });
    t.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/shared-lambda-infra/dev/services/orders/base-path',
      Value: 'orders',
    });
  });

  it('allows no public route in prod unless the registry entry says so', () => {
    const value = Object.values(
      template('prod/orders').findResources('AWS::SSM::Parameter', {
        Properties: { Name: '/shared-lambda-infra/prod/services/orders/registration' },
      }),
    )[0]?.Properties as { Value: string };
    expect(JSON.parse(value.Value).allowedAuthorizations).toEqual(['jwt', 'iam']);
  });

  describe('config', () => {
    const parse = (services: unknown[]) =>
      parsePlatformConfig(merge(rawConfig('dev'), { services }), 'config/dev.yaml');
    const entry = { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' };

    it('rejects a service repository with a wildcard before synthesis', () => {
      expect(() => parse([{ ...entry, repository: 'acme/*' }])).toThrow(
        /services\[0\]\.repository: .*wildcard/,
      );
    });

    it('rejects a service repository that is not owner/name', () => {
      expect(() => parse([{ ...entry, repository: 'https://github.com/acme/orders-service' }])).toThrow(
        /services\[0\]\.repository: must be a GitHub repository as owner\/name/,
      );
    });

    it('rejects a repository id without the owner id', () => {
      expect(() => parse([{ ...entry, repositoryId: 9001 }])).toThrow(
        /services\[0\]\.repositoryOwnerId: is required when repositoryId is set/,
      );
    });

    it("rejects a service name that starts with another service's name, whose patterns would cover it", () => {
      expect(() => parse([entry, { ...entry, name: 'orders-v2', basePath: 'orders-v2' }])).toThrow(
        /services\[1\]\.name: "orders-v2" starts with "orders-"/,
      );
    });

    it('fails to build an access stack when the config has no github section', () => {
      const config = parsePlatformConfig(merge(rawConfig('dev'), { github: undefined }), 'config/dev.yaml');
      expect(() => new ServiceAccessStack(new App(), { config, service: config.services[0] })).toThrow(
        /ServiceAccessStack for service "orders" needs the github section/,
      );
    });
  });
});

describe('ServiceAccessStack in a registry that changes', () => {
  // 30 generated services; then one added at the end and one removed from the middle. An access
  // stack's template depends only on the config and its own service entry, so 30 show a leak of the
  // registry's order or size as well as 300 would; scale.slow.test.ts synthesizes 1,000 for the limits.
  const generated = (i: number) => ({
    name: `svc${String(i).padStart(3, '0')}`,
    repository: `acme/svc-${i}`,
    basePath: `svc${i}`,
  });
  const baseline = Array.from({ length: 30 }, (_, i) => generated(i));
  const changed = [...baseline.slice(0, 15), ...baseline.slice(16), generated(30)];
  let before: Map<string, string>;
  let after: Map<string, string>;

  const synthTemplates = (services: unknown[]) => {
    const config = configFor('dev', { services });
    return new Map(synthAccess([config]).map(({ stack, json }) => [stack.stackName, JSON.stringify(json)]));
  };

  beforeAll(() => {
    before = synthTemplates(baseline);
    after = synthTemplates(changed);
  });

  it('keeps each access stack far below the CloudFormation limits of 500 resources and 1 MB', () => {
    expect(before.size).toBe(30);
    for (const json of before.values()) {
      const template = JSON.parse(json) as { Resources: object };
      expect(Object.keys(template.Resources).length).toBeLessThan(50);
      // `cdk deploy` hands CloudFormation the template from the bootstrap bucket (TemplateURL, 1 MB):
      // a tenth of that leaves room for growth and catches a per-service statement that multiplies.
      expect(Buffer.byteLength(json)).toBeLessThan(102_400);
    }
  });

  it("leaves every other service's access stack byte-identical when one is added and another removed", () => {
    expect(after.has('shared-lambda-infra-dev-access-svc015')).toBe(false);
    expect(after.has('shared-lambda-infra-dev-access-svc030')).toBe(true);
    let compared = 0;
    for (const [name, json] of before) {
      if (name.endsWith('-svc015')) continue;
      expect(after.get(name), name).toBe(json);
      compared++;
    }
    expect(compared).toBe(29);
  });
});
