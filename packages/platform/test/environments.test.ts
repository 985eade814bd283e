import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS, type EnvironmentName } from '@shared-lambda-infra/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthResult, synthPlatform } from './helpers/synth';

// The properties that give a resource a name unique per account and region (or globally, for
// buckets). Names CloudFormation generates cannot collide, and names scoped to a parent (an
// authorizer's name within its API, say) are not listed.
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::ApiGateway::RestApi': 'Name',
  'AWS::ApiGateway::DomainName': 'DomainName',
  'AWS::IAM::OIDCProvider': 'Url',
  'AWS::CloudFormation::GuardHook': 'Alias',
};

const account = { account: '123456789012', region: 'eu-west-1' };

function physicalNames(result: SynthResult): Map<string, string> {
  const names = new Map<string, string>();
  for (const stack of result.assembly.stacks) {
    names.set(`stack:${stack.stackName}`, stack.stackName);
    const resources = (
      stack.template as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }
    ).Resources;
    for (const [logicalId, resource] of Object.entries(resources)) {
      const key = NAME_PROPERTIES[resource.Type];
      const value = key ? resource.Properties?.[key] : undefined;
      // Names with tokens (Fn::Join with AWS::AccountId...) are rendered as JSON so equal names compare equal.
      if (value !== undefined)
        names.set(`${resource.Type}:${JSON.stringify(value)}`, `${stack.stackName}/${logicalId}`);
    }
  }
  return names;
}

describe('environments in one account', () => {
  const results = {} as Record<EnvironmentName, SynthResult>;
  beforeAll(() => {
    for (const env of ENVIRONMENTS) results[env] = synthPlatform({ env, overrides: account });
  });

  it('gives no physical name to two resources across dev, staging and prod', () => {
    const seen = new Map<string, string>();
    const collisions: string[] = [];
    for (const env of ENVIRONMENTS) {
      for (const [name, where] of physicalNames(results[env])) {
        const other = seen.get(name);
        if (other) collisions.push(`${name} in ${other} and ${where}`);
        seen.set(name, where);
      }
    }
    expect(collisions).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
  });

  it('protects staging and prod stacks from termination, and not dev', () => {
    for (const env of ENVIRONMENTS) {
      const protectedStacks = results[env].assembly.stacks.map((s) => s.terminationProtection === true);
      expect(protectedStacks.every((p) => p === (env !== 'dev'))).toBe(true);
    }
  });

  it('uses one NAT gateway in dev and one per AZ in staging and prod', () => {
    const natCount = (env: EnvironmentName) =>
      results[env].template(results[env].stacks.network).findResources('AWS::EC2::NatGateway');
    expect(Object.keys(natCount('dev'))).toHaveLength(1);
    expect(Object.keys(natCount('staging'))).toHaveLength(3);
    expect(Object.keys(natCount('prod'))).toHaveLength(3);
  });
});

describe('determinism', () => {
  it('writes byte-identical templates when the same config is synthesized twice', () => {
    const first = synthPlatform({ env: 'prod' });
    const second = synthPlatform({ env: 'prod' });
    const files = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.template.json'))
        .sort();
    expect(files(second.assembly.directory)).toEqual(files(first.assembly.directory));
    expect(files(first.assembly.directory).length).toBeGreaterThanOrEqual(6);
    for (const file of files(first.assembly.directory)) {
      const a = readFileSync(path.join(first.assembly.directory, file), 'utf8');
      const b = readFileSync(path.join(second.assembly.directory, file), 'utf8');
      expect(b, file).toBe(a);
    }
  });
});
