import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The cfn-guard binary `@cdklabs/cdk-validator-cfnguard` ships for this machine: the same engine
 * (Guard 3) the CloudFormation Guard Hook runs, so the hook's rules can be tried offline.
 */
export function cfnGuardBinary(): string {
  const root = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const platform = os.platform() === 'darwin' ? 'macos' : os.platform() === 'linux' ? 'ubuntu' : undefined;
  const arch = os.arch() === 'x64' ? 'x86_64' : os.arch() === 'arm64' ? 'aarch64' : undefined;
  if (!platform || !arch) {
    throw new Error(
      `cfn-guard is shipped for linux and macOS on x64 and arm64, not ${os.platform()} ${os.arch()}`,
    );
  }
  return path.join(root, 'bin', platform, arch, 'cfn-guard');
}

/** One failed check: which rule, which resource (when the check is about one), and why. */
export interface GuardFinding {
  /** The rule's name. */
  readonly rule: string;
  /** The logical id of the resource the check failed on; absent for checks on the stack. */
  readonly resource?: string;
  /** The rule's message for the failed clause (or cfn-guard's own when the rule has none). */
  readonly message: string;
}

/**
 * Evaluates Guard rules over one input document with the shipped cfn-guard and returns every
 * failed check. Throws when cfn-guard cannot run or cannot parse the rules.
 *
 * Each call starts cfn-guard and parses the rules anew; to evaluate several documents against the
 * same rules, use {@link evaluateGuardRulesOnEach}.
 */
export function evaluateGuardRules(rules: string, input: unknown): GuardFinding[] {
  return evaluateGuardRulesOnEach(rules, [input])[0];
}

/**
 * Evaluates Guard rules over several input documents in one cfn-guard run and returns, for each
 * input in the order given, every failed check on it. Throws when cfn-guard cannot run or cannot
 * parse the rules.
 *
 * It exists because starting cfn-guard and parsing the rules costs far more than evaluating a
 * template: a test checking twenty templates pays that cost once instead of twenty times.
 *
 * @example
 * const [good, bad] = evaluateGuardRulesOnEach(rules, [goodTemplate, badTemplate]);
 */
export function evaluateGuardRulesOnEach(rules: string, inputs: readonly unknown[]): GuardFinding[][] {
  if (inputs.length === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-'));
  try {
    const rulesFile = path.join(dir, 'rules.guard');
    writeFileSync(rulesFile, rules);
    const dataFiles = inputs.map((input, index) => {
      const dataFile = path.join(dir, `input-${index}.json`);
      writeFileSync(dataFile, JSON.stringify(input));
      return dataFile;
    });
    const result = spawnSync(
      cfnGuardBinary(),
      [
        'validate',
        '--rules',
        rulesFile,
        ...dataFiles.flatMap((dataFile) => ['--data', dataFile]),
        '--output-format',
        'json',
        '--show-summary',
        'none',
        // One JSON array of per-file reports; without it the reports are concatenated objects.
        '--structured',
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    // 0: every input compliant, 19: some input not; anything else is cfn-guard failing to evaluate.
    if (result.status !== 0 && result.status !== 19) {
      throw new Error(
        `cfn-guard failed (exit ${result.status}): ${result.error?.message || result.stderr || result.stdout}`,
      );
    }
    let reports: Array<{
      name: string;
      not_compliant?: Array<{ Rule: { name: string; checks: unknown[] } }>;
    }>;
    try {
      reports = JSON.parse(result.stdout);
    } catch (error) {
      throw new Error(
        `cfn-guard exited ${result.status} without a JSON report (${(error as Error).message}): ${result.stderr || result.stdout || '(no output)'}`,
      );
    }
    // Reports are matched to inputs by the data file they name, not by their position.
    const byFile = new Map(reports.map((report) => [report.name, report]));
    return dataFiles.map((dataFile, index) => {
      const report = byFile.get(dataFile);
      if (!report) {
        throw new Error(`cfn-guard reported nothing for input ${index} (${dataFile}): ${result.stdout}`);
      }
      const findings = new Map<string, GuardFinding>();
      for (const { Rule } of report.not_compliant ?? []) collect(Rule.name, Rule.checks, '', findings);
      return [...findings.values()];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Walks cfn-guard's JSON report: a clause carries its messages, and somewhere below it the paths
// of the values it compared (`/Resources/{logicalId}/…`).
function collect(rule: string, node: unknown, message: string, out: Map<string, GuardFinding>): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(rule, child, message, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const messages = record.messages as
    | { custom_message?: string | null; error_message?: string | null }
    | undefined;
  const here = messages?.custom_message || (messages ? (messages.error_message ?? message) : message);
  if (messages && 'context' in record) {
    const resource = findResource(record);
    const key = `${rule}\u0000${resource ?? ''}\u0000${here}`;
    if (!out.has(key)) out.set(key, { rule, resource, message: here });
    return;
  }
  for (const value of Object.values(record)) collect(rule, value, here, out);
}

function findResource(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = findResource(child);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const record = node as Record<string, unknown>;
  if (typeof record.path === 'string') {
    const match = /^\/Resources\/([^/]+)/.exec(record.path);
    if (match) return match[1];
  }
  for (const value of Object.values(record)) {
    const found = findResource(value);
    if (found) return found;
  }
  return undefined;
}

/** What {@link guardHookStackInput} needs besides the template. */
export interface HookInputOptions {
  /** The stack's name (the `StackId` carries it). */
  readonly stackName: string;
  /** @default '111122223333' */
  readonly account?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** @default 'CREATE_PRE_PROVISION' */
  readonly invocationPoint?: 'CREATE_PRE_PROVISION' | 'UPDATE_PRE_PROVISION' | 'DELETE_PRE_PROVISION';
}

/**
 * The document a Guard Hook's rules see for a stack operation: the proposed template at the top
 * level, with `HookContext` beside it.
 *
 * @see https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/guard-hooks-write-rules.html
 */
export function guardHookStackInput(template: object, options: HookInputOptions): Record<string, unknown> {
  const account = options.account ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  return {
    ...template,
    HookContext: {
      AWSAccountID: account,
      StackId: `arn:aws:cloudformation:${region}:${account}:stack/${options.stackName}/0b5e8d30-8f0e-11f0-9c2a-0a1b2c3d4e5f`,
      HookTypeName: 'Private::Guard::ServiceStacks',
      InvocationPoint: options.invocationPoint ?? 'CREATE_PRE_PROVISION',
      TargetName: 'STACK',
      TargetType: 'STACK',
    },
  };
}
