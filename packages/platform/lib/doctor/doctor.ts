/**
 * `npm run doctor`: checks a deployed environment with read-only credentials, one line per check
 * with the fix. What it expects comes from the config and the platform synthesized from it (the
 * contract parameters, the stacks, the hooks, the queues); what it finds comes from AWS's read-only
 * APIs. Every AWS client is passed in, so the tests drive it over recorded responses.
 */
import {
  BatchDescribeTypeConfigurationsCommand,
  type CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { PlatformConfig } from '../config/schema';
import { LIMITS } from '../limits/catalogue';
import type { StackTemplate } from '../limits/resolve';

/** The AWS clients the doctor reads with (read-only calls only). */
export interface DoctorClients {
  /** SSM in the environment's region. */
  readonly ssm: SSMClient;
  /** SQS in the environment's region. */
  readonly sqs: SQSClient;
  /** CloudFormation in the environment's region. */
  readonly cloudFormation: CloudFormationClient;
  /** Service Quotas in the environment's region. */
  readonly serviceQuotas: ServiceQuotasClient;
  /** Service Quotas in us-east-1, where IAM's (global) quotas are. */
  readonly globalServiceQuotas: ServiceQuotasClient;
  /** HTTP GET, for the health route. @default globalThis.fetch */
  readonly fetch?: (url: string) => Promise<{ status: number }>;
}

/** One check's outcome. */
export interface CheckResult {
  /** What was checked. */
  readonly check: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** What was found. */
  readonly detail: string;
  /** What to do when it failed. @default - nothing: it passed */
  readonly fix?: string;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

function resources(stacks: readonly StackTemplate[], type: string) {
  return stacks.flatMap((s) =>
    Object.entries((s.template.Resources ?? {}) as Record<string, Resource>)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ stackName: s.stackName, id, resource: r })),
  );
}

/** The contract parameters the templates publish: name, and the value when the config fixes it. */
export function expectedParameters(
  stacks: readonly StackTemplate[],
): Array<{ name: string; value?: string }> {
  return resources(stacks, 'AWS::SSM::Parameter')
    .map(({ resource }) => resource.Properties ?? {})
    .filter((p) => typeof p.Name === 'string')
    .map((p) => ({ name: p.Name as string, value: typeof p.Value === 'string' ? p.Value : undefined }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs every check; never throws for what it finds in the account (a failed call is a failed check). */
export async function runDoctor(
  config: PlatformConfig,
  stacks: readonly StackTemplate[],
  clients: DoctorClients,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const run = async (check: string, body: () => Promise<CheckResult[]>) => {
    try {
      results.push(...(await body()));
    } catch (error) {
      results.push({
        check,
        ok: false,
        detail: `${(error as Error).name}: ${(error as Error).message}`,
        fix: 'run with read-only credentials of this account (ReadOnlyAccess) and the right AWS_REGION',
      });
    }
  };
  const values = new Map<string, string>();
  await run('contract parameters', () => checkParameters(stacks, clients.ssm, values));
  await run('API health route', () => checkHealth(config, values, clients.fetch ?? defaultFetch));
  await run('routes queues', () => checkQueues(stacks, clients));
  await run('guard hooks', () => checkHooks(stacks, clients.cloudFormation));
  await run('account quotas', () => checkQuotas(config, clients));
  await run('stack drift', () => checkDrift(stacks, clients.cloudFormation));
  return results;
}

async function defaultFetch(url: string): Promise<{ status: number }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status };
}

async function checkParameters(
  stacks: readonly StackTemplate[],
  ssm: SSMClient,
  found: Map<string, string>,
): Promise<CheckResult[]> {
  const expected = expectedParameters(stacks);
  const missing: string[] = [];
  for (let i = 0; i < expected.length; i += 10) {
    const batch = expected.slice(i, i + 10);
    const out = await ssm.send(new GetParametersCommand({ Names: batch.map((p) => p.name) }));
    for (const p of out.Parameters ?? []) if (p.Name) found.set(p.Name, p.Value ?? '');
    missing.push(...(out.InvalidParameters ?? []));
  }
  const differing = expected.filter(
    (p) => p.value !== undefined && found.has(p.name) && found.get(p.name) !== p.value,
  );
  const results: CheckResult[] = [];
  results.push(
    missing.length === 0
      ? { check: 'contract parameters present', ok: true, detail: `all ${expected.length} published` }
      : {
          check: 'contract parameters present',
          ok: false,
          detail: `${missing.length} of ${expected.length} missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
          fix: 'deploy the platform stacks of this environment (npm run synth, then cdk deploy --all)',
        },
  );
  results.push(
    differing.length === 0
      ? {
          check: 'contract parameters match the config',
          ok: true,
          detail: 'every value the config fixes is as deployed',
        }
      : {
          check: 'contract parameters match the config',
          ok: false,
          detail: differing
            .slice(0, 5)
            .map(
              (p) =>
                `${p.name} is ${JSON.stringify(found.get(p.name))}, config implies ${JSON.stringify(p.value)}`,
            )
            .join('; '),
          fix: 'deploy the platform with this config (the account runs another version), or correct the config',
        },
  );
  return results;
}

async function checkHealth(
  config: PlatformConfig,
  parameters: ReadonlyMap<string, string>,
  get: (url: string) => Promise<{ status: number }>,
): Promise<CheckResult[]> {
  const name = `/${config.project}/${config.environment}/api/invoke-url`;
  const base = parameters.get(name);
  if (!base) {
    return [
      {
        check: 'API health route',
        ok: false,
        detail: `${name} is not published, so the API's URL is unknown`,
        fix: 'deploy the api stack',
      },
    ];
  }
  const url = `${base.replace(/\/$/, '')}/health`;
  try {
    const { status } = await get(url);
    return status === 200
      ? [{ check: 'API health route', ok: true, detail: `GET ${url} answered 200` }]
      : [
          {
            check: 'API health route',
            ok: false,
            detail: `GET ${url} answered ${status}`,
            fix: 'look at the stage in API Gateway and the routes reconciler log: the last apply may have failed (ReconcileFailures alarm)',
          },
        ];
  } catch (error) {
    return [
      {
        check: 'API health route',
        ok: false,
        detail: `GET ${url} failed: ${(error as Error).message}`,
        fix: 'check the API resource policy (api.access) allows this machine, and that the stage is deployed',
      },
    ];
  }
}

async function checkQueues(stacks: readonly StackTemplate[], clients: DoctorClients): Promise<CheckResult[]> {
  const queues = resources(stacks, 'AWS::SQS::Queue');
  const results: CheckResult[] = [];
  for (const { stackName, id } of queues) {
    const deadLetter = /dead/i.test(id);
    const check = deadLetter ? 'routes dead-letter queue empty' : 'routes queue empty';
    const { StackResourceDetail } = await clients.cloudFormation.send(
      new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: id }),
    );
    const url = StackResourceDetail?.PhysicalResourceId ?? '';
    const { Attributes = {} } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const waiting = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    results.push(
      waiting + inFlight === 0
        ? { check, ok: true, detail: `${url} is empty` }
        : {
            check,
            ok: false,
            detail: `${url} holds ${waiting} waiting and ${inFlight} in-flight messages`,
            fix: deadLetter
              ? 'each message is a reconcile that failed 5 times: read the reconciler log for the error, fix it, then redrive the messages (SQS StartMessageMoveTask)'
              : 'the reconciler is behind or failing: read its log and the ReconcileFailures alarm',
          },
    );
  }
  return results;
}

async function checkHooks(
  stacks: readonly StackTemplate[],
  cfn: CloudFormationClient,
): Promise<CheckResult[]> {
  const hooks = resources(stacks, 'AWS::CloudFormation::GuardHook').map((h) =>
    String(h.resource.Properties?.Alias),
  );
  if (hooks.length === 0) return [];
  const out = await cfn.send(
    new BatchDescribeTypeConfigurationsCommand({
      TypeConfigurationIdentifiers: hooks.map((TypeName) => ({ Type: 'HOOK', TypeName })),
    }),
  );
  return hooks.map((alias) => {
    // The hook's type name is its alias; a configuration's own Alias is `default`.
    const found = out.TypeConfigurations?.find((c) => c.TypeName === alias);
    const status = found?.Configuration
      ? (
          JSON.parse(found.Configuration) as {
            CloudFormationConfiguration?: { HookConfiguration?: { HookInvocationStatus?: string } };
          }
        ).CloudFormationConfiguration?.HookConfiguration?.HookInvocationStatus
      : undefined;
    return status === 'ENABLED'
      ? { check: 'guard hook active', ok: true, detail: `${alias} is ENABLED` }
      : {
          check: 'guard hook active',
          ok: false,
          detail: found ? `${alias} is ${status ?? 'not configured'}` : `${alias} is not registered`,
          fix: 'deploy the guard stack; no service stack may deploy without the hook that checks it',
        };
  });
}

async function checkQuotas(config: PlatformConfig, clients: DoctorClients): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const limit of LIMITS) {
    if (!limit.quotaCode || !limit.serviceCode || !limit.configKey) continue;
    const client = limit.serviceCode === 'iam' ? clients.globalServiceQuotas : clients.serviceQuotas;
    const input = { ServiceCode: limit.serviceCode, QuotaCode: limit.quotaCode };
    let applied: number | undefined;
    try {
      applied = (await client.send(new GetServiceQuotaCommand(input))).Quota?.Value;
    } catch (error) {
      // A quota the account never changed has no applied value: AWS's default applies.
      if ((error as Error).name !== 'NoSuchResourceException') throw error;
      applied = (await client.send(new GetAWSDefaultServiceQuotaCommand(input))).Quota?.Value;
    }
    const configured = configValue(config, limit.configKey);
    const check = `quota ${limit.quotaName} (${limit.quotaCode})`;
    if (applied === undefined || configured === undefined) continue;
    results.push(
      applied >= configured
        ? {
            check,
            ok: true,
            detail: `account ${applied.toLocaleString('en-US')}, ${limit.configKey} ${configured.toLocaleString('en-US')}${applied > configured ? ` (raise ${limit.configKey} to use the rest)` : ''}`,
          }
        : {
            check,
            ok: false,
            detail: `the account allows ${applied.toLocaleString('en-US')} but ${limit.configKey} says ${configured.toLocaleString('en-US')}: the limit checks would pass a deploy AWS refuses`,
            fix: `set ${limit.configKey}: ${applied} in the config, or ask AWS to raise "${limit.quotaName}" to ${configured}`,
          },
    );
  }
  return results;
}

function configValue(config: PlatformConfig, key: string): number | undefined {
  let node: unknown = config;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return typeof node === 'number' ? node : undefined;
}

async function checkDrift(
  stacks: readonly StackTemplate[],
  cfn: CloudFormationClient,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { stackName } of stacks) {
    let stack: Awaited<ReturnType<CloudFormationClient['send']>> extends never ? never : unknown;
    try {
      stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (error) {
      if (!/does not exist/.test((error as Error).message)) throw error;
      results.push({
        check: 'stack drift',
        ok: false,
        detail: `${stackName} does not exist`,
        fix: 'deploy the platform stacks of this environment',
      });
      continue;
    }
    const s = stack as { StackStatus?: string; DriftInformation?: { StackDriftStatus?: string } };
    const drift = s.DriftInformation?.StackDriftStatus ?? 'NOT_CHECKED';
    if (
      drift === 'IN_SYNC' &&
      /_COMPLETE$/.test(s.StackStatus ?? '') &&
      !/ROLLBACK|DELETE/.test(s.StackStatus ?? '')
    ) {
      results.push({ check: 'stack drift', ok: true, detail: `${stackName} ${s.StackStatus}, IN_SYNC` });
    } else {
      results.push({
        check: 'stack drift',
        ok: false,
        detail: `${stackName} ${s.StackStatus}, drift ${drift}`,
        fix:
          drift === 'DRIFTED'
            ? `someone changed resources outside CloudFormation: see aws cloudformation describe-stack-resource-drifts --stack-name ${stackName}, then redeploy the stack`
            : drift === 'NOT_CHECKED' || drift === 'UNKNOWN'
              ? `run aws cloudformation detect-stack-drift --stack-name ${stackName} (with a role allowed to), then run the doctor again`
              : `the stack is not in a completed state: look at its events (aws cloudformation describe-stack-events --stack-name ${stackName})`,
      });
    }
  }
  return results;
}

/** One line per check: `ok`/`FAIL`, what, what was found and, on failure, the fix. */
export function renderDoctor(results: readonly CheckResult[]): string {
  const lines = results.map((r) =>
    r.ok ? `ok    ${r.check}: ${r.detail}` : `FAIL  ${r.check}: ${r.detail}\n      fix: ${r.fix ?? ''}`,
  );
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    '',
    failed === 0 ? `${results.length} checks, all passed` : `${results.length} checks, ${failed} failed`,
  );
  return lines.join('\n');
}
