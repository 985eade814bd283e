import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformConfig } from '../lib/config/schema';
import { type CostAssumptions, type CostEstimate, estimateCost, networkChoices } from '../lib/cost/estimate';
import { renderCost } from '../lib/cost/render';
import { synthesizeTemplates } from '../lib/cost/synth';
import { configFor } from './helpers/synth';

// Every expected figure is worked out by hand from the price table's list prices (us-east-1,
// 730 hours a month): NAT gateway $0.045/h, public IPv4 $0.005/h, interface endpoint $0.01 per
// AZ-hour, t4g.nano $0.0042/h, gp3 $0.08/GB-month, KMS key $1, 0.5 GB API cache $0.02/h, vended
// logs $0.50/GB, log storage $0.03/GB-month, alarm metric $0.10, dashboard $3.

const ASSUMPTIONS: CostAssumptions = {
  flowLogGbPerMonth: 3,
  cloudWatchFreeTier: true,
  authorizerMs: 5,
  accessLogBytesPerRequest: 1024,
};

const line = (estimate: CostEstimate, item: string) => estimate.lines.find((l) => l.item === item)?.monthly;

/** A two-AZ environment with a NAT gateway, two interface endpoints, an API cache and a flow log. */
const gatewayStacks = [
  {
    stackName: 'fixture-network',
    template: {
      Resources: {
        Eip: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
        Nat: { Type: 'AWS::EC2::NatGateway', Properties: {} },
        Ssm: {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: { VpcEndpointType: 'Interface', SubnetIds: [{ Ref: 'A' }, { Ref: 'B' }] },
        },
        Sts: {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: { VpcEndpointType: 'Interface', SubnetIds: [{ Ref: 'A' }, { Ref: 'B' }] },
        },
        S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
        FlowLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
        FlowLog: {
          Type: 'AWS::EC2::FlowLog',
          Properties: { LogDestinationType: 'cloud-watch-logs', LogGroupName: { Ref: 'FlowLogGroup' } },
        },
      },
    },
  },
  {
    stackName: 'fixture-rest',
    template: {
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: {} },
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
        Stage: {
          Type: 'AWS::ApiGateway::Stage',
          Properties: { CacheClusterEnabled: true, CacheClusterSize: '0.5', TracingEnabled: true },
        },
        Errors: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Period: 300 } },
        Latency: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Latency', Period: 300 } },
        ErrorRate: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Metrics: [
              { Id: 'rate', Expression: 'errors / requests' },
              { Id: 'errors', MetricStat: { Period: 300 }, ReturnData: false },
              { Id: 'requests', MetricStat: { Period: 300 }, ReturnData: false },
            ],
          },
        },
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
      },
    },
  },
];

describe('cost estimate from templates', () => {
  it('prices each fixed resource of a NAT gateway environment', () => {
    const estimate = estimateCost(gatewayStacks, ASSUMPTIONS);

    expect(line(estimate, 'NAT gateway')).toBeCloseTo(32.85, 6); // 0.045 x 730
    expect(line(estimate, 'Public IPv4 address')).toBeCloseTo(3.65, 6); // 0.005 x 730
    expect(line(estimate, 'Interface endpoint, per AZ')).toBeCloseTo(29.2, 6); // 2 endpoints x 2 AZs x 7.30
    expect(line(estimate, 'KMS customer-managed key')).toBeCloseTo(1, 6);
    expect(line(estimate, 'API Gateway cache 0.5 GB')).toBeCloseTo(14.6, 6); // 0.02 x 730
    expect(line(estimate, 'Flow logs ingested (assumed volume)')).toBeCloseTo(1.5, 6); // 3 GB x 0.50
    expect(line(estimate, 'Flow logs stored (over the retention)')).toBeCloseTo(0.09, 6); // 3 GB x 30/30 x 0.03
    expect(line(estimate, 'Alarm metric (standard resolution)')).toBeCloseTo(0.4, 6); // 2 direct + 2 in the math
    expect(line(estimate, 'CloudWatch dashboard')).toBeCloseTo(3, 6);
    expect(estimate.lines).toHaveLength(10);
  });

  it('sums the list total, then takes the CloudWatch always-free tier off', () => {
    const estimate = estimateCost(gatewayStacks, ASSUMPTIONS);

    // 32.85 + 3.65 + 29.20 + 1 + 14.60 + 1.50 + 0.09 + 0.40 + 3 = 86.29
    expect(estimate.listTotal).toBeCloseTo(86.29, 6);
    // Free: the 2 alarms that name their metric (0.20), the dashboard (3), 3 GB of logs (1.50).
    expect(line(estimate, 'CloudWatch always-free tier (account to itself)')).toBeCloseTo(-4.7, 6);
    expect(estimate.total).toBeCloseTo(81.59, 6);
    expect(estimateCost(gatewayStacks, { ...ASSUMPTIONS, cloudWatchFreeTier: false }).total).toBeCloseTo(
      86.29,
      6,
    );
  });

  it('prices a NAT instance with its public address and default root volume, and flags a type it has no price for', () => {
    const instance = (type: string) => ({
      Type: 'AWS::EC2::Instance',
      Properties: {
        InstanceType: type,
        NetworkInterfaces: [{ DeviceIndex: '0', AssociatePublicIpAddress: true }],
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeType: 'gp3', Encrypted: true } }],
      },
    });
    const estimate = estimateCost(
      [
        {
          stackName: 'fixture',
          template: { Resources: { Nat: instance('t4g.nano'), Odd: instance('x9.huge') } },
        },
      ],
      { ...ASSUMPTIONS, cloudWatchFreeTier: false },
    );

    expect(line(estimate, 'EC2 instance t4g.nano (NAT instance)')).toBeCloseTo(3.066, 6); // 0.0042 x 730
    expect(line(estimate, 'EBS gp3 root volume')).toBeCloseTo(1.28, 6); // 2 x 8 GB x 0.08
    expect(line(estimate, 'Public IPv4 address')).toBeCloseTo(7.3, 6); // 2 x 3.65
    expect(estimate.warnings).toEqual(['no price for EC2 instance type x9.huge (1 instances)']);
    expect(estimate.total).toBeCloseTo(11.646, 6);
  });

  it('lists the rates traffic adds, with the authorizer and access log per million requests', () => {
    const estimate = estimateCost(
      [
        ...gatewayStacks,
        {
          stackName: 'fixture-auth',
          template: {
            Resources: {
              Fn: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512 } },
              Auth: {
                Type: 'AWS::ApiGateway::Authorizer',
                Properties: {
                  AuthorizerUri: { 'Fn::Join': ['', ['arn:', { 'Fn::GetAtt': ['Fn', 'Arn'] }]] },
                },
              },
              Logged: { Type: 'AWS::ApiGateway::Stage', Properties: { AccessLogSetting: {} } },
            },
          },
        },
      ],
      ASSUMPTIONS,
    );
    const rate = (item: string) => estimate.rates.find((r) => r.item.startsWith(item))?.price;

    expect(rate('Data processed by a NAT gateway')).toBe(0.045);
    expect(rate('Data processed by interface endpoints')).toBe(0.01);
    expect(rate('REST API requests')).toBe(3.5);
    expect(rate('X-Ray traces')).toBe(5);
    // 0.20 a million requests + 0.5 GB x 0.005 s x 1e6 x 0.0000133334 = 0.2333335
    expect(rate('JWT authorizer (512 MB, 5 ms')).toBeCloseTo(0.2333335, 7);
    // 1e6 x 1024 bytes = 0.95367 GiB x 0.50
    expect(rate('Access log (1024 bytes a request)')).toBeCloseTo(0.476837, 6);
  });
});

describe('cost of regional NAT gateways, configured Elastic IPs and IPv6 egress', () => {
  const subnet = (az: number) => ({
    Type: 'AWS::EC2::Subnet',
    Properties: { VpcId: { Ref: 'Vpc' }, AvailabilityZone: { 'Fn::Select': [az, { 'Fn::GetAZs': '' }] } },
  });
  const stacks = (nat: Record<string, unknown>, extra: Record<string, unknown> = {}) => [
    {
      stackName: 'fixture-network',
      template: {
        Resources: {
          // Three AZs, two subnets in each.
          A1: subnet(0),
          A2: subnet(0),
          B1: subnet(1),
          B2: subnet(1),
          C1: subnet(2),
          C2: subnet(2),
          Other: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: 'vpc-other', AvailabilityZone: 'x' } },
          Nat: { Type: 'AWS::EC2::NatGateway', Properties: nat },
          ...extra,
        },
      },
    },
  ];
  const noFreeTier = { ...ASSUMPTIONS, cloudWatchFreeTier: false };

  it('bills a regional gateway in automatic mode in every AZ of its VPC that has a subnet, with one address each', () => {
    const estimate = estimateCost(
      stacks({ AvailabilityMode: 'regional', VpcId: { Ref: 'Vpc' } }),
      noFreeTier,
    );
    // 3 AZs x 0.045 x 730 = 98.55; 3 addresses x 0.005 x 730 = 10.95
    expect(estimate.lines.map((l) => [l.item, l.quantity, l.unit])).toEqual([
      ['NAT gateway (regional), per active AZ', 3, 'gateway-AZ'],
      ['Public IPv4 address', 3, 'address'],
    ]);
    expect(line(estimate, 'NAT gateway (regional), per active AZ')).toBeCloseTo(98.55, 6);
    expect(line(estimate, 'Public IPv4 address')).toBeCloseTo(10.95, 6);
  });

  it('bills a regional gateway in manual mode in the AZs it lists, for every address listed', () => {
    const estimate = estimateCost(
      stacks({
        AvailabilityMode: 'regional',
        VpcId: { Ref: 'Vpc' },
        AvailabilityZoneAddresses: [
          { AvailabilityZone: 'a', AllocationIds: ['eipalloc-1', 'eipalloc-2'] },
          { AvailabilityZone: 'b', AllocationIds: ['eipalloc-3'] },
        ],
      }),
      noFreeTier,
    );
    expect(line(estimate, 'NAT gateway (regional), per active AZ')).toBeCloseTo(65.7, 6);
    expect(estimate.lines.find((l) => l.item === 'Public IPv4 address')?.quantity).toBe(3);
    expect(line(estimate, 'NAT gateway')).toBeUndefined();
  });

  it('counts the Elastic IP of a zonal gateway configured by allocation id, and a stack-allocated one once', () => {
    const configured = estimateCost(stacks({ AllocationId: 'eipalloc-0123456789abcdef0' }), noFreeTier);
    expect(configured.lines.map((l) => [l.item, l.quantity])).toEqual([
      ['NAT gateway', 1],
      ['Public IPv4 address', 1],
    ]);
    const allocated = estimateCost(
      stacks({ AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } }, { Eip: { Type: 'AWS::EC2::EIP' } }),
      noFreeTier,
    );
    expect(allocated.lines.map((l) => [l.item, l.quantity])).toEqual([
      ['NAT gateway', 1],
      ['Public IPv4 address', 1],
    ]);
  });

  it("lists IPv6 egress as free of the NAT's processing charge when the VPC has an egress-only gateway", () => {
    const rates = (extra: Record<string, unknown>) =>
      estimateCost(stacks({}, extra), noFreeTier).rates.map((r) => [r.item, r.price]);
    expect(rates({ Eigw: { Type: 'AWS::EC2::EgressOnlyInternetGateway' } }).slice(0, 3)).toEqual([
      ['Data processed by a NAT gateway', 0.045],
      ["IPv6 egress through the egress-only internet gateway (saves the NAT's $0.045 a GB)", 0],
      ['Data out to the internet', 0.09],
    ]);
    expect(rates({}).map(([item]) => item)).not.toContain(
      "IPv6 egress through the egress-only internet gateway (saves the NAT's $0.045 a GB)",
    );
  });
});

describe('network choices', () => {
  const network = {
    nat: 'single',
    maxAzs: 2,
    natInstanceType: 't4g.nano',
    interfaceEndpoints: ['ssm', 'sts'],
  } as unknown as PlatformConfig['network'];

  it('prices NAT instance, one gateway and one gateway per AZ over two and three AZs', () => {
    // gateway: (0.045 + 0.005) x 730 + 2 alarm metrics x 0.10 = 36.70
    // instance: (0.0042 + 0.005) x 730 + 8 GB x 0.08 = 7.356
    // endpoints: 2 x 7.30 per AZ
    expect(
      networkChoices(network).map((c) => [c.nat, c.maxAzs, Number(c.monthly.toFixed(3)), c.current]),
    ).toEqual([
      ['instance', 2, 36.556, false],
      ['instance', 3, 51.156, false],
      ['single', 2, 65.9, true],
      ['single', 3, 80.5, false],
      ['perAz', 2, 102.6, false],
      ['perAz', 3, 153.9, false],
      // regional: (0.045 + 0.005) x 730 per AZ + one gateway's 2 alarm metrics x 0.10
      ['regional', 2, 102.4, false],
      ['regional', 3, 153.5, false],
    ]);
  });

  it('renders the fixed cost, the totals and each choice against the current one', () => {
    const text = renderCost(
      'Fixture',
      estimateCost(gatewayStacks, ASSUMPTIONS),
      ASSUMPTIONS,
      networkChoices(network),
    );

    expect(text).toContain(
      'Fixture: $81.59 a month fixed (us-east-1 list prices of 2026-11-27, 730 h a month)',
    );
    expect(text).toMatch(/Total before free tier +\$86\.29/);
    expect(text).toMatch(/single, 2 AZs \(current\) +\$65\.90 +\+\$0\.00/);
    expect(text).toMatch(/perAz, 3 AZs +\$153\.90 +\+\$88\.00/);
  });
});

describe('cost of the dev environment as configured', () => {
  let gateway: CostEstimate;
  let instance: CostEstimate;

  beforeAll(() => {
    const dev = {
      flowLogGbPerMonth: 1,
      cloudWatchFreeTier: true,
      authorizerMs: 5,
      accessLogBytesPerRequest: 1024,
    };
    gateway = estimateCost(synthesizeTemplates(configFor('dev')), dev);
    instance = estimateCost(synthesizeTemplates(configFor('dev', { network: { nat: 'instance' } })), dev);
  });

  it('stays under $40 a month with its NAT gateway', () => {
    // NAT 32.85 + IPv4 3.65 + alarm topic key 1 + flow logs 0.50 + 0.47 GB-month stored 0.014
    // + 15 alarm metrics 1.50 (the routes DLQ alarm is the 8th, then 7 limit alarms) + dashboard 3
    // + the orders gateway alarms in access-orders: 3 direct and a 5XX rate reading 2 metrics, 0.50
    // = 43.014; free tier: 10 of the 14 direct alarms 1.00, dashboard 3, 1 GB of logs 0.50.
    expect(gateway.listTotal).toBeCloseTo(43.014, 3);
    expect(gateway.total).toBeCloseTo(38.514, 3);
  });

  it('stays under $10 a month with the NAT instance option', () => {
    // t4g.nano 3.066 + IPv4 3.65 + 8 GB gp3 0.64 + key 1 + flow logs 0.514 + 13 alarm metrics 1.30
    // (7 of them the limit alarms) + dashboard 3 + the orders gateway alarms 0.50 = 13.67; free tier:
    // 10 of the 12 direct alarms 1.00, dashboard 3, 1 GB of logs 0.50.
    expect(instance.listTotal).toBeCloseTo(13.67, 3);
    expect(instance.total).toBeCloseTo(9.17, 3);
  });
});
