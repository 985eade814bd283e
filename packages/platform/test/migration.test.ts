import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREATE_ONLY_PROPERTIES, compareTemplates } from '../lib/migration/replacements';
import { NetworkStack } from '../lib/stacks/network-stack';
import { configFor, TEST_CONTEXT } from './helpers/synth';

// What CloudFormation does to a deployed network when its config changes: compareTemplates over
// two syntheses, with the create-only properties of AWS's registry schemas. docs/network.md
// (Migration) explains the order and the egress interruption of each change listed here.

/** The network stack of dev.yaml with `network` overrides, as CloudFormation would receive it. */
function network(overrides: Record<string, unknown>) {
  const app = new App({ context: { ...TEST_CONTEXT }, builtinCloudFormationValidation: false });
  const stack = new NetworkStack(app, { config: configFor('dev', { network: overrides }) });
  return app.synth().getStackArtifact(stack.artifactId).template;
}

/** The comparison as `logicalId: action properties`, the form the expectations below are written in. */
function plan(before: object, after: object): Record<string, string> {
  const { changes, unknownTypes } = compareTemplates(before, after);
  expect(unknownTypes).toEqual([]);
  return Object.fromEntries(
    changes.map((c) => [
      c.logicalId,
      `${c.action} ${c.type}${c.properties.length ? ` ${c.properties.join(', ')}` : ''}`,
    ]),
  );
}

describe('compareTemplates on hand-written templates', () => {
  const vpc = (cidr: string) => ({ Type: 'AWS::EC2::VPC', Properties: { CidrBlock: cidr } });
  const base = {
    Resources: {
      Vpc: vpc('10.0.0.0/16'),
      Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.0.0/24' } },
      Table: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: { Ref: 'Vpc' } } },
      Param: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/p/subnet', Type: 'String', Value: { Ref: 'Subnet' } },
      },
      Group: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: { GroupDescription: 'd', VpcId: { 'Fn::GetAtt': ['Vpc', 'VpcId'] } },
      },
    },
  };

  it('reports nothing for identical templates', () => {
    expect(compareTemplates(base, structuredClone(base))).toEqual({ changes: [], unknownTypes: [] });
  });

  it('replaces a resource whose create-only property changes, and everything whose create-only property references it', () => {
    const after = { Resources: { ...base.Resources, Vpc: vpc('10.1.0.0/16') } };
    expect(plan(base, after)).toEqual({
      Group: 'replace AWS::EC2::SecurityGroup VpcId (Vpc is replaced)',
      // A Ref to a replaced subnet changes value, but Value is not create-only.
      Param: 'update AWS::SSM::Parameter Value (Subnet is replaced)',
      Subnet: 'replace AWS::EC2::Subnet VpcId (Vpc is replaced)',
      Table: 'replace AWS::EC2::RouteTable VpcId (Vpc is replaced)',
      Vpc: 'replace AWS::EC2::VPC CidrBlock',
    });
  });

  it('updates in place when only properties outside createOnlyProperties change', () => {
    const after = structuredClone(base);
    (after.Resources.Subnet.Properties as Record<string, unknown>).MapPublicIpOnLaunch = false;
    expect(plan(base, after)).toEqual({ Subnet: 'update AWS::EC2::Subnet MapPublicIpOnLaunch' });
  });

  it('treats a renamed logical id as a removal and an addition', () => {
    const { Table, ...rest } = base.Resources;
    expect(plan(base, { Resources: { ...rest, RouteTable2: Table } })).toEqual({
      RouteTable2: 'add AWS::EC2::RouteTable',
      Table: 'remove AWS::EC2::RouteTable',
    });
  });

  it('replaces a resource whose type changes', () => {
    const after = structuredClone(base) as {
      Resources: Record<string, { Type: string; Properties: object }>;
    };
    after.Resources.Param = { Type: 'AWS::SSM::Parameter', Properties: {} };
    after.Resources.Table = {
      Type: 'AWS::EC2::EgressOnlyInternetGateway',
      Properties: { VpcId: { Ref: 'Vpc' } },
    };
    expect(plan(base, after)).toEqual({
      Param: 'replace AWS::SSM::Parameter Name',
      Table: 'replace AWS::EC2::EgressOnlyInternetGateway Type',
    });
  });

  it('replaces on a nested create-only property only when that part changes', () => {
    const endpoint = (dns: Record<string, string>) => ({
      Resources: {
        E: {
          Type: 'AWS::EC2::VPCEndpoint',
          Properties: { ServiceName: 'com.amazonaws.eu-west-1.ssm', VpcId: 'vpc-1', DnsOptions: dns },
        },
      },
    });
    expect(CREATE_ONLY_PROPERTIES['AWS::EC2::VPCEndpoint']).toContain('DnsOptions/PrivateDnsPreference');
    expect(plan(endpoint({ DnsRecordIpType: 'ipv4' }), endpoint({ DnsRecordIpType: 'dualstack' }))).toEqual({
      E: 'update AWS::EC2::VPCEndpoint DnsOptions',
    });
    expect(
      plan(
        endpoint({ PrivateDnsPreference: 'ALL_DOMAINS' }),
        endpoint({ PrivateDnsPreference: 'VERIFIED_DOMAINS_ONLY' }),
      ),
    ).toEqual({ E: 'replace AWS::EC2::VPCEndpoint DnsOptions/PrivateDnsPreference' });
  });

  it('names a changed type it has no registry entry for, instead of guessing', () => {
    const t = (v: string) => ({ Resources: { X: { Type: 'AWS::Made::Up', Properties: { A: v } } } });
    expect(compareTemplates(t('1'), t('2'))).toEqual({
      changes: [{ logicalId: 'X', type: 'AWS::Made::Up', action: 'update', properties: ['A'] }],
      unknownTypes: ['AWS::Made::Up'],
    });
  });

  it('updates a custom resource whose properties change: only its handler could replace it', () => {
    const t = (v: string) => ({
      Resources: { C: { Type: 'Custom::Thing', Properties: { ServiceToken: 'arn:fn', Value: v } } },
    });
    expect(compareTemplates(t('1'), t('2'))).toEqual({
      changes: [{ logicalId: 'C', type: 'Custom::Thing', action: 'update', properties: ['Value'] }],
      unknownTypes: [],
    });
  });

  it('reads the registry: AvailabilityMode and AllocationId of a NAT gateway are create-only, MaxDrainDurationSeconds is not', () => {
    const nat = CREATE_ONLY_PROPERTIES['AWS::EC2::NatGateway'];
    expect(nat).toEqual(
      expect.arrayContaining(['AvailabilityMode', 'AllocationId', 'SubnetId', 'VpcId', 'ConnectivityType']),
    );
    expect(nat).not.toContain('MaxDrainDurationSeconds');
    expect(nat).not.toContain('AvailabilityZoneAddresses');
  });
});

describe('migrating a deployed dev network (2 AZs)', () => {
  const EIPS = ['eipalloc-0a1b2c3d4e5f60001', 'eipalloc-0a1b2c3d4e5f60002'];
  let single: object;
  let perAz: object;
  let instance: object;
  let regional: object;
  let regionalEips: object;
  let dualStack: object;
  let dualStackDns64: object;

  beforeAll(() => {
    single = network({});
    perAz = network({ nat: 'perAz' });
    instance = network({ nat: 'instance' });
    regional = network({ nat: 'regional' });
    regionalEips = network({ nat: 'regional', natEipAllocationIds: EIPS });
    dualStack = network({ ipv6: { enabled: true } });
    dualStackDns64 = network({ ipv6: { enabled: true, dns64: true } });
  });

  it('single -> regional: adds the regional gateway, repoints each private default route, then removes the zonal gateway and its address', () => {
    expect(plan(single, regional)).toEqual({
      VpcPrivateSubnet1DefaultRouteBE02A9ED: 'update AWS::EC2::Route NatGatewayId',
      VpcPrivateSubnet2DefaultRoute060D2087: 'update AWS::EC2::Route NatGatewayId',
      VpcPublicSubnet1EIPD7E02669: 'remove AWS::EC2::EIP',
      VpcPublicSubnet1NATGateway4D7517AA: 'remove AWS::EC2::NatGateway',
      VpcRegionalNatGateway3B64B8F5: 'add AWS::EC2::NatGateway',
    });
  });

  it('perAz -> regional: the same, with both zonal gateways and addresses removed', () => {
    expect(plan(perAz, regional)).toEqual({
      VpcPrivateSubnet1DefaultRouteBE02A9ED: 'update AWS::EC2::Route NatGatewayId',
      VpcPrivateSubnet2DefaultRoute060D2087: 'update AWS::EC2::Route NatGatewayId',
      VpcPublicSubnet1EIPD7E02669: 'remove AWS::EC2::EIP',
      VpcPublicSubnet1NATGateway4D7517AA: 'remove AWS::EC2::NatGateway',
      VpcPublicSubnet2EIP3C605A87: 'remove AWS::EC2::EIP',
      VpcPublicSubnet2NATGateway9182C01D: 'remove AWS::EC2::NatGateway',
      VpcRegionalNatGateway3B64B8F5: 'add AWS::EC2::NatGateway',
    });
  });

  it('instance -> regional: the routes move from the instance to the gateway; the instance and its parts are removed', () => {
    expect(plan(instance, regional)).toEqual({
      VpcNatSecurityGroup8DA26EDC: 'remove AWS::EC2::SecurityGroup',
      VpcPrivateSubnet1DefaultRouteBE02A9ED: 'update AWS::EC2::Route InstanceId, NatGatewayId',
      VpcPrivateSubnet2DefaultRoute060D2087: 'update AWS::EC2::Route InstanceId, NatGatewayId',
      VpcPublicSubnet1NatInstance57B636B8: 'remove AWS::EC2::Instance',
      VpcPublicSubnet1NatInstanceInstanceProfileEE10C485: 'remove AWS::IAM::InstanceProfile',
      VpcPublicSubnet1NatInstanceInstanceRole9D835E32: 'remove AWS::IAM::Role',
      VpcPublicSubnet1NatInstanceLaunchTemplate2310B54C: 'remove AWS::EC2::LaunchTemplate',
      VpcRegionalNatGateway3B64B8F5: 'add AWS::EC2::NatGateway',
    });
  });

  it('regional -> perAz: zonal gateways and addresses are added, the regional gateway removed', () => {
    expect(plan(regional, perAz)).toEqual({
      VpcPrivateSubnet1DefaultRouteBE02A9ED: 'update AWS::EC2::Route NatGatewayId',
      VpcPrivateSubnet2DefaultRoute060D2087: 'update AWS::EC2::Route NatGatewayId',
      VpcPublicSubnet1EIPD7E02669: 'add AWS::EC2::EIP',
      VpcPublicSubnet1NATGateway4D7517AA: 'add AWS::EC2::NatGateway',
      VpcPublicSubnet2EIP3C605A87: 'add AWS::EC2::EIP',
      VpcPublicSubnet2NATGateway9182C01D: 'add AWS::EC2::NatGateway',
      VpcRegionalNatGateway3B64B8F5: 'remove AWS::EC2::NatGateway',
    });
  });

  it('regional, automatic -> configured Elastic IPs: the gateway is updated in place, not replaced', () => {
    expect(plan(regional, regionalEips)).toEqual({
      VpcRegionalNatGateway3B64B8F5: 'update AWS::EC2::NatGateway AvailabilityZoneAddresses',
    });
  });

  it('IPv6 on: adds the IPv6 block, the egress-only gateway and the ::/0 routes, updates every subnet in place, replaces nothing', () => {
    expect(plan(single, dualStack)).toEqual({
      LambdaSecurityGroup0BD9FC99: 'update AWS::EC2::SecurityGroup SecurityGroupEgress',
      VpcEIGW61416F369: 'add AWS::EC2::EgressOnlyInternetGateway',
      VpcIpAddressTypeParameter7957C46C: 'update AWS::SSM::Parameter Value',
      Vpcipv6cidr40D3CB78: 'add AWS::EC2::VPCCidrBlock',
      VpcPrivateSubnet1DefaultRoute6B45CB740: 'add AWS::EC2::Route',
      VpcPrivateSubnet1Subnet536B997A: 'update AWS::EC2::Subnet AssignIpv6AddressOnCreation, Ipv6CidrBlock',
      VpcPrivateSubnet2DefaultRoute6DDF1236D: 'add AWS::EC2::Route',
      VpcPrivateSubnet2Subnet3788AAA1: 'update AWS::EC2::Subnet AssignIpv6AddressOnCreation, Ipv6CidrBlock',
      VpcPublicSubnet1DefaultRoute6A21265FB: 'add AWS::EC2::Route',
      VpcPublicSubnet1Subnet5C2D37C4: 'update AWS::EC2::Subnet AssignIpv6AddressOnCreation, Ipv6CidrBlock',
      VpcPublicSubnet2DefaultRoute63E63096C: 'add AWS::EC2::Route',
      VpcPublicSubnet2Subnet691E08A3: 'update AWS::EC2::Subnet AssignIpv6AddressOnCreation, Ipv6CidrBlock',
    });
  });

  it('IPv6 on with an interface endpoint: the endpoint becomes dual stack in place', () => {
    const changes = plan(
      network({ interfaceEndpoints: ['ssm'] }),
      network({ interfaceEndpoints: ['ssm'], ipv6: { enabled: true } }),
    );
    const endpoint = Object.entries(changes).filter(([, v]) => v.includes('AWS::EC2::VPCEndpoint'));
    expect(endpoint).toEqual([
      ['VpcSsmEndpointC46DB833', 'update AWS::EC2::VPCEndpoint DnsOptions, IpAddressType'],
    ]);
  });

  it('DNS64 on: turns DNS64 on in each private subnet and adds its NAT64 route', () => {
    expect(plan(dualStack, dualStackDns64)).toEqual({
      VpcPrivateSubnet1Nat6415F2DD5D: 'add AWS::EC2::Route',
      VpcPrivateSubnet1Subnet536B997A: 'update AWS::EC2::Subnet EnableDns64',
      VpcPrivateSubnet2Nat64B1A12674: 'add AWS::EC2::Route',
      VpcPrivateSubnet2Subnet3788AAA1: 'update AWS::EC2::Subnet EnableDns64',
    });
  });

  it('a new VPC CIDR replaces the VPC, every subnet, route table and security group that hangs off it', () => {
    const moved = plan(single, network({ cidr: '10.11.0.0/16' }));
    expect(moved.Vpc8378EB38).toBe('replace AWS::EC2::VPC CidrBlock');
    expect(Object.entries(moved).filter(([, v]) => v.startsWith('replace AWS::EC2::Subnet '))).toHaveLength(
      4,
    );
    expect(moved.LambdaSecurityGroup0BD9FC99).toBe(
      'replace AWS::EC2::SecurityGroup VpcId (Vpc8378EB38 is replaced)',
    );
  });
});
