import type { Construct } from 'constructs';
import type { ObservabilityStack } from './observability-stack';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends PlatformStackProps {
  /** Where API alarms go and API widgets join. */
  readonly observability: ObservabilityStack;
}

/** STUB: the shared REST API stack (being built). */
export class ApiStack extends PlatformStack {
  constructor(scope: Construct, props: ApiStackProps) {
    super(scope, 'api', props);
  }
}
