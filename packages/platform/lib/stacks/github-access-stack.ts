import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link GithubAccessStack}. */
export interface GithubAccessStackProps extends PlatformStackProps {}

/** STUB: GitHub OIDC provider and the platform repository's roles (being built). */
export class GithubAccessStack extends PlatformStack {
  constructor(scope: Construct, props: GithubAccessStackProps) {
    super(scope, 'github', props);
  }
}
