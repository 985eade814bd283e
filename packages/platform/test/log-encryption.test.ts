import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStack } from '../lib/stacks/platform-stack';
import { type SynthResult, synthPlatform } from './helpers/synth';

// observability.logEncryption: kms puts every platform log group under a customer-managed key of
// its own stack; the compliance packs then find nothing to flag on log-group encryption.

describe('platform log groups with observability.logEncryption: kms', () => {
  let result: SynthResult;
  let stacks: PlatformStack[];

  beforeAll(() => {
    result = synthPlatform({ overrides: { observability: { logEncryption: 'kms' } } });
    const { network, storage, iam, observability, api, guard } = result.stacks;
    stacks = [network, storage, iam, observability, api, guard];
  });

  it('encrypts every log group with a key of its own stack', () => {
    let groups = 0;
    for (const stack of stacks) {
      const template = result.template(stack);
      const keys = Object.keys(template.findResources('AWS::KMS::Key')).filter((id) =>
        id.startsWith('LogsKey'),
      );
      for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
        groups++;
        expect(keys).toHaveLength(1);
        expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keys[0], 'Arn'] });
      }
    }
    // Flow logs, API access and execution logs, the authorizer's and the redeploy provider's.
    expect(groups).toBeGreaterThanOrEqual(3);
  });

  it("lets CloudWatch Logs use the network stack's key only for this account's log groups, with rotation and an alias", () => {
    const template = result.template(result.stacks.network);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudWatchLogsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Action: [
              'kms:Decrypt*',
              'kms:Describe*',
              'kms:Encrypt*',
              'kms:GenerateDataKey*',
              'kms:ReEncrypt*',
            ],
            Resource: '*',
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':logs:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':log-group:*',
                    ],
                  ],
                },
              },
            },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/shared-lambda-infra-dev-key-logs-network',
    });
  });

  it('creates no key in a stack without log groups', () => {
    expect(Object.keys(result.template(result.stacks.iam).findResources('AWS::KMS::Key'))).toEqual([]);
  });
});

describe('platform log groups by default (observability.logEncryption: service)', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthPlatform();
  });

  it('are encrypted by CloudWatch Logs, with no platform key', () => {
    const template = result.template(result.stacks.network);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.Properties.KmsKeyId).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([]);
  });
});
