import { readFileSync } from 'node:fs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformApp } from '../../lib/app';
import { ConfigError } from '../../lib/config/errors';
import { checkAssemblyLimits } from '../../lib/limits/check';
import {
  checkNameLimits,
  POLICY_TEMPLATES_FILE,
  type PolicyTemplate,
  renderPolicyTemplates,
} from '../../lib/limits/name-model';
import { configFor, sharedPlatform, TEST_CONTEXT } from '../helpers/synth';

// The longest names the naming rules allow: 20-character project and service names.
const PROJECT = 'abcdefghijklmnopqrst';
const SERVICE = 'zyxwvutsrqponmlkjihg';

const longNames = {
  project: PROJECT,
  services: [
    {
      name: SERVICE,
      repository: 'acme/long',
      repositoryOwnerId: 4242,
      repositoryId: 777001,
      basePath: 'long',
    },
  ],
};

describe('synth at the IAM managed policy limit', () => {
  let errors: string[];

  beforeAll(() => {
    // GIVEN the longest names and a service boundary padded by statements a later change might add
    const config = configFor('prod', longNames);
    const { app, stacks } = createPlatformApp({
      config,
      compliance: false,
      builtinCloudFormationValidation: false,
      context: { ...TEST_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const boundary = stacks.serviceAccess[SERVICE].node.findChild('PermissionsBoundary') as iam.ManagedPolicy;
    // {"Sid":"Padding","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::<bucket>/*"}
    boundary.addStatements(
      new iam.PolicyStatement({
        sid: 'Padding',
        effect: iam.Effect.DENY,
        actions: ['s3:GetObject'],
        resources: [`arn:aws:s3:::${'b'.repeat(300)}/*`],
      }),
    );
    // WHEN
    const assembly = app.synth();
    ({ errors } = checkAssemblyLimits(config, assembly.stacks));
  });

  it('fails naming the policy, its size, the largest statements and the fix', () => {
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^IAM managed policy size: ${PROJECT}-prod-access-${SERVICE}/PermissionsBoundary[0-9A-F]{8} uses 6,[0-9]{3} characters, which exceeds the limit of 6,144 \\(Managed policy length\\); largest: `,
      ),
    );
    expect(errors[0]).toContain('fix: split the policy into two managed policies');
  });
});

describe('config validation of names against the policy templates', () => {
  const template = (over: Partial<PolicyTemplate>): PolicyTemplate => ({
    kind: 'managed',
    policy: '{project}-{env}-access-{service}/PermissionsBoundary',
    perService: true,
    fixed: 6000,
    project: 2,
    service: 3,
    ...over,
  });

  it('accepts names whose longest policy fits', () => {
    // 6000 + 2 × 20 + 3 × 20 = 6100
    const problems = checkNameLimits(
      { project: PROJECT, environment: 'prod', services: [{ index: 0, service: { name: SERVICE } }] },
      { prod: [template({})] },
    );

    expect(problems).toEqual([]);
  });

  it('rejects a service name that makes a per-service policy cross 6,144 characters', () => {
    // 6060 + 2 × 20 + 3 × 20 = 6160; room for the service: (6144 - 6060 - 40) / 3 = 14
    const problems = checkNameLimits(
      { project: PROJECT, environment: 'prod', services: [{ index: 0, service: { name: SERVICE } }] },
      { prod: [template({ fixed: 6060 })] },
    );

    expect(problems).toEqual([
      {
        path: 'services[0].name',
        message: `"${SERVICE}" makes the managed policy {project}-{env}-access-${SERVICE}/PermissionsBoundary 6,160 characters once resolved, over IAM's limit of 6,144; use a service name of at most 14 characters`,
      },
    ]);
  });

  it('rejects a project name that makes a platform policy cross the limit, whatever the services', () => {
    // 6110 + 2 × 20 = 6150; room: (6144 - 6110) / 2 = 17
    const problems = checkNameLimits(
      { project: PROJECT, environment: 'prod', services: [] },
      {
        prod: [
          template({
            perService: false,
            fixed: 6110,
            service: 0,
            policy: '{project}-{env}-iam/PermissionsBoundary',
          }),
        ],
      },
    );

    expect(problems).toEqual([
      {
        path: 'project',
        message: `"${PROJECT}" makes the managed policy {project}-{env}-iam/PermissionsBoundary 6,150 characters once resolved, over IAM's limit of 6,144; use a project name of at most 17 characters`,
      },
    ]);
  });

  it('measures trust policies against quotas.roleTrustPolicyLength', () => {
    const model = { prod: [template({ kind: 'trust', fixed: 2000, project: 1, service: 1 })] };
    const parts = {
      project: PROJECT,
      environment: 'prod' as const,
      services: [{ index: 0, service: { name: SERVICE } }],
    };

    // 2000 + 20 + 20 = 2040: fits the default 2,048; not a raised... lowered quota of 2,030.
    expect(checkNameLimits(parts, model)).toEqual([]);
    expect(
      checkNameLimits(
        { ...parts, quotas: { ...configFor('prod').quotas, roleTrustPolicyLength: 2030 } },
        model,
      )[0].path,
    ).toBe('services[0].name');
  });

  it("accepts the longest names with today's policies in every environment (the committed model)", () => {
    // staging's longer environment name leaves room for 18-character service names only (role names).
    expect(() => configFor('dev', longNames)).not.toThrow();
    expect(() => configFor('prod', longNames)).not.toThrow();
  });

  it('reports a name problem in the file/field/value format of every config problem', () => {
    expect.assertions(2);
    try {
      configFor('prod', {
        quotas: { roleTrustPolicyLength: 400 },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(
        (error as ConfigError).problems.some((p) => p.message.includes('quotas.roleTrustPolicyLength')),
      ).toBe(true);
    }
  });
});

describe('the policy templates model', () => {
  it('is up to date with the synthesized policies of every environment (run npm run docs)', () => {
    const environments = (['dev', 'staging', 'prod'] as const).map((env) => {
      const { config, assembly } = sharedPlatform(env);
      return {
        config,
        stacks: assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template })),
      };
    });

    expect(
      readFileSync(POLICY_TEMPLATES_FILE, 'utf8') === renderPolicyTemplates(environments),
      'policy-templates.json is stale: run npm run docs',
    ).toBe(true);
  });
});
