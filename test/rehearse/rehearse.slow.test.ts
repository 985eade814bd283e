import { mkdtempSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentName } from '@shared-lambda-infra/contract';
import {
  type Rehearsal,
  rehearsePlatformAssembly,
  rehearseServiceStacks,
} from '@shared-lambda-infra/rehearse';
import type { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack } from '../../examples/orders-service/lib/orders-stack';
import { createService } from '../../packages/create-service/src/create-service';
import { platformCaller } from '../../packages/platform/lib/rehearsal';
import { synthPlatform } from '../../packages/platform/test/helpers/synth';
import { kitchenSinkService } from '../fixtures/kitchen-sink-service';
import { failures, platformInputs, serviceStacks } from './inputs';

// The deploy rehearsal over everything this repository deploys or writes: every environment's
// platform stacks (the platform deploy role through the CDK bootstrap roles), the example, the
// kitchen-sink fixture and the service the template writes. Minutes of evaluator questions, so in
// `npm run test:e2e`; test/rehearse/rehearse.test.ts keeps the focused checks in `npm test`.
// Each must pass: a finding here is a deploy that would fail. Two were found this way and fixed:
// every ServiceStack-built stack's contract-version parameter (issue #17), and staging's and prod's
// access stacks reading the artifact key through an SSM-typed parameter, which CloudFormation
// resolves with the CDK bootstrap deploy role (allowed the bootstrap version parameter only); they
// now take it from the storage stack's output (Fn::GetStackOutput, read with the execution role).

describe.each(['dev', 'staging', 'prod'] as const)('the %s platform deploy', (env: EnvironmentName) => {
  let rehearsal: Rehearsal;
  beforeAll(async () => {
    const platform = synthPlatform({ env });
    rehearsal = await rehearsePlatformAssembly(platform.assembly.directory, {
      platformDeployRole: platformCaller(platform),
    });
  });

  it('passes', () => {
    expect(failures(rehearsal.checks)).toEqual([]);
    expect(rehearsal.failed).toBe(false);
  });

  it('reads the storage stack key where the artifact bucket is KMS-encrypted, with the execution role', () => {
    const reads = rehearsal.checks.filter(
      (c) =>
        c.permission === 'cloudformation:DescribeStacks' &&
        c.kind === 'execution' &&
        c.stack.includes('-access-'),
    );
    // staging and prod encrypt the artifact bucket with a customer managed key; dev does not.
    expect(reads.map((c) => `${c.stack} ${c.resource} ${c.verdict}`)).toEqual(
      env === 'dev'
        ? []
        : [`shared-lambda-infra-${env}-access-orders outputs of shared-lambda-infra-${env}-storage pass`],
    );
  });

  it('asks whether the platform deploy role may assume the CDK bootstrap roles', () => {
    const assume = rehearsal.checks.filter((c) => c.permission === 'sts:AssumeRole');
    expect([...new Set(assume.map((c) => `${c.role} ${c.target} ${c.verdict}`))].sort()).toEqual([
      `shared-lambda-infra-${env}-role-github-platform-deploy arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-1 pass`,
      `shared-lambda-infra-${env}-role-github-platform-deploy arn:aws:iam::111111111111:role/cdk-hnb659fds-file-publishing-role-111111111111-eu-west-1 pass`,
    ]);
  });

  it('finds a registry schema for every resource type', () => {
    expect(rehearsal.checks.filter((c) => c.kind === 'schema')).toEqual([]);
  });

  it('asks about every resource of every stack', () => {
    const asked = new Set(
      rehearsal.checks.filter((c) => c.kind === 'execution').map((c) => `${c.stack}/${c.resource}`),
    );
    const platform = synthPlatform({ env });
    const resources = platform.assembly.stacks.flatMap((s) =>
      Object.keys(s.template.Resources).map((id) => `${s.stackName}/${id}`),
    );
    expect(resources.filter((r) => !asked.has(r))).toEqual([]);
  });
});

describe('service deploys', () => {
  const generated = mkdtempSync(path.join(__dirname, '.generated-'));
  afterAll(() => rmSync(generated, { recursive: true, force: true }));

  it('the example passes', async () => {
    const stacks = serviceStacks((app) => new OrdersStack(app, 'Orders', { env: 'dev' }));
    const rehearsal = await rehearseServiceStacks(platformInputs('dev'), stacks);
    expect(failures(rehearsal.checks)).toEqual([]);
  });

  it('the kitchen sink passes', async () => {
    const sink = kitchenSinkService();
    const rehearsal = await rehearseServiceStacks(platformInputs('dev'), [
      {
        id: 'KitchenSink',
        stackName: sink.stackName,
        template: sink.template,
        tags: {},
        dependencies: [],
        assets: [],
      },
    ]);
    expect(failures(rehearsal.checks)).toEqual([]);
  });

  it('the service the template writes passes', async () => {
    createService({ service: 'orders' }, generated);
    const { OrdersStack: Generated } = (await import(
      path.join(generated, 'orders', 'lib', 'orders-stack.ts')
    )) as {
      OrdersStack: new (app: App, id: string, props: { env: string }) => unknown;
    };
    const stacks = serviceStacks((app) => new Generated(app, 'Orders', { env: 'dev' }));
    const rehearsal = await rehearseServiceStacks(platformInputs('dev'), stacks);
    expect(failures(rehearsal.checks)).toEqual([]);
  });
});
