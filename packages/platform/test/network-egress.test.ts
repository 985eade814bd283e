import { type NameScope, Parameters } from '@shared-lambda-infra/contract';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NetworkStack } from '../lib/stacks/network-stack';
import { configFor, type SynthResult, synthPlatform, TEST_CONTEXT } from './helpers/synth';
import {
  PER_AZ_DUAL_STACK_OVERRIDES,
  REGIONAL_DUAL_STACK_OVERRIDES,
  REGIONAL_EIPS_OVERRIDES,
} from './helpers/variants';

// The egress choices of network.nat (regional), natEipAllocationIds, natMaxDrainSeconds and
// network.ipv6, and api.ipAddressType, as the synthesized templates show them: routes per subnet,
// gateways, addresses, security groups, endpoints, alarms and the API. network-stack.test.ts
// covers single, perAz and instance.

const SYNTH_TIMEOUT = 600_000;
const AZ = (i: number) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] });

type Resources = Record<string, { Properties: Record<string, unknown> }>;

/** The network stack alone, for the cases that need nothing else (a fraction of the platform). */
function networkTemplate(overrides: Record<string, unknown>): Template {
  const app = new App({ context: { ...TEST_CONTEXT }, builtinCloudFormationValidation: false });
  const stack = new NetworkStack(app, { config: configFor('dev', overrides) });
  return Template.fromJSON(app.synth().getStackArtifact(stack.artifactId).template);
}

/** Logical ids of the subnets CDK tagged `aws-cdk:subnet-type` = `type`, in template order. */
function subnetIds(template: Template, type: 'Public' | 'Private'): string[] {
  return Object.entries(template.findResources('AWS::EC2::Subnet') as Resources)
    .filter(([, s]) =>
      (s.Properties.Tags as Array<{ Key: string; Value: string }>).some(
        (t) => t.Key === 'aws-cdk:subnet-type' && t.Value === type,
      ),
    )
    .map(([id]) => id);
}

/** The route table of a subnet, through its route table association. */
function routeTableOf(template: Template, subnetId: string): string {
  const association = Object.values(
    template.findResources('AWS::EC2::SubnetRouteTableAssociation') as Resources,
  ).find((a) => (a.Properties.SubnetId as { Ref: string }).Ref === subnetId);
  if (!association) throw new Error(`no route table association for subnet ${subnetId}`);
  return (association.Properties.RouteTableId as { Ref: string }).Ref;
}

/** The routes of a subnet's route table, by destination (IPv4 or IPv6 CIDR). */
function routesOf(template: Template, subnetId: string): Record<string, Record<string, unknown>> {
  const table = routeTableOf(template, subnetId);
  const out: Record<string, Record<string, unknown>> = {};
  for (const route of Object.values(template.findResources('AWS::EC2::Route') as Resources)) {
    if ((route.Properties.RouteTableId as { Ref: string }).Ref !== table) continue;
    const { RouteTableId: _, DestinationCidrBlock, DestinationIpv6CidrBlock, ...target } = route.Properties;
    out[String(DestinationCidrBlock ?? DestinationIpv6CidrBlock)] = target;
  }
  return out;
}

function onlyId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids, type).toHaveLength(1);
  return ids[0];
}

describe('regional NAT gateway (automatic mode), dual stack with DNS64, dual-stack API', () => {
  let result: SynthResult;
  let network: Template;
  let scope: NameScope;

  beforeAll(() => {
    // GIVEN dev.yaml with nat regional over 3 AZs, a drain of 600 s, IPv6 with DNS64, two interface
    // endpoints, and a dualstack API with a custom domain (REGIONAL_DUAL_STACK_OVERRIDES)
    result = synthPlatform({ env: 'dev', overrides: REGIONAL_DUAL_STACK_OVERRIDES });
    network = result.template(result.stacks.network);
    scope = result.stacks.network.nameScope;
  }, SYNTH_TIMEOUT);

  it('creates one regional NAT gateway for the VPC, in no subnet, with Amazon-provided addresses', () => {
    const vpc = onlyId(network, 'AWS::EC2::VPC');
    network.resourceCountIs('AWS::EC2::NatGateway', 1);
    const gateway = Object.values(network.findResources('AWS::EC2::NatGateway') as Resources)[0].Properties;
    expect(gateway).toMatchObject({
      AvailabilityMode: 'regional',
      ConnectivityType: 'public',
      VpcId: { Ref: vpc },
      MaxDrainDurationSeconds: 600,
    });
    expect(gateway.SubnetId).toBeUndefined();
    expect(gateway.AllocationId).toBeUndefined();
    expect(gateway.AvailabilityZoneAddresses).toBeUndefined();
    network.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it('routes 0.0.0.0/0 of every private subnet to the regional gateway and of every public one to the internet gateway', () => {
    const nat = onlyId(network, 'AWS::EC2::NatGateway');
    const igw = onlyId(network, 'AWS::EC2::InternetGateway');
    const eigw = onlyId(network, 'AWS::EC2::EgressOnlyInternetGateway');
    const privateSubnets = subnetIds(network, 'Private');
    expect(privateSubnets).toHaveLength(3);
    for (const subnet of privateSubnets) {
      expect(routesOf(network, subnet)).toEqual({
        '0.0.0.0/0': { NatGatewayId: { 'Fn::GetAtt': [nat, 'NatGatewayId'] } },
        '::/0': { EgressOnlyInternetGatewayId: { Ref: eigw } },
        '64:ff9b::/96': { NatGatewayId: { 'Fn::GetAtt': [nat, 'NatGatewayId'] } },
      });
    }
    for (const subnet of subnetIds(network, 'Public')) {
      expect(routesOf(network, subnet)).toEqual({
        '0.0.0.0/0': { GatewayId: { Ref: igw } },
        '::/0': { GatewayId: { Ref: igw } },
      });
    }
  });

  it('gives the VPC an Amazon-provided IPv6 block and every subnet its own /64 of it', () => {
    network.hasResourceProperties('AWS::EC2::VPCCidrBlock', { AmazonProvidedIpv6CidrBlock: true });
    const vpc = onlyId(network, 'AWS::EC2::VPC');
    const blocks = Object.values(network.findResources('AWS::EC2::Subnet') as Resources).map(
      (s) => s.Properties.Ipv6CidrBlock,
    );
    // Six /64 blocks cut from the VPC's /56 (Fn::Cidr's last argument is the host bits of each).
    const cidrs = {
      'Fn::Cidr': [{ 'Fn::Select': [0, { 'Fn::GetAtt': [vpc, 'Ipv6CidrBlocks'] }] }, 6, '64'],
    };
    expect(blocks).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ 'Fn::Select': [i, cidrs] })));
  });

  it('assigns IPv6 addresses on creation in the private subnets only, and DNS64 there only', () => {
    for (const id of subnetIds(network, 'Private')) {
      expect(network.toJSON().Resources[id].Properties).toMatchObject({
        AssignIpv6AddressOnCreation: true,
        EnableDns64: true,
        MapPublicIpOnLaunch: false,
      });
    }
    for (const id of subnetIds(network, 'Public')) {
      const p = network.toJSON().Resources[id].Properties;
      expect(p.AssignIpv6AddressOnCreation).toBe(false);
      expect(p.MapPublicIpOnLaunch).toBe(false);
      expect(p.EnableDns64).toBeUndefined();
    }
  });

  it('lets the Lambda security group send HTTPS over IPv4 and IPv6, and nothing else', () => {
    network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupName: 'shared-lambda-infra-dev-sg-lambda',
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
        { CidrIpv6: '::/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
      ],
    });
  });

  it('makes the interface endpoints dual stack, with A and AAAA records', () => {
    const endpoints = Object.values(network.findResources('AWS::EC2::VPCEndpoint') as Resources).filter(
      (e) => e.Properties.VpcEndpointType === 'Interface',
    );
    expect(endpoints).toHaveLength(2);
    for (const e of endpoints) {
      expect(e.Properties).toMatchObject({
        IpAddressType: 'dualstack',
        DnsOptions: { DnsRecordIpType: 'dualstack' },
        PrivateDnsEnabled: true,
      });
    }
  });

  it('keeps the flow log as in an IPv4 VPC: one, on the VPC, ALL traffic', () => {
    network.resourceCountIs('AWS::EC2::FlowLog', 1);
    network.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
  });

  it('publishes ip-address-type dualstack for the consumer', () => {
    network.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.vpcIpAddressType.path(scope),
      Type: 'String',
      Value: 'dualstack',
    });
  });

  it('alarms on the regional gateway by its id: port allocation errors and dropped packets', () => {
    const observability = result.template(result.stacks.observability);
    const alarms = Object.values(observability.findResources('AWS::CloudWatch::Alarm') as Resources).filter(
      (a) => a.Properties.Namespace === 'AWS/NATGateway',
    );
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual([
      'ErrorPortAllocation',
      'PacketsDropCount',
    ]);
    for (const metric of ['ErrorPortAllocation', 'PacketsDropCount']) {
      // The network stack's NatGatewayId attribute of the regional gateway, read across stacks.
      observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/NATGateway',
        MetricName: metric,
        Dimensions: [
          {
            Name: 'NatGatewayId',
            Value: {
              'Fn::GetStackOutput': Match.objectLike({
                StackName: 'shared-lambda-infra-dev-network',
                OutputName: Match.stringLikeRegexp(
                  '^PublishOutputFnGetAttVpcRegionalNatGateway[0-9A-F]{8}NatGatewayId',
                ),
              }),
            },
          },
        ],
      });
    }
  });

  it('serves the API and its custom domain to IPv4 and IPv6 clients', () => {
    const api = result.template(result.stacks.api);
    api.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
    });
    api.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'], IpAddressType: 'dualstack' },
    });
  });
});

describe('regional NAT gateway with configured Elastic IPs (manual mode), IPv4 only', () => {
  let result: SynthResult;
  let network: Template;
  let scope: NameScope;

  beforeAll(() => {
    // GIVEN dev.yaml (2 AZs) with nat regional and one Elastic IP per AZ (REGIONAL_EIPS_OVERRIDES)
    result = synthPlatform({ env: 'dev', overrides: REGIONAL_EIPS_OVERRIDES });
    network = result.template(result.stacks.network);
    scope = result.stacks.network.nameScope;
  }, SYNTH_TIMEOUT);

  it('lists each AZ of the VPC with its own Elastic IP, in AZ order, and no single allocation id', () => {
    const gateway = Object.values(network.findResources('AWS::EC2::NatGateway') as Resources)[0].Properties;
    expect(gateway.AvailabilityZoneAddresses).toEqual([
      { AvailabilityZone: AZ(0), AllocationIds: ['eipalloc-0a1b2c3d4e5f60001'] },
      { AvailabilityZone: AZ(1), AllocationIds: ['eipalloc-0a1b2c3d4e5f60002'] },
    ]);
    expect(gateway.AllocationId).toBeUndefined();
    expect(gateway.MaxDrainDurationSeconds).toBeUndefined();
    network.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it('creates no IPv6 block, egress-only gateway, IPv6 route or IPv6 rule', () => {
    network.resourceCountIs('AWS::EC2::VPCCidrBlock', 0);
    network.resourceCountIs('AWS::EC2::EgressOnlyInternetGateway', 0);
    network.resourcePropertiesCountIs('AWS::EC2::Route', { DestinationIpv6CidrBlock: Match.anyValue() }, 0);
    for (const id of subnetIds(network, 'Private')) {
      const nat = onlyId(network, 'AWS::EC2::NatGateway');
      expect(routesOf(network, id)).toEqual({
        '0.0.0.0/0': { NatGatewayId: { 'Fn::GetAtt': [nat, 'NatGatewayId'] } },
      });
      expect(network.toJSON().Resources[id].Properties.Ipv6CidrBlock).toBeUndefined();
    }
    network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupName: 'shared-lambda-infra-dev-sg-lambda',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 })],
    });
  });

  it('publishes ip-address-type ipv4', () => {
    network.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.vpcIpAddressType.path(scope),
      Value: 'ipv4',
    });
  });

  it("leaves the API's IP address type to AWS when api.ipAddressType is unset", () => {
    const api = result.template(result.stacks.api);
    api.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });
});

describe('NAT gateway per AZ with configured Elastic IPs, dual stack with DNS64', () => {
  let template: Template;

  beforeAll(() => {
    // GIVEN dev.yaml with nat perAz over 2 AZs, two Elastic IPs, a drain of 120 s, IPv6 with DNS64
    template = networkTemplate(PER_AZ_DUAL_STACK_OVERRIDES);
  });

  it('puts the configured Elastic IP on each zonal gateway, with the drain duration, and allocates none', () => {
    const gateways = Object.values(template.findResources('AWS::EC2::NatGateway') as Resources).map(
      (g) => g.Properties,
    );
    expect(gateways.map((g) => [g.AllocationId, g.MaxDrainDurationSeconds, g.AvailabilityMode])).toEqual([
      ['eipalloc-0a1b2c3d4e5f60001', 120, undefined],
      ['eipalloc-0a1b2c3d4e5f60002', 120, undefined],
    ]);
    template.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it("sends each private subnet's IPv4 and NAT64 traffic to the gateway of its own AZ, and IPv6 to the egress-only gateway", () => {
    const gateways = Object.entries(template.findResources('AWS::EC2::NatGateway') as Resources);
    const eigw = onlyId(template, 'AWS::EC2::EgressOnlyInternetGateway');
    const publicSubnets = subnetIds(template, 'Public');
    subnetIds(template, 'Private').forEach((subnet, i) => {
      // The gateway that lives in the public subnet of the same AZ.
      const own = gateways.find(
        ([, g]) => (g.Properties.SubnetId as { Ref: string }).Ref === publicSubnets[i],
      );
      expect(own).toBeDefined();
      expect(routesOf(template, subnet)).toEqual({
        '0.0.0.0/0': { NatGatewayId: { Ref: own?.[0] } },
        '64:ff9b::/96': { NatGatewayId: { Ref: own?.[0] } },
        '::/0': { EgressOnlyInternetGatewayId: { Ref: eigw } },
      });
    });
  });
});

describe('a single NAT gateway with neither addresses nor drain configured', () => {
  it('allocates its Elastic IP in the stack and leaves MaxDrainDurationSeconds to AWS (350 s)', () => {
    const template = networkTemplate({});
    template.resourceCountIs('AWS::EC2::EIP', 1);
    const eip = onlyId(template, 'AWS::EC2::EIP');
    const gateway = Object.values(template.findResources('AWS::EC2::NatGateway') as Resources)[0].Properties;
    expect(gateway.AllocationId).toEqual({ 'Fn::GetAtt': [eip, 'AllocationId'] });
    expect(gateway.MaxDrainDurationSeconds).toBeUndefined();
  });
});

describe('a NAT instance in a dual-stack VPC', () => {
  it('keeps IPv4 egress on the instance and sends IPv6 through the egress-only gateway, with no NAT64 route', () => {
    // GIVEN dev.yaml with nat instance and IPv6 on (DNS64 off: config refuses it with an instance)
    const template = networkTemplate({ network: { nat: 'instance', ipv6: { enabled: true } } });
    const instance = onlyId(template, 'AWS::EC2::Instance');
    const eigw = onlyId(template, 'AWS::EC2::EgressOnlyInternetGateway');
    for (const subnet of subnetIds(template, 'Private')) {
      expect(routesOf(template, subnet)).toEqual({
        '0.0.0.0/0': { InstanceId: { Ref: instance } },
        '::/0': { EgressOnlyInternetGatewayId: { Ref: eigw } },
      });
    }
  });
});
