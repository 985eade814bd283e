import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchDescribeTypeConfigurationsCommand,
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformConfig } from '../../lib/config/schema';
import { type CheckResult, expectedParameters, renderDoctor, runDoctor } from '../../lib/doctor/doctor';
import type { StackTemplate } from '../../lib/limits/resolve';
import { sharedPlatform } from '../helpers/synth';
import {
  APPLIED_QUOTAS,
  CONFIG_FIXED_PARAMETERS,
  DEFAULT_QUOTAS,
  EMPTY_QUEUE,
  ENABLED_HOOK_CONFIGURATION,
  GENERATED_VALUE,
  STACK,
} from './recorded';

// The doctor over recorded AWS responses of a healthy dev account (every check green), and over
// broken ones, each one response changed: the failing check is named with its fix. The health
// route is real HTTP on 127.0.0.1.

const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const cfn = mockClient(CloudFormationClient);
const quotas = mockClient(ServiceQuotasClient);

let config: PlatformConfig;
let stacks: StackTemplate[];
let server: Server;
let healthStatus = 200;
let parameterValues: Map<string, string>;

const clients = () => ({
  ssm: new SSMClient({ region: 'eu-west-1' }),
  sqs: new SQSClient({ region: 'eu-west-1' }),
  cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
  serviceQuotas: new ServiceQuotasClient({ region: 'eu-west-1' }),
  globalServiceQuotas: new ServiceQuotasClient({ region: 'us-east-1' }),
});

beforeAll(async () => {
  const platform = sharedPlatform('dev');
  config = platform.config;
  stacks = platform.assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
  server = createServer((req, res) => {
    res.statusCode = req.url === '/dev/health' ? healthStatus : 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  healthStatus = 200;
  for (const m of [ssm, sqs, cfn, quotas]) m.reset();
  const { port } = server.address() as AddressInfo;
  // Every parameter the templates publish: a generated value, then the recorded values of those the
  // config fixes. A fixed parameter missing from CONFIG_FIXED_PARAMETERS keeps the generated value and
  // fails the healthy account, so the literals cover every value the config fixes.
  parameterValues = new Map(expectedParameters(stacks).map((p) => [p.name, GENERATED_VALUE]));
  for (const [name, value] of Object.entries(CONFIG_FIXED_PARAMETERS)) parameterValues.set(name, value);
  const registration = expectedParameters(stacks).find(
    (p) => p.name === '/shared-lambda-infra/dev/services/orders/registration',
  );
  if (registration?.value) parameterValues.set(registration.name, registration.value);
  parameterValues.set('/shared-lambda-infra/dev/api/invoke-url', `http://127.0.0.1:${port}/dev/`);
  ssm.on(GetParametersCommand).callsFake(({ Names = [] }: { Names?: string[] }) => ({
    Parameters: Names.filter((n) => parameterValues.has(n)).map((Name) => ({
      Name,
      Value: parameterValues.get(Name),
    })),
    InvalidParameters: Names.filter((n) => !parameterValues.has(n)),
  }));
  cfn.on(DescribeStackResourceCommand).callsFake(({ LogicalResourceId }: { LogicalResourceId: string }) => ({
    StackResourceDetail: {
      PhysicalResourceId: `https://sqs.eu-west-1.amazonaws.com/111111111111/${LogicalResourceId}.fifo`,
    },
  }));
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: EMPTY_QUEUE });
  cfn.on(BatchDescribeTypeConfigurationsCommand).callsFake(({ TypeConfigurationIdentifiers = [] }) => ({
    TypeConfigurations: TypeConfigurationIdentifiers.map((t: { TypeName: string }) => ({
      Alias: 'default',
      TypeName: t.TypeName,
      Configuration: ENABLED_HOOK_CONFIGURATION,
    })),
  }));
  cfn
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(0), ...STACK } as never] });
  quotas.on(GetServiceQuotaCommand).callsFake(({ ServiceCode, QuotaCode }) => {
    const quota = APPLIED_QUOTAS[`${ServiceCode}/${QuotaCode}`];
    if (!quota)
      throw new NoSuchResourceException({
        message: 'The request failed because the specified service quota does not exist.',
        $metadata: {},
      });
    return { Quota: quota };
  });
  quotas.on(GetAWSDefaultServiceQuotaCommand).callsFake(({ ServiceCode, QuotaCode }) => ({
    Quota: DEFAULT_QUOTAS[`${ServiceCode}/${QuotaCode}`],
  }));
});

const failing = (results: CheckResult[]) => results.filter((r) => !r.ok);

describe('doctor on a healthy account', () => {
  it('passes every check', async () => {
    const results = await runDoctor(config, stacks, clients());

    expect(failing(results)).toEqual([]);
    expect(new Set(results.map((r) => r.check))).toEqual(
      new Set([
        'contract parameters present',
        'contract parameters match the config',
        'API health route',
        'routes queue empty',
        'routes dead-letter queue empty',
        'guard hook active',
        'quota Role trust policy length (L-C07B4B0D)',
        'quota Managed policies per role (L-0DA4ABF3)',
        'quota Throttle rate (L-8A5B8E43)',
        'quota Resources per API (L-01C8A9E0)',
        'quota Elastic network interfaces per VPC (L-9FEE3D26)',
        'quota Concurrent executions (L-B99A9384)',
        'quota Roles per account (L-FE177D64)',
        'quota Customer managed policies per account (L-E95E4862)',
        'quota Stack count (L-0485CB21)',
        'stack drift',
      ]),
    );
    // One drift line per platform stack of dev.
    expect(results.filter((r) => r.check === 'stack drift')).toHaveLength(stacks.length);
    expect(renderDoctor(results)).toMatch(/\n\n[0-9]+ checks, all passed$/);
  });

  it('reads IAM quotas in us-east-1, where Service Quotas keeps them', async () => {
    await runDoctor(config, stacks, clients());

    const iamCalls = quotas
      .commandCalls(GetServiceQuotaCommand)
      .filter((c) => c.args[0].input.ServiceCode === 'iam');
    expect(iamCalls.length).toBe(4);
    for (const call of iamCalls) expect(await call.thisValue.config.region()).toBe('us-east-1');
  });
});

describe('doctor on broken accounts', () => {
  const run = async () => failing(await runDoctor(config, stacks, clients()));

  it('names a missing contract parameter', async () => {
    parameterValues.delete('/shared-lambda-infra/dev/observability/log-retention-days');

    const [problem] = await run();

    expect(problem.check).toBe('contract parameters present');
    const published = stacks.flatMap((st) =>
      Object.values(st.template.Resources ?? {}).filter((r) => r.Type === 'AWS::SSM::Parameter'),
    ).length;
    expect(problem.detail).toBe(
      `1 of ${published} missing: /shared-lambda-infra/dev/observability/log-retention-days`,
    );
    expect(problem.fix).toContain('deploy the platform stacks');
  });

  it('names a parameter whose value differs from what the config implies', async () => {
    parameterValues.set('/shared-lambda-infra/dev/observability/log-retention-days', '30');

    const problems = await run();

    expect(problems).toEqual([
      {
        check: 'contract parameters match the config',
        ok: false,
        detail: '/shared-lambda-infra/dev/observability/log-retention-days is "30", config implies "14"',
        fix: 'deploy the platform with this config (the account runs another version), or correct the config',
      },
    ]);
  });

  it('names a health route that does not answer 200', async () => {
    healthStatus = 502;

    const [problem] = await run();

    expect(problem.check).toBe('API health route');
    expect(problem.detail).toMatch(/^GET http:\/\/127\.0\.0\.1:[0-9]+\/dev\/health answered 502$/);
    expect(problem.fix).toContain('routes reconciler log');
  });

  it('names a dead-letter queue that holds messages', async () => {
    sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => ({
      Attributes: /DeadLetter/.test(QueueUrl)
        ? { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' }
        : EMPTY_QUEUE,
    }));

    const [problem] = await run();

    expect(problem.check).toBe('routes dead-letter queue empty');
    expect(problem.detail).toMatch(/holds 3 waiting and 0 in-flight messages$/);
    expect(problem.fix).toContain('redrive');
  });

  it('names a guard hook that is not enabled', async () => {
    cfn.on(BatchDescribeTypeConfigurationsCommand).resolves({
      TypeConfigurations: [
        {
          Alias: 'default',
          TypeName: 'Private::SharedLambdaInfra::DevServiceGuard',
          Configuration: JSON.stringify({
            CloudFormationConfiguration: { HookConfiguration: { HookInvocationStatus: 'DISABLED' } },
          }),
        },
      ],
    });

    const problems = await run();

    expect(problems).toEqual([
      {
        check: 'guard hook active',
        ok: false,
        detail: 'Private::SharedLambdaInfra::DevServiceGuard is DISABLED',
        fix: 'deploy the guard stack; no service stack may deploy without the hook that checks it',
      },
    ]);
  });

  it("names a quota the account has below the config's value", async () => {
    APPLIED_QUOTAS['lambda/L-B99A9384'].Value = 400;
    try {
      const problems = await run();

      expect(problems).toEqual([
        {
          check: 'quota Concurrent executions (L-B99A9384)',
          ok: false,
          detail:
            'the account allows 400 but quotas.lambdaConcurrentExecutions says 1,000: the limit checks would pass a deploy AWS refuses',
          fix: 'set quotas.lambdaConcurrentExecutions: 400 in the config, or ask AWS to raise "Concurrent executions" to 1000',
        },
      ]);
    } finally {
      APPLIED_QUOTAS['lambda/L-B99A9384'].Value = 1000;
    }
  });

  it('names a drifted platform stack', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'shared-lambda-infra-dev-network' }).resolves({
      Stacks: [
        {
          StackName: 'shared-lambda-infra-dev-network',
          CreationTime: new Date(0),
          StackStatus: 'UPDATE_COMPLETE',
          DriftInformation: { StackDriftStatus: 'DRIFTED' },
        },
      ],
    });

    const [problem] = await run();

    expect(problem.check).toBe('stack drift');
    expect(problem.detail).toBe('shared-lambda-infra-dev-network UPDATE_COMPLETE, drift DRIFTED');
    expect(problem.fix).toContain(
      'describe-stack-resource-drifts --stack-name shared-lambda-infra-dev-network',
    );
  });

  it('names the credentials when a call is refused', async () => {
    ssm.on(GetParametersCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ssm:GetParameters'), {
        name: 'AccessDeniedException',
      }),
    );

    const problems = await run();

    expect(problems[0]).toMatchObject({
      check: 'contract parameters',
      detail: 'AccessDeniedException: User is not authorized to perform: ssm:GetParameters',
    });
    expect(problems[0].fix).toContain('read-only credentials');
  });
});
