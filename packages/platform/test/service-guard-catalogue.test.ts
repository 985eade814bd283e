import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateGuardRulesOnEach, type GuardFinding, guardHookStackInput } from '../lib/guard/cfn-guard';
import { serviceGuardRules } from '../lib/guard/service-guard-rules';

// The Guard Hook's rules, run by cfn-guard on hand-written templates: every type of the catalogue and
// every service principal a service role may trust is let through, one by one, so a type or a
// principal dropped from the rules fails here (mutation testing, docs/mutation.md, found no template
// of the other tests holding them). Each input is evaluated in one cfn-guard run.

const RULES = serviceGuardRules({
  scope: { project: 'shared-lambda-infra', env: 'dev' },
  services: ['orders', 'payments'],
});
const STACK = 'shared-lambda-infra-dev-orders-api';
const BOUNDARY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/shared-lambda-infra-dev-policy-orders-boundary';

/** The catalogue of docs/onboarding.md, written out. */
const CATALOGUE = [
  'AWS::Lambda::Function',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::LayerVersion',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::Events::Rule',
  'AWS::Scheduler::Schedule',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::StepFunctions::StateMachine',
  'AWS::SecretsManager::Secret',
  'AWS::SSM::Parameter',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Logs::LogGroup',
  'AWS::CDK::Metadata',
  'Custom::SharedApiRoutes',
];

/**
 * The properties CloudFormation requires of the types whose Guard rules read them (a resource
 * policy's statements, a permission's principal, a mapping's source): without them CloudFormation
 * refuses the template, and the rules fail closed.
 */
const OWN_POLICY = {
  PolicyDocument: {
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: '*',
      },
    ],
  },
};
const REQUIRED: Record<string, Record<string, unknown>> = {
  'AWS::SQS::QueuePolicy': OWN_POLICY,
  'AWS::SNS::TopicPolicy': OWN_POLICY,
  'AWS::S3::BucketPolicy': OWN_POLICY,
  'AWS::Lambda::Permission': { Principal: 'sns.amazonaws.com' },
  'AWS::Lambda::EventSourceMapping': { EventSourceArn: { 'Fn::GetAtt': ['Resource8', 'Arn'] } },
};

const PRINCIPALS = [
  'lambda.amazonaws.com',
  'states.amazonaws.com',
  'scheduler.amazonaws.com',
  'events.amazonaws.com',
];

function role(principal: string) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: 'shared-lambda-infra-dev-role-orders-raw',
      PermissionsBoundary: { 'Fn::Sub': BOUNDARY },
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: principal } }],
      },
    },
  };
}

const NO_SERVICE_RULES = serviceGuardRules({
  scope: { project: 'shared-lambda-infra', env: 'dev' },
  services: [],
});

const inputs: Record<string, unknown>[] = [];
function check(resources: Record<string, unknown>): () => GuardFinding[] {
  const index =
    inputs.push(
      guardHookStackInput(
        { AWSTemplateFormatVersion: '2010-09-09', Resources: resources },
        { stackName: STACK },
      ),
    ) - 1;
  return () => results[index];
}
let results: GuardFinding[][] = [];
let noService: GuardFinding[] = [];
beforeAll(() => {
  results = evaluateGuardRulesOnEach(RULES, inputs);
  [noService] = evaluateGuardRulesOnEach(NO_SERVICE_RULES, [inputs[0]]);
});

describe('service guard rules let through', () => {
  const everyType = check({
    Role: role('lambda.amazonaws.com'),
    Policy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'own',
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] },
      },
    },
    ...Object.fromEntries(
      CATALOGUE.map((type, i) => [`Resource${i}`, { Type: type, Properties: REQUIRED[type] ?? {} }]),
    ),
  });
  it('a resource of every type of the catalogue, with a role and an inline policy on it', () => {
    expect(everyType()).toEqual([]);
  });

  for (const principal of PRINCIPALS) {
    const trusted = check({ Role: role(principal) });
    it(`a role trusted by ${principal}`, () => {
      expect(trusted()).toEqual([]);
    });
  }
});

describe('service guard rules refuse', () => {
  const outside = check({ Role: role('lambda.amazonaws.com'), Cluster: { Type: 'AWS::ECS::Cluster' } });
  it('a type outside the catalogue (AWS::ECS::Cluster), naming it', () => {
    expect(outside()).toEqual([
      {
        rule: 'resource_type_in_service_catalogue',
        resource: 'Cluster',
        message: 'resource type is outside the service resource catalogue (docs/onboarding.md)',
      },
    ]);
  });

  const ec2 = check({ Role: role('ec2.amazonaws.com') });
  it('a role trusted by ec2.amazonaws.com', () => {
    expect(ec2().map((f) => f.rule)).toEqual(['role_trusts_only_service_principals']);
  });
});

describe('service guard rules of an environment with no registered service', () => {
  it('parse, and refuse every service stack', () => {
    // Every rule with a per-service block refuses what it selects when no service is registered.
    expect([...new Set(noService.map((f) => f.rule))].sort()).toEqual([
      'lambda_permissions_grant_only_allowed_accounts',
      'role_carries_permissions_boundary',
      'stack_belongs_to_a_registered_service',
    ]);
  });
});
