import type { EnvironmentName } from '@shared-lambda-infra/contract';
import { describe, expect, it } from 'vitest';
import { SERVICE_ALERTING_OVERRIDES } from './helpers/alerting-variant';
import { rawConfig, synthPlatform } from './helpers/synth';
import {
  API_EDGE_OVERRIDES,
  API_PRIVATE_OVERRIDES,
  NAT_INSTANCE_OVERRIDES,
  PER_AZ_DUAL_STACK_OVERRIDES,
  REGIONAL_DUAL_STACK_OVERRIDES,
  REGIONAL_EIPS_OVERRIDES,
} from './helpers/variants';

// The compliance packs (cdk-nag's three packs, the Control Tower rules) and CDK's built-in
// CloudFormation validation over the config variants that the stack test files synthesize without
// them: each variant here combines the overrides of those files that can coexist, so every resource
// any test creates is also compliance-checked. compliance-environments.test.ts runs the packs
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
      ...API_PRIVATE_OVERRIDES,
    },
  },
  {
    // network-stack.test.ts (NAT instance), api-stack.test.ts (custom domain, WAF, cache, source CIDRs)
    name: 'dev with a NAT instance and an API behind a custom domain, WAF, cache and source CIDRs, without authorizer',
    env: 'dev',
    overrides: { ...NAT_INSTANCE_OVERRIDES, ...API_EDGE_OVERRIDES },
  },
  {
    // service-alerting.test.ts (owners' addresses and a webhook subscribed to a service's topic)
    name: 'dev with alarm recipients, a webhook and per-service alarm thresholds',
    env: 'dev',
    overrides: SERVICE_ALERTING_OVERRIDES,
  },
  {
    // environments.test.ts (staging is prod's config with other names: compliance-environments.test.ts
    // checks it as configured), network-stack.test.ts (flow logs)
    name: 'prod pinned to an account and region, with REJECT-only flow logs',
    env: 'prod',
    overrides: { ...PINNED, network: { flowLogs: { trafficType: 'REJECT', retentionDays: 180 } } },
  },
  {
    // network-egress.test.ts (regional NAT, IPv6 with DNS64, dualstack API and domain)
    name: 'dev with a regional NAT gateway over three AZs, dual stack with DNS64 and a dualstack API behind a custom domain',
    env: 'dev',
    overrides: REGIONAL_DUAL_STACK_OVERRIDES,
  },
  {
    // network-egress.test.ts (regional NAT in manual mode), pinned so the AZs are real names
    name: 'dev pinned to an account and region, with a regional NAT gateway on configured Elastic IPs',
    env: 'dev',
    overrides: { ...PINNED, ...REGIONAL_EIPS_OVERRIDES },
  },
  {
    // network-egress.test.ts (zonal gateways on configured Elastic IPs, NAT64 per AZ)
    name: 'dev with a NAT gateway per AZ on configured Elastic IPs, dual stack with DNS64',
    env: 'dev',
    overrides: PER_AZ_DUAL_STACK_OVERRIDES,
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
