import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link NetworkStack}. */
export interface NetworkStackProps extends PlatformStackProps {}

/** STUB: the network stack (being built). */
export class NetworkStack extends PlatformStack {
  constructor(scope: Construct, props: NetworkStackProps) {
    super(scope, 'network', props);
  }
}
