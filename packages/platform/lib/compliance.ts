import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
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
      new ControlTowerRules(),
    ].map(strictPlugin),
  );
}

/** The Control Tower rule files that `@cdklabs/cdk-validator-cfnguard` ships. */
const CONTROL_TOWER_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** One Control Tower rule file and the resource types it names. */
export interface ControlTowerRuleFile {
  /** Absolute path of the `.guard` file. */
  readonly path: string;
  /** Every `AWS::Service::Type` literal in the file; empty when it names none. */
  readonly resourceTypes: readonly string[];
}

let ruleFiles: ControlTowerRuleFile[] | undefined;

/** Every Control Tower rule file, read once per process. */
export function controlTowerRuleFiles(): readonly ControlTowerRuleFile[] {
  ruleFiles ??= readdirSync(CONTROL_TOWER_RULES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.guard'))
    .sort()
    .map((file) => {
      const full = path.join(CONTROL_TOWER_RULES_DIR, file);
      const types = readFileSync(full, 'utf8').match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [];
      return { path: full, resourceTypes: [...new Set(types)] };
    });
  return ruleFiles;
}

/**
 * The rule files that can apply to templates holding these resource types: those that name one of
 * them, and any that names no type at all (kept, since it could query anything).
 */
export function controlTowerRulesFor(resourceTypes: ReadonlySet<string>): string[] {
  return controlTowerRuleFiles()
    .filter((rule) => rule.resourceTypes.length === 0 || rule.resourceTypes.some((t) => resourceTypes.has(t)))
    .map((rule) => rule.path);
}

/**
 * The AWS Control Tower proactive controls, run by `@cdklabs/cdk-validator-cfnguard` with only the
 * rule files that name a resource type present in the templates.
 *
 * Why: cfn-guard 3.1 evaluates every rule file against every template, and a rule's
 * `Resources.*[ Type == ... ]` filter walks the whole template even when no resource matches. All
 * 474 files over the 8 dev templates took 14.6 s; the ~110 that can match take 4.2 s and report the
 * same findings (each Control Tower rule selects its resources by type, so a rule whose types are
 * absent can only SKIP). Same plugin name and rule ids, so acknowledgements still match.
 */
export class ControlTowerRules implements IPolicyValidationPlugin {
  /** The wrapped plugin's name, which acknowledgement ids start with. */
  public readonly name: string;
  /** The wrapped plugin's version. */
  public readonly version?: string;
  /** Every Control Tower rule id, selected or not. */
  public readonly ruleIds?: string[];

  constructor() {
    const all = new CfnGuardValidator();
    this.name = all.name;
    this.version = all.version;
    this.ruleIds = all.ruleIds;
  }

  /** Runs the rule files that can apply to `context`'s templates. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const types = new Set<string>();
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
        Resources?: Record<string, { Type?: string }>;
      };
      for (const resource of Object.values(template.Resources ?? {}))
        if (resource.Type) types.add(resource.Type);
    }
    const rules = controlTowerRulesFor(types);
    if (rules.length === 0) return { success: true, violations: [] };
    return new CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate(context);
  }
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
