import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../../examples/orders-service/lib/orders-stack';
import { kitchenSinkService } from '../../../test/fixtures/kitchen-sink-service';
import { evaluateGuardRulesOnEach, type GuardFinding, guardHookStackInput } from '../lib/guard/cfn-guard';
import { serviceGuardRules } from '../lib/guard/service-guard-rules';

// The deploy-time guard, tried offline with the cfn-guard engine the Guard Hook runs: templates
// built with the consumer library and written by hand, good and deliberately bad, each given to
// the rules the way the hook gives a stack operation (template plus HookContext). Every input is
// evaluated in one cfn-guard run in `beforeAll`: starting cfn-guard and parsing the rules cost more
// than evaluating a template, and this file has twenty of them.

type Json = Record<string, unknown>;
type Template = { Resources: Record<string, { Type: string; Properties?: Json }>; [key: string]: unknown };

const RULES = serviceGuardRules({
  scope: { project: 'shared-lambda-infra', env: 'dev' },
  services: ['orders', 'payments'],
});
// The same environment with its own account named in the config and each service allowed one other
// account (registry `services[].externalAccounts`).
const ACCOUNT_RULES = serviceGuardRules({
  scope: { project: 'shared-lambda-infra', env: 'dev' },
  services: ['orders', 'payments'],
  account: '111122223333',
  externalAccounts: { orders: ['444455556666'], payments: ['777788889999'] },
});
const BOUNDARY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary';

/** The inputs one rule set is evaluated on, built once the synthesized templates exist, in the order declared. */
interface Batch {
  readonly rules: string;
  readonly inputs: Array<() => unknown>;
  results?: GuardFinding[][];
}
const batches = {
  plain: { rules: RULES, inputs: [] },
  accounts: { rules: ACCOUNT_RULES, inputs: [] },
} satisfies Record<string, Batch>;

/**
 * Declares an input for a batch (call it while tests are collected, beside the test that reads
 * it) and returns how to read its findings once the batch has run.
 */
function guard(input: () => unknown, batch: Batch = batches.plain): () => GuardFinding[] {
  const index = batch.inputs.push(input) - 1;
  return () => {
    if (!batch.results) throw new Error('the cfn-guard batch has not run: read findings inside a test');
    return batch.results[index];
  };
}

/** Declares a template, given to the rules as the hook gives a stack operation on stackName. */
function check(
  template: () => object,
  stackName = 'shared-lambda-infra-dev-orders-api',
  batch: Batch = batches.plain,
): () => GuardFinding[] {
  return guard(() => guardHookStackInput(template(), { stackName }), batch);
}

/** Declares a template for the rules of the environment that names accounts (ACCOUNT_RULES). */
function checkWithAccounts(template: () => object): () => GuardFinding[] {
  return check(template, 'shared-lambda-infra-dev-orders-api', batches.accounts);
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

/** A queue policy of the stack's queue with one Allow statement for `principal`. */
function queuePolicy(principal: unknown): { Type: string; Properties: Json } {
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: 'Queue' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: principal,
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          },
        ],
      },
    },
  };
}

/** A Lambda permission on the stack's function for `principal`. */
function permission(principal: unknown): { Type: string; Properties: Json } {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: { Action: 'lambda:InvokeFunction', FunctionName: { Ref: 'Fn' }, Principal: principal },
  };
}

/** An event source mapping of the stack's function reading `source`. */
function mapping(source: unknown): { Type: string; Properties: Json } {
  return {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: source },
  };
}

/** A state machine logging to `destination`. */
function loggingStateMachine(destination: unknown): { Type: string; Properties: Json } {
  return {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
      DefinitionString: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}',
      LoggingConfiguration: {
        Level: 'ERROR',
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: destination } }],
      },
    },
  };
}

/** Each rule and resource that failed, once, sorted: `{rule} {logicalId}`. */
function failed(findings: GuardFinding[]): string[] {
  return [...new Set(findings.map((f) => `${f.rule} ${f.resource}`))].sort();
}

// CDK's AccountPrincipal('999999999999') and AccountRootPrincipal(), as they synthesize.
const FOREIGN_ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::999999999999:root']] };
const OWN_ROOT = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
};

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
    for (const batch of Object.values(batches) as Batch[]) {
      batch.results = evaluateGuardRulesOnEach(
        batch.rules,
        batch.inputs.map((input) => input()),
      );
    }
  });

  describe('let through', () => {
    const ordersFindings = check(() => orders);
    it('the orders example service', () => {
      expect(ordersFindings()).toEqual([]);
    });

    const kitchenSinkFindings = check(() => kitchenSink);
    it('the kitchen-sink service (API, queue worker, schedule, stream consumer, bucket, state machine, secret)', () => {
      expect(kitchenSinkFindings()).toEqual([]);
    });

    const paymentsFindings = guard(() => {
      const payments = kitchenSinkService({ service: 'payments' });
      return guardHookStackInput(payments.template, { stackName: payments.stackName });
    });
    it('the kitchen-sink service registered as payments, on its own stack', () => {
      expect(paymentsFindings()).toEqual([]);
    });

    const raw = check(() => rawTemplate());
    it('a hand-written template that keeps the rules: the library is not required', () => {
      expect(raw()).toEqual([]);
    });

    const unnamed = check(() => {
      const template = rawTemplate({ Unnamed: goodRole({ RoleName: undefined }) });
      return JSON.parse(JSON.stringify(template));
    });
    it('a role with a CloudFormation-generated name (it starts with the stack name)', () => {
      expect(unnamed()).toEqual([]);
    });

    const grants = check(() =>
      rawTemplate({
        FromTopic: queuePolicy({ Service: 'sns.amazonaws.com' }),
        FromAccount: queuePolicy({ AWS: OWN_ROOT }),
        FromRole: queuePolicy({ AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } }),
        FromRuleAndApi: permission('events.amazonaws.com'),
        FromOwnAccountId: permission({ Ref: 'AWS::AccountId' }),
        Retries: {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: { FunctionName: { Ref: 'Fn' }, Qualifier: '$LATEST', MaximumRetryAttempts: 0 },
        },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
        LogsToOwnGroup: loggingStateMachine({ 'Fn::GetAtt': ['Logs', 'Arn'] }),
        FromOwnQueue: mapping({ 'Fn::GetAtt': ['Queue', 'Arn'] }),
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
            StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          },
        },
        FromOwnTableStream: mapping({ 'Fn::GetAtt': ['Table', 'StreamArn'] }),
        FromOwnQueueShortGetAtt: mapping({ 'Fn::GetAtt': 'Queue.Arn' }),
        LogsToOwnGroupShortGetAtt: loggingStateMachine({ 'Fn::GetAtt': 'Logs.Arn' }),
        FromOwnNamedQueue: mapping(
          'arn:aws:sqs:eu-west-1:111122223333:shared-lambda-infra-dev-queue-orders-jobs',
        ),
        LogsToNamedGroup: loggingStateMachine(
          'arn:aws:logs:eu-west-1:111122223333:log-group:shared-lambda-infra-dev-orders-api-Logs:*',
        ),
        DenyEveryoneWithoutTls: {
          Type: 'AWS::SNS::TopicPolicy',
          Properties: {
            Topics: ['t'],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Deny',
                  Principal: '*',
                  Action: 'sns:Publish',
                  Resource: '*',
                  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                },
              ],
            },
          },
        },
      }),
    );
    it('resource policies granting AWS services, this account and its own roles; retries; logs to its own log groups; mappings from its own queues', () => {
      expect(grants()).toEqual([]);
    });

    const intrinsics = check(() =>
      rawTemplate({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        OwnRootSub: queuePolicy({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        OwnRoleSub: queuePolicy({ AWS: { 'Fn::Sub': '${Role.Arn}' } }),
        OwnRoleShortGetAtt: queuePolicy({ AWS: { 'Fn::GetAtt': 'Role.Arn' } }),
        OwnRoleJoined: queuePolicy({
          AWS: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/worker-2'],
            ],
          },
        }),
        RegionalLogsJoined: permission({
          'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
        }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        RegionalLogsSub: permission({ 'Fn::Sub': 'logs.${AWS::Region}.${AWS::URLSuffix}' }),
      }),
    );
    it('this account and its roles named with Fn::Sub, Fn::Join of pseudo parameters or Fn::GetAtt Arn; a regional service principal', () => {
      expect(intrinsics()).toEqual([]);
    });

    const deletion = guard(() =>
      guardHookStackInput(rawTemplate({ Api: { Type: 'AWS::ApiGateway::RestApi' } }), {
        stackName: 'shared-lambda-infra-dev-orders-api',
        invocationPoint: 'DELETE_PRE_PROVISION',
      }),
    );
    it('the deletion of a stack that breaks the rules', () => {
      expect(deletion()).toEqual([]);
    });
  });

  describe('refuses, naming the resource and the rule,', () => {
    const backdoor = check(() =>
      rawTemplate({
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
      }),
    );
    it('a role that trusts another account', () => {
      expect(backdoor()).toEqual(
        expect.arrayContaining([
          {
            rule: 'role_trusts_only_service_principals',
            resource: 'Backdoor',
            message: 'a role must not trust AWS accounts or roles',
          },
        ]),
      );
      expect(new Set(backdoor().map((f) => `${f.rule} ${f.resource}`))).toEqual(
        new Set(['role_trusts_only_service_principals Backdoor']),
      );
    });

    const ec2 = check(() =>
      rawTemplate({
        Instance: goodRole({
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } },
            ],
          },
        }),
      }),
    );
    it('a role trusted by a service the consumer does not wire (ec2)', () => {
      expect(ec2()).toEqual([
        {
          rule: 'role_trusts_only_service_principals',
          resource: 'Instance',
          message:
            'a role may trust only lambda.amazonaws.com, states.amazonaws.com, scheduler.amazonaws.com, events.amazonaws.com',
        },
      ]);
    });

    const open = check(() =>
      rawTemplate({
        Open: goodRole({
          AssumeRolePolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*' }],
          },
        }),
      }),
    );
    it('a role trusting everyone ("*")', () => {
      expect(open()).toContainEqual({
        rule: 'role_trusts_only_service_principals',
        resource: 'Open',
        message: 'a role\'s trust policy must name service principals, not "*"',
      });
    });

    const unbounded = check(() => {
      const template = rawTemplate({ Unbounded: goodRole({ PermissionsBoundary: undefined }) });
      return JSON.parse(JSON.stringify(template));
    });
    it('a role without the permissions boundary', () => {
      expect(unbounded()).toEqual([
        {
          rule: 'role_carries_permissions_boundary',
          resource: 'Unbounded',
          message:
            "a role must carry the permissions boundary shared-lambda-infra-dev-policy-orders-boundary written in the template, as Fn::Sub or a literal ARN (a parameter's value can be overridden at deploy)",
        },
      ]);
    });

    const param = check(() => rawTemplate({ Param: goodRole({ PermissionsBoundary: { Ref: 'Boundary' } }) }));
    it('a role whose boundary comes from a parameter the deployer could override', () => {
      expect(param().map((f) => [f.rule, f.resource])).toEqual([
        ['role_carries_permissions_boundary', 'Param'],
      ]);
    });

    const other = check(() =>
      rawTemplate({
        Other: goodRole({ PermissionsBoundary: 'arn:aws:iam::111122223333:policy/AdministratorAccess' }),
      }),
    );
    it('a role bounded by another policy', () => {
      expect(other().map((f) => [f.rule, f.resource])).toEqual([
        ['role_carries_permissions_boundary', 'Other'],
      ]);
    });

    const foreign = check(() =>
      rawTemplate({
        Foreign: goodRole({ RoleName: 'shared-lambda-infra-dev-role-payments-steal' }),
      }),
    );
    it("a role named in another service's prefix", () => {
      expect(foreign()).toEqual([
        {
          rule: 'role_name_in_service_prefix',
          resource: 'Foreign',
          message:
            'role name must start with "shared-lambda-infra-dev-role-orders-" (the service\'s role prefix) or be left to CloudFormation',
        },
      ]);
    });

    const admin = check(() => rawTemplate({ Admin: goodRole({ RoleName: 'ci-admin' }) }));
    it('a role named outside the platform convention', () => {
      expect(admin().map((f) => [f.rule, f.resource])).toEqual([
        ['role_name_in_service_prefix', 'Admin'],
        ['role_name_in_service_prefix', 'Admin'],
      ]);
    });

    const method = check(() =>
      rawTemplate({
        Method: {
          Type: 'AWS::ApiGateway::Method',
          Properties: { HttpMethod: 'GET', RestApiId: 'a1b2c3', ResourceId: 'r1', AuthorizationType: 'NONE' },
        },
      }),
    );
    it('an API Gateway method on the shared API', () => {
      expect(method()).toEqual([
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

    const outside = check(() =>
      rawTemplate({
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
      }),
    );
    it('raw CloudFormation reaching outside the catalogue (user, managed policy, instance, custom resource)', () => {
      expect(
        outside()
          .filter((f) => f.rule === 'resource_type_in_service_catalogue')
          .map((f) => f.resource)
          .sort(),
      ).toEqual(['Admin', 'Anything', 'Box', 'User']);
    });

    const grab = check(() =>
      rawTemplate({
        Grab: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'grab',
            Roles: ['shared-lambda-infra-dev-role-payments-worker'],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] },
          },
        },
      }),
    );
    it('an inline policy attached to a role of another stack, by name', () => {
      expect(grab()).toEqual([
        {
          rule: 'inline_policy_attaches_to_own_roles',
          resource: 'Grab',
          message: 'an inline policy may attach only to roles of its own stack (a Ref to one)',
        },
      ]);
    });

    const policies = check(() =>
      rawTemplate({
        Everyone: queuePolicy('*'),
        EveryAccount: queuePolicy({ AWS: '*' }),
        OtherAccount: queuePolicy({ AWS: 'arn:aws:iam::999999999999:root' }),
        OtherAccountId: queuePolicy({ AWS: ['999999999999'] }),
        OtherAccountJoined: queuePolicy({ AWS: FOREIGN_ROOT }),
        FromParameter: queuePolicy({ AWS: { Ref: 'Grantee' } }),
        Federated: queuePolicy({ Federated: 'cognito-identity.amazonaws.com' }),
      }),
    );
    it('queue, topic and bucket policies granting everyone or another account', () => {
      expect(failed(policies())).toEqual(
        [
          'EveryAccount',
          'Everyone',
          'Federated',
          'FromParameter',
          'OtherAccount',
          'OtherAccountId',
          'OtherAccountJoined',
        ].map((id) => `resource_policies_grant_only_allowed_accounts ${id}`),
      );
      expect(policies()).toContainEqual({
        rule: 'resource_policies_grant_only_allowed_accounts',
        resource: 'OtherAccount',
        message:
          'a resource policy may grant this account (Ref AWS::AccountId, or a role of the stack) and the accounts services[].externalAccounts allows orders (none), nothing else',
      });
    });

    const smuggled = check(() =>
      rawTemplate({
        Grantee: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Type: 'String', Value: 'arn:aws:iam::999999999999:root' },
        },
        ParameterValue: queuePolicy({ AWS: { 'Fn::GetAtt': ['Grantee', 'Value'] } }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        ParameterInSub: queuePolicy({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${Account}:root' } }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        AttributeInSub: queuePolicy({ AWS: { 'Fn::Sub': '${Grantee.Value}' } }),
        EscapedDollarSub: queuePolicy({ AWS: { 'Fn::Sub': 'arn:aws:iam::$${Account}:root' } }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        OtherAccountSub: queuePolicy({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::999999999999:root' } }),
        InDelimiter: queuePolicy({ AWS: { 'Fn::Join': ['999999999999', ['arn:aws:iam::', ':root']] } }),
        SplitAcrossStrings: queuePolicy({
          AWS: { 'Fn::Join': ['', ['arn:aws:iam::999999', '999999:root']] },
        }),
        WithoutAccount: queuePolicy({ AWS: 'arn:aws:iam:::root' }),
        InvokeFromParameterValue: permission({ 'Fn::GetAtt': ['Grantee', 'Value'] }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        InvokeFromParameterInSub: permission({ 'Fn::Sub': '${Account}' }),
      }),
    );
    it('resource policies and Lambda permissions naming an account through a parameter, an attribute, a Join delimiter or a split string, or an ARN without an account', () => {
      expect(failed(smuggled())).toEqual([
        'lambda_permissions_grant_only_allowed_accounts InvokeFromParameterInSub',
        'lambda_permissions_grant_only_allowed_accounts InvokeFromParameterValue',
        'resource_policies_grant_only_allowed_accounts AttributeInSub',
        'resource_policies_grant_only_allowed_accounts EscapedDollarSub',
        'resource_policies_grant_only_allowed_accounts InDelimiter',
        'resource_policies_grant_only_allowed_accounts OtherAccountSub',
        'resource_policies_grant_only_allowed_accounts ParameterInSub',
        'resource_policies_grant_only_allowed_accounts ParameterValue',
        'resource_policies_grant_only_allowed_accounts SplitAcrossStrings',
        'resource_policies_grant_only_allowed_accounts WithoutAccount',
      ]);
    });

    const permissions = check(() =>
      rawTemplate({
        PublicUrl: permission('*'),
        OtherAccountId: permission('999999999999'),
        OtherAccountJoined: permission(FOREIGN_ROOT),
      }),
    );
    it('Lambda permissions for everyone (a public function URL) or another account', () => {
      expect(failed(permissions())).toEqual(
        ['OtherAccountId', 'OtherAccountJoined', 'PublicUrl'].map(
          (id) => `lambda_permissions_grant_only_allowed_accounts ${id}`,
        ),
      );
    });

    const foreignLogs = check(() =>
      rawTemplate({
        ToPayments: loggingStateMachine(
          'arn:aws:logs:eu-west-1:111122223333:log-group:shared-lambda-infra-dev-payments-api-Logs:*',
        ),
        ToLambdaLogs: loggingStateMachine(
          'arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/shared-lambda-infra-dev-fn-payments-x:*',
        ),
        Imported: loggingStateMachine({ 'Fn::ImportValue': 'payments-log-group' }),
        PaymentsGroup: {
          Type: 'AWS::SSM::Parameter',
          Properties: {
            Type: 'String',
            Value:
              'arn:aws:logs:eu-west-1:111122223333:log-group:shared-lambda-infra-dev-payments-api-Logs:*',
          },
        },
        ToParameterValue: loggingStateMachine({ 'Fn::GetAtt': ['PaymentsGroup', 'Value'] }),
      }),
    );
    it("a state machine logging to another service's log group, named, imported or held in a parameter", () => {
      expect(failed(foreignLogs())).toEqual(
        ['Imported', 'ToLambdaLogs', 'ToParameterValue', 'ToPayments'].map(
          (id) => `state_machines_log_to_own_log_groups ${id}`,
        ),
      );
      expect(foreignLogs()).toContainEqual({
        rule: 'state_machines_log_to_own_log_groups',
        resource: 'ToPayments',
        message:
          'a state machine may log only to a log group of its own service (named shared-lambda-infra-dev-orders-…, or Fn::GetAtt of a log group of the stack)',
      });
    });

    const foreignSources = check(() =>
      rawTemplate({
        FromPayments: mapping('arn:aws:sqs:eu-west-1:111122223333:shared-lambda-infra-dev-payments-api-Jobs'),
        FromPaymentsTable: mapping(
          'arn:aws:dynamodb:eu-west-1:111122223333:table/shared-lambda-infra-dev-table-payments-items/stream/2026',
        ),
        Imported: mapping({ 'Fn::ImportValue': 'payments-queue-arn' }),
        PaymentsQueue: {
          Type: 'AWS::SSM::Parameter',
          Properties: {
            Type: 'String',
            Value: 'arn:aws:sqs:eu-west-1:111122223333:shared-lambda-infra-dev-payments-api-Jobs',
          },
        },
        FromParameterValue: mapping({ 'Fn::GetAtt': ['PaymentsQueue', 'Value'] }),
      }),
    );
    it("an event source mapping reading another service's queue or stream, named, imported or held in a parameter", () => {
      expect(failed(foreignSources())).toEqual(
        ['FromParameterValue', 'FromPayments', 'FromPaymentsTable', 'Imported'].map(
          (id) => `event_source_mappings_read_own_sources ${id}`,
        ),
      );
    });

    const billing = check(() => rawTemplate(), 'shared-lambda-infra-dev-billing-api');
    it('a stack of a service that is not registered', () => {
      expect([...new Set(billing().map((f) => f.rule))]).toEqual(['stack_belongs_to_a_registered_service']);
    });

    const noHookContext = guard(() => rawTemplate());
    it('an input that is not a hook stack operation (no HookContext)', () => {
      expect(noHookContext().map((f) => f.rule)).toContain('hook_input_is_a_stack_operation');
    });
  });

  describe('in an environment naming its account and the accounts each service may grant', () => {
    const allowed = checkWithAccounts(() =>
      rawTemplate({
        OwnAccountArn: queuePolicy({ AWS: 'arn:aws:iam::111122223333:root' }),
        OwnAccountId: permission('111122223333'),
        ExternalRole: queuePolicy({ AWS: ['arn:aws:iam::444455556666:role/reader'] }),
        ExternalAccountId: permission('444455556666'),
        FromTopic: permission('sns.amazonaws.com'),
        OwnJoined: permission({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']],
        }),
        ExternalJoined: queuePolicy({
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::444455556666:root']] },
        }),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
        OwnSub: permission({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:root' }),
        ExternalSub: queuePolicy({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::444455556666:role/app-2' },
        }),
      }),
    );
    it('lets through grants of its own account and of the account allowed to the service, literal, joined or substituted', () => {
      expect(allowed()).toEqual([]);
    });

    const notAllowed = checkWithAccounts(() =>
      rawTemplate({
        PaymentsAccount: queuePolicy({ AWS: 'arn:aws:iam::777788889999:root' }),
        InvokeFromPaymentsAccount: permission('777788889999'),
        BesideAllowedSub: queuePolicy({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
          AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::999999999999:role/r111122223333' },
        }),
        BesideAllowedJoined: permission({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::999999999999:role/r444455556666']],
        }),
      }),
    );
    it("refuses another service's account, and another account beside an allowed one, naming the allowed accounts", () => {
      expect(failed(notAllowed())).toEqual([
        'lambda_permissions_grant_only_allowed_accounts BesideAllowedJoined',
        'lambda_permissions_grant_only_allowed_accounts InvokeFromPaymentsAccount',
        'resource_policies_grant_only_allowed_accounts BesideAllowedSub',
        'resource_policies_grant_only_allowed_accounts PaymentsAccount',
      ]);
      expect(notAllowed()).toContainEqual({
        rule: 'resource_policies_grant_only_allowed_accounts',
        resource: 'PaymentsAccount',
        message:
          'a resource policy may grant this account (Ref AWS::AccountId, or a role of the stack) and the accounts services[].externalAccounts allows orders (111122223333, 444455556666), nothing else',
      });
      expect(notAllowed()).toContainEqual({
        rule: 'lambda_permissions_grant_only_allowed_accounts',
        resource: 'InvokeFromPaymentsAccount',
        message:
          'a Lambda permission may grant AWS service principals, this account (Ref AWS::AccountId, or a role of the stack) and the accounts services[].externalAccounts allows orders (111122223333, 444455556666), nothing else',
      });
    });
  });
});
