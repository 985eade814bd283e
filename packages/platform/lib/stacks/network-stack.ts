import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link NetworkStack}. */
export interface NetworkStackProps extends PlatformStackProps {}

/** STUB: the network stack (being built). */
export class NetworkStack extends PlatformStack {
  /** The shared VPC. */
  public readonly vpc!: ec2.IVpc;
  /** Default security group of Lambda functions in the VPC. */
  public readonly lambdaSecurityGroup!: ec2.ISecurityGroup;
  /** Ids of the NAT gateways (empty when `nat` is `instance`), for alarms. */
  public readonly natGatewayIds: string[] = [];
  constructor(scope: Construct, props: NetworkStackProps) {
    super(scope, 'network', props);
  }
}
