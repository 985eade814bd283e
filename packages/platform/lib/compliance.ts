import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
// A deep import of a module cdk-nag does not export: the ids of its wildcard findings are built
// with this function, and an acknowledgement only matches when built the same way. One import
// here, so a cdk-nag upgrade that moves the file breaks one line.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Runs the compliance packs over every stack below `scope` at synthesis: cdk-nag's AwsSolutions,
 * Serverless and NIST 800-53 rev 5 packs, and the AWS Control Tower proactive controls
 * (cfn-guard, bundled, offline). Any unacknowledged finding fails `app.synth()`, whatever the
 * plugin itself concluded (see {@link strictPlugin}).
 *
 * Acknowledge a finding with `Validations.of(construct).acknowledge({ id, reason })` on the
 * narrowest construct, with a reason specific to that resource.
 */
export function addComplianceChecks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    ...[
      new AwsSolutionsChecks(scope),
      new ServerlessChecks(scope),
      new NIST80053R5Checks(scope),
      new CfnGuardValidator(),
    ].map(strictPlugin),
  );
}

/**
 * A validation plugin whose every violation is an error: the same plugin (name, version, rule
 * ids, so acknowledgements still match), with each violation's severity set to `error` and its
 * report failed whenever it has a violation.
 *
 * Why: CDK decides whether synthesis fails from the severities left once acknowledged findings
 * are removed, and counts only `error` and `fatal`. cfn-guard reports its violations without a
 * severity, so an unacknowledged Control Tower finding (CT.LAMBDA.PR.2 on a permission whose
 * source account is unset) was printed as an error and synthesis still succeeded.
 */
export function strictPlugin(plugin: IPolicyValidationPlugin): IPolicyValidationPlugin {
  return {
    name: plugin.name,
    version: plugin.version,
    ruleIds: plugin.ruleIds,
    validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
      const report = plugin.validate(context);
      return {
        ...report,
        success: report.violations.length === 0,
        violations: report.violations.map((v) => ({ ...v, severity: 'error' })),
      };
    },
  };
}

/**
 * Acknowledges one rule on one construct with a reason; a thin helper so every acknowledgement in
 * the code base reads the same and always carries a reason.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}

/**
 * The id cdk-nag's AwsSolutions-IAM5 rule gives the finding for one wildcard in an Allow statement,
 * e.g. `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:...:*]`, to acknowledge it alone (a
 * new wildcard then still fails). Resource findings are named after the resolved resource with its
 * references flattened (`{ Ref: 'AWS::Region' }` becomes `<AWS::Region>`); action findings after
 * the action as written.
 *
 * @param part which half of the statement the wildcard is in
 * @param value the action, or the resource as `Stack.resolve` returns it
 */
export function wildcardFindingId(part: 'Action' | 'Resource', value: unknown): string {
  const name = part === 'Action' ? String(value) : flattenCfnReference(value);
  return `AwsSolutions-IAM5[${part}::${name}]`;
}
