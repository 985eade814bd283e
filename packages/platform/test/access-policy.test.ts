import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { addComplianceChecks } from '../lib/compliance';
import {
  AccessPolicy,
  type AccessStatement,
  assertSid,
  flattenForNag,
} from '../lib/constructs/github-access-policy';

// AccessPolicy, the managed policy every platform role is granted with: what its statements let a
// role do (asked of the IAM evaluator), what it refuses to build, and which findings it acknowledges
// with which reason. No synthesis: the policy document is resolved in its stack.

const ACCOUNT = '111111111111';

function policyOf(statements: AccessStatement[]): { policy: AccessPolicy; document: unknown } {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const policy = new AccessPolicy(stack, 'P', { description: 'test', statements });
  return { policy, document: stack.resolve(policy.document.toJSON()) };
}

/**
 * A boundary-like policy in a stack the real compliance packs check at synthesis (cdk-nag, Control
 * Tower rules), so an acknowledgement whose id is not the one reported fails `app.synth()`.
 */
function checkedBoundary(statements: AccessStatement[]): { app: App; policy: AccessPolicy } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'S', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const policy = new AccessPolicy(stack, 'Boundary', { description: 'test boundary', statements });
  addComplianceChecks(app);
  return { app, policy };
}

async function can(document: unknown, action: string, resource: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/r`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'p', policy: document as { Statement: unknown[] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed';
}

const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:jobs`;
const OTHER_QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:other`;

describe('AccessPolicy', () => {
  it('allows what an Allow statement (the default effect) names, and nothing else', async () => {
    const { document } = policyOf([{ sid: 'Send', actions: ['sqs:SendMessage'], resources: [QUEUE] }]);
    expect(await can(document, 'sqs:SendMessage', QUEUE)).toBe(true);
    expect(await can(document, 'sqs:SendMessage', OTHER_QUEUE)).toBe(false);
    expect(await can(document, 'sqs:DeleteQueue', QUEUE)).toBe(false);
  });

  it('denies what a Deny statement names, over an allow of everything', async () => {
    const { document } = policyOf([
      { sid: 'All', actions: ['sqs:SendMessage'], resources: ['*'], wildcardReason: 'test' },
      { sid: 'NotJobs', effect: 'Deny', actions: ['sqs:SendMessage'], resources: [QUEUE] },
    ]);
    expect(await can(document, 'sqs:SendMessage', QUEUE)).toBe(false);
    expect(await can(document, 'sqs:SendMessage', OTHER_QUEUE)).toBe(true);
  });

  it('keeps the condition of a statement', async () => {
    const { document } = policyOf([
      {
        sid: 'Tagged',
        actions: ['sqs:SendMessage'],
        resources: [QUEUE],
        conditions: { StringEquals: { 'aws:ResourceTag/Service': 'orders' } },
      },
    ]);
    expect(await can(document, 'sqs:SendMessage', QUEUE)).toBe(false);
  });

  it('refuses a Sid IAM would refuse or reports could not name: empty, not alphanumeric, or repeated', () => {
    const send = { actions: ['sqs:SendMessage'], resources: [QUEUE] };
    expect(() => policyOf([{ sid: '', ...send }])).toThrow(
      'statement id "" is not a Sid IAM accepts: ASCII letters and digits only, not empty',
    );
    expect(() => policyOf([{ sid: 'Send-Jobs', ...send }])).toThrow('statement id "Send-Jobs" is not a Sid');
    expect(() =>
      policyOf([
        { sid: 'Send', ...send },
        { sid: 'Send', ...send },
      ]),
    ).toThrow('statement id "Send" is used twice in one policy');
  });

  it('refuses an empty description: the IAM console shows it as what the policy grants', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const statements = [{ sid: 'Send', actions: ['sqs:SendMessage'], resources: [QUEUE] }];
    expect(() => new AccessPolicy(stack, 'P', { description: ' ', statements })).toThrow(
      'policy P needs a description: what it grants, shown in the IAM console',
    );
  });

  it('refuses an effect other than Allow or Deny instead of writing it as a deny', () => {
    const effect = '' as 'Deny';
    expect(() =>
      policyOf([{ sid: 'Send', effect, actions: ['sqs:SendMessage'], resources: [QUEUE] }]),
    ).toThrow('statement Send has effect "": Allow or Deny');
  });

  it('rejects an allowed wildcard action, naming the statement', () => {
    expect(() => policyOf([{ sid: 'Wild', actions: ['sqs:*'], resources: [QUEUE] }])).toThrow(
      'statement Wild allows sqs:*: name each action instead of a wildcard',
    );
  });

  it('accepts a denied wildcard action (a deny may be broad)', () => {
    expect(() =>
      policyOf([{ sid: 'NoIam', effect: 'Deny', actions: ['iam:*'], resources: ['*'] }]),
    ).not.toThrow();
  });

  it('rejects an allowed wildcard resource without a reason, naming the statement and the resource', () => {
    expect(() => policyOf([{ sid: 'Any', actions: ['sqs:SendMessage'], resources: [`${QUEUE}*`] }])).toThrow(
      `statement Any allows ${QUEUE}*, which has a wildcard, without a wildcardReason; narrow the resource or say why it cannot be narrower`,
    );
  });

  it('acknowledges each wildcard resource by its exact finding id, joining the reasons of statements that share it', () => {
    const { policy } = policyOf([
      { sid: 'A', actions: ['sqs:SendMessage'], resources: [`${QUEUE}*`, QUEUE], wildcardReason: 'first.' },
      { sid: 'B', actions: ['sqs:ReceiveMessage'], resources: [`${QUEUE}*`], wildcardReason: 'second.' },
      { sid: 'C', actions: ['sqs:DeleteMessage'], resources: ['*'], wildcardReason: 'third.' },
    ]);
    expect(Object.fromEntries(policy.acknowledgedFindings)).toEqual({
      [`AwsSolutions-IAM5[Resource::${QUEUE}*]`]: 'first. second.',
      'AwsSolutions-IAM5[Resource::*]': 'third.',
    });
  });

  it('acknowledges each family of actions of a boundary in the id cdk-nag reports, joining the reasons of statements that share it', () => {
    // Synthesized with the real packs: an id that is not the one cdk-nag reports leaves its finding
    // unacknowledged and fails the synthesis.
    const { app, policy } = checkedBoundary([
      {
        sid: 'Read',
        effect: 'Allow',
        actions: ['sqs:Get*'],
        resources: [QUEUE],
        actionWildcardReason: 'read.',
      },
      { sid: 'ReadOther', actions: ['sqs:Get*'], resources: [OTHER_QUEUE], actionWildcardReason: 'again.' },
      { sid: 'Messages', actions: ['sqs:*Message'], resources: [QUEUE], actionWildcardReason: 'messages.' },
      { sid: 'NoIam', effect: 'Deny', actions: ['iam:*'], resources: ['*'] },
    ]);
    expect(Object.fromEntries(policy.acknowledgedFindings)).toEqual({
      'AwsSolutions-IAM5[Action::sqs:Get*]': 'read. again.',
      'AwsSolutions-IAM5[Action::sqs:*Message]': 'messages.',
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a whole service allowed, even with a reason: Control Tower refuses it in a managed policy', () => {
    const whole = (action: string) => () =>
      policyOf([{ sid: 'Whole', actions: [action], resources: [QUEUE], actionWildcardReason: 'why.' }]);
    expect(whole('sqs:*')).toThrow(
      'statement Whole allows sqs:*, a whole service, which Control Tower (CT.IAM.PR.3) refuses in a customer-managed policy: allow a family of its actions (such as s3:Get*) instead',
    );
    expect(whole('*')).toThrow('statement Whole allows *, a whole service');
    expect(whole('s3:*')).toThrow('statement Whole allows s3:*, a whole service');
    expect(whole('sqs:Get*')).not.toThrow();
    expect(whole('sqs:*Message')).not.toThrow();
    expect(whole('sqs:*Get*')).not.toThrow();
  });

  it('shows why a whole service is refused: the Control Tower rules fail its synthesis', () => {
    // The policy refuses it at construction; here the statement is written as CDK would, to show
    // that the refusal follows AWS's published rule rather than a list of ours.
    const { app, policy } = checkedBoundary([
      { sid: 'Read', actions: ['sqs:Get*'], resources: [QUEUE], actionWildcardReason: 'read.' },
    ]);
    policy.addStatements(new iam.PolicyStatement({ actions: ['sqs:*'], resources: [QUEUE] }));
    expect(() => app.synth()).toThrow(/CT\.IAM\.PR\.3/);
  });

  it('refuses a Sid IAM would refuse on its own too (the artifact bucket policy checks its Sids with it)', () => {
    expect(() => assertSid('Artifacts')).not.toThrow();
    expect(() => assertSid('')).toThrow(
      'statement id "" is not a Sid IAM accepts: ASCII letters and digits only, not empty',
    );
    expect(() => assertSid('Deny-Writes')).toThrow('statement id "Deny-Writes" is not a Sid');
    expect(() => assertSid('-Deny')).toThrow('statement id "-Deny" is not a Sid');
    expect(() => assertSid('Deny ')).toThrow('statement id "Deny " is not a Sid');
  });

  it('acknowledges a resource built from tokens in the form cdk-nag reports it', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const policy = new AccessPolicy(stack, 'P', {
      description: 'test',
      statements: [
        {
          sid: 'Logs',
          actions: ['logs:PutLogEvents'],
          resources: [`arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:x*`],
          wildcardReason: 'why.',
        },
      ],
    });
    expect([...policy.acknowledgedFindings.keys()]).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:x*]',
    ]);
  });
});

describe('flattenForNag', () => {
  it('writes intrinsic functions the way cdk-nag prints them in finding ids', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
    expect(flattenForNag('arn:${AWS::Partition}:s3:::b')).toBe('arn:<AWS::Partition>:s3:::b');
    expect(flattenForNag({ 'Fn::Join': ['-', ['a', { Ref: 'B' }]] })).toBe('a-<B>');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, verbatim
    expect(flattenForNag({ 'Fn::Sub': 'x-${AWS::Region}' })).toBe('x-<AWS::Region>');
    expect(flattenForNag({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe('<Table.Arn>');
    expect(flattenForNag({ 'Fn::ImportValue': 'Exported' })).toBe('Exported');
    expect(flattenForNag(42)).toBe('42');
    expect(flattenForNag({ 'Fn::Select': [0, ['a']] })).toBe('{"Fn::Select":[0,["a"]]}');
  });
});
