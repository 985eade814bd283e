import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ACCOUNT, type CfnTemplate, type DeployedTemplate, IamModel, REGION } from './iam-model';
import {
  type AssetObject,
  type Rehearsal,
  type RehearsalStack,
  type RehearseOptions,
  rehearse,
} from './rehearse';

/** A stack of a cloud assembly (a `cdk.out` directory), as the CDK CLI would deploy it. */
export interface AssemblyStack {
  /** The artifact id. */
  readonly id: string;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Stack tags (`cdk deploy` passes them to CloudFormation, which propagates them). */
  readonly tags: Record<string, string>;
  /** Ids of the stacks it depends on. */
  readonly dependencies: readonly string[];
  /** The role the CLI assumes to deploy it, when the synthesizer names one. */
  readonly assumeRoleArn?: string;
  /** The execution role the synthesizer names, if any. */
  readonly cloudFormationExecutionRoleArn?: string;
  /** Its file assets: where they go, and the role the CLI publishes them with, if any. */
  readonly assets: ReadonlyArray<{
    bucket: string;
    key: string;
    publishRoleArn?: string;
    isTemplate: boolean;
  }>;
}

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      dependencies?: string[];
      properties?: Record<string, unknown>;
    }
  >;
}

/** Fills CDK's `${AWS::AccountId}`-style placeholders with the rehearsal's account and region. */
export function fillPlaceholders(value: string): string {
  // CDK's asset-manifest placeholders are plain strings, not JS templates.
  return value
    .replaceAll(`$\{AWS::AccountId}`, ACCOUNT)
    .replaceAll(`$\{AWS::Region}`, REGION)
    .replaceAll(`$\{AWS::Partition}`, 'aws');
}

/**
 * The stacks of a cloud assembly in deploy order (every stack after the stacks it depends on),
 * with their templates, tags and assets. Nested assemblies (stages) are read too.
 */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = manifest.artifacts ?? {};
  const stacks: AssemblyStack[] = [];
  for (const [id, a] of Object.entries(artifacts)) {
    if (a.type === 'cdk:cloud-assembly') {
      stacks.push(...readAssembly(path.join(dir, String(a.properties?.directoryName))));
      continue;
    }
    if (a.type !== 'aws:cloudformation:stack') continue;
    const p = a.properties ?? {};
    const template = JSON.parse(readFileSync(path.join(dir, String(p.templateFile)), 'utf8')) as CfnTemplate;
    const assets: Array<AssemblyStack['assets'][number]> = [];
    for (const dep of a.dependencies ?? []) {
      const assetArtifact = artifacts[dep];
      if (assetArtifact?.type !== 'cdk:asset-manifest') continue;
      const file = JSON.parse(
        readFileSync(path.join(dir, String(assetArtifact.properties?.file)), 'utf8'),
      ) as {
        files?: Record<
          string,
          {
            source: { path: string };
            destinations: Record<string, { bucketName: string; objectKey: string; assumeRoleArn?: string }>;
          }
        >;
      };
      for (const f of Object.values(file.files ?? {})) {
        for (const d of Object.values(f.destinations)) {
          assets.push({
            bucket: fillPlaceholders(d.bucketName),
            key: fillPlaceholders(d.objectKey),
            publishRoleArn: d.assumeRoleArn ? fillPlaceholders(d.assumeRoleArn) : undefined,
            isTemplate: f.source.path === p.templateFile,
          });
        }
      }
    }
    stacks.push({
      id,
      stackName: String(p.stackName ?? id),
      template,
      tags: (p.tags as Record<string, string> | undefined) ?? {},
      dependencies: (a.dependencies ?? []).filter((d) => artifacts[d]?.type === 'aws:cloudformation:stack'),
      assumeRoleArn: typeof p.assumeRoleArn === 'string' ? fillPlaceholders(p.assumeRoleArn) : undefined,
      cloudFormationExecutionRoleArn:
        typeof p.cloudFormationExecutionRoleArn === 'string'
          ? fillPlaceholders(p.cloudFormationExecutionRoleArn)
          : undefined,
      assets,
    });
  }
  return deployOrder(stacks);
}

function deployOrder(stacks: AssemblyStack[]): AssemblyStack[] {
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const out: AssemblyStack[] = [];
  const done = new Set<string>();
  const visit = (s: AssemblyStack, path: string[]) => {
    if (done.has(s.id)) return;
    if (path.includes(s.id)) throw new Error(`dependency cycle: ${[...path, s.id].join(' -> ')}`);
    for (const d of s.dependencies) {
      const dep = byId.get(d);
      if (dep) visit(dep, [...path, s.id]);
    }
    done.add(s.id);
    out.push(s);
  };
  for (const s of stacks) visit(s, []);
  return out;
}

const roleName = (arn: string) => arn.split('/').pop() as string;

/**
 * The CDK bootstrap stack the installed CDK CLI creates (`cdk bootstrap`, default parameters): its
 * deploy, file-publishing and execution roles deploy the platform.
 */
export function cdkBootstrapTemplate(): DeployedTemplate {
  const cli = path.dirname(require.resolve('aws-cdk/package.json'));
  const file = path.join(cli, 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml');
  return { stackName: 'CDKToolkit', template: parse(readFileSync(file, 'utf8')) as CfnTemplate };
}

/** What {@link rehearsePlatformAssembly} needs besides the assembly. */
export interface PlatformRehearsalOptions extends RehearseOptions {
  /**
   * The platform's GitHub deploy role, which assumes the bootstrap roles.
   * @default - none: the bootstrap roles are the callers
   */
  readonly platformDeployRole?: string;
}

/**
 * Rehearses a platform deploy (`cdk deploy --all` through the CDK bootstrap roles) of the stacks of
 * a synthesized platform assembly.
 */
export async function rehearsePlatformAssembly(
  dir: string,
  options: PlatformRehearsalOptions = {},
): Promise<Rehearsal> {
  const stacks = readAssembly(dir);
  const model = new IamModel([cdkBootstrapTemplate(), ...stacks]);
  return rehearse(
    model,
    stacks.map((s): RehearsalStack => {
      if (!s.assumeRoleArn || !s.cloudFormationExecutionRoleArn)
        throw new Error(
          `${s.stackName}: the platform deploys through the CDK bootstrap roles; its synthesizer names none`,
        );
      const caller = roleName(s.assumeRoleArn);
      const execution = roleName(s.cloudFormationExecutionRoleArn);
      const publishers = [...new Set(s.assets.map((a) => a.publishRoleArn).filter((a): a is string => !!a))];
      return {
        stackName: s.stackName,
        template: s.template,
        callerRole: caller,
        executionRole: execution,
        assumedBy: options.platformDeployRole
          ? { role: options.platformDeployRole, assumes: [caller, ...publishers.map(roleName)] }
          : undefined,
        tags: s.tags,
        assets: s.assets.map(
          (a): AssetObject => ({
            arn: `arn:aws:s3:::${a.bucket}/${a.key}`,
            publisher: a.publishRoleArn ? roleName(a.publishRoleArn) : caller,
            reader: a.isTemplate ? caller : execution,
          }),
        ),
      };
    }),
    options,
  );
}

/**
 * What a service repository needs from the platform to rehearse its deploy: written per service by
 * the platform synth (`cdk.out/rehearsal-inputs/{env}-{service}.json`), published by the platform's
 * deploy workflow, read by `shared-lambda rehearse --platform FILE`.
 */
export interface ServiceRehearsalInputs {
  /** The file format. */
  readonly format: 'shared-lambda-infra/rehearsal-inputs@1';
  readonly project: string;
  readonly environment: string;
  readonly service: string;
  /** The service's deploy role (GitHub Actions), the caller of CloudFormation. */
  readonly deployRole: string;
  /** The service's CloudFormation execution role. */
  readonly executionRole: string;
  /** The Guard Hook's rules, when a hook targets the execution role. */
  readonly guardRules?: string;
  /**
   * The platform's synthesized templates: the roles, policies and boundaries, the artifact bucket's
   * policy and the contract parameters, as they will be deployed.
   */
  readonly templates: readonly DeployedTemplate[];
}

const models = new WeakMap<ServiceRehearsalInputs, WeakMap<readonly AssemblyStack[], IamModel>>();

/** Rehearses a service deploy (`cdk deploy --all --role-arn {execution role}` as its deploy role). */
export async function rehearseServiceAssembly(
  inputs: ServiceRehearsalInputs,
  dir: string,
  options: RehearseOptions = {},
): Promise<Rehearsal> {
  return rehearseServiceStacks(inputs, readAssembly(dir), options);
}

/** {@link rehearseServiceAssembly} over stacks already read. */
export async function rehearseServiceStacks(
  inputs: ServiceRehearsalInputs,
  stacks: readonly AssemblyStack[],
  options: RehearseOptions = {},
): Promise<Rehearsal> {
  if (inputs.format !== 'shared-lambda-infra/rehearsal-inputs@1')
    throw new Error(
      `rehearsal inputs of format "${inputs.format}": expected shared-lambda-infra/rehearsal-inputs@1`,
    );
  // The same inputs and stacks rehearsed again (strict after lax) reuse the model and its answers.
  let byStacks = models.get(inputs);
  if (!byStacks) {
    byStacks = new WeakMap();
    models.set(inputs, byStacks);
  }
  let model = byStacks.get(stacks);
  if (!model) {
    model = new IamModel([...inputs.templates, ...stacks]);
    byStacks.set(stacks, model);
  }
  return rehearse(
    model,
    stacks.map(
      (s): RehearsalStack => ({
        stackName: s.stackName,
        template: s.template,
        callerRole: inputs.deployRole,
        executionRole: inputs.executionRole,
        tags: s.tags,
        guardRules: inputs.guardRules,
        assets: s.assets.map((a) => ({
          arn: `arn:aws:s3:::${a.bucket}/${a.key}`,
          // CliCredentialsStackSynthesizer: the CLI publishes with the deploy role's own credentials.
          publisher: inputs.deployRole,
          reader: a.isTemplate ? inputs.deployRole : inputs.executionRole,
        })),
      }),
    ),
    options,
  );
}
