import { describe, expect, it } from 'vitest';
import { LIMITS, runsOutAt, type Usage } from '../../lib/limits/catalogue';
import { evaluateLimits, limitContext, limitProblems } from '../../lib/limits/evaluate';
import type { MeasuredEnvironment } from '../../lib/limits/measure';
import { managedPolicies, roles } from '../../lib/limits/measure';
import type { StackTemplate } from '../../lib/limits/resolve';
import { configFor } from '../helpers/synth';

// Usage functions over small hand-written templates and configs: every expected figure is counted
// by hand from the fixture.

const limit = (id: string) => {
  const found = LIMITS.find((l) => l.id === id);
  if (!found) throw new Error(`no limit ${id}`);
  return found;
};

const services = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `svc${i}`,
    repository: `acme/svc${i}`,
    // prod trusts a repository by GitHub's numeric ids only (config validation requires them).
    repositoryOwnerId: 4242,
    repositoryId: 900_000 + i,
    basePath: `svc${i}`,
  }));

/** A stack whose managed policy reads `arn:{partition}:s3:::my-bucket/*` and a log group ARN. */
const policyStack: StackTemplate = {
  stackName: 'fixture',
  template: {
    Resources: {
      ReadPolicyABCDEF12: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Read',
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-bucket/*']] },
              },
              {
                Sid: 'Logs',
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: {
                  'Fn::Sub':
                    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, verbatim
                    'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/fn:*',
                },
              },
            ],
          },
        },
      },
      FnRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          ManagedPolicyArns: [{ Ref: 'ReadPolicyABCDEF12' }, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
            },
          ],
        },
      },
    },
  },
};

describe('IAM policy usage', () => {
  const env: MeasuredEnvironment = { config: configFor('dev'), stacks: [policyStack] };

  it('measures a managed policy resolved with the longest region and without whitespace', () => {
    // {"Version":"2012-10-17","Statement":[{"Sid":"Read",...,"Resource":"arn:aws:s3:::my-bucket/*"},
    // {"Sid":"Logs",...,"Resource":"arn:aws:logs:ap-southeast-1:123456789012:log-group:/aws/lambda/fn:*"}]}
    const [policy] = managedPolicies(env);

    expect(policy.length).toBe(299);
    expect(JSON.stringify(policy.document)).toContain('arn:aws:logs:ap-southeast-1:123456789012:log-group');
  });

  it('resolves in the region and account the config names', () => {
    const named: MeasuredEnvironment = {
      config: configFor('dev', { account: '111111111111', region: 'eu-west-1' }),
      stacks: [policyStack],
    };

    // eu-west-1 is 5 characters shorter than ap-southeast-1.
    expect(managedPolicies(named)[0].length).toBe(294);
  });

  it("measures a role's trust policy, inline policies and managed policy count", () => {
    const [role] = roles(env);

    expect(role.trustLength).toBe(
      '{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        .length,
    );
    expect(role.inline).toEqual([
      { name: 'inline', size: '{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'.length },
    ]);
    expect(role.managed).toHaveLength(2);
  });

  it('counts a managed policy attached both ways (ManagedPolicyArns and the policy naming the role) once', () => {
    const resources = policyStack.template.Resources ?? {};
    const both: StackTemplate = {
      stackName: 'fixture',
      template: {
        Resources: {
          ...resources,
          ReadPolicyABCDEF12: {
            ...resources.ReadPolicyABCDEF12,
            Properties: { ...resources.ReadPolicyABCDEF12.Properties, Roles: [{ Ref: 'FnRole' }] },
          },
        },
      },
    };

    expect(roles({ config: configFor('dev'), stacks: [both] })[0].managed).toHaveLength(2);
  });

  it('names the largest statements as contributors', () => {
    const usage = limit('iam-managed-policy-size').usage(limitContext(env))[0];

    expect(usage.contributors.map((c) => c.name)).toEqual(['Logs', 'Read']);
  });
});

describe('Lambda ENIs per VPC (estimate)', () => {
  const eni = (n: number) =>
    limit('lambda-enis-per-vpc').usage(
      limitContext({ config: configFor('prod', { services: services(n) }), stacks: [] }),
    )[0];

  it('counts one Hyperplane ENI per AZ for the platform and one per AZ for each service', () => {
    // prod: 3 AZs; 10 services → 3 × (1 + 10).
    expect(eni(10).used).toBe(33);
  });

  it('crosses the default quota of 500 at 166 services over 3 AZs', () => {
    expect(eni(165).used).toBe(498);
    expect(eni(166).used).toBe(501);
    expect(runsOutAt(eni(1))).toBe(166);
    expect(
      evaluateLimits(limitContext({ config: configFor('prod', { services: services(166) }), stacks: [] }), [
        limit('lambda-enis-per-vpc'),
      ])[0].status,
    ).toBe('exceeded');
  });

  it('runs out later with a raised quota (quotas.lambdaEnisPerVpc)', () => {
    const raised = limit('lambda-enis-per-vpc').usage(
      limitContext({ config: configFor('prod', { quotas: { lambdaEnisPerVpc: 1000 } }), stacks: [] }),
    )[0];

    expect(raised.limit).toBe(1000);
    expect(runsOutAt(raised)).toBe(333);
  });
});

describe('subnet free addresses', () => {
  it('counts ENIs and interface endpoints against the usable addresses of a /24', () => {
    const config = configFor('dev', {
      network: { privateSubnetMask: 24, interfaceEndpoints: ['ssm', 'logs'] },
      services: services(4),
    });
    const usage = limit('subnet-free-addresses').usage(limitContext({ config, stacks: [] }))[0];

    expect(usage.limit).toBe(251);
    expect(usage.used).toBe(7);
    expect(runsOutAt(usage)).toBe(249);
  });
});

describe('account quotas', () => {
  const rolesStack = (name: string, count: number): StackTemplate => ({
    stackName: name,
    template: {
      Resources: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`Role${i}`, { Type: 'AWS::IAM::Role', Properties: {} }]),
      ),
    },
  });

  it('adds up every environment that names the same account', () => {
    const dev = { config: configFor('dev', { account: '111111111111' }), stacks: [rolesStack('d', 3)] };
    const prod = { config: configFor('prod', { account: '111111111111' }), stacks: [rolesStack('p', 4)] };
    const other = { config: configFor('staging', { account: '222222222222' }), stacks: [rolesStack('s', 5)] };

    const usage = limit('iam-roles-per-account').usage(limitContext(dev, [prod, other]))[0];

    expect(usage.used).toBe(7);
    expect(usage.contributors).toEqual([
      { name: 'prod', size: 4 },
      { name: 'dev', size: 3 },
    ]);
  });

  it('counts an environment-agnostic config alone', () => {
    const dev = { config: configFor('dev'), stacks: [rolesStack('d', 3)] };
    const prod = { config: configFor('prod'), stacks: [rolesStack('p', 4)] };

    expect(limit('iam-roles-per-account').usage(limitContext(dev, [prod]))[0].used).toBe(3);
  });

  it("sums the services' throttles against the account's API Gateway throttle", () => {
    const config = configFor('dev', {
      account: '111111111111',
      api: { throttle: { rateLimit: 1000, burstLimit: 2000 } },
      services: [
        {
          name: 'orders',
          repository: 'acme/orders',
          basePath: 'orders',
          throttle: { rateLimit: 9000, burstLimit: 10 },
        },
        { name: 'users', repository: 'acme/users', basePath: 'users' },
      ],
    });
    const [usage] = limit('apigateway-account-throttle').usage(limitContext({ config, stacks: [] }));

    expect(usage.used).toBe(10_000);
    expect(usage.contributors[0]).toEqual({ name: 'dev/orders', size: 9000 });
    expect(runsOutAt(usage)).toBe(3);
  });
});

describe('runsOutAt', () => {
  const usage = (used: number, limit: number, perUnit: number, current: number): Usage => ({
    subject: 's',
    used,
    limit,
    contributors: [],
    growth: { unit: 'services', current, perUnit },
  });

  it('is the first registry size past the limit', () => {
    expect(runsOutAt(usage(10, 20, 5, 2))).toBe(5);
    expect(runsOutAt(usage(20, 20, 5, 2))).toBe(3);
  });

  it('is the current size when the limit is already exceeded', () => {
    expect(runsOutAt(usage(21, 20, 5, 2))).toBe(2);
  });
});

describe('limit problems', () => {
  it('reports an exceeded limit with its usage, the largest contributors and the fix, and warns past 80%', () => {
    const config = configFor('prod', { quotas: { managedPoliciesPerRole: 2 } });
    const { errors, warnings } = limitProblems(
      evaluateLimits(limitContext({ config, stacks: [policyStack] }), [
        limit('iam-managed-policies-per-role'),
      ]),
    );

    // The role has 2 managed policies: 100% of 2 is not past the limit, but past 80% of it.
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'IAM managed policies per role: fixture/FnRole uses 2 policies, which is past 80% of the limit of 2 (Managed policies per role, L-0DA4ABF3); largest: arn:aws:iam::123456789012:policy/fixture-ReadPolicyABCDEF12-ABCDEFGHIJKLM 1, arn:aws:iam::aws:policy/ReadOnlyAccess 1; fix: ask AWS to raise "Managed policies per role" (at most 20) and set quotas.managedPoliciesPerRole, or merge policies',
    ]);
  });
});

describe('the quotas config keys', () => {
  // Each adjustable limit is measured against the account's value in `quotas`.
  it.each([
    ['iam-roles-per-account', 'rolesPerAccount', 3000, 3000],
    ['iam-policies-per-account', 'customerManagedPoliciesPerAccount', 4000, 4000],
    ['cloudformation-stacks', 'stacksPerAccount', 5000, 5000],
    ['apigateway-account-throttle', 'apiThrottleRate', 20_000, 20_000],
    ['iam-managed-policies-per-role', 'managedPoliciesPerRole', 20, 20],
    ['iam-role-trust-policy-length', 'roleTrustPolicyLength', 4096, 4096],
    // Lambda keeps 100 of the account's concurrency unreserved.
    ['lambda-concurrency', 'lambdaConcurrentExecutions', 3000, 2900],
  ])('%s is measured against quotas.%s', (id, key, value, expected) => {
    const config = configFor('dev', { quotas: { [key]: value } });

    const [usage] = limit(id).usage(limitContext({ config, stacks: [policyStack] }));

    expect(usage.limit).toBe(expected);
  });

  it('rejects a trust policy length above the 4,096 AWS grants', () => {
    expect(() => configFor('dev', { quotas: { roleTrustPolicyLength: 5000 } })).toThrow(
      /quotas\.roleTrustPolicyLength: .*4096/,
    );
  });
});
