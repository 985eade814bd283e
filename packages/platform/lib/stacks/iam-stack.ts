import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link IamStack}. */
export interface IamStackProps extends PlatformStackProps {}

/** STUB: the iam stack (being built). */
export class IamStack extends PlatformStack {
  constructor(scope: Construct, props: IamStackProps) {
    super(scope, 'iam', props);
  }
}
