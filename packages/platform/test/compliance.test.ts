import { App, Fn, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { acknowledge, addComplianceChecks } from '../lib/compliance';

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
