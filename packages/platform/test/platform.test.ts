import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthResult, sharedPlatform, synthPlatform } from './helpers/synth';

describe('platform app', () => {
  it.each(ENVIRONMENTS)(
    'synthesizes every stack of %s, the access stack after the stacks it reads',
    (env) => {
      const { assembly, config } = sharedPlatform(env);
      const names = assembly.stacks.map((s) => s.stackName);
      for (const component of [
        'network',
        'storage',
        'iam',
        'observability',
        'api',
        'guard',
        'github',
        'access-orders',
      ]) {
        expect(names).toContain(`${config.project}-${env}-${component}`);
      }
      expect(names).toHaveLength(8);
      // An access stack reads parameters of these stacks at deploy time: they must be deployed first.
      const access = assembly.getStackByName(`${config.project}-${env}-access-orders`);
      expect(access.dependencies.map((d) => d.id)).toEqual(
        expect.arrayContaining(
          ['api', 'storage', 'github', 'guard'].map((c) => `${config.project}-${env}-${c}`),
        ),
      );
    },
  );
});

describe('top-level config keys', () => {
  let result: SynthResult;
  beforeAll(() => {
    // GIVEN another project name, an owner and a fixed account and region
    result = synthPlatform({
      env: 'dev',
      overrides: { project: 'acme-lambda', owner: 'team-x', account: '123456789012', region: 'eu-west-1' },
    });
  });

  it('names every stack and contract parameter after `project`', () => {
    for (const stack of result.assembly.stacks) expect(stack.stackName).toMatch(/^acme-lambda-dev-/);
    const params = result.template(result.stacks.network).findResources('AWS::SSM::Parameter');
    const names = Object.values(params).map((p) => p.Properties.Name as string);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(name).toMatch(/^\/acme-lambda\/dev\//);
  });

  it('deploys to `account` and `region` when they are given, and environment-agnostic when not', () => {
    for (const stack of result.assembly.stacks)
      expect(stack.environment.name).toBe('aws://123456789012/eu-west-1');
    // Offline: no context lookup left for the CLI to answer with AWS credentials (CDK would have
    // used dummy values here and the CLI would stop on them).
    expect(result.assembly.manifest.missing ?? []).toEqual([]);
    const agnostic = sharedPlatform('dev');
    for (const stack of agnostic.assembly.stacks) {
      expect(stack.environment.name).toBe('aws://unknown-account/unknown-region');
    }
  });

  it('tags every taggable resource with project, environment, owner and its component', () => {
    const vpc = Object.values(result.template(result.stacks.network).findResources('AWS::EC2::VPC'))[0];
    expect(vpc.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Project', Value: 'acme-lambda' },
        { Key: 'Environment', Value: 'dev' },
        { Key: 'Owner', Value: 'team-x' },
        { Key: 'Component', Value: 'network' },
      ]),
    );
    const topic = Object.values(
      result.template(result.stacks.observability).findResources('AWS::SNS::Topic'),
    )[0];
    expect(topic.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Owner', Value: 'team-x' },
        { Key: 'Component', Value: 'observability' },
      ]),
    );
  });
});
