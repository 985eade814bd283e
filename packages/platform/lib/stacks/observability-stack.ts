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
  constructor(scope: Construct, props: ObservabilityStackProps) {
    super(scope, 'observability', props);
  }
}
