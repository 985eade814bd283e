import { describe, expect, it } from 'vitest';
import { type DeployedTemplate, IamModel } from '../src/iam-model';

// What the rehearsal added to the IAM model: template conditions (the CDK bootstrap template is
// full of them), and the statement that decided each answer.

const BOUNDARY = 'arn:aws:iam::111111111111:policy/bounded';
const template: DeployedTemplate = {
  stackName: 'test',
  template: {
    Parameters: {
      Extra: { Type: 'String', Default: '' },
      Accounts: { Type: 'CommaDelimitedList', Default: '' },
    },
    Conditions: {
      HasExtra: { 'Fn::Not': [{ 'Fn::Equals': ['', { Ref: 'Extra' }] }] },
      HasAccounts: { 'Fn::Not': [{ 'Fn::Equals': ['', { 'Fn::Join': ['', { Ref: 'Accounts' }] }] }] },
      Either: { 'Fn::Or': [{ Condition: 'HasExtra' }, { Condition: 'HasAccounts' }] },
    },
    Resources: {
      Boundary: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: 'bounded',
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: ['sqs:*', 'sns:*'], Resource: '*' },
              { Sid: 'NoDelete', Effect: 'Deny', Action: 'sqs:DeleteQueue', Resource: '*' },
            ],
          },
        },
      },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'worker',
          AssumeRolePolicyDocument: { Statement: [] },
          PermissionsBoundary: { Ref: 'Boundary' },
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [
                  { Sid: 'Queues', Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
                  { Sid: 'Logs', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' },
                  {
                    'Fn::If': [
                      'Either',
                      { Sid: 'Extra', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                  { Sid: 'NoPurge', Effect: 'Deny', Action: 'sqs:PurgeQueue', Resource: '*' },
                ],
              },
            },
          ],
        },
      },
    },
  },
};

const QUEUE = 'arn:aws:sqs:eu-west-1:111111111111:jobs';
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:topic';

describe('IamModel', () => {
  const model = new IamModel([template]);

  it('drops a statement an Fn::If turns into AWS::NoValue, evaluating the conditions with the defaults', async () => {
    expect(model.condition(template, 'Either')).toBe(false);
    expect(await model.decide('worker', 'sns:Publish', TOPIC)).toEqual({
      allowed: false,
      decidedBy: 'no statement allows',
    });
  });

  it('reads the permissions boundary as the template gives it', () => {
    expect(model.role('worker').boundaryArn).toBe(BOUNDARY);
  });

  it('names the statement that allowed', async () => {
    expect(await model.decide('worker', 'sqs:SendMessage', QUEUE)).toEqual({
      allowed: true,
      decidedBy: 'allowed by inline (Queues)',
    });
  });

  it('names the explicit deny', async () => {
    expect(await model.decide('worker', 'sqs:PurgeQueue', QUEUE)).toEqual({
      allowed: false,
      decidedBy: 'explicit deny in inline (NoPurge)',
    });
  });

  it('names the boundary that denied', async () => {
    const logs = 'arn:aws:logs:eu-west-1:111111111111:log-group:x:log-stream:y';
    expect((await model.decide('worker', 'logs:PutLogEvents', logs)).decidedBy).toBe(
      `denied by boundary ${BOUNDARY}`,
    );
    expect((await model.decide('worker', 'sqs:DeleteQueue', QUEUE)).decidedBy).toBe(
      `explicit deny in boundary ${BOUNDARY} boundary (NoDelete)`,
    );
  });

  it('evaluates the other branch when the condition holds', async () => {
    const withExtra = structuredClone(template);
    (withExtra.template.Parameters as Record<string, { Type: string; Default: string }>).Extra.Default =
      'yes';
    const other = new IamModel([withExtra]);
    expect(other.condition(withExtra, 'Either')).toBe(true);
    expect((await other.decide('worker', 'sns:Publish', TOPIC)).decidedBy).toBe('allowed by inline (Extra)');
  });
});
