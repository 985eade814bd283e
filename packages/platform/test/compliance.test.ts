import * as path from 'node:path';
import { App, Fn, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  addComplianceChecks,
  controlTowerRuleFiles,
  controlTowerRulesFor,
  guardRuleResourceTypes,
} from '../lib/compliance';

// The compliance packs must fail synthesis on every unacknowledged finding, whatever the plugin
// concluded. cfn-guard reports its Control Tower findings without a severity; once CDK has removed
// the acknowledged findings of a report it recomputes the report's outcome from the severities
// left, and counted those as passing: the platform (which acknowledges other findings of the same
// rule) synthesized with CT.LAMBDA.PR.2 printed as an error.

const ID = 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check';

/** Two Lambda permissions for API Gateway in a stack pinned to an account and region. */
function appWithPermissions(sourceAccount?: string): {
  app: App;
  acknowledged: lambda.CfnPermission;
  other: lambda.CfnPermission;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Pinned', { env: { account: '111122223333', region: 'eu-west-1' } });
  const permission = (id: string, account?: string): lambda.CfnPermission =>
    new lambda.CfnPermission(stack, id, {
      action: 'lambda:InvokeFunction',
      functionName: 'some-function',
      principal: 'apigateway.amazonaws.com',
      // Built with Fn::Join, which Control Tower's CT.LAMBDA.PR.2 does not accept as a source ARN.
      sourceArn: Fn.join('', ['arn:aws:execute-api:eu-west-1:111122223333:', Fn.ref('AWS::StackName'), '/*']),
      sourceAccount: account,
    });
  const acknowledged = permission('Acknowledged');
  acknowledge(acknowledged, ID, 'test: another finding of the same rule, acknowledged with a reason');
  const other = permission('Invoke', sourceAccount);
  addComplianceChecks(app);
  return { app, acknowledged, other };
}

describe('compliance checks', () => {
  it('fail synthesis on an unacknowledged Control Tower finding that cfn-guard reports without a severity', () => {
    const { app } = appWithPermissions();
    expect(() => app.synth()).toThrow(/CT\.LAMBDA\.PR\.2.*\n.*Pinned\/Invoke/);
  });

  it('let the permission through once its finding is acknowledged too', () => {
    const { app, other } = appWithPermissions();
    acknowledge(other, ID, 'test: the acknowledgement is what this case is about');
    expect(() => app.synth()).not.toThrow();
  });

  it('let the permission through when it names its source account', () => {
    const { app } = appWithPermissions('111122223333');
    expect(() => app.synth()).not.toThrow();
  });
});

describe('Control Tower rule selection', () => {
  it('keeps the rule files that name a present resource type and drops the others', () => {
    const selected = controlTowerRulesFor(new Set(['AWS::Lambda::Permission'])).map((f) => path.basename(f));
    expect(selected).toContain('ct-lambda-pr-2.guard');
    expect(selected.some((f) => f.startsWith('ct-s3-'))).toBe(false);
    expect(selected.length).toBeLessThan(controlTowerRuleFiles().length);
  });

  it('counts the types a rule file selects by, not those it names as reference targets', () => {
    // The shape of every Control Tower file: a template rule selecting by a constant, a hook rule
    // for the same type, a reference check whose expected type comes in as a parameter.
    const source = `
# Reports on: AWS::SQS::Queue (a comment: AWS::S3::Bucket is not a type of this file)
let SQS_QUEUE_TYPE = "AWS::SQS::Queue"
let KMS_KEY_TYPE = "AWS::KMS::Key"
let queues = Resources.*[ Type == %SQS_QUEUE_TYPE ]
rule queue_check when %queues not empty {
    check_local_references(%INPUT_DOCUMENT, KmsMasterKeyId, %KMS_KEY_TYPE)
}
rule queue_check when is_cfn_hook(%INPUT_DOCUMENT, %SQS_QUEUE_TYPE) { }
rule query_for_resource(doc, resource_key, referenced_resource_type) {
    %doc.Resources[ keys == %resource_key ] { Type == %referenced_resource_type }
}`;
    expect(guardRuleResourceTypes(source)).toEqual(['AWS::SQS::Queue']);
  });

  it('reads literals, lists and constants defined by constants', () => {
    const source = `
let ROLE = 'AWS::IAM::Role'
let PRINCIPALS = [%ROLE, "AWS::IAM::User"]
let principals = Resources.*[ Type in %PRINCIPALS ]
let groups = Resources.*[ Type == "AWS::IAM::Group" ]
rule r when is_cfn_hook(%INPUT_DOCUMENT, "AWS::IAM::Policy") { }`;
    expect(guardRuleResourceTypes(source)).toEqual([
      'AWS::IAM::Group',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::IAM::User',
    ]);
  });

  it('reads a list over several lines, inline or in a constant, and every definition of a name', () => {
    const source = `
let TYPES = [
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy"
]
let selected = Resources.*[
    Type in [
        "AWS::SQS::Queue",
        "AWS::SNS::Topic"
    ]
]
let T = "AWS::KMS::Key"
let a = Resources.*[ Type in %TYPES ]
rule r {
    let T = "AWS::KMS::Alias"
    let b = Resources.*[ Type == %T ]
}`;
    expect(guardRuleResourceTypes(source)).toEqual([
      'AWS::KMS::Alias',
      'AWS::KMS::Key',
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
    ]);
  });

  it('counts every type a file names when it selects by a regular expression', () => {
    const source = `
let queues = Resources.*[ Type == "AWS::SQS::Queue" ]
let iam = Resources.*[ Type == /AWS::IAM::/ ]
rule r { check_local_references(%INPUT_DOCUMENT, Role, "AWS::IAM::Role") }`;
    expect(guardRuleResourceTypes(source)).toEqual(['AWS::IAM::Role', 'AWS::SQS::Queue']);
  });

  it('falls back to every type a file names when it selects by none', () => {
    const source = 'let x = "AWS::Lambda::Function"\nrule r { Resources.*.Properties.Tags exists }';
    expect(guardRuleResourceTypes(source)).toEqual(['AWS::Lambda::Function']);
    expect(guardRuleResourceTypes('rule r { Resources exists }')).toEqual([]);
  });

  it('selects the shipped rules by their subject: an IAM role alone no longer runs the AppSync or RDS rules', () => {
    const types = (name: string) =>
      controlTowerRuleFiles().find((f) => path.basename(f.path) === name)?.resourceTypes;
    // ct-appsync-pr-1 names AWS::IAM::Role as the type its API's logging role must have.
    expect(types('ct-appsync-pr-1.guard')).toEqual(['AWS::AppSync::GraphQLApi']);
    expect(types('ct-cloudtrail-pr-3.guard')).toEqual(['AWS::CloudTrail::Trail']);
    expect(types('ct-iam-pr-1.guard')).toEqual([
      'AWS::IAM::Group',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::IAM::User',
    ]);
    const forRole = controlTowerRulesFor(new Set(['AWS::IAM::Role'])).map((f) => path.basename(f));
    expect(forRole).toContain('ct-iam-pr-1.guard');
    expect(forRole).not.toContain('ct-appsync-pr-1.guard');
    expect(forRole).not.toContain('ct-rds-pr-2.guard');
    expect(controlTowerRuleFiles().filter((f) => f.resourceTypes.length === 0)).toEqual([]);
  });
  // control-tower-selection.slow.test.ts compares the findings with the whole rule set's.
});
