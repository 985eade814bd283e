import { serviceAccessStackComponent } from '@shared-lambda-infra/contract';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../config/schema';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link ServiceAccessStack}. */
export interface ServiceAccessStackProps extends PlatformStackProps {
  /** The registry entry of the service. */
  readonly service: ServiceConfig;
}

/** STUB: one service's deploy and CloudFormation execution roles (being built). */
export class ServiceAccessStack extends PlatformStack {
  constructor(scope: Construct, props: ServiceAccessStackProps) {
    super(scope, serviceAccessStackComponent(props.service.name), props);
  }
}
