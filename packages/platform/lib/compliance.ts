import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Runs the compliance packs over every stack below `scope` at synthesis: cdk-nag's AwsSolutions,
 * Serverless and NIST 800-53 rev 5 packs, and the AWS Control Tower proactive controls
 * (cfn-guard, bundled, offline). Any unacknowledged finding fails `app.synth()`.
 *
 * Acknowledge a finding with `Validations.of(construct).acknowledge({ id, reason })` on the
 * narrowest construct, with a reason specific to that resource.
 */
export function addComplianceChecks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope),
    new ServerlessChecks(scope),
    new NIST80053R5Checks(scope),
    new CfnGuardValidator(),
  );
}

/**
 * Acknowledges one rule on one construct with a reason; a thin helper so every acknowledgement in
 * the code base reads the same and always carries a reason.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}
