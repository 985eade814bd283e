import {
  assertEnvironmentName,
  assertProjectName,
  assertServiceName,
  assertServiceNameFits,
  DEFAULT_PROJECT,
  type EnvironmentName,
  type NameScope,
  serviceStackName,
  TAG_KEYS,
} from '@shared-lambda-infra/contract';
import { AspectPriority, Aspects, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { serviceSynthesizer } from './private/synthesizer';
import { monitoringOptions, ServiceMonitoring, type ServiceMonitoringOptions } from './service-monitoring';
import { ServicePlatform } from './service-platform';

/** Where `shared-lambda dev` collects the ServiceStacks an app creates (see `src/dev/load-app.ts`). */
export const DEV_STACKS = Symbol.for('@shared-lambda-infra/consumer.devStacks');

/** Props of {@link ServiceStack}. */
// `permissionsBoundary` is not offered: CDK's own mechanism would override the platform boundary
// every role must carry, and the service's execution role would then refuse to create the roles.
export interface ServiceStackProps
  extends Omit<StackProps, 'env' | 'stackName' | 'synthesizer' | 'permissionsBoundary'> {
  /**
   * The service name, as registered in the platform's service registry (`services[].name`).
   * Lowercase kebab-case, 2–20 characters.
   */
  readonly service: string;
  /** The platform environment to deploy into: `dev`, `staging` or `prod`. */
  readonly env: EnvironmentName | (string & {});
  /**
   * The platform's project name.
   * @default DEFAULT_PROJECT ('shared-lambda-infra')
   */
  readonly project?: string;
  /**
   * Who answers for the service (a team name or address), applied as the `Owner` tag.
   * @default - no Owner tag
   */
  readonly owner?: string;
  /**
   * Target account. Leave unset to let the CDK CLI use the account of the credentials it runs
   * with (the service's deploy role).
   * @default - environment-agnostic
   */
  readonly account?: string;
  /**
   * Target region.
   * @default - environment-agnostic (the region of the CLI's credentials)
   */
  readonly region?: string;
  /**
   * The stack-name identifier after `{project}-{env}-{service}-`. The deploy role may act only on
   * stacks named `{project}-{env}-{service}-*`. CAUTION: changing it deploys a new stack and
   * leaves the old one in place.
   * @default 'api'
   */
  readonly stackIdentifier?: string;
  /**
   * Alarms on the stack's functions (errors, throttles, duration near the timeout), dead-letter
   * queues and stream consumers (iterator age), to the service's own alarm topic, and a dashboard
   * named after the stack with the service's gateway and function signals. Pass thresholds to
   * change them, or `false` for none.
   * @default - every alarm with the thresholds of SERVICE_MONITORING_DEFAULTS, and the dashboard
   */
  readonly monitoring?: ServiceMonitoringOptions | false;
}

/**
 * A stack for one service in one platform environment: named `{project}-{env}-{service}-api` so
 * the service's deploy role may deploy it, deployed through the platform's artifact bucket and
 * roles (no `cdk bootstrap`), every IAM role in it bounded by the platform's permissions boundary,
 * and tagged with project, environment, component `service`, service and owner.
 *
 * @example
 * const stack = new ServiceStack(app, 'Orders', { service: 'orders', env: 'dev' });
 */
export class ServiceStack extends Stack {
  /** Project and environment. */
  public readonly nameScope: NameScope;
  /** The service name. */
  public readonly service: string;
  /** The platform values this stack reads. */
  public readonly platform: ServicePlatform;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    const nameScope = checkedScope(props);
    super(scope, id, {
      ...props,
      stackName: serviceStackName(nameScope, props.service, props.stackIdentifier ?? 'api'),
      synthesizer: serviceSynthesizer(nameScope, props.service),
      env: props.account || props.region ? { account: props.account, region: props.region } : undefined,
    });
    this.nameScope = nameScope;
    this.service = props.service;
    this.platform = new ServicePlatform(this, 'Platform', { scope: nameScope, service: props.service });
    this.applyPermissionsBoundary();
    this.applyTags(props.owner);
    if (props.monitoring !== false) this.addMonitoring(props.monitoring ?? {});
    // `shared-lambda dev` loads the service's app and needs its stacks. A global rather than a
    // module variable: a second copy of this package in node_modules registers in the same place.
    (globalThis as { [DEV_STACKS]?: ServiceStack[] })[DEV_STACKS]?.push(this);
  }

  private applyPermissionsBoundary(): void {
    // On the whole stack, so roles that other constructs create (custom-resource providers,
    // bucket deployments) carry the boundary too: the platform's execution role refuses to create
    // a role without it. An aspect rather than `iam.PermissionsBoundary.of()` so the boundary
    // parameter enters the template only when the stack has a role.
    const platform = this.platform;
    Aspects.of(this).add(
      {
        visit(node: IConstruct): void {
          if (node instanceof iam.CfnRole) node.permissionsBoundary = platform.permissionsBoundaryArn;
        },
      },
      { priority: AspectPriority.MUTATING },
    );
  }

  /**
   * Added when the app is synthesized, not now: the functions, queues and APIs it watches are
   * created after the stack. An aspect on the stack runs before its children's, once.
   */
  private addMonitoring(given: ServiceMonitoringOptions): void {
    // Checked now, so a bad threshold fails where the stack is written, not at synthesis.
    const options = monitoringOptions(given);
    const stack = this;
    let added = false;
    Aspects.of(this).add(
      {
        visit(node: IConstruct): void {
          if (node !== stack || added) return;
          added = true;
          new ServiceMonitoring(stack, 'Monitoring', options);
        },
      },
      { priority: AspectPriority.MUTATING },
    );
  }

  private applyTags(owner: string | undefined): void {
    const tags = Tags.of(this);
    tags.add(TAG_KEYS.project, this.nameScope.project);
    tags.add(TAG_KEYS.environment, this.nameScope.env);
    tags.add(TAG_KEYS.component, 'service');
    tags.add(TAG_KEYS.service, this.service);
    if (owner) tags.add(TAG_KEYS.owner, owner);
  }
}

function checkedScope(props: ServiceStackProps): NameScope {
  const scope: NameScope = {
    project: assertProjectName(props.project ?? DEFAULT_PROJECT),
    env: assertEnvironmentName(props.env),
  };
  assertServiceName(props.service);
  assertServiceNameFits(scope, props.service);
  return scope;
}
