import type { PlatformConfig } from '../config/schema';
import {
  type CfnResource,
  policyLength,
  publishedParameters,
  type ResolveEnvironment,
  resolveEnvironment,
  type StackTemplate,
  TemplateResolver,
} from './resolve';

/** One environment as the limit checks see it: its config and its synthesized templates. */
export interface MeasuredEnvironment {
  /** The parsed config. */
  readonly config: PlatformConfig;
  /** Every stack of its synthesized platform. */
  readonly stacks: readonly StackTemplate[];
}

/** What the usage functions of the catalogue read. */
export interface LimitContext extends MeasuredEnvironment {
  /**
   * Every environment deployed to the same account as this one (this one included): account
   * quotas are shared. An environment-agnostic config (no `account`) shares with nobody.
   */
  readonly account: readonly MeasuredEnvironment[];
}

/** A part of a usage, for the "largest contributors" of a message. */
export interface Contributor {
  /** What it is: a statement id, a stack, a service. */
  readonly name: string;
  /** How much of the usage it takes. */
  readonly size: number;
}

/** A policy document as deployed: where, and its resolved length. */
export interface MeasuredPolicy {
  /** `{stackName}/{logicalId}`. */
  readonly subject: string;
  /** Stack it is in. */
  readonly stackName: string;
  /** Resolved document. */
  readonly document: unknown;
  /** Length without whitespace. */
  readonly length: number;
  /** Its statements by Sid (or position), largest first. */
  readonly statements: readonly Contributor[];
}

/** A role as deployed: trust policy, inline policies and attached managed policies. */
export interface MeasuredRole {
  /** `{stackName}/{logicalId}`. */
  readonly subject: string;
  /** Resolved trust policy. */
  readonly trustDocument: unknown;
  /** Resolved trust policy length. */
  readonly trustLength: number;
  /** Inline policies (Policies property and AWS::IAM::Policy resources naming the role). */
  readonly inline: readonly Contributor[];
  /** Managed policies attached (ARNs listed, and managed policies in the stack naming the role). */
  readonly managed: readonly string[];
}

const resolvers = new WeakMap<readonly StackTemplate[], Map<string, TemplateResolver>>();

/** A resolver per stack of an environment, sharing the contract values the stacks publish. */
export function resolverOf(env: MeasuredEnvironment, stack: StackTemplate): TemplateResolver {
  let byStack = resolvers.get(env.stacks);
  if (!byStack) {
    const pseudo = resolveEnvironment(env.config);
    const ssm = publishedParameters(env.stacks, pseudo);
    byStack = new Map(env.stacks.map((s) => [s.stackName, new TemplateResolver(s, pseudo, ssm)]));
    resolvers.set(env.stacks, byStack);
  }
  return byStack.get(stack.stackName) ?? new TemplateResolver(stack, resolveEnvironment(env.config));
}

/** The pseudo parameters an environment is measured with. */
export function pseudoOf(env: MeasuredEnvironment): ResolveEnvironment {
  return resolveEnvironment(env.config);
}

/** Resources of a type across every stack. */
export function resourcesOf(
  env: MeasuredEnvironment,
  type: string,
): Array<{ stack: StackTemplate; id: string; resource: CfnResource }> {
  return env.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id, resource]) => ({ stack, id, resource })),
  );
}

/** Every customer managed policy of an environment, resolved. */
export function managedPolicies(env: MeasuredEnvironment): MeasuredPolicy[] {
  return resourcesOf(env, 'AWS::IAM::ManagedPolicy').map(({ stack, id, resource }) => {
    const document = resolverOf(env, stack).resolve(resource.Properties?.PolicyDocument);
    return {
      subject: `${stack.stackName}/${id}`,
      stackName: stack.stackName,
      document,
      length: policyLength(document),
      statements: statementsOf(document),
    };
  });
}

/** Every role of an environment with its trust, inline and managed policies. */
export function roles(env: MeasuredEnvironment): MeasuredRole[] {
  const out: MeasuredRole[] = [];
  for (const stack of env.stacks) {
    const resolver = resolverOf(env, stack);
    const resources = Object.entries(stack.template.Resources ?? {});
    const naming = (list: unknown, roleId: string) =>
      Array.isArray(list) && list.some((r) => isRef(r, roleId));
    for (const [id, r] of resources) {
      if (r.Type !== 'AWS::IAM::Role') continue;
      const p = r.Properties ?? {};
      const inline: Contributor[] = [];
      for (const policy of (p.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []) {
        inline.push({ name: policy.PolicyName, size: policyLength(resolver.resolve(policy.PolicyDocument)) });
      }
      const managed = ((resolver.resolve(p.ManagedPolicyArns) as string[] | undefined) ?? []).map(String);
      for (const [otherId, other] of resources) {
        if (other.Type === 'AWS::IAM::Policy' && naming(other.Properties?.Roles, id)) {
          inline.push({
            name: otherId,
            size: policyLength(resolver.resolve(other.Properties?.PolicyDocument)),
          });
        }
        // A policy that names the role and is also in its ManagedPolicyArns is attached once.
        const arn = String(resolver.resolve({ Ref: otherId }));
        if (
          other.Type === 'AWS::IAM::ManagedPolicy' &&
          naming(other.Properties?.Roles, id) &&
          !managed.includes(arn)
        ) {
          managed.push(arn);
        }
      }
      const trustDocument = resolver.resolve(p.AssumeRolePolicyDocument);
      out.push({
        subject: `${stack.stackName}/${id}`,
        trustDocument,
        trustLength: policyLength(trustDocument),
        inline: inline.sort((a, b) => b.size - a.size),
        managed,
      });
    }
  }
  return out;
}

function isRef(value: unknown, id: string): boolean {
  return typeof value === 'object' && value !== null && (value as { Ref?: unknown }).Ref === id;
}

/** A policy's statements by Sid (or position), largest first. */
export function statementsOf(document: unknown): Contributor[] {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return statements
    .map((s, i) => ({
      name:
        typeof (s as { Sid?: unknown }).Sid === 'string'
          ? String((s as { Sid: string }).Sid)
          : `Statement[${i}]`,
      size: policyLength(s),
    }))
    .sort((a, b) => b.size - a.size);
}

/**
 * The statement Lambda adds to a function's resource-based policy for one `AWS::Lambda::Permission`
 * (as GetPolicy returns it), resolved: the function policy quota counts these.
 */
export function permissionStatement(
  sid: string,
  props: { principal: string; functionArn: string; sourceArn?: string; sourceAccount?: string },
): Record<string, unknown> {
  const condition: Record<string, unknown> = {};
  if (props.sourceArn) condition.ArnLike = { 'AWS:SourceArn': props.sourceArn };
  if (props.sourceAccount) condition.StringEquals = { 'AWS:SourceAccount': props.sourceAccount };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: props.principal.includes('.') ? { Service: props.principal } : { AWS: props.principal },
    Action: 'lambda:InvokeFunction',
    Resource: props.functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** Every function's resource policy, from the stacks' `AWS::Lambda::Permission` resources. */
export function functionPolicies(
  env: MeasuredEnvironment,
): Array<{ subject: string; length: number; statements: Contributor[] }> {
  const byFunction = new Map<string, Array<{ id: string; statement: Record<string, unknown> }>>();
  const { region, account, partition } = pseudoOf(env);
  for (const { stack, id, resource } of resourcesOf(env, 'AWS::Lambda::Permission')) {
    const resolver = resolverOf(env, stack);
    const p = resource.Properties ?? {};
    const fn = String(resolver.resolve(p.FunctionName));
    const statement = permissionStatement(`${stack.stackName}-${id}-ABCDEFGHIJKLM`, {
      principal: String(resolver.resolve(p.Principal)),
      functionArn: fn.startsWith('arn:') ? fn : `arn:${partition}:lambda:${region}:${account}:function:${fn}`,
      sourceArn: p.SourceArn === undefined ? undefined : String(resolver.resolve(p.SourceArn)),
      sourceAccount: p.SourceAccount === undefined ? undefined : String(resolver.resolve(p.SourceAccount)),
    });
    byFunction.set(fn, [...(byFunction.get(fn) ?? []), { id, statement }]);
  }
  return [...byFunction.entries()].map(([fn, list]) => ({
    subject: fn,
    length: functionPolicyLength(list.map((s) => s.statement)),
    statements: list
      .map((s) => ({ name: s.id, size: policyLength(s.statement) }))
      .sort((a, b) => b.size - a.size),
  }));
}

/** The length of a function policy document holding `statements`, as GetPolicy returns it. */
export function functionPolicyLength(statements: readonly unknown[]): number {
  return policyLength({ Version: '2012-10-17', Id: 'default', Statement: statements });
}
