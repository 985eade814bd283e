import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link StorageStack}. */
export interface StorageStackProps extends PlatformStackProps {}

/** STUB: the storage stack (being built). */
export class StorageStack extends PlatformStack {
  constructor(scope: Construct, props: StorageStackProps) {
    super(scope, 'storage', props);
  }
}
