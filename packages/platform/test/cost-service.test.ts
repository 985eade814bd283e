import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../lib/config/schema';
import type { CostAssumptions } from '../lib/cost/estimate';
import { estimateServiceCost, renderServiceCost } from '../lib/cost/service';

// Every expected figure is worked out by hand from the price table's list prices (us-east-1, 730
// hours a month): NAT gateway $0.045/h and $0.045/GB, KMS key $1, alarm metric $0.10, dashboard $3,
// custom metric $0.30, REST requests $3.50 a million, log ingestion $0.50/GB, data out $0.09/GB.

const ASSUMPTIONS: CostAssumptions = {
  flowLogGbPerMonth: 0,
  cloudWatchFreeTier: false,
  authorizerMs: 5,
  accessLogBytesPerRequest: 1024,
};
const scope = { project: 'shared-lambda-infra', env: 'dev' as const };

const orders = {
  name: 'orders',
  repository: 'acme/orders-service',
  basePath: 'orders',
  expectedTraffic: { requestsPerMonth: 2_000_000, natGbPerMonth: 10, responseKbPerRequest: 1 },
} as ServiceConfig;

const platformStacks = [
  {
    // One NAT gateway (0.045 x 730 = $32.85) and one key ($1): $33.85 a month.
    stackName: 'shared-lambda-infra-dev-network',
    template: {
      Resources: {
        Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
        Key: { Type: 'AWS::KMS::Key', Properties: {} },
      },
    },
  },
  {
    // The orders access stack: one plain alarm ($0.10), and a math alarm reading two metrics ($0.20).
    stackName: 'shared-lambda-infra-dev-access-orders',
    template: {
      Resources: {
        Throttled: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300 } },
        Rate: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Metrics: [
              { Id: 'e', MetricStat: { Period: 60 } },
              { Id: 'r', MetricStat: { Period: 60 } },
              { Id: 'x' },
            ],
          },
        },
      },
    },
  },
  {
    // Another service's access stack: neither its own nor shared for orders.
    stackName: 'shared-lambda-infra-dev-access-billing',
    template: { Resources: { Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300 } } } },
  },
];

// The orders assembly: a dashboard ($3) and two alarms ($0.20); a stack of another service is ignored.
const serviceStacks = [
  {
    stackName: 'shared-lambda-infra-dev-orders-api',
    template: {
      Resources: {
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300 } },
        B: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300 } },
      },
    },
  },
  {
    stackName: 'shared-lambda-infra-dev-billing-api',
    template: { Resources: { Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} } } },
  },
];

describe('estimateServiceCost', () => {
  const cost = estimateServiceCost({
    nameScope: scope,
    service: orders,
    registeredServices: 2,
    platformStacks,
    serviceStacks,
    assumptions: ASSUMPTIONS,
  });
  const monthly = (lines: ReadonlyArray<{ item: string; monthly: number }>) =>
    Object.fromEntries(lines.map((l) => [l.item, Number(l.monthly.toFixed(5))]));

  it('counts its own stacks, its access stack and its seven gateway metrics', () => {
    expect(monthly(cost.own)).toEqual({
      'Alarm metric (standard resolution) (its stacks)': 0.5, // 1 + 2 in the access stack, 2 in its own
      'CloudWatch dashboard (its stacks)': 3,
      'Gateway metrics of /orders (custom metrics)': 2.1, // 7 x $0.30
    });
  });

  it('prices its expected traffic', () => {
    expect(monthly(cost.usage)).toEqual({
      'REST API requests (expected)': 7, // 2 million x $3.50
      'Access log lines (1024 bytes a request)': 0.95367, // 2,048,000,000 B = 1.907349 GB x $0.50
      'Responses out to the internet (1 KB a request)': 0.17166, // 2,000,000 KB = 1.907349 GB x $0.09
      'Data through the NAT gateways (expected)': 0.45, // 10 GB x $0.045
    });
  });

  it("takes an even share of the platform's fixed month, access stacks left out", () => {
    expect(monthly(cost.shared)).toEqual({ 'Platform fixed month, split between 2 services': 16.925 }); // 33.85 / 2
  });

  it('adds up to its month', () => {
    // 0.5 + 3 + 2.1 + 7 + 0.953674 + 0.171661 + 0.45 + 16.925
    expect(cost.total).toBeCloseTo(31.100335, 5);
    expect(renderServiceCost('orders', cost).split('\n')[0]).toBe(
      'orders: $31.10 a month (us-east-1 list prices of 2026-11-27)',
    );
  });

  it('counts no usage for a service that declares none', () => {
    const quiet = estimateServiceCost({
      nameScope: scope,
      service: { ...orders, expectedTraffic: undefined },
      registeredServices: 2,
      platformStacks,
      serviceStacks: [],
      assumptions: ASSUMPTIONS,
    });
    expect(quiet.usage).toEqual([]);
    expect(quiet.total).toBeCloseTo(0.3 + 2.1 + 16.925, 5);
  });
});
