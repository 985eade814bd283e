import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { kitchenSinkService } from '../../../test/fixtures/kitchen-sink-service';
import { evaluateGuardRules, evaluateGuardRulesOnEach, guardHookStackInput } from '../lib/guard/cfn-guard';
import { rawConfig, type SynthResult, synthPlatform } from './helpers/synth';

// The guard stack of a dev environment with two registered services.

const PAYMENTS = {
  name: 'payments',
  repository: 'acme/payments-service',
  basePath: 'payments',
  owners: ['payments-team@example.com'],
  // A partner account payments' resource policies may grant (and orders' may not).
  externalAccounts: ['444455556666'],
};

function executionRoleArn(service: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':iam::',
        { Ref: 'AWS::AccountId' },
        `:role/shared-lambda-infra-dev-access-${service}-cfn-exec`,
      ],
    ],
  };
}

describe('guard stack', () => {
  let result: SynthResult;
  let template: Template;
  let hook: Record<string, unknown>;

  beforeAll(() => {
    const services = rawConfig('dev').services as unknown[];
    result = synthPlatform({ overrides: { services: [...services, PAYMENTS] } });
    template = result.template(result.stacks.guard);
    hook = Object.values(template.findResources('AWS::CloudFormation::GuardHook'))[0].Properties;
  });

  it('is named by the convention', () => {
    expect(result.stacks.guard.stackName).toBe('shared-lambda-infra-dev-guard');
  });

  it('has one Guard Hook that fails the operation on a violation, over whole stacks', () => {
    template.resourceCountIs('AWS::CloudFormation::GuardHook', 1);
    expect(hook).toMatchObject({
      Alias: 'Private::SharedLambdaInfra::DevServiceGuard',
      FailureMode: 'FAIL',
      HookStatus: 'ENABLED',
      TargetOperations: ['STACK'],
    });
  });

  it("targets exactly the stacks deployed with a registered service's execution role", () => {
    expect(hook.StackFilters).toEqual({
      FilteringCriteria: 'ALL',
      StackRoles: { Include: [executionRoleArn('orders'), executionRoleArn('payments')] },
    });
  });

  it('reads its rules from a file asset of the stack, and writes reports to its own bucket', () => {
    const uri = JSON.stringify(hook.RuleLocation);
    expect(uri).toMatch(/s3:\/\/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.guard/);
    expect(hook.LogBucket).toEqual({ Ref: expect.stringMatching(/^ReportBucket/) });
  });

  it('lets only CloudFormation hooks of this account assume its role, which reads the rules object and writes reports', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'hooks.cloudformation.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudformation:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':type/hook/*',
                    ],
                  ],
                },
              },
            },
          },
        ],
      },
    });
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties;
    const statements = (policy.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> })
      .Statement;
    expect(statements.map((s) => s.Action)).toEqual([
      ['s3:GetObject', 's3:GetObjectVersion'],
      's3:PutObject',
    ]);
    expect(JSON.stringify(statements[0].Resource)).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.guard"/);
    expect(JSON.stringify(statements[1].Resource)).toMatch(/ReportBucket.*"\/\*"/);
  });

  it('publishes rules that name both services and accept a kitchen-sink payments stack', () => {
    // The staged copy of the asset in the cloud assembly, which the CLI uploads as is.
    const staged = readdirSync(result.assembly.directory).filter((f) => f.endsWith('.guard'));
    expect(staged).toHaveLength(1);
    const rules = readFileSync(path.join(result.assembly.directory, staged[0]), 'utf8');
    expect(rules).toContain('stack\\/shared-lambda-infra-dev-orders-');
    expect(rules).toContain('stack\\/shared-lambda-infra-dev-payments-');
    const payments = kitchenSinkService({ service: 'payments' });
    const findings = evaluateGuardRules(
      rules,
      guardHookStackInput(payments.template, { stackName: payments.stackName }),
    );
    expect(findings).toEqual([]);
  });

  it("lets payments' resource policies grant the accounts services[].externalAccounts lists for it, and no other service's", () => {
    const staged = readdirSync(result.assembly.directory).filter((f) => f.endsWith('.guard'));
    const rules = readFileSync(path.join(result.assembly.directory, staged[0]), 'utf8');
    const partnerQueue = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Partner: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Queue' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::444455556666:root' },
                  Action: 'sqs:SendMessage',
                  Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
                },
              ],
            },
          },
        },
      },
    };
    const [payments, orders] = evaluateGuardRulesOnEach(rules, [
      guardHookStackInput(partnerQueue, { stackName: 'shared-lambda-infra-dev-payments-api' }),
      guardHookStackInput(partnerQueue, { stackName: 'shared-lambda-infra-dev-orders-api' }),
    ]);
    expect(payments).toEqual([]);
    expect(orders).toEqual([
      {
        rule: 'resource_policies_grant_only_allowed_accounts',
        resource: 'Partner',
        message:
          'a resource policy may grant this account (Ref AWS::AccountId, or a role of the stack) and the accounts services[].externalAccounts allows orders (none), nothing else',
      },
    ]);
  });

  it('makes every access stack wait for it, so no service deploys unguarded', () => {
    const access = result.assembly.getStackByName('shared-lambda-infra-dev-access-payments');
    expect(access.dependencies.map((d) => d.id)).toContain('shared-lambda-infra-dev-guard');
  });
});
