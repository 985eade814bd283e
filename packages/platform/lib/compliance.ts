import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
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

/** One Control Tower rule file and the resource types its rules check. */
export interface ControlTowerRuleFile {
  /** Absolute path of the `.guard` file. */
  readonly path: string;
  /**
   * The resource types the file's rules select: those compared with a resource's `Type` through a
   * literal or a `let` constant, and those its hook rules run for (`is_cfn_hook(%INPUT_DOCUMENT, T)`).
   * A type the file only names as the expected target of a reference (an IAM role an AppSync API
   * logs with, the KMS key a queue names) is not one. Every type the file names when it selects by
   * none of them; empty when it names no type at all.
   */
  readonly resourceTypes: readonly string[];
}

const RESOURCE_TYPE = /AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g;

/**
 * The resource types a Guard rule file selects its resources by (see
 * {@link ControlTowerRuleFile.resourceTypes}). Every Control Tower file selects with
 * `Resources.*[ Type == %CONST ]` (or `Resources[ … ]`, over one or more lines) for templates and
 * `is_cfn_hook(%INPUT_DOCUMENT, %CONST)` for hook input, with `let CONST = "AWS::Service::Type"`;
 * reference checks compare `Type` with a rule parameter instead
 * (`Type == %referenced_resource_type`), which names no type here.
 *
 * It fails closed: a comparison with a regular expression (`Type == /AWS::IAM::/`) selects types no
 * list can name, so such a file counts as selecting every type it names; every definition of a
 * constant counts (a rule may define a `let` of the file's name again); a list may span lines.
 */
export function guardRuleResourceTypes(source: string): string[] {
  const code = source.replace(/#.*$/gm, '');
  const named = [...new Set(code.match(RESOURCE_TYPE) ?? [])].sort();
  const constants = new Map<string, string[]>();
  for (const [, name, value] of code.matchAll(/^\s*let\s+(\w+)\s*=\s*(\[[^\]]*\]|.+)$/gm)) {
    constants.set(name as string, [...(constants.get(name as string) ?? []), value as string]);
  }
  const expand = (expression: string, seen: ReadonlySet<string> = new Set()): string =>
    expression.replace(/%(\w+)/g, (reference, name: string) => {
      const values = constants.get(name);
      if (values === undefined || seen.has(name)) return reference;
      return values.map((v) => expand(v, new Set([...seen, name]))).join(' ');
    });
  const comparisons = [
    ...[...code.matchAll(/\bType\s*(?:==|\bin\b)\s*(\[[^\]]*\]|[^\]\n]*)/g)].map((m) =>
      expand(m[1] as string),
    ),
    ...[...code.matchAll(/is_cfn_hook\(\s*%INPUT_DOCUMENT\s*,\s*([^)]*)\)/g)].map((m) =>
      expand(m[1] as string),
    ),
  ];
  if (comparisons.some((c) => /(^|[\s,[(])\/[^/]+\//.test(c))) return named;
  const selected = comparisons.flatMap((c) => c.match(RESOURCE_TYPE) ?? []);
  return selected.length > 0 ? [...new Set(selected)].sort() : named;
}

let ruleFiles: ControlTowerRuleFile[] | undefined;

/** Every Control Tower rule file, read once per process. */
export function controlTowerRuleFiles(): readonly ControlTowerRuleFile[] {
  ruleFiles ??= readdirSync(CONTROL_TOWER_RULES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.guard'))
    .sort()
    .map((file) => {
      const full = path.join(CONTROL_TOWER_RULES_DIR, file);
      return { path: full, resourceTypes: guardRuleResourceTypes(readFileSync(full, 'utf8')) };
    });
  return ruleFiles;
}

/**
 * The rule files that can apply to templates holding these resource types: those that select one
 * of them, and any that names no type at all (kept, since it could query anything).
 */
export function controlTowerRulesFor(resourceTypes: ReadonlySet<string>): string[] {
  return controlTowerRuleFiles()
    .filter((rule) => rule.resourceTypes.length === 0 || rule.resourceTypes.some((t) => resourceTypes.has(t)))
    .map((rule) => rule.path);
}

/**
 * The AWS Control Tower proactive controls, run by `@cdklabs/cdk-validator-cfnguard` over each
 * template with only the rule files that select a resource type present in it.
 *
 * Why: cfn-guard 3.1 evaluates every rule file against every data file, and a rule's
 * `Resources.*[ Type == ... ]` filter walks the whole template even when no resource matches. All
 * 237 files over the 8 dev templates took 14.6 s on an idle machine; with the union of the files
 * naming a present type, 4.2 s; per template, about a third less again; counting only the types a
 * file selects (not those it names as reference targets), a fifth less again over the 24 templates
 * of the three environments (10.5 s to 8.6 s). The findings are the same (each Control Tower rule
 * selects its resources by type, so a rule whose types are absent can only SKIP;
 * `control-tower-selection.slow.test.ts` compares with the whole set over every environment), and
 * plugin name and rule ids are the wrapped plugin's, so acknowledgements still match.
 *
 * A template already checked in this process with the same rules (same content, byte for byte) is
 * not checked again: the stacks a config variant leaves unchanged cost nothing in a test run.
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

  /** Runs, template by template, the rule files that can apply to it. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations = context.templatePaths.flatMap((templatePath) =>
      this.validateTemplate(context, templatePath),
    );
    return { success: violations.length === 0, violations };
  }

  private validateTemplate(context: IPolicyValidationContext, templatePath: string): PolicyViolation[] {
    const content = readFileSync(templatePath, 'utf8');
    const template = JSON.parse(content) as { Resources?: Record<string, { Type?: string }> };
    const types = new Set(Object.values(template.Resources ?? {}).flatMap((r) => (r.Type ? [r.Type] : [])));
    const rules = controlTowerRulesFor(types);
    if (rules.length === 0) return [];
    const key = createHash('sha256')
      .update(`${this.version}\n${rules.join('\n')}\n${content}`)
      .digest('hex');
    let found = checkedTemplates.get(key);
    if (!found) {
      found = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate({
        ...context,
        templatePaths: [templatePath],
      }).violations;
      checkedTemplates.set(key, found);
    }
    // The cached findings may come from another assembly's copy of the same template.
    return found.map((violation) => ({
      ...violation,
      violatingResources: violation.violatingResources.map((r) => ({ ...r, templatePath })),
    }));
  }
}

/** Control Tower findings by template content and rule set, for this process. */
const checkedTemplates = new Map<string, PolicyViolation[]>();

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
 * Acknowledges the two findings every platform log group draws, with reasons specific to it:
 * encryption with CloudWatch Logs' own key (NIST and Control Tower), and, when the retention is
 * under a year, Control Tower's retention check.
 */
export function acknowledgeLogGroup(
  logGroup: IConstruct,
  reasons: {
    /** Why CloudWatch Logs' own key is enough for what the group holds. */
    readonly encryption: string;
    /** The retention in days; at 365 or more nothing is acknowledged for it. */
    readonly retentionDays: number;
    /** Why a retention under a year is right here. */
    readonly retention: string;
  },
): void {
  acknowledge(logGroup, 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', reasons.encryption);
  acknowledge(logGroup, 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check', reasons.encryption);
  if (reasons.retentionDays < 365)
    acknowledge(
      logGroup,
      'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
      reasons.retention,
    );
}

/**
 * Acknowledges one rule on one construct with a reason; a thin helper so every acknowledgement in
 * the code base reads the same and always carries a reason.
 */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  // CDK records a stack trace with every acknowledgement, even when the app turns stack traces off
  // (`aws:cdk:disable-stack-trace`): a quarter of building an access stack. Where they are off, the
  // trace is left empty; the acknowledgement itself is recorded the same.
  if (construct.node.tryGetContext('aws:cdk:disable-stack-trace') !== true) {
    Validations.of(construct).acknowledge({ id, reason });
    return;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    Validations.of(construct).acknowledge({ id, reason });
  } finally {
    Error.stackTraceLimit = limit;
  }
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
