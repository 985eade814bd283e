import { type NameScope, stackName, TAG_KEYS } from '@shared-lambda-infra/contract';
import { RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/schema';

/** Props every platform stack takes. */
export interface PlatformStackProps extends Omit<StackProps, 'stackName' | 'env' | 'terminationProtection'> {
  /** The validated environment config. */
  readonly config: PlatformConfig;
}

/**
 * Base of every platform stack: its name comes from the naming convention
 * (`{project}-{env}-{component}`), its account/region and termination protection from config, and
 * it carries the component tag.
 */
export abstract class PlatformStack extends Stack {
  /** The validated environment config. */
  public readonly config: PlatformConfig;
  /** Project and environment, for contract names. */
  public readonly nameScope: NameScope;
  /** The component this stack is, e.g. `network`. */
  public readonly component: string;

  protected constructor(scope: Construct, component: string, props: PlatformStackProps) {
    const { config } = props;
    const nameScope = { project: config.project, env: config.environment };
    super(scope, stackName(nameScope, component), {
      ...props,
      stackName: stackName(nameScope, component),
      terminationProtection: config.terminationProtection,
      // Without account/region the templates are environment-agnostic, so `npm run synth` needs no AWS account.
      env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
    });
    this.config = config;
    this.nameScope = nameScope;
    this.component = component;
    Tags.of(this).add(TAG_KEYS.component, component);
  }

  /** What data resources (buckets, keys, log groups) do when the stack is deleted, from config. */
  protected get dataRemovalPolicy(): RemovalPolicy {
    return this.config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }
}
