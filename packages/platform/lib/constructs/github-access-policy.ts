import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance';

/** One statement of an {@link AccessPolicy}. */
export interface AccessStatement {
  /** Statement id: says what the statement is for, e.g. `ManageServiceFunctions`. */
  readonly sid: string;
  /**
   * Allow or deny.
   * @default 'Allow'
   */
  readonly effect?: 'Allow' | 'Deny';
  /** Actions, each named in full: an allowed action may not contain `*`. */
  readonly actions: string[];
  /** Resource ARNs; may be tokens. */
  readonly resources: string[];
  /**
   * IAM conditions.
   * @default - none
   */
  readonly conditions?: Record<string, Record<string, unknown>>;
  /**
   * Why a `*` in an allowed resource is as narrow as AWS allows. Required when an allowed
   * resource contains `*`: it becomes the reason of the cdk-nag acknowledgement of that finding.
   * @default - the statement's resources hold no wildcard
   */
  readonly wildcardReason?: string;
}

/** Props of {@link AccessPolicy}. */
export interface AccessPolicyProps {
  /** What the policy grants, shown in the IAM console. */
  readonly description: string;
  /** The statements. */
  readonly statements: AccessStatement[];
  /** Roles the policy is attached to. */
  readonly roles: iam.IRole[];
}

/**
 * A customer-managed policy whose every wildcard carries its reason.
 *
 * Managed rather than inline: the NIST 800-53 pack rejects inline policies, and a managed policy
 * has its own 6,144-character budget, so a role's permissions can be split by concern.
 *
 * Each allowed resource that contains `*` is acknowledged for cdk-nag's `AwsSolutions-IAM5`
 * with its exact finding id (`AwsSolutions-IAM5[Resource::<flattened ARN>]`) and the statement's
 * `wildcardReason`; a wildcard without a reason, or a wildcard action, fails at construction.
 */
export class AccessPolicy extends iam.ManagedPolicy {
  /** The cdk-nag finding ids this policy acknowledges, with their reasons. */
  public readonly acknowledgedFindings: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: AccessPolicyProps) {
    super(scope, id, { description: props.description, roles: props.roles });
    const findings = new Map<string, string>();
    for (const s of props.statements) {
      const allow = (s.effect ?? 'Allow') === 'Allow';
      this.addStatements(
        new iam.PolicyStatement({
          sid: s.sid,
          effect: allow ? iam.Effect.ALLOW : iam.Effect.DENY,
          actions: s.actions,
          resources: s.resources,
          conditions: s.conditions,
        }),
      );
      if (!allow) continue;
      const wildAction = s.actions.find((a) => a.includes('*'));
      if (wildAction) {
        throw new Error(`statement ${s.sid} allows ${wildAction}: name each action instead of a wildcard`);
      }
      for (const resource of s.resources) {
        const flat = flattenForNag(Stack.of(this).resolve(resource));
        if (!flat.includes('*')) continue;
        if (!s.wildcardReason) {
          throw new Error(
            `statement ${s.sid} allows ${flat}, which has a wildcard, without a wildcardReason; narrow the resource or say why it cannot be narrower`,
          );
        }
        const finding = `AwsSolutions-IAM5[Resource::${flat}]`;
        const previous = findings.get(finding);
        findings.set(finding, previous ? `${previous} ${s.wildcardReason}` : s.wildcardReason);
      }
    }
    for (const [finding, reason] of findings) acknowledge(this, finding, reason);
    this.acknowledgedFindings = findings;
  }
}

/**
 * A resolved CloudFormation value as cdk-nag names it in finding ids: `Ref`s and `Fn::GetAtt`s as
 * `<Name>`/`<Name.Attr>`, `Fn::Join` concatenated.
 */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(flattenForNag).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattenForNag(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
    }
    if ('Fn::ImportValue' in node) return flattenForNag(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${flattenForNag(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
