import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { kitchenSinkService } from '../../../test/fixtures/kitchen-sink-service';
import { evaluateGuardRules, type GuardFinding, guardHookStackInput } from '../lib/guard/cfn-guard';
import { serviceGuardRules } from '../lib/guard/service-guard-rules';

// The deploy-time guard, tried offline with the cfn-guard engine the Guard Hook runs: templates
// built with the consumer library and written by hand, good and deliberately bad, each given to
// the rules the way the hook gives a stack operation (template plus HookContext).

type Json = Record<string, unknown>;
type Template = { Resources: Record<string, { Type: string; Properties?: Json }>; [key: string]: unknown };

const RULES = serviceGuardRules({
  scope: { project: 'shared-lambda-infra', env: 'dev' },
  services: ['orders', 'payments'],
});
const BOUNDARY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary';

/** The findings on a good template: none expected. */
function checkGood(template: Template, stackName?: string): GuardFinding[] {
  return check(template, stackName);
}

function check(template: object, stackName = 'shared-lambda-infra-dev-orders-api'): GuardFinding[] {
  return evaluateGuardRules(RULES, guardHookStackInput(template, { stackName }));
}

/** A role a service may have: trusted by Lambda, bounded, named in the orders prefix. */
function goodRole(overrides: Json = {}): { Type: string; Properties: Json } {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: 'shared-lambda-infra-dev-role-orders-raw',
      PermissionsBoundary: { 'Fn::Sub': BOUNDARY },
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
        ],
      },
      ...overrides,
    },
  };
}

/** A hand-written service template (no consumer library) that keeps every rule. */
function rawTemplate(extra: Template['Resources'] = {}): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      Role: goodRole(),
      Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'shared-lambda-infra-dev-fn-orders-raw',
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Runtime: 'nodejs24.x',
          Handler: 'index.handler',
          Code: { ZipFile: 'exports.handler = async () => ({})' },
        },
      },
      ...extra,
    },
  };
}

describe('service guard rules', () => {
  let kitchenSink: Template;
  let orders: Template;

  beforeAll(() => {
    kitchenSink = kitchenSinkService().template as Template;
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new OrdersStack(app, 'Orders', { env: 'dev' });
    orders = app.synth().getStackByName(stack.stackName).template as Template;
  });

  describe('let through', () => {
    it('the orders example service', () => {
      expect(checkGood(orders)).toEqual([]);
    });

    it('the kitchen-sink service (API, queue worker, schedule, stream consumer, bucket, state machine, secret)', () => {
      expect(checkGood(kitchenSink)).toEqual([]);
    });

    it('the kitchen-sink service registered as payments, on its own stack', () => {
      const payments = kitchenSinkService({ service: 'payments' });
      expect(checkGood(payments.template as Template, payments.stackName)).toEqual([]);
    });

    it('a hand-written template that keeps the rules: the library is not required', () => {
      expect(check(rawTemplate())).toEqual([]);
    });

    it('a role with a CloudFormation-generated name (it starts with the stack name)', () => {
      const template = rawTemplate({ Unnamed: goodRole({ RoleName: undefined }) });
      expect(check(JSON.parse(JSON.stringify(template)))).toEqual([]);
    });

    it('the deletion of a stack that breaks the rules', () => {
      const input = guardHookStackInput(rawTemplate({ Api: { Type: 'AWS::ApiGateway::RestApi' } }), {
        stackName: 'shared-lambda-infra-dev-orders-api',
        invocationPoint: 'DELETE_PRE_PROVISION',
      });
      expect(evaluateGuardRules(RULES, input)).toEqual([]);
    });
  });

  describe('refuses, naming the resource and the rule,', () => {
    it('a role that trusts another account', () => {
      const template = rawTemplate({
        Backdoor: goodRole({
          RoleName: 'shared-lambda-infra-dev-role-orders-backdoor',
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Principal: { AWS: 'arn:aws:iam::999999999999:root' },
              },
            ],
          },
        }),
      });
      expect(check(template)).toEqual(
        expect.arrayContaining([
          {
            rule: 'role_trusts_only_service_principals',
            resource: 'Backdoor',
            message: 'a role must not trust AWS accounts or roles',
          },
        ]),
      );
      expect(new Set(check(template).map((f) => `${f.rule} ${f.resource}`))).toEqual(
        new Set(['role_trusts_only_service_principals Backdoor']),
      );
    });

    it('a role trusted by a service the consumer does not wire (ec2)', () => {
      const template = rawTemplate({
        Instance: goodRole({
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } },
            ],
          },
        }),
      });
      expect(check(template)).toEqual([
        {
          rule: 'role_trusts_only_service_principals',
          resource: 'Instance',
          message:
            'a role may trust only lambda.amazonaws.com, states.amazonaws.com, scheduler.amazonaws.com, events.amazonaws.com',
        },
      ]);
    });

    it('a role trusting everyone ("*")', () => {
      const template = rawTemplate({
        Open: goodRole({
          AssumeRolePolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*' }],
          },
        }),
      });
      expect(check(template)).toContainEqual({
        rule: 'role_trusts_only_service_principals',
        resource: 'Open',
        message: 'a role\'s trust policy must name service principals, not "*"',
      });
    });

    it('a role without the permissions boundary', () => {
      const template = rawTemplate({ Unbounded: goodRole({ PermissionsBoundary: undefined }) });
      expect(check(JSON.parse(JSON.stringify(template)))).toEqual([
        {
          rule: 'role_carries_permissions_boundary',
          resource: 'Unbounded',
          message:
            "a role must carry the permissions boundary shared-lambda-infra-dev-policy-orders-boundary written in the template, as Fn::Sub or a literal ARN (a parameter's value can be overridden at deploy)",
        },
      ]);
    });

    it('a role whose boundary comes from a parameter the deployer could override', () => {
      const template = rawTemplate({ Param: goodRole({ PermissionsBoundary: { Ref: 'Boundary' } }) });
      expect(check(template).map((f) => [f.rule, f.resource])).toEqual([
        ['role_carries_permissions_boundary', 'Param'],
      ]);
    });

    it('a role bounded by another policy', () => {
      const template = rawTemplate({
        Other: goodRole({ PermissionsBoundary: 'arn:aws:iam::111122223333:policy/AdministratorAccess' }),
      });
      expect(check(template).map((f) => [f.rule, f.resource])).toEqual([
        ['role_carries_permissions_boundary', 'Other'],
      ]);
    });

    it("a role named in another service's prefix", () => {
      const template = rawTemplate({
        Foreign: goodRole({ RoleName: 'shared-lambda-infra-dev-role-payments-steal' }),
      });
      expect(check(template)).toEqual([
        {
          rule: 'role_name_in_service_prefix',
          resource: 'Foreign',
          message:
            'role name must start with "shared-lambda-infra-dev-role-orders-" (the service\'s role prefix) or be left to CloudFormation',
        },
      ]);
    });

    it('a role named outside the platform convention', () => {
      const template = rawTemplate({ Admin: goodRole({ RoleName: 'ci-admin' }) });
      expect(check(template).map((f) => [f.rule, f.resource])).toEqual([
        ['role_name_in_service_prefix', 'Admin'],
        ['role_name_in_service_prefix', 'Admin'],
      ]);
    });

    it('an API Gateway method on the shared API', () => {
      const template = rawTemplate({
        Method: {
          Type: 'AWS::ApiGateway::Method',
          Properties: { HttpMethod: 'GET', RestApiId: 'a1b2c3', ResourceId: 'r1', AuthorizationType: 'NONE' },
        },
      });
      expect(check(template)).toEqual([
        {
          rule: 'resource_type_in_service_catalogue',
          resource: 'Method',
          message: 'resource type is outside the service resource catalogue (docs/onboarding.md)',
        },
        {
          rule: 'no_api_gateway_resources',
          resource: 'Method',
          message:
            "API Gateway resources belong to the platform's shared API: declare routes with ServiceApi (Custom::SharedApiRoutes)",
        },
      ]);
    });

    it('raw CloudFormation reaching outside the catalogue (user, managed policy, instance, custom resource)', () => {
      const template = rawTemplate({
        User: { Type: 'AWS::IAM::User' },
        Admin: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { Roles: ['shared-lambda-infra-dev-role-payments-x'] },
        },
        Box: { Type: 'AWS::EC2::Instance' },
        Anything: {
          Type: 'Custom::Anything',
          Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:x' },
        },
      });
      expect(
        check(template)
          .filter((f) => f.rule === 'resource_type_in_service_catalogue')
          .map((f) => f.resource)
          .sort(),
      ).toEqual(['Admin', 'Anything', 'Box', 'User']);
    });

    it('an inline policy attached to a role of another stack, by name', () => {
      const template = rawTemplate({
        Grab: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'grab',
            Roles: ['shared-lambda-infra-dev-role-payments-worker'],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] },
          },
        },
      });
      expect(check(template)).toEqual([
        {
          rule: 'inline_policy_attaches_to_own_roles',
          resource: 'Grab',
          message: 'an inline policy may attach only to roles of its own stack (a Ref to one)',
        },
      ]);
    });

    it('a stack of a service that is not registered', () => {
      expect([
        ...new Set(check(rawTemplate(), 'shared-lambda-infra-dev-billing-api').map((f) => f.rule)),
      ]).toEqual(['stack_belongs_to_a_registered_service']);
    });

    it('an input that is not a hook stack operation (no HookContext)', () => {
      expect(evaluateGuardRules(RULES, rawTemplate()).map((f) => f.rule)).toContain(
        'hook_input_is_a_stack_operation',
      );
    });
  });
});
