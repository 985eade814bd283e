import { CONTRACT_VERSION, type NameScope, Parameters, resourceName } from '@shared-lambda-infra/contract';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFor, type SynthResult, synthPlatform } from './helpers/synth';
import { NAT_INSTANCE_OVERRIDES } from './helpers/variants';

// Each synth runs cdk-nag and cfn-guard over the whole platform: seconds each, more on a busy machine.
const SYNTH_TIMEOUT = 600_000;

/** The CIDR blocks of the subnets CDK tagged with `aws-cdk:subnet-type` = `type`, in template order. */
function subnetCidrs(template: Template, type: 'Public' | 'Private' | 'Isolated'): string[] {
  return Object.values(template.findResources('AWS::EC2::Subnet'))
    .filter((s) =>
      (s.Properties.Tags as Array<{ Key: string; Value: string }>).some(
        (t) => t.Key === 'aws-cdk:subnet-type' && t.Value === type,
      ),
    )
    .map((s) => s.Properties.CidrBlock as string);
}

/** The service part of each interface endpoint's name (`com.amazonaws.{region}.{name}` -> name). */
function interfaceEndpointNames(template: Template): string[] {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
    .filter((e) => e.Properties.VpcEndpointType === 'Interface')
    .map((e) => {
      const parts = (e.Properties.ServiceName as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return (parts.at(-1) as string).replace(/^\./, '');
    })
    .sort();
}

function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0];
}

/** Every contract parameter the network stack writes, with the value's shape where it is fixed. */
function expectParameter(
  template: Template,
  scope: NameScope,
  key: keyof typeof Parameters,
  value?: unknown,
): void {
  const parameter = Parameters[key] as { path(scope: NameScope): string; type: string };
  template.hasResourceProperties('AWS::SSM::Parameter', {
    Name: parameter.path(scope),
    Type: parameter.type,
    ...(value === undefined ? {} : { Value: value }),
  });
}

describe('network stack in dev (single NAT gateway, two AZs, flow log retention from observability)', () => {
  let result: SynthResult;
  let template: Template;
  let scope: NameScope;

  beforeAll(() => {
    // GIVEN dev.yaml: cidr 10.10.0.0/16, maxAzs 2, nat single, default masks (/24 public,
    // /20 private), no isolated subnets, logRetentionDays 14; plus four interface endpoints (dev
    // itself has none, for cost) so the endpoint tests below have some to check
    result = synthPlatform({
      env: 'dev',
      overrides: { network: { interfaceEndpoints: ['ssm', 'secretsmanager', 'sts', 'logs'] } },
    });
    template = result.template(result.stacks.network);
    scope = result.stacks.network.nameScope;
  }, SYNTH_TIMEOUT);

  it('creates the VPC from network.cidr with DNS on and the conventional Name tag', () => {
    template.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: '10.10.0.0/16',
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
      Tags: Match.arrayWith([
        { Key: 'Name', Value: resourceName('vpc', { ...scope, resourceType: 'vpc', identifier: 'shared' }) },
      ]),
    });
  });

  it('spans two AZs when maxAzs is 2: one public and one private subnet in each', () => {
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    for (const az of [0, 1]) {
      template.hasResourceProperties('AWS::EC2::Subnet', {
        AvailabilityZone: { 'Fn::Select': [az, { 'Fn::GetAZs': '' }] },
      });
    }
  });

  it('sizes public subnets from publicSubnetMask and private subnets from privateSubnetMask', () => {
    expect(subnetCidrs(template, 'Public')).toEqual(['10.10.0.0/24', '10.10.1.0/24']);
    expect(subnetCidrs(template, 'Private')).toEqual(['10.10.16.0/20', '10.10.32.0/20']);
  });

  it('never maps public IPs on launch, not even in public subnets', () => {
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });

  it('creates no isolated subnets and publishes no isolated-subnet-ids when isolatedSubnetMask is unset', () => {
    expect(subnetCidrs(template, 'Isolated')).toEqual([]);
    template.resourcePropertiesCountIs(
      'AWS::SSM::Parameter',
      { Name: Parameters.isolatedSubnetIds.path(scope) },
      0,
    );
  });

  it('routes every private subnet through the one NAT gateway when nat is single', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const natId = logicalIdOf(template, 'AWS::EC2::NatGateway', 'Vpc');
    const natRoutes = Object.values(template.findResources('AWS::EC2::Route')).filter(
      (r) => r.Properties.NatGatewayId !== undefined,
    );
    expect(natRoutes).toHaveLength(2);
    for (const route of natRoutes) expect(route.Properties.NatGatewayId).toEqual({ Ref: natId });
    expect(result.stacks.network.natGatewayIds).toHaveLength(1);
  });

  it('always creates the S3 and DynamoDB gateway endpoints', () => {
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
  });

  it('creates one interface endpoint per interfaceEndpoints entry, in the private subnets with private DNS', () => {
    expect(interfaceEndpointNames(template)).toEqual(['logs', 'secretsmanager', 'ssm', 'sts']);
    const endpointGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'EndpointSecurityGroup');
    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([id]) => id.startsWith('VpcPrivateSubnet'))
      .map(([id]) => ({ Ref: id }));
    for (const endpoint of Object.values(template.findResources('AWS::EC2::VPCEndpoint'))) {
      if (endpoint.Properties.VpcEndpointType !== 'Interface') continue;
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toEqual(privateSubnets);
      expect(endpoint.Properties.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [endpointGroup, 'GroupId'] }]);
    }
  });

  it('admits only HTTPS from the Lambda security group into the endpoint security group', () => {
    const endpointGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'EndpointSecurityGroup');
    const lambdaGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'LambdaSecurityGroup');
    // No inline ingress on the group itself...
    expect(
      template.findResources('AWS::EC2::SecurityGroup')[endpointGroup].Properties.SecurityGroupIngress,
    ).toBeUndefined();
    // ...and exactly one ingress rule that targets it: TCP 443 from the Lambda group.
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r) =>
        JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [endpointGroup, 'GroupId'] }),
    );
    expect(rules.map((r) => r.Properties)).toEqual([
      {
        Description: 'HTTPS from Lambda functions',
        GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [lambdaGroup, 'GroupId'] },
      },
    ]);
  });

  it('gives the Lambda security group a conventional name, HTTPS egress only and no ingress', () => {
    const lambdaGroup = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'LambdaSecurityGroup');
    const props = template.findResources('AWS::EC2::SecurityGroup')[lambdaGroup].Properties;
    expect(props.GroupName).toBe(
      resourceName('securityGroup', { ...scope, resourceType: 'sg', identifier: 'lambda' }),
    );
    expect(props.SecurityGroupIngress).toBeUndefined();
    expect(props.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to AWS APIs and the internet',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      },
    ]);
    const ingressToLambda = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r) => JSON.stringify(r.Properties.GroupId).includes(lambdaGroup),
    );
    expect(ingressToLambda).toEqual([]);
  });

  it('sends ALL traffic to a flow log group kept for observability.logRetentionDays when flowLogs.retentionDays is unset', () => {
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', 'FlowLogGroup');
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: logGroup },
    });
    // dev.yaml: observability.logRetentionDays 14, removalPolicy destroy
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 14 },
      DeletionPolicy: 'Delete',
    });
  });

  it("lets only this account's flow logs assume the flow log role, which has no inline policy", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    // The flow log waits for the policy that lets its role write.
    template.hasResource('AWS::EC2::FlowLog', {
      DependsOn: Match.arrayWith([logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'FlowLogPolicy')]),
    });
  });

  it('publishes every network contract parameter with its contract name and type', () => {
    const vpc = logicalIdOf(template, 'AWS::EC2::VPC', 'Vpc');
    expectParameter(template, scope, 'contractVersion', CONTRACT_VERSION);
    expectParameter(template, scope, 'vpcId', { Ref: vpc });
    expectParameter(template, scope, 'vpcCidr', { 'Fn::GetAtt': [vpc, 'CidrBlock'] });
    expectParameter(template, scope, 'availabilityZones', {
      'Fn::Join': [',', [0, 1].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))],
    });
    for (const key of ['publicSubnetIds', 'privateSubnetIds', 'privateRouteTableIds'] as const) {
      expectParameter(template, scope, key, {
        'Fn::Join': [',', Match.arrayWith([{ Ref: Match.anyValue() }])],
      });
    }
    expectParameter(template, scope, 'lambdaSecurityGroupId', {
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'LambdaSecurityGroup'), 'GroupId'],
    });
    expectParameter(template, scope, 'endpointSecurityGroupId', {
      'Fn::GetAtt': [logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'EndpointSecurityGroup'), 'GroupId'],
    });
  });

  it('publishes the private subnets and their route tables in the same order', () => {
    const params = Object.values(template.findResources('AWS::SSM::Parameter'));
    const value = (key: 'privateSubnetIds' | 'privateRouteTableIds'): string[] => {
      const parameter = params.find((p) => p.Properties.Name === Parameters[key].path(scope));
      const join = parameter?.Properties.Value as { 'Fn::Join': [string, Array<{ Ref: string }>] };
      return join['Fn::Join'][1].map((r) => r.Ref);
    };
    const subnets = value('privateSubnetIds');
    const tables = value('privateRouteTableIds');
    expect(subnets).toHaveLength(2);
    expect(subnets.map((id) => id.replace(/Subnet[0-9A-F]{8}$/, ''))).toEqual(
      tables.map((id) => id.replace(/RouteTable[0-9A-F]{8}$/, '')),
    );
    expect(subnets.every((id) => id.startsWith('VpcPrivateSubnet'))).toBe(true);
  });
});

describe('network stack in prod (NAT gateway per AZ, three AZs env-agnostic, isolated subnets)', () => {
  let result: SynthResult;
  let template: Template;
  let scope: NameScope;

  beforeAll(() => {
    // GIVEN prod.yaml (maxAzs 3, nat perAz, isolatedSubnetMask 24, no account or region) with
    // flow logs changed to show both keys: REJECT only, kept 180 days
    result = synthPlatform({
      env: 'prod',
      overrides: { network: { flowLogs: { trafficType: 'REJECT', retentionDays: 180 } } },
    });
    template = result.template(result.stacks.network);
    scope = result.stacks.network.nameScope;
  }, SYNTH_TIMEOUT);

  it('spans three AZs with maxAzs 3 although the stack is environment-agnostic', () => {
    expect(result.config.account).toBeUndefined();
    expect(result.config.region).toBeUndefined();
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] },
    });
    expectParameter(template, scope, 'availabilityZones', {
      'Fn::Join': [',', [0, 1, 2].map((i) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))],
    });
  });

  it('creates one NAT gateway per AZ when nat is perAz, each private subnet routed to its own', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    const targets = Object.values(template.findResources('AWS::EC2::Route'))
      .map((r) => (r.Properties.NatGatewayId as { Ref: string } | undefined)?.Ref)
      .filter((id) => id !== undefined);
    expect(new Set(targets).size).toBe(3);
    expect(result.stacks.network.natGatewayIds).toHaveLength(3);
  });

  it('differs from dev in NAT: three gateways in prod against one in dev', () => {
    expect(configFor('dev').network.nat).toBe('single');
    expect(result.config.network.nat).toBe('perAz');
    expect(Object.keys(template.findResources('AWS::EC2::NatGateway'))).toHaveLength(3);
  });

  it('creates isolated subnets of isolatedSubnetMask, with no route out, and publishes them', () => {
    expect(subnetCidrs(template, 'Isolated')).toEqual(['10.30.64.0/24', '10.30.65.0/24', '10.30.66.0/24']);
    const isolatedTables = Object.keys(template.findResources('AWS::EC2::RouteTable')).filter((id) =>
      id.startsWith('VpcIsolatedSubnet'),
    );
    expect(isolatedTables).toHaveLength(3);
    for (const route of Object.values(template.findResources('AWS::EC2::Route'))) {
      expect(isolatedTables).not.toContain((route.Properties.RouteTableId as { Ref: string }).Ref);
    }
    const isolatedSubnets = Object.keys(template.findResources('AWS::EC2::Subnet'))
      .filter((id) => id.startsWith('VpcIsolatedSubnet'))
      .map((id) => ({ Ref: id }));
    expectParameter(template, scope, 'isolatedSubnetIds', { 'Fn::Join': [',', isolatedSubnets] });
  });

  it('creates the default interface endpoints when the config lists none', () => {
    expect(interfaceEndpointNames(template)).toEqual(['kms', 'logs', 'secretsmanager', 'sqs', 'ssm', 'sts']);
  });

  it('uses flowLogs.trafficType and flowLogs.retentionDays, and retains the group in prod', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 180 },
      DeletionPolicy: 'Retain',
    });
    expect(result.config.observability.logRetentionDays).toBe(365);
  });
});

describe('network stack with a NAT instance and every address key changed', () => {
  let result: SynthResult;
  let template: Template;
  let scope: NameScope;

  beforeAll(() => {
    // GIVEN dev.yaml with a NAT instance, a /18 VPC and non-default masks, and flow logs off
    result = synthPlatform({
      env: 'dev',
      overrides: NAT_INSTANCE_OVERRIDES,
    });
    template = result.template(result.stacks.network);
    scope = result.stacks.network.nameScope;
  }, SYNTH_TIMEOUT);

  it('creates no NAT gateway and one NAT instance of natInstanceType', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Instance', 1);
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't3.micro',
      SourceDestCheck: false,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true }) }],
      NetworkInterfaces: [Match.objectLike({ AssociatePublicIpAddress: true })],
    });
    expect(result.stacks.network.natGatewayIds).toEqual([]);
  });

  it('boots the NAT instance from the Amazon Linux 2023 image for its architecture, resolved at deploy time', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const images = Object.values(parameters).filter((p) => p.Type.includes('AWS::EC2::Image::Id'));
    expect(images).toHaveLength(1);
    // t3 is x86_64; the default t4g would take the arm64 image.
    expect(images[0].Default).toMatch(/^\/aws\/service\/ami-amazon-linux-latest\/al2023-ami-.*x86_64$/);
  });

  it('requires IMDSv2 on the NAT instance', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } },
    });
  });

  it('routes every private subnet through the NAT instance', () => {
    const instance = logicalIdOf(template, 'AWS::EC2::Instance', 'Vpc');
    const natRoutes = Object.values(template.findResources('AWS::EC2::Route')).filter(
      (r) => r.Properties.InstanceId !== undefined,
    );
    expect(natRoutes).toHaveLength(3);
    for (const route of natRoutes) expect(route.Properties.InstanceId).toEqual({ Ref: instance });
  });

  it('admits traffic into the NAT instance from the VPC CIDR only', () => {
    const group = logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'VpcNatSecurityGroup');
    const ingress = template.findResources('AWS::EC2::SecurityGroup')[group].Properties
      .SecurityGroupIngress as Array<{
      CidrIp: string;
    }>;
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) expect(rule.CidrIp).toBe('10.50.0.0/18');
  });

  it('lays the subnets out from cidr and the three masks, one of each per AZ', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.50.0.0/18' });
    expect(subnetCidrs(template, 'Public')).toEqual(['10.50.0.0/26', '10.50.0.64/26', '10.50.0.128/26']);
    expect(subnetCidrs(template, 'Private')).toEqual(['10.50.4.0/22', '10.50.8.0/22', '10.50.12.0/22']);
    expect(subnetCidrs(template, 'Isolated')).toEqual(['10.50.16.0/27', '10.50.16.32/27', '10.50.16.64/27']);
  });

  it('maps interface endpoint names with dots to their AWS service names', () => {
    expect(interfaceEndpointNames(template)).toEqual(['ecr.api', 'ecr.dkr']);
  });

  it('creates no flow log, log group or flow log role when flowLogs.enabled is false', () => {
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(result.stacks.network.flowLogGroup).toBeUndefined();
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'vpc-flow-logs.amazonaws.com' } })],
        },
      },
      0,
    );
  });

  it('publishes the isolated subnet ids when isolated subnets exist', () => {
    expectParameter(template, scope, 'isolatedSubnetIds');
  });
});
