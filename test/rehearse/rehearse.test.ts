import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ServiceStack } from '@shared-lambda-infra/consumer';
import {
  type AssemblyStack,
  type Check,
  CLOUDFORMATION_QUOTAS,
  isCustomResource,
  NOT_REGISTRY_TYPES,
  type Rehearsal,
  registrySchemas,
  rehearseServiceStacks,
  renderRehearsal,
  type ServiceRehearsalInputs,
  ssmParametersOf,
} from '@shared-lambda-infra/rehearse';
import { App, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../packages/consumer/src/dev/cli';
import { SERVICE_RESOURCE_CATALOGUE } from '../../packages/platform/lib/guard/service-guard-rules';
import { sharedPlatform } from '../../packages/platform/test/helpers/synth';
import {
  failures,
  platformInputs,
  serviceStacks,
  withGrant,
  withInvokeConfigInCatalogue,
  withoutGrant,
} from './inputs';

// The deploy rehearsal (packages/rehearse) on a small service that has each of issue #17's known
// deploy breakers: a ServiceStack (the contract-version parameter), a function with retry settings
// (AWS::Lambda::EventInvokeConfig) and a dashboard (cloudwatch:TagResource). Each breaker is
// repaired in the platform's inputs, then reintroduced alone: the rehearsal must fail on it,
// naming the resource, the permission and the role, whether or not the platform's fix is merged.
// The wide runs (every environment, the example, the kitchen sink, a template-generated service)
// are in rehearse.slow.test.ts.

const STACK = 'shared-lambda-infra-dev-orders-api';
const DEPLOY_ROLE = 'shared-lambda-infra-dev-access-orders-deploy';
const EXECUTION_ROLE = 'shared-lambda-infra-dev-access-orders-cfn-exec';
const CONTRACT_PARAMETER = '/shared-lambda-infra/dev/contract/major-version';
const CONTRACT_PARAMETER_ARN = `arn:aws:ssm:eu-west-1:111111111111:parameter${CONTRACT_PARAMETER}`;
const DASHBOARDS_ARN = 'arn:aws:cloudwatch::111111111111:dashboard/shared-lambda-infra-dev-orders-*';

// Only what the breakers need (a rehearsal asks a few hundred questions of the evaluator per
// function; the example and the kitchen sink are rehearsed whole in rehearse.slow.test.ts): the
// retry settings ServiceFunction's retryAttempts writes, on a function of the service.
const stacks = () =>
  serviceStacks((app) => {
    const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
    new lambda.CfnEventInvokeConfig(stack, 'WorkerEventInvokeConfig', {
      functionName: 'shared-lambda-infra-dev-fn-orders-worker',
      qualifier: '$LATEST',
      maximumRetryAttempts: 1,
    });
    new cloudwatch.Dashboard(stack, 'Dashboard', { defaultInterval: Duration.hours(3) });
  });

/** The inputs with the three breakers repaired (whatever the platform's code does today). */
function repaired(inputs: ServiceRehearsalInputs): ServiceRehearsalInputs {
  let fixed = withGrant(inputs, DEPLOY_ROLE, 'ssm:GetParameters', CONTRACT_PARAMETER_ARN);
  fixed = withGrant(fixed, EXECUTION_ROLE, 'ssm:GetParameters', CONTRACT_PARAMETER_ARN);
  // The dashboard schema's tagging permissions (create and update handlers), all three.
  for (const action of [
    'cloudwatch:TagResource',
    'cloudwatch:UntagResource',
    'cloudwatch:ListTagsForResource',
  ])
    fixed = withGrant(fixed, EXECUTION_ROLE, action, DASHBOARDS_ARN);
  return withInvokeConfigInCatalogue(fixed, true);
}

describe('the deploy rehearsal of a service', () => {
  let today: Rehearsal;
  let fixed: Rehearsal;
  let noContractGrant: Rehearsal;
  let noDashboardTagging: Rehearsal;
  let noInvokeConfigInCatalogue: Rehearsal;

  beforeAll(async () => {
    const inputs = platformInputs('dev');
    const service = stacks();
    const fixedInputs = repaired(inputs);
    [today, fixed, noContractGrant, noDashboardTagging, noInvokeConfigInCatalogue] = await Promise.all([
      rehearseServiceStacks(inputs, service),
      rehearseServiceStacks(fixedInputs, service),
      rehearseServiceStacks(withoutGrant(fixedInputs, 'ssm:GetParameters', /contract/), service),
      rehearseServiceStacks(withoutGrant(fixedInputs, 'cloudwatch:TagResource', /dashboard/), service),
      rehearseServiceStacks(withInvokeConfigInCatalogue(fixedInputs, false), service),
    ]);
  });

  it('passes once the three breakers are repaired', () => {
    expect(failures(fixed.checks)).toEqual([]);
    expect(fixed.failed).toBe(false);
  });

  it('fails when the deploy and execution roles may not read the contract-version parameter', () => {
    expect(failures(noContractGrant.checks)).toEqual([
      `${STACK} caller parameter ${CONTRACT_PARAMETER} - ssm:GetParameters ${DEPLOY_ROLE}`,
      `${STACK} execution parameter ${CONTRACT_PARAMETER} - ssm:GetParameters ${EXECUTION_ROLE}`,
    ]);
    expect(noContractGrant.failed).toBe(true);
  });

  it('fails when the execution role may not tag a dashboard, naming the create handler and the stack tags', () => {
    const failed = noDashboardTagging.checks.filter((c) => c.verdict === 'fail');
    // Both dashboards: the one the test adds and the one ServiceStack's monitoring adds by default.
    // The platform grants the tagging actions as one pattern (`cloudwatch:*Resource`), so taking
    // TagResource away takes its siblings too; TagResource must be among what fails, for each.
    const lines = failures(failed);
    for (const dashboard of ['Dashboard9E4231ED', 'MonitoringDashboard0C3675C6'])
      expect(lines).toContain(
        `${STACK} execution ${dashboard} AWS::CloudWatch::Dashboard cloudwatch:TagResource ${EXECUTION_ROLE}`,
      );
    expect(
      lines.every((l) =>
        /^\S+ execution \S*Dashboard\S* AWS::CloudWatch::Dashboard cloudwatch:\w*Resource \S+cfn-exec$/.test(
          l,
        ),
      ),
    ).toBe(true);
    const tag = failed.filter(
      (c) => c.permission === 'cloudwatch:TagResource' && c.resource === 'Dashboard9E4231ED',
    );
    expect(tag.map((c) => c.handler).sort()).toEqual(['create', 'tagging', 'update']);
    expect(tag[0].target).toMatch(
      /^arn:aws:cloudwatch::111111111111:dashboard\/shared-lambda-infra-dev-orders-api-Dashboard/,
    );
    // Taken from the role's policies and from its own boundary (issue #21): IAM names whichever
    // refuses first.
    expect(tag[0].decidedBy).toMatch(
      /^(no statement allows|denied by boundary arn:aws:iam::111111111111:policy\/shared-lambda-infra-dev-access-orders-ExecutionBoundary)/,
    );
  });

  it('fails when the Guard Hook catalogue lacks AWS::Lambda::EventInvokeConfig', () => {
    expect(failures(noInvokeConfigInCatalogue.checks)).toEqual([
      `${STACK} guard WorkerEventInvokeConfig AWS::Lambda::EventInvokeConfig resource_type_in_service_catalogue -`,
    ]);
  });

  it("finds none of the three breakers in the platform's own inputs (the fixes of issue #17 are in)", () => {
    expect(failures(today.checks)).toEqual([]);
    expect(today.failed).toBe(false);
  });

  it('prints each failure with the resource, the permission, the role, the deciding statement and a fix', () => {
    const report = renderRehearsal(noContractGrant);
    expect(report).toContain(
      `FAIL    ${STACK} caller parameter ${CONTRACT_PARAMETER}: ssm:GetParameters on ${CONTRACT_PARAMETER_ARN} as ${DEPLOY_ROLE} (no statement allows)`,
    );
    expect(report).toContain(`fix: allow ${DEPLOY_ROLE} ssm:GetParameters on ${CONTRACT_PARAMETER_ARN}`);
    expect(report).toMatch(/\d+ checks: \d+ pass, 2 fail, \d+ unknown\. The deploy WOULD FAIL\./);
  });

  it('names the statement that allowed a permission', () => {
    const passRole = fixed.checks.find((c) => c.kind === 'caller' && c.permission === 'iam:PassRole');
    expect(passRole?.decidedBy).toMatch(
      /^allowed by shared-lambda-infra-dev-access-orders\/DeployPolicy[0-9A-F]+/,
    );
  });
});

describe('what the rehearsal cannot know', () => {
  let checks: readonly Check[];
  let lax: Rehearsal;
  let strict: Rehearsal;
  beforeAll(async () => {
    const inputs = repaired(platformInputs('dev'));
    const service = serviceStacks((app) => {
      const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
      new lambda.CfnFunction(stack, 'Raw', {
        functionName: 'shared-lambda-infra-dev-fn-orders-raw',
        role: 'arn:aws:iam::111111111111:role/shared-lambda-infra-dev-role-orders-raw',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        code: { zipFile: 'exports.handler = async () => ({})' },
      });
    });
    lax = await rehearseServiceStacks(inputs, service);
    strict = await rehearseServiceStacks(inputs, service, { strict: true });
    checks = lax.checks;
  });

  it('says "unknown" with the feature, instead of passing, where the schema lists a permission for a feature the function does not use', () => {
    const grant = checks.filter((c) => c.resource === 'Raw' && c.permission === 'kms:CreateGrant');
    expect(grant.map((c) => [c.handler, c.verdict])).toEqual([
      ['create', 'unknown'],
      ['update', 'unknown'],
    ]);
    expect(grant[0].decidedBy).toBe(
      'the schema lists it for a customer managed key (KmsKeyArn), which this resource does not use',
    );
  });

  it('passes with unknowns, and fails with them under --strict', () => {
    expect(failures(checks)).toEqual([]);
    expect(lax.failed).toBe(false);
    expect(strict.failed).toBe(true);
  });

  it("passes the function's own permissions and the role it passes", () => {
    const own = checks.filter(
      (c) =>
        c.resource === 'Raw' &&
        c.handler === 'create' &&
        ['lambda:CreateFunction', 'iam:PassRole'].includes(c.permission),
    );
    expect(own.map((c) => `${c.permission} ${c.verdict} ${c.target}`)).toEqual([
      'lambda:CreateFunction pass arn:aws:lambda:eu-west-1:111111111111:function:shared-lambda-infra-dev-fn-orders-raw',
      'iam:PassRole pass arn:aws:iam::111111111111:role/shared-lambda-infra-dev-role-orders-raw',
    ]);
  });
});

describe('the rehearsal of CloudFormation quotas', () => {
  let checks: readonly Check[];
  beforeAll(async () => {
    const big = serviceStacks((app) => {
      const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
      for (let i = 0; i < 201; i++)
        new (require('aws-cdk-lib').CfnOutput)(stack, `Out${i}`, { value: `${i}` });
    });
    checks = (await rehearseServiceStacks(platformInputs('dev'), big)).checks.filter(
      (c) => c.kind === 'quota',
    );
  });

  it('fails a template with more outputs than CloudFormation allows, citing the quota', () => {
    const outputs = checks.find((c) => c.permission === 'outputs');
    expect(outputs).toMatchObject({ verdict: 'fail', target: '201 of 200' });
    expect(outputs?.decidedBy).toBe(
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
    );
    expect(CLOUDFORMATION_QUOTAS.outputs).toBe(200);
  });

  it('passes the quotas the template keeps', () => {
    expect(checks.filter((c) => c.verdict === 'pass').map((c) => c.permission)).toEqual([
      'resources',
      'parameters',
      'mappings',
      'dynamic references',
      'template bytes (uploaded to S3 above 51,200)',
    ]);
  });
});

describe('the parameters CloudFormation reads', () => {
  it('are the SSM-typed parameters and the ssm dynamic references', () => {
    expect(
      ssmParametersOf({
        Parameters: {
          A: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/p/dev/api/id' },
          B: { Type: 'String', Default: 'x' },
        },
        Resources: {
          Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: '{{resolve:ssm:/p/dev/queue/name:3}}' } },
        },
      }),
    ).toEqual(['/p/dev/api/id', '/p/dev/queue/name']);
  });
});

describe('the vendored registry schemas', () => {
  const schemas = registrySchemas();

  it('cover every type of the service catalogue', () => {
    const missing = SERVICE_RESOURCE_CATALOGUE.filter(
      (t) => !isCustomResource(t) && !(t in NOT_REGISTRY_TYPES) && !schemas.types[t],
    );
    expect(missing).toEqual([]);
  });

  // staging and prod: rehearse.slow.test.ts rehearses every resource of every stack, and a type
  // without a schema fails there as a `schema` check.
  it('cover every type the platform deploys in dev', () => {
    const types = new Set<string>();
    for (const s of sharedPlatform('dev').assembly.stacks)
      for (const r of Object.values(s.template.Resources as Record<string, { Type: string }>))
        types.add(r.Type);
    expect(
      [...types].filter((t) => !isCustomResource(t) && !(t in NOT_REGISTRY_TYPES) && !schemas.types[t]),
    ).toEqual([]);
    expect(types.size).toBeGreaterThan(40);
  });

  it("hold the dashboard's create handler and tagging permissions as AWS publishes them", () => {
    const dashboard = schemas.types['AWS::CloudWatch::Dashboard'];
    expect(dashboard.handlers.create).toEqual([
      'cloudwatch:PutDashboard',
      'cloudwatch:GetDashboard',
      'cloudwatch:TagResource',
    ]);
    expect(dashboard.tagging?.permissions).toEqual([
      'cloudwatch:TagResource',
      'cloudwatch:UntagResource',
      'cloudwatch:ListTagsForResource',
    ]);
    expect(dashboard.primaryIdentifier).toEqual(['/properties/DashboardName']);
  });

  it('record where and when they were read', () => {
    expect(schemas.source.repository).toBe('pulumi/pulumi-aws-native');
    expect(schemas.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(schemas.types['AWS::Lambda::EventInvokeConfig'].source.path).toBe(
      'aws-cloudformation-schema/aws-lambda-eventinvokeconfig.json',
    );
  });
});

// `npx shared-lambda rehearse` as a service repository runs it: a synthesized cdk.out and the
// platform's rehearsal inputs file.

describe('shared-lambda rehearse', () => {
  let assembly: string;
  let broken: string;
  let repaired: string;
  const out: string[] = [];
  const err: string[] = [];

  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rehearse-cli-'));
    assembly = path.join(dir, 'cdk.out');
    const app = new App({ outdir: assembly, context: { 'aws:cdk:bundling-stacks': [] } });
    // A template needs a resource: the Guard Hook (and CloudFormation) refuse one without.
    new sqs.Queue(new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' }), 'Jobs');
    app.synth();
    // The platform's own inputs pass (issue #17's fixes); the contract-version breaker reintroduced fails.
    const inputs = platformInputs('dev');
    broken = path.join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify(withoutGrant(inputs, 'ssm:GetParameters', /contract/)));
    repaired = path.join(dir, 'repaired.json');
    writeFileSync(repaired, JSON.stringify(inputs));
  });

  const capture = () => {
    out.length = 0;
    err.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  };
  afterEach(() => vi.restoreAllMocks());

  it('rejects a run without --platform, saying what to give it', async () => {
    capture();
    expect(await main(['rehearse', '--assembly', assembly])).toBe(1);
    expect(err.join('')).toContain('--platform <file> is required');
  });

  it('rejects an assembly directory that was not synthesized', async () => {
    capture();
    expect(await main(['rehearse', '--platform', broken, '--assembly', tmpdir()])).toBe(1);
    expect(err.join('')).toContain('no manifest.json; run `npx cdk synth` first');
  });

  it('exits 1 and prints the failure when the deploy would fail', async () => {
    capture();
    expect(await main(['rehearse', '--platform', broken, '--assembly', assembly])).toBe(1);
    expect(out.join('')).toContain(
      'FAIL    shared-lambda-infra-dev-orders-api caller parameter /shared-lambda-infra/dev/contract/major-version: ssm:GetParameters',
    );
  });

  it('exits 0 when it would pass, and 1 with --strict only if something is unknown', async () => {
    capture();
    expect(await main(['rehearse', '--platform', repaired, '--assembly', assembly])).toBe(0);
    expect(out.join('')).toMatch(/The deploy would pass\./);
    const unknowns = /(\d+) unknown/.exec(out.join(''))?.[1];
    capture();
    expect(await main(['rehearse', '--platform', repaired, '--assembly', assembly, '--strict'])).toBe(
      unknowns === '0' ? 0 : 1,
    );
  });
});

describe("a stack that reads another stack's output (Fn::GetStackOutput)", () => {
  // CloudFormation reads the output with the reading stack's execution role (no RoleArn given), so
  // that role needs cloudformation:DescribeStacks on the other stack: asked, and failed without it.
  const DATA = 'shared-lambda-infra-dev-orders-data';
  const stack = (stackName: string, template: AssemblyStack['template']): AssemblyStack => ({
    id: stackName,
    stackName,
    template,
    tags: {},
    dependencies: [],
    assets: [],
  });
  const stacks = [
    stack(DATA, {
      Resources: {
        Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shared-lambda-infra-dev-orders-jobs' } },
      },
      Outputs: { JobsArn: { Value: { 'Fn::GetAtt': ['Jobs', 'Arn'] } } },
    }),
    stack(STACK, {
      Resources: {
        Results: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'shared-lambda-infra-dev-orders-results',
            Tags: [
              { Key: 'Source', Value: { 'Fn::GetStackOutput': { StackName: DATA, OutputName: 'JobsArn' } } },
            ],
          },
        },
      },
    }),
  ];
  const reads = (r: Rehearsal) =>
    r.checks
      .filter((c) => c.permission === 'cloudformation:DescribeStacks' && c.kind === 'execution')
      .map((c) => `${c.stack} ${c.resource} ${c.role} ${c.verdict}`);

  it("passes for the service's own stacks", async () => {
    expect(reads(await rehearseServiceStacks(platformInputs('dev'), stacks))).toEqual([
      `${STACK} outputs of ${DATA} ${EXECUTION_ROLE} pass`,
    ]);
  });

  it('fails, naming the stack and the role, when the execution role may not describe it', async () => {
    const inputs = withoutGrant(platformInputs('dev'), 'cloudformation:DescribeStacks', /stack/);
    expect(reads(await rehearseServiceStacks(inputs, stacks))).toEqual([
      `${STACK} outputs of ${DATA} ${EXECUTION_ROLE} fail`,
    ]);
  });
});
