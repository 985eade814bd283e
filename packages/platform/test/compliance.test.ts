import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Fn, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  addComplianceChecks,
  ControlTowerRules,
  controlTowerRuleFiles,
  controlTowerRulesFor,
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

  it('reports the same findings as the whole Control Tower rule set', () => {
    // A stack that breaks rules of several services: a bucket without versioning or logging, a
    // queue without a DLQ, a public-looking Lambda permission.
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(app, 'Mixed', { env: { account: '111122223333', region: 'eu-west-1' } });
    new s3.CfnBucket(stack, 'Bucket');
    new sqs.CfnQueue(stack, 'Queue');
    new lambda.CfnPermission(stack, 'Invoke', {
      action: 'lambda:InvokeFunction',
      functionName: 'some-function',
      principal: 'apigateway.amazonaws.com',
    });
    const assembly = app.synth();
    const templatePath = path.join(assembly.directory, 'Mixed.template.json');
    const context = {
      templatePaths: [templatePath],
      stackTemplates: [
        { stackConstructPath: 'Mixed', templatePath, accountId: '111122223333', region: 'eu-west-1' },
      ],
      appConstruct: app,
    };
    const ruleNames = (report: { violations: Array<{ ruleName: string }> }): string[] =>
      report.violations.map((v) => v.ruleName).sort();
    const selected = ruleNames(new ControlTowerRules().validate(context));
    expect(selected).toContain('lambda_function_public_access_prohibited_check');
    expect(selected).toContain('sqs_dlq_check');
    expect(selected).toEqual(ruleNames(new CfnGuardValidator().validate(context)));
  });
});
