import type { EnvironmentName } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { rawConfig, synthPlatform } from './helpers/synth';

// The compliance packs (cdk-nag's three packs, the Control Tower rules) and CDK's built-in
// CloudFormation validation over the config variants that the stack test files synthesize without
// them: each variant here combines the overrides of those files that can coexist, so every resource
// any test creates is also compliance-checked. compliance-{dev,staging,prod}.test.ts run the packs
// over each environment as configured.

const PINNED = { account: '123456789012', region: 'eu-west-1' };
const ORDERS = { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' };
const PAYMENTS = {
  name: 'payments',
  repository: 'acme/payments-service',
  basePath: 'payments',
  allowPublicRoutes: false,
};
const BILLING = { name: 'billing', repository: 'acme/billing-service', basePath: 'billing' };
// Numeric GitHub ids change every trust policy (github-access-stack.test.ts, service-access-stack.test.ts).
const BILLING_WITH_IDS = { ...BILLING, repositoryOwnerId: 77, repositoryId: 9001 };

const VARIANTS: ReadonlyArray<{
  readonly name: string;
  readonly env: EnvironmentName;
  readonly overrides: Record<string, unknown>;
}> = [
  {
    // platform.test.ts, network-stack.test.ts (endpoints), log-encryption.test.ts, github- and
    // service-access-stack.test.ts (numeric repository ids),
    // storage-stack.test.ts, observability-stack.test.ts, multi-service.test.ts, guard-stack.test.ts,
    // api-stack.test.ts (VPC endpoint access, a JWKS URI, a custom identity header, Cognito)
    name: 'dev pinned to an account and region, with interface endpoints, KMS log encryption, three services and API access through VPC endpoints',
    env: 'dev',
    overrides: {
      ...PINNED,
      project: 'acme-lambda',
      owner: 'team-x',
      network: { interfaceEndpoints: ['ssm', 'secretsmanager', 'sts', 'logs'] },
      observability: {
        logEncryption: 'kms',
        natPortAllocationErrorThreshold: 5,
        natPacketsDropThreshold: 250,
      },
      storage: {
        noncurrentVersionExpirationDays: 42,
        abortIncompleteMultipartUploadDays: 3,
        accessLogExpirationDays: 11,
      },
      services: [ORDERS, PAYMENTS, BILLING_WITH_IDS],
      github: { platformRepositoryOwnerId: 4242, platformRepositoryId: 777001 },
      api: {
        cache: { sizeGb: '0.5' },
        cors: { allowOrigins: ['*'] },
        access: { mode: 'vpcEndpoints', vpcEndpointIds: ['vpce-0123456789abcdef0'] },
        authorizer: {
          issuers: [
            {
              issuer: 'https://auth.dev.example.com/',
              audiences: ['orders-api'],
              jwksUri: 'https://keys.example.com/jwks',
            },
          ],
          identityHeader: 'X-Auth-Token',
          resultsCacheTtlSeconds: 0,
        },
        cognitoUserPoolArns: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
      },
    },
  },
  {
    // network-stack.test.ts (NAT instance), api-stack.test.ts (custom domain, WAF, cache, source CIDRs)
    name: 'dev with a NAT instance and an API behind a custom domain, WAF, cache and source CIDRs, without authorizer',
    env: 'dev',
    overrides: {
      network: {
        cidr: '10.50.0.0/18',
        maxAzs: 3,
        nat: 'instance',
        natInstanceType: 't3.micro',
        publicSubnetMask: 26,
        privateSubnetMask: 22,
        isolatedSubnetMask: 27,
        interfaceEndpoints: ['ecr.api', 'ecr.dkr'],
        flowLogs: { enabled: false },
      },
      api: {
        stageName: 'v1',
        tracing: false,
        accessLogRetentionDays: 90,
        cache: { sizeGb: '1.6', encrypted: true },
        cors: { allowOrigins: [] },
        access: { mode: 'sourceCidrs', cidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
        domain: {
          name: 'api.example.com',
          certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        },
        wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234',
        authorizer: undefined,
        alarms: { serverErrorRatePercent: 5, latencyP99Ms: 1500, throttledRequests: 7, authorizerErrors: 3 },
      },
      services: [{ ...ORDERS, throttle: { rateLimit: 20, burstLimit: 40 } }, BILLING],
    },
  },
  {
    // environments.test.ts (staging is prod's config with other names: compliance-staging.test.ts
    // checks it as configured), network-stack.test.ts (flow logs)
    name: 'prod pinned to an account and region, with REJECT-only flow logs',
    env: 'prod',
    overrides: { ...PINNED, network: { flowLogs: { trafficType: 'REJECT', retentionDays: 180 } } },
  },
];

describe('compliance over the config variants the tests synthesize', () => {
  it.each(VARIANTS)('$name: no unacknowledged finding', ({ env, overrides }) => {
    // synthPlatform throws with the findings listed when a pack reports an unacknowledged one, or
    // when CDK's built-in CloudFormation validation finds a property the resource schemas do not know.
    const result = synthPlatform({ env, overrides, compliance: true, builtinValidation: true });
    expect(result.assembly.stacks.length).toBeGreaterThanOrEqual(8);
    expect(rawConfig(env).environment).toBe(env);
  });
});
