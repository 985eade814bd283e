import { TAG_KEYS } from '@shared-lambda-infra/contract';
import { type App, Tags } from 'aws-cdk-lib';
import type { PlatformConfig } from './config/schema';
import { encryptPlatformLogGroups } from './constructs/log-encryption';
import { applyLogRetention } from './constructs/log-retention';
import { ApiStack } from './stacks/api-stack';
import { GithubAccessStack } from './stacks/github-access-stack';
import { GuardStack } from './stacks/guard-stack';
import { IamStack } from './stacks/iam-stack';
import { NetworkStack } from './stacks/network-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { ServiceAccessStack } from './stacks/service-access-stack';
import { StorageStack } from './stacks/storage-stack';

/** The stacks of one environment. */
export interface PlatformStacks {
  /** Shared VPC, subnets, endpoints, flow logs. */
  readonly network: NetworkStack;
  /** Deployment-artifact bucket and its access-log bucket. */
  readonly storage: StorageStack;
  /** Shared Lambda execution role and the permissions boundary. */
  readonly iam: IamStack;
  /** Alarm topic, dashboard, network alarms. */
  readonly observability: ObservabilityStack;
  /** Shared REST API, authorizer and the routes receiver and reconciler. */
  readonly api: ApiStack;
  /**
   * GitHub OIDC provider and the platform repository's roles.
   * @default - absent: config has no `github` section, so no GitHub access stack is created
   */
  readonly github?: GithubAccessStack;
  /** The Guard Hook that checks every service stack at deploy time. */
  readonly guard: GuardStack;
  /** One access stack per registered service, keyed by service name; empty when config has no `github`. */
  readonly serviceAccess: Readonly<Record<string, ServiceAccessStack>>;
}

/**
 * Adds every stack of one environment to `app`, in dependency order, and tags them all.
 * Used by bin/app.ts and by the tests, so both build exactly the same thing.
 */
export function buildPlatform(app: App, config: PlatformConfig): PlatformStacks {
  Tags.of(app).add(TAG_KEYS.project, config.project);
  Tags.of(app).add(TAG_KEYS.environment, config.environment);
  Tags.of(app).add(TAG_KEYS.owner, config.owner);
  applyLogRetention(app, config.observability.logRetentionDays);

  const network = new NetworkStack(app, { config });
  const storage = new StorageStack(app, { config });
  const iam = new IamStack(app, { config });
  const observability = new ObservabilityStack(app, { config, network });
  const api = new ApiStack(app, { config, observability });
  const guard = new GuardStack(app, { config });

  // Access stacks refer to platform resources by their conventional names rather than by
  // cross-stack references, so adding or removing a service never touches another stack.
  const github = config.github ? new GithubAccessStack(app, { config }) : undefined;
  const serviceAccess: Record<string, ServiceAccessStack> = {};
  if (config.github) {
    for (const service of config.services) {
      const access = new ServiceAccessStack(app, { config, service, artifactKey: storage.artifactKey });
      // One template reference only, the artifact key's ARN (the storage stack's output, read with
      // Fn::GetStackOutput, where the bucket is KMS-encrypted: ServiceAccessStackProps.artifactKey); otherwise names are
      // conventional, but the execution role may invoke the api stack's routes receiver and the roles
      // trust the OIDC provider of the github stack: deploy order.
      access.addStackDependency(api, "grants invoking the api stack's routes receiver");
      access.addStackDependency(storage, 'imports the artifact key');
      access.addStackDependency(
        observability,
        "encrypts the service's alarm topic with the alarm key, by alias",
      );
      if (github) access.addStackDependency(github, 'trusts its OIDC provider');
      // No service stack may be deployed before the hook that checks it is in place.
      access.addStackDependency(guard, 'its execution role deploys only under the guard hook');
      serviceAccess[service.name] = access;
    }
  }
  encryptPlatformLogGroups([network, storage, iam, observability, api, guard], config);
  return { network, storage, iam, observability, api, guard, github, serviceAccess };
}
