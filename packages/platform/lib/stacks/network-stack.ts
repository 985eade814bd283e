import {
  CONTRACT_MAJOR_VERSION,
  CONTRACT_VERSION,
  Parameters,
  resourceName,
} from '@shared-lambda-infra/contract';
import { Aspects, Duration, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeLogGroup } from '../compliance';
import type { PlatformConfig } from '../config/schema';
import { ContractValue, type ContractValueProps } from '../constructs/contract-parameter';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link NetworkStack}. */
export interface NetworkStackProps extends PlatformStackProps {}

type NetworkConfig = PlatformConfig['network'];

/**
 * The shared network: one VPC per environment that every Lambda service runs in.
 *
 * - public subnets hold the zonal NAT gateways (or the NAT instance) and nothing else; a regional
 *   NAT gateway needs none, but they stay so the internet gateway and a way back to zonal NAT remain;
 * - private subnets with egress are where Lambda functions place their Hyperplane ENIs;
 * - optional isolated subnets (no route out) are for data stores;
 * - S3 and DynamoDB gateway endpoints (free) and the configured interface endpoints keep AWS API
 *   traffic off the NAT, which bills per gigabyte;
 * - a default Lambda security group, and one for the interface endpoints that admits only it;
 * - VPC flow logs to CloudWatch Logs;
 * - with `ipv6.enabled`, a dual-stack VPC: IPv6 from the private subnets leaves through a free
 *   egress-only internet gateway instead of the NAT (see docs/network.md).
 *
 * Everything a service needs is published as contract parameters (`/{project}/{env}/network/*`).
 *
 * @see docs/network.md for subnet sizing and the NAT cost trade-offs.
 */
export class NetworkStack extends PlatformStack {
  /** The shared VPC. */
  public readonly vpc: ec2.IVpc;
  /** Default security group of Lambda functions in the VPC: HTTPS out, nothing in. */
  public readonly lambdaSecurityGroup: ec2.ISecurityGroup;
  /** Security group of the interface endpoints: HTTPS in from {@link lambdaSecurityGroup} only. */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /** Ids of the NAT gateways (one for `regional`, empty when `nat` is `instance`), for alarms. */
  public readonly natGatewayIds: string[];
  /** The flow log group; undefined when `network.flowLogs.enabled` is false. */
  public readonly flowLogGroup?: logs.ILogGroup;

  constructor(scope: Construct, props: NetworkStackProps) {
    super(scope, 'network', props);
    const network = this.config.network;

    const nat = this.createNatProvider(network);
    const vpc = this.createVpc(network, nat);
    this.vpc = vpc;
    this.natGatewayIds =
      network.nat === 'instance' ? [] : nat.provider.configuredGateways.map((g) => g.gatewayId);
    if (nat.provider instanceof ec2.NatInstanceProviderV2) this.hardenNatInstances(network, nat.provider);
    if (network.ipv6.dns64) this.enableDns64(vpc, nat.provider);

    this.lambdaSecurityGroup = this.createLambdaSecurityGroup(vpc, network);
    this.endpointSecurityGroup = this.createEndpointSecurityGroup(vpc, this.lambdaSecurityGroup);
    this.createGatewayEndpoints(vpc);
    this.createInterfaceEndpoints(vpc, network, this.endpointSecurityGroup);
    if (network.flowLogs.enabled) this.flowLogGroup = this.createFlowLogs(vpc, network);
    else this.acknowledgeNoFlowLogs(vpc);
    this.acknowledgeVpcFindings(vpc);
    this.publishContract(vpc);
  }

  /**
   * Three Availability Zones picked at deploy time (`Fn::Select` 0, 1 and 2 of `Fn::GetAZs`),
   * whether or not config pins the account and region; the VPC takes the first `maxAzs` of them.
   *
   * CDK's own answer would be wrong either way: environment-agnostic it gives only two (silently
   * capping `maxAzs: 3`), and with a pinned account and region it asks the CLI for a context lookup
   * (`availability-zones`), which needs AWS credentials and the bootstrap lookup role, so `cdk
   * synth` would no longer work offline or in a pull request. CAUTION: a region where the account
   * sees fewer than three AZs fails at deploy time with `maxAzs: 3`, which is what config asked for.
   */
  public override get availabilityZones(): string[] {
    return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
  }

  private createNatProvider(network: NetworkConfig): { provider: ec2.NatProvider; count: number } {
    // Only matters when an address leaves a gateway (natEipAllocationIds changed): connections on
    // it get this long to finish. Unset keeps AWS's default (350 s) and the property out of the template.
    const maxDrainDuration =
      network.natMaxDrainSeconds === undefined ? undefined : Duration.seconds(network.natMaxDrainSeconds);
    const eipAllocationIds = network.natEipAllocationIds;
    switch (network.nat) {
      case 'single':
        return { provider: ec2.NatProvider.gateway({ eipAllocationIds, maxDrainDuration }), count: 1 };
      case 'perAz':
        return {
          provider: ec2.NatProvider.gateway({ eipAllocationIds, maxDrainDuration }),
          count: network.maxAzs,
        };
      case 'regional':
        return {
          provider: ec2.NatProvider.regionalGateway({
            maxDrainDuration,
            // Configured addresses put the gateway in manual mode: it serves exactly the AZs listed,
            // one address each, and does not expand on its own; the AZs are the VPC's (config
            // checked that there is one address per AZ). Without them AWS provides the addresses
            // and expands the gateway into every AZ that has a subnet.
            availabilityZoneAddresses: eipAllocationIds?.map((allocationId, i) => ({
              availabilityZone: this.availabilityZones[i],
              allocationIds: [allocationId],
            })),
          }),
          // The regional gateway is one resource; CDK does not read the count for it, and the
          // VPC's public subnets are kept (see the class comment).
          count: 1,
        };
      case 'instance': {
        const instanceType = new ec2.InstanceType(network.natInstanceType);
        return {
          provider: ec2.NatProvider.instanceV2({
            instanceType,
            // latestAmazonLinux2023 reads the public SSM parameter at deploy time (a template
            // parameter), so synth needs no AMI lookup and each deploy picks up the patched image.
            machineImage: ec2.MachineImage.latestAmazonLinux2023({
              cpuType:
                instanceType.architecture === ec2.InstanceArchitecture.ARM_64
                  ? ec2.AmazonLinuxCpuType.ARM_64
                  : ec2.AmazonLinuxCpuType.X86_64,
            }),
            // The default opens every port to 0.0.0.0/0; ingress is granted from the VPC CIDR below.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            // Public subnets do not map public IPs on launch, so the NAT instance asks for one.
            associatePublicIpAddress: true,
          }),
          // One instance for all AZs: the instance mode exists to be cheap (dev accounts).
          count: 1,
        };
      }
    }
  }

  private createVpc(network: NetworkConfig, nat: { provider: ec2.NatProvider; count: number }): ec2.Vpc {
    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      {
        name: 'Public',
        subnetType: ec2.SubnetType.PUBLIC,
        cidrMask: network.publicSubnetMask,
        // Only the NAT lives here and it asks for its address explicitly; nothing else should
        // get a public IP by accident.
        mapPublicIpOnLaunch: false,
        // The same for IPv6 (dual stack only): an IPv6 address is publicly routable through the
        // internet gateway, so nothing here gets one unasked.
        ipv6AssignAddressOnCreation: network.ipv6.enabled ? false : undefined,
      },
      {
        name: 'Private',
        subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
        cidrMask: network.privateSubnetMask,
      },
    ];
    // Last, so adding isolated subnets later does not move the CIDRs of the others.
    if (network.isolatedSubnetMask !== undefined) {
      subnetConfiguration.push({
        name: 'Isolated',
        subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
        cidrMask: network.isolatedSubnetMask,
      });
    }
    return new ec2.Vpc(this, 'Vpc', {
      vpcName: resourceName('vpc', { ...this.nameScope, resourceType: 'vpc', identifier: 'shared' }),
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      maxAzs: network.maxAzs,
      subnetConfiguration,
      natGatewayProvider: nat.provider,
      natGateways: nat.count,
      // Dual stack: an Amazon-provided /56, a /64 per subnet, `::/0` to the internet gateway from the
      // public subnets and to an egress-only internet gateway (free, outbound only) from the private
      // ones. CAUTION: turning it on changes every subnet in place and adds routes; see docs/network.md.
      ...(network.ipv6.enabled
        ? { ipProtocol: ec2.IpProtocol.DUAL_STACK, ipv6Addresses: ec2.Ipv6Addresses.amazonProvided() }
        : {}),
      // Private DNS on interface endpoints needs both.
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // Strips the rules of the default security group, so nothing launched without a group of
      // its own can talk (Security Hub EC2.2).
      restrictDefaultSecurityGroup: true,
    });
  }

  /**
   * The NAT instance forwards traffic from the private subnets, so it takes everything from the
   * VPC CIDR (services may attach security groups of their own with other ports than the Lambda
   * group's 443). The CIDR comes from config, not the VPC's token, so the rule is checkable.
   *
   * NatInstanceProps has no block-device, metadata or monitoring options, so the instance is
   * adjusted after the VPC created it.
   */
  private hardenNatInstances(network: NetworkConfig, provider: ec2.NatInstanceProviderV2): void {
    // TCP, UDP and ICMP are all a NAT translates; "all protocols" would also trip the NIST
    // common-ports rule, which flags any protocol -1 rule whatever its source.
    const vpcCidr = ec2.Peer.ipv4(network.cidr);
    provider.connections.allowFrom(vpcCidr, ec2.Port.allTcp(), 'TCP to NAT from the VPC');
    provider.connections.allowFrom(vpcCidr, ec2.Port.allUdp(), 'UDP to NAT from the VPC');
    provider.connections.allowFrom(vpcCidr, ec2.Port.allIcmp(), 'ICMP to NAT from the VPC');
    for (const instance of provider.gatewayInstances) {
      // L1: the root volume must be encrypted, and the provider exposes no blockDevices prop.
      instance.instance.blockDeviceMappings = [
        { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } },
      ];
      Aspects.of(instance).add(new ec2.InstanceRequireImdsv2Aspect());
      const publicIp =
        'A NAT instance forwards the private subnets to the internet and needs a public IP for that; it admits traffic only from the VPC CIDR.';
      acknowledge(instance, 'NIST.800.53.R5-EC2InstanceNoPublicIp', publicIp);
      acknowledge(instance, 'cdk-validator-cfnguard::ec2_instance_no_public_ip_check', publicIp);
      acknowledge(
        instance,
        'NIST.800.53.R5-EC2InstancesInVPC',
        'The instance is in a public subnet of the VPC: the subnet is set on its network interface (not SubnetId) because the interface asks for a public IP.',
      );
      const monitoring = `Detailed monitoring adds about $2 a month per instance, a large share of a small ${network.natInstanceType}'s own price, and nat: instance exists to be the cheapest egress (dev accounts); basic 5-minute metrics remain.`;
      acknowledge(instance, 'AwsSolutions-EC28', monitoring);
      acknowledge(
        instance,
        'cdk-validator-cfnguard::ec2_instance_detailed_monitoring_enabled_check',
        monitoring,
      );
      // The launch template exists only to require IMDSv2 (the aspect above creates it).
      acknowledge(
        instance,
        'cdk-validator-cfnguard::ec2_launch_template_monitoring_enabled_check',
        monitoring,
      );
      acknowledge(
        instance,
        'AwsSolutions-EC29',
        'CloudFormation owns the NAT instance and replaces it when the Amazon Linux 2023 image changes; termination protection would make that replacement fail.',
      );
      acknowledge(
        instance,
        'cdk-validator-cfnguard::ec2_instance_nitro_encryption_in_transit_check',
        `The instance type (${network.natInstanceType}) is chosen in config for cost; the traffic it forwards is TLS (the Lambda security group allows only 443 out).`,
      );
    }
  }

  /**
   * Egress is HTTPS to anywhere and nothing else: AWS APIs (through the endpoints or the NAT)
   * and third-party HTTPS APIs are what a Lambda service calls. DNS to the VPC resolver is not
   * filtered by security groups. A service that needs another port (a database) attaches its own
   * security group next to this one rather than widening the shared one for every service.
   */
  private createLambdaSecurityGroup(vpc: ec2.IVpc, network: NetworkConfig): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'LambdaSecurityGroup', {
      vpc,
      securityGroupName: resourceName('securityGroup', {
        ...this.nameScope,
        resourceType: 'sg',
        identifier: 'lambda',
      }),
      description: 'Default security group of Lambda functions: HTTPS out, nothing in',
      allowAllOutbound: false,
    });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and the internet');
    if (network.ipv6.enabled) {
      group.addEgressRule(
        ec2.Peer.anyIpv6(),
        ec2.Port.tcp(443),
        'HTTPS to AWS APIs and the internet over IPv6',
      );
    }
    return group;
  }

  private createEndpointSecurityGroup(vpc: ec2.IVpc, lambdaGroup: ec2.ISecurityGroup): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      securityGroupName: resourceName('securityGroup', {
        ...this.nameScope,
        resourceType: 'sg',
        identifier: 'endpoints',
      }),
      description: 'Interface VPC endpoints: HTTPS from the Lambda security group only',
      // Endpoints only answer; security groups are stateful, so replies need no egress rule.
      allowAllOutbound: false,
    });
    group.addIngressRule(lambdaGroup, ec2.Port.tcp(443), 'HTTPS from Lambda functions');
    return group;
  }

  /** Gateway endpoints cost nothing and keep S3 and DynamoDB traffic off the NAT. */
  private createGatewayEndpoints(vpc: ec2.Vpc): void {
    vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
  }

  private createInterfaceEndpoints(vpc: ec2.Vpc, network: NetworkConfig, group: ec2.ISecurityGroup): void {
    for (const name of network.interfaceEndpoints) {
      vpc.addInterfaceEndpoint(`${pascalCase(name)}Endpoint`, {
        service: new ec2.InterfaceVpcEndpointAwsService(name),
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        privateDnsEnabled: true,
        securityGroups: [group],
        // `open` would add ingress from the whole VPC CIDR; the group above admits only Lambdas.
        open: false,
        // Dual stack: the endpoint's interfaces get IPv6 addresses and its private DNS name AAAA
        // records too, so it answers a client that resolves and connects over IPv6 as the public
        // service name would. Neither is a create-only property: turning IPv6 on updates the endpoint
        // in place. A service without IPv6 support on PrivateLink rejects it at deploy time.
        ...(network.ipv6.enabled
          ? {
              ipAddressType: ec2.VpcEndpointIpAddressType.DUALSTACK,
              dnsRecordIpType: ec2.VpcEndpointDnsRecordIpType.DUALSTACK,
            }
          : {}),
      });
    }
  }

  private createFlowLogs(vpc: ec2.Vpc, network: NetworkConfig): logs.LogGroup {
    const retentionDays = network.flowLogs.retentionDays ?? this.config.observability.logRetentionDays;
    const logGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      // The config schema accepts only CloudWatch Logs retention values.
      retention: retentionDays as logs.RetentionDays,
      removalPolicy: this.dataRemovalPolicy,
    });
    const encryptionReason =
      'Flow logs hold addresses, ports and byte counts, no payloads; CloudWatch Logs encrypts them at rest with service-owned keys, and a customer key would add key and request cost without narrowing who can read them (that is IAM on the log group).';
    acknowledgeLogGroup(logGroup, {
      encryption: encryptionReason,
      retentionDays,
      retention: `Retention is ${retentionDays} days, set by this environment's config (network.flowLogs.retentionDays, else observability.logRetentionDays) to trade network history for storage cost; an environment that must keep a year sets 365 or more.`,
    });

    // Our own role with a managed policy: the role CDK would create gets an inline policy, which
    // the NIST pack rejects. The trust is confined to flow logs of this account (confused deputy).
    const role = new iam.Role(this, 'FlowLogRole', {
      description: 'Lets VPC Flow Logs write to the flow log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({ service: 'ec2', resource: 'vpc-flow-log', resourceName: '*' }),
          },
        },
      }),
    });
    const policy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          // The Arn attribute of a log group ends in `:*`, which covers its streams.
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    const flowLog = vpc.addFlowLog('FlowLog', {
      // Immutable, so the destination does not add its own inline policy to the role.
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, role.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType[network.flowLogs.trafficType],
    });
    // The role is referenced, the policy is not: without this the flow log could be created
    // before its role may write, and delivery would start in an access-error state.
    flowLog.node.addDependency(policy);
    return logGroup;
  }

  /**
   * DNS64 on every private subnet and the NAT64 route (`64:ff9b::/96`) to the NAT gateway that
   * serves the subnet: a name with only IPv4 addresses resolves to a synthesized IPv6 address in
   * that prefix, which the NAT gateway translates to IPv4. Without the route, DNS64 answers would
   * lead nowhere (CDK adds neither).
   */
  private enableDns64(vpc: ec2.Vpc, provider: ec2.NatProvider): void {
    const gateways = provider.configuredGateways;
    vpc.privateSubnets.forEach((subnet, i) => {
      (subnet.node.defaultChild as ec2.CfnSubnet).enableDns64 = true;
      // Zonal gateways serve the subnet of their own AZ (the order CDK created them in); the
      // regional gateway (and a single one) serves them all.
      const gateway = gateways[i] ?? gateways[0];
      (subnet as ec2.PrivateSubnet).addIpv6Nat64Route(gateway.gatewayId);
    });
  }

  /** Only reached when the environment's config turns flow logs off on purpose. */
  private acknowledgeNoFlowLogs(vpc: ec2.Vpc): void {
    const reason =
      "This environment's config sets network.flowLogs.enabled to false, trading network forensics for CloudWatch Logs ingestion cost; the default and the shipped environments keep flow logs on.";
    const resource = vpc.node.defaultChild as ec2.CfnVPC;
    acknowledge(resource, 'AwsSolutions-VPC7', reason);
    acknowledge(resource, 'NIST.800.53.R5-VPCFlowLogsEnabled', reason);
  }

  private acknowledgeVpcFindings(vpc: ec2.Vpc): void {
    for (const subnet of vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (route) {
        acknowledge(
          route,
          'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
          'Public subnets hold only the NAT gateway or NAT instance, which needs the default route to the internet gateway to give the private subnets egress.',
        );
      }
      // Dual stack only: CDK's `::/0` route of a public subnet.
      const route6 = subnet.node.tryFindChild('DefaultRoute6');
      if (route6) {
        acknowledge(
          route6,
          'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
          'The IPv6 default route of a public subnet, which holds only the NAT and assigns no IPv6 address on launch (AssignIpv6AddressOnCreation false); the private subnets leave through the egress-only internet gateway, not this route.',
        );
      }
    }
    if (this.config.network.ipv6.enabled) {
      for (const subnet of vpc.privateSubnets) {
        acknowledge(
          subnet.node.defaultChild as ec2.CfnSubnet,
          'NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled',
          "The private subnet assigns IPv6 addresses on creation (dual stack, for Lambda's IPv6 egress), but its only IPv6 route out is the egress-only internet gateway, which admits no connection from the internet; it maps no public IPv4 address.",
        );
      }
    }
    // CDK's provider that strips the default security group's rules at deploy time: a
    // single-purpose handler that calls only the EC2 API, so a VPC (and NAT) would add nothing.
    const provider = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (provider) {
      acknowledge(
        provider,
        'cdk-validator-cfnguard::lambda_inside_vpc_check',
        "CDK's deploy-time handler that removes the default security group's rules; it calls only the EC2 API and runs before anything could route it through this VPC.",
      );
    }
  }

  private publishContract(vpc: ec2.Vpc): void {
    const scope = this.nameScope;
    const publish = (id: string, parameter: ContractValueProps['parameter'], value: string | string[]) =>
      new ContractValue(this, id, { scope, parameter, value });
    publish('ContractVersion', Parameters.contractVersion, CONTRACT_VERSION);
    publish('ContractMajorVersion', Parameters.contractMajorVersion, CONTRACT_MAJOR_VERSION);
    publish('VpcId', Parameters.vpcId, vpc.vpcId);
    publish('VpcCidr', Parameters.vpcCidr, vpc.vpcCidrBlock);
    publish(
      'VpcIpAddressType',
      Parameters.vpcIpAddressType,
      this.config.network.ipv6.enabled ? 'dualstack' : 'ipv4',
    );
    publish('AvailabilityZones', Parameters.availabilityZones, vpc.availabilityZones);
    publish(
      'PublicSubnetIds',
      Parameters.publicSubnetIds,
      vpc.publicSubnets.map((s) => s.subnetId),
    );
    publish(
      'PrivateSubnetIds',
      Parameters.privateSubnetIds,
      vpc.privateSubnets.map((s) => s.subnetId),
    );
    publish(
      'PrivateRouteTableIds',
      Parameters.privateRouteTableIds,
      vpc.privateSubnets.map((s) => s.routeTable.routeTableId),
    );
    if (vpc.isolatedSubnets.length > 0) {
      publish(
        'IsolatedSubnetIds',
        Parameters.isolatedSubnetIds,
        vpc.isolatedSubnets.map((s) => s.subnetId),
      );
    }
    publish(
      'LambdaSecurityGroupId',
      Parameters.lambdaSecurityGroupId,
      this.lambdaSecurityGroup.securityGroupId,
    );
    publish(
      'EndpointSecurityGroupId',
      Parameters.endpointSecurityGroupId,
      this.endpointSecurityGroup.securityGroupId,
    );
  }
}

function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
