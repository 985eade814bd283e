import * as path from 'node:path';
import { serviceFunctionName, serviceRoleName } from '@shared-lambda-infra/contract';
import { Aws, Duration, Fn, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { identifierFromId } from './private/identifier';
import { ServicePlatform } from './service-platform';

/** Defaults of {@link ServiceFunctionProps}, in one place. */
export const SERVICE_FUNCTION_DEFAULTS = {
  // The newest Node.js runtime Lambda runs (aws-cdk-lib 2.276), pinned so a CDK upgrade never
  // changes it silently (Runtime.NODEJS_LATEST would).
  runtime: lambda.Runtime.NODEJS_24_X,
  // Graviton: ~20% cheaper per GB-second than x86_64, and esbuild output is architecture-free.
  architecture: lambda.Architecture.ARM_64,
  // CPU scales with memory; 512 MB starts a bundled Node.js handler in well under a second.
  memorySize: 512,
  // Well below API Gateway's 29 s integration timeout, so a stuck call fails as a function error.
  timeout: Duration.seconds(10),
  logLevel: 'INFO' as ServiceFunctionLogLevel,
} as const;

/**
 * Where a {@link ServiceFunction}'s code comes from and what it runs with, as declared: what
 * `shared-lambda dev` needs to bundle and run it locally.
 */
export interface ServiceFunctionSource {
  /**
   * Absolute path of the handler's source file.
   * @default - none: `entry` was not passed, and NodejsFunction found the file by its own convention
   */
  readonly entry?: string;
  /** The name the handler is exported under (`handler`). */
  readonly handler: string;
  /** The function's environment variables, as passed to Lambda (values may be CDK tokens). */
  readonly environment: Readonly<Record<string, string>>;
  /** The esbuild options the function is bundled with. */
  readonly bundling: nodejs.BundlingOptions;
}

/** Powertools log levels. */
export type ServiceFunctionLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * Props of {@link ServiceFunction}: every `NodejsFunction` prop, except what the platform decides.
 *
 * Some inherited props default differently here than their own `@default` says (see
 * {@link SERVICE_FUNCTION_DEFAULTS} for why); passing one overrides the platform's choice:
 * - `runtime`: Node.js 24 (`NODEJS_24_X`), pinned, not the CDK's feature-flag-dependent default;
 * - `architecture`: `ARM_64`, not `X86_64`;
 * - `memorySize`: 512, not 128;
 * - `timeout`: 10 seconds, not 3;
 * - `tracing`: `Tracing.ACTIVE`, not disabled;
 * - `environment`: merged over `NODE_OPTIONS=--enable-source-maps`, `POWERTOOLS_SERVICE_NAME` (the
 *   service) and `POWERTOOLS_LOG_LEVEL` (from `logLevel`); a key passed here wins;
 * - `bundling`: merged over `minify: true`, `sourceMap: true`, `externalModules: ['@aws-sdk/*']`
 *   (shallowly: an `externalModules` passed here replaces the list).
 */
export interface ServiceFunctionProps
  extends Omit<
    nodejs.NodejsFunctionProps,
    | 'functionName'
    // Every function gets its own role. The platform's shared execution role is not offered: one
    // role for every service's functions can write every service's log groups.
    | 'role'
    | 'vpc'
    | 'vpcSubnets'
    | 'securityGroups'
    | 'allowPublicSubnet'
    | 'logGroup'
    | 'logRetention'
    | 'logRetentionRole'
    | 'logRetentionRetryOptions'
  > {
  /**
   * The identifier in the function's and role's physical names,
   * `{project}-{env}-fn-{service}-{name}`. CAUTION: changing it replaces the function.
   * @default - the construct id in kebab-case (`ListOrders` → `list-orders`)
   */
  readonly name?: string;
  /**
   * Retention of the function's log group.
   * @default - the platform's `observability.logRetentionDays` (the `logRetentionDays` contract parameter)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the function or stack is deleted. The log group has a
   * fixed name, so a retained one blocks re-creating a function of the same name.
   * @default RemovalPolicy.RETAIN in prod, RemovalPolicy.DESTROY elsewhere
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Powertools log level (`POWERTOOLS_LOG_LEVEL`). A `POWERTOOLS_LOG_LEVEL` in `environment` wins
   * over it.
   * @default 'INFO'
   */
  readonly logLevel?: ServiceFunctionLogLevel;
}

/**
 * A Node.js Lambda function placed in the platform: bundled with esbuild (minified, source maps,
 * AWS SDK v3 left to the runtime), Node.js 24 on arm64, in the shared VPC's private subnets with
 * the shared Lambda security group (and outbound IPv6 allowed when the platform's VPC is dual stack,
 * decided at deploy time from the contract), X-Ray active, Powertools environment set, a log group with the
 * platform's retention, and a physical name from the naming convention. By default it has its own
 * role, bounded by the platform's permissions boundary (applied by `ServiceStack`).
 *
 * @example
 * const list = new ServiceFunction(stack, 'ListOrders', {
 *   entry: 'src/handlers/list-orders.ts',
 *   environment: { TABLE_NAME: table.tableName },
 * });
 * table.grantReadData(list);
 */
export class ServiceFunction extends nodejs.NodejsFunction {
  /** The identifier in its physical names. */
  public readonly identifier: string;
  /** Its source file, handler name, environment and bundling options, as declared. */
  public readonly source: ServiceFunctionSource;

  private readonly securityGroup: ec2.ISecurityGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const platform = ServicePlatform.of(scope);
    const identifier = props.name ?? identifierFromId(id, 'ServiceFunction');
    claimIdentifier(platform, identifier, `${scope.node.path}/${id}`);
    const functionName = serviceFunctionName(platform.nameScope, platform.service, identifier);
    // Role and log group are siblings of the function, with ids derived from its id: super() needs
    // them, and a construct can have no children before it is constructed.
    const placement = scope;
    refuseRole(props, `${scope.node.path}/${id}`);
    const logGroup = createLogGroup(placement, id, platform, functionName, props);
    const role = createOwnRole(placement, id, platform, identifier);

    // Our own props share names with NodejsFunction's (`role`, `logRetention`, `logRemovalPolicy`)
    // but mean something else here: keep them away from super().
    const {
      name: _name,
      logRetention: _logRetention,
      logRemovalPolicy: _logRemovalPolicy,
      logLevel: _logLevel,
      ...functionProps
    } = props;
    const environment = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: platform.service,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? SERVICE_FUNCTION_DEFAULTS.logLevel,
      ...props.environment,
    };
    const bundling: nodejs.BundlingOptions = {
      minify: true,
      sourceMap: true,
      // The Node.js runtimes ship AWS SDK v3; bundling it adds megabytes and cold-start time.
      externalModules: ['@aws-sdk/*'],
      ...props.bundling,
    };
    super(scope, id, {
      runtime: SERVICE_FUNCTION_DEFAULTS.runtime,
      architecture: SERVICE_FUNCTION_DEFAULTS.architecture,
      memorySize: SERVICE_FUNCTION_DEFAULTS.memorySize,
      timeout: SERVICE_FUNCTION_DEFAULTS.timeout,
      tracing: lambda.Tracing.ACTIVE,
      ...functionProps,
      functionName,
      role,
      logGroup,
      environment,
      bundling,
    });
    this.identifier = identifier;
    this.source = {
      entry: props.entry === undefined ? undefined : path.resolve(props.entry),
      // NodejsFunction's `handler` may be `file.export`; the export is the part after the last dot.
      handler: (props.handler ?? 'handler').split('.').pop() as string,
      environment,
      bundling,
    };
    this.securityGroup = platform.lambdaSecurityGroup;
    this.placeInVpc(platform);
    logGroup.grantWrite(role);
  }

  /** The shared Lambda security group's connections, as a VPC function's `connections` are. */
  public override get connections(): ec2.Connections {
    return new ec2.Connections({ securityGroups: [this.securityGroup] });
  }

  /** Always true: every service function runs in the platform VPC. */
  public override get isBoundToVpc(): boolean {
    return true;
  }

  private placeInVpc(platform: ServicePlatform): void {
    // L1 on purpose: the L2 `vpc` prop needs the subnet count at synth time, but the platform
    // publishes its private subnets as one list whose length (2 AZs in dev, 3 in prod) only
    // CloudFormation knows. Passing the list through keeps the function in every AZ the platform
    // has, with no AZ-count prop that could drift from the platform's `network.maxAzs`.
    const cfn = this.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = {
      subnetIds: platform.privateSubnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      // In a dual-stack environment the function may send over IPv6, which leaves through the
      // egress-only internet gateway (free) instead of the NAT (billed per GB). In an IPv4-only one
      // the property is absent, as before dual stack existed, so those functions see no change.
      ipv6AllowedForDualStack: Fn.conditionIf(platform.dualStackVpc.logicalId, true, Aws.NO_VALUE),
    };
  }
}

/**
 * JavaScript callers bypass the props type: a `role` (such as the former `'shared'`) would reach
 * NodejsFunction and either fail obscurely or run the function with a role the service's
 * execution role may not pass.
 */
function refuseRole(props: ServiceFunctionProps, path: string): void {
  const role = (props as { role?: unknown }).role;
  if (role === undefined) return;
  throw new Error(
    `ServiceFunction ${path} takes no \`role\` (got ${typeof role === 'string' ? `'${role}'` : typeof role}): every function gets its own role under the service's permissions boundary; the platform's shared execution role is no longer offered, because one role for every service's functions could write every service's log groups. Remove \`role\` and grant to the function instead`,
  );
}

const claimed = new WeakMap<ServicePlatform, Map<string, string>>();

function claimIdentifier(platform: ServicePlatform, identifier: string, path: string): void {
  const names = claimed.get(platform) ?? new Map<string, string>();
  claimed.set(platform, names);
  const owner = names.get(identifier);
  if (owner) {
    throw new Error(
      `ServiceFunction ${path} would be named "${identifier}", like ${owner}: function and role names must be unique in a service; pass a different \`name\``,
    );
  }
  names.set(identifier, path);
}

function createLogGroup(
  scope: Construct,
  id: string,
  platform: ServicePlatform,
  functionName: string,
  props: ServiceFunctionProps,
): logs.LogGroup {
  return new logs.LogGroup(scope, `${id}LogGroup`, {
    logGroupName: `/aws/lambda/${functionName}`,
    // CloudFormation converts the parameter's string to the integer RetentionInDays takes.
    retention: props.logRetention ?? (Token.asNumber(platform.logRetentionDays) as logs.RetentionDays),
    removalPolicy:
      props.logRemovalPolicy ??
      (platform.nameScope.env === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY),
  });
}

function createOwnRole(
  scope: Construct,
  id: string,
  platform: ServicePlatform,
  identifier: string,
): iam.Role {
  const role = new iam.Role(scope, `${id}ServiceRole`, {
    roleName: serviceRoleName(platform.nameScope, platform.service, identifier),
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${platform.service} function ${identifier}`,
  });
  // What AWSLambdaVPCAccessExecutionRole grants, as narrowly as Lambda allows: it validates these
  // when the function is created, and needs the Describe actions on every resource.
  // @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:*/*`],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  );
  return role;
}
