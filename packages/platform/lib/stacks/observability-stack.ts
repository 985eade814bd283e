import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { NetworkStack } from './network-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ObservabilityStack}. */
export interface ObservabilityStackProps extends PlatformStackProps {
  /** The network whose NAT gateways are watched. */
  readonly network: NetworkStack;
}

/** STUB: the observability stack (being built). */
export class ObservabilityStack extends PlatformStack {
  /** Topic every platform alarm notifies. */
  public readonly alarmTopic!: sns.ITopic;
  /** The platform dashboard; other stacks add widgets built from plain names (no cross-stack tokens). */
  public readonly dashboard!: cloudwatch.Dashboard;
  constructor(scope: Construct, props: ObservabilityStackProps) {
    super(scope, 'observability', props);
  }
}
