import { assertEnvironmentName } from './environments';
import { assertProjectName, assertServiceName, type NameScope } from './naming';

/** How a value is stored in SSM Parameter Store. */
export type ParameterType = 'String' | 'StringList';

/** The platform stack (component) that writes a parameter. */
export type ProducerComponent = 'network' | 'storage' | 'iam' | 'observability' | 'api' | 'github';

/** What a contract parameter is: where it lives, its type, what it means and who writes it. */
export interface ParameterSpec<T extends ParameterType = ParameterType> {
  /** Path segment after the environment, e.g. `network`, or `services/{service}` for per-service values. */
  readonly component: string;
  /** Last path segment, e.g. `vpc-id`. */
  readonly attribute: string;
  /** SSM type: `String`, or `StringList` (comma-separated). */
  readonly type: T;
  /** What the value means, for the generated contract reference. */
  readonly description: string;
  /** The platform stack that writes it. */
  readonly producer: ProducerComponent;
  /**
   * When the parameter exists only under some configuration, the condition in words.
   * @default - always published
   */
  readonly publishedWhen?: string;
}

/**
 * What a `StringList` parameter holds when its list is empty: SSM rejects an empty StringList, so the
 * platform writes this single value and consumers read it back as `[]`.
 */
export const EMPTY_LIST_VALUE = 'none';

/** A platform-wide contract value: `/{project}/{env}/{component}/{attribute}`. */
export interface ContractParameter<T extends ParameterType = ParameterType> extends ParameterSpec<T> {
  /** False: one value per project and environment. Tells the two kinds of entry apart. */
  readonly perService: false;
  /** The SSM parameter name for one project and environment. */
  path(scope: NameScope): string;
}

/** A per-service contract value: `/{project}/{env}/services/{service}/{attribute}`. */
export interface ServiceContractParameter<T extends ParameterType = ParameterType> extends ParameterSpec<T> {
  /** True: one value per registered service. */
  readonly perService: true;
  /** The SSM parameter name for one project, environment and service. */
  path(scope: NameScope, service: string): string;
}

function root(scope: NameScope): string {
  return `/${assertProjectName(scope.project)}/${assertEnvironmentName(scope.env)}`;
}

function platform<T extends ParameterType>(spec: ParameterSpec<T>): ContractParameter<T> {
  return {
    ...spec,
    perService: false,
    path: (scope) => `${root(scope)}/${spec.component}/${spec.attribute}`,
  };
}

function perService<T extends ParameterType>(
  spec: Omit<ParameterSpec<T>, 'component'>,
): ServiceContractParameter<T> {
  return {
    ...spec,
    perService: true,
    component: 'services/{service}',
    path: (scope, service) => `${root(scope)}/services/${assertServiceName(service)}/${spec.attribute}`,
  };
}

/**
 * Every value the platform publishes for consumers, one typed entry per SSM parameter.
 *
 * The platform writes each parameter with `path()` of its entry here, and consumers read it with
 * the same entry, so a rename is a compile error on both sides rather than a failed deploy.
 */
export const Parameters = {
  // contract
  contractVersion: platform({
    component: 'contract',
    attribute: 'version',
    type: 'String',
    description: 'Semantic version of this contract; consumers refuse a different major version.',
    producer: 'network',
  }),
  contractMajorVersion: platform({
    component: 'contract',
    attribute: 'major-version',
    type: 'String',
    description:
      'Major part of the contract version alone, e.g. `1` (CONTRACT_MAJOR_VERSION): service stacks assert it in a CloudFormation rule, which cannot parse `version`.',
    producer: 'network',
  }),
  // network
  vpcId: platform({
    component: 'network',
    attribute: 'vpc-id',
    type: 'String',
    description: 'Id of the shared VPC.',
    producer: 'network',
  }),
  vpcCidr: platform({
    component: 'network',
    attribute: 'vpc-cidr',
    type: 'String',
    description: 'IPv4 CIDR block of the shared VPC.',
    producer: 'network',
  }),
  vpcIpAddressType: platform({
    component: 'network',
    attribute: 'ip-address-type',
    type: 'String',
    description:
      '`ipv4`, or `dualstack` when the VPC and its private subnets have IPv6 (network.ipv6.enabled): service functions then allow outbound IPv6 (Ipv6AllowedForDualStack).',
    producer: 'network',
  }),
  availabilityZones: platform({
    component: 'network',
    attribute: 'availability-zones',
    type: 'StringList',
    description: 'Availability Zones the VPC spans, in subnet order.',
    producer: 'network',
  }),
  publicSubnetIds: platform({
    component: 'network',
    attribute: 'public-subnet-ids',
    type: 'StringList',
    description: 'Public subnet ids, one per Availability Zone (NAT gateways live here).',
    producer: 'network',
  }),
  privateSubnetIds: platform({
    component: 'network',
    attribute: 'private-subnet-ids',
    type: 'StringList',
    description: 'Private subnet ids with egress, one per Availability Zone: where Lambda functions run.',
    producer: 'network',
  }),
  privateRouteTableIds: platform({
    component: 'network',
    attribute: 'private-route-table-ids',
    type: 'StringList',
    description: 'Route table ids of the private subnets, in subnet order.',
    producer: 'network',
  }),
  isolatedSubnetIds: platform({
    component: 'network',
    attribute: 'isolated-subnet-ids',
    type: 'StringList',
    description: 'Isolated subnet ids (no route to the internet), one per Availability Zone.',
    producer: 'network',
    publishedWhen: 'network.isolatedSubnetMask is set',
  }),
  lambdaSecurityGroupId: platform({
    component: 'network',
    attribute: 'lambda-security-group-id',
    type: 'String',
    description: 'Default security group for Lambda functions in the VPC (egress only).',
    producer: 'network',
  }),
  endpointSecurityGroupId: platform({
    component: 'network',
    attribute: 'endpoint-security-group-id',
    type: 'String',
    description: 'Security group of the interface VPC endpoints (443 from the Lambda security group only).',
    producer: 'network',
  }),
  // storage
  artifactBucketName: platform({
    component: 'storage',
    attribute: 'artifact-bucket-name',
    type: 'String',
    description: 'Deployment-artifact bucket; each service writes under its own `{service}/` prefix.',
    producer: 'storage',
  }),
  artifactBucketArn: platform({
    component: 'storage',
    attribute: 'artifact-bucket-arn',
    type: 'String',
    description: 'ARN of the deployment-artifact bucket.',
    producer: 'storage',
  }),
  artifactKeyArn: platform({
    component: 'storage',
    attribute: 'artifact-key-arn',
    type: 'String',
    description: 'ARN of the KMS key that encrypts the artifact bucket.',
    producer: 'storage',
    publishedWhen: 'storage.encryption is kms',
  }),
  // iam
  lambdaExecutionRoleArn: platform({
    component: 'iam',
    attribute: 'lambda-execution-role-arn',
    type: 'String',
    description:
      "The platform's shared Lambda execution role (logs, VPC networking and X-Ray only), for the platform's own functions: a service's execution role may not pass it, every service function has its own role under the service's boundary.",
    producer: 'iam',
  }),
  permissionsBoundaryArn: platform({
    component: 'iam',
    attribute: 'permissions-boundary-arn',
    type: 'String',
    description: 'Managed policy every role a service creates must carry as its permissions boundary.',
    producer: 'iam',
  }),
  // observability
  alarmTopicArn: platform({
    component: 'observability',
    attribute: 'alarm-topic-arn',
    type: 'String',
    description:
      "The platform's SNS topic for platform alarms only; a service's alarms go to its own topic (`serviceAlarmTopicArn`).",
    producer: 'observability',
  }),
  logRetentionDays: platform({
    component: 'observability',
    attribute: 'log-retention-days',
    type: 'String',
    description: 'Retention in days the platform applies to log groups (a CloudWatch Logs retention value).',
    producer: 'observability',
  }),
  // api
  restApiId: platform({
    component: 'api',
    attribute: 'rest-api-id',
    type: 'String',
    description: 'Id of the shared REST API.',
    producer: 'api',
  }),
  rootResourceId: platform({
    component: 'api',
    attribute: 'root-resource-id',
    type: 'String',
    description: 'Id of the root resource (`/`) of the shared REST API.',
    producer: 'api',
  }),
  stageName: platform({
    component: 'api',
    attribute: 'stage-name',
    type: 'String',
    description: 'Name of the API stage.',
    producer: 'api',
  }),
  invokeUrl: platform({
    component: 'api',
    attribute: 'invoke-url',
    type: 'String',
    description: 'Base URL of the stage (or of the custom domain, when one is configured).',
    producer: 'api',
  }),
  corsAllowOrigins: platform({
    component: 'api',
    attribute: 'cors-allow-origins',
    type: 'StringList',
    description:
      'Origins the shared CORS policy allows; the single value `none` (EMPTY_LIST_VALUE) when the list is empty, since SSM cannot store an empty StringList.',
    producer: 'api',
  }),
  corsAllowMethods: platform({
    component: 'api',
    attribute: 'cors-allow-methods',
    type: 'StringList',
    description:
      'Methods the shared CORS policy allows; the single value `none` (EMPTY_LIST_VALUE) when the list is empty, since SSM cannot store an empty StringList.',
    producer: 'api',
  }),
  corsAllowHeaders: platform({
    component: 'api',
    attribute: 'cors-allow-headers',
    type: 'StringList',
    description:
      'Request headers the shared CORS policy allows; the single value `none` (EMPTY_LIST_VALUE) when the list is empty, since SSM cannot store an empty StringList.',
    producer: 'api',
  }),
  routesServiceToken: platform({
    component: 'api',
    attribute: 'routes-service-token',
    type: 'String',
    description:
      'Service token of the `Custom::SharedApiRoutes` resource a service stack declares its route table with (shared API v2).',
    producer: 'api',
  }),
  // github
  oidcProviderArn: platform({
    component: 'github',
    attribute: 'oidc-provider-arn',
    type: 'String',
    description: 'ARN of the GitHub Actions OIDC identity provider in this account.',
    producer: 'github',
  }),
  // per service
  serviceBasePath: perService({
    attribute: 'base-path',
    type: 'String',
    description:
      'Base path the service owns on the shared REST API, without slashes (ServiceApi asserts it in a CloudFormation rule before deploying).',
    producer: 'github',
    publishedWhen: 'the config has a github section (the access-{service} stack publishes it)',
  }),
  serviceRegistration: perService({
    attribute: 'registration',
    type: 'String',
    description:
      'What the platform registry says about the service, as JSON (contract `ServiceRegistration`): base path, throttling, allowed authorization types, caching. The routes receiver and reconciler read it; services cannot write it.',
    producer: 'github',
    publishedWhen: 'the config has a github section (the access-{service} stack publishes it)',
  }),
  serviceDeployRoleArn: perService({
    attribute: 'deploy-role-arn',
    type: 'String',
    description: "Role the service's GitHub workflow assumes through OIDC to deploy.",
    producer: 'github',
  }),
  servicePermissionsBoundaryArn: perService({
    attribute: 'permissions-boundary-arn',
    type: 'String',
    description:
      "The service's own permissions boundary: every role the service creates must carry it; it confines the role to the service's resources.",
    producer: 'github',
  }),
  serviceAlarmTopicArn: perService({
    attribute: 'alarm-topic-arn',
    type: 'String',
    description:
      "The service's own SNS alarm topic (the owners' e-mail addresses and the registry's alarmWebhook are subscribed): the platform's alarms on the service's gateway signals notify it, and ServiceStack sends the alarms on the service's functions there.",
    producer: 'github',
    publishedWhen: 'the config has a github section (the access-{service} stack publishes it)',
  }),
  serviceExecutionRoleArn: perService({
    attribute: 'execution-role-arn',
    type: 'String',
    description: "CloudFormation execution role for the service's stacks.",
    producer: 'github',
  }),
} as const;

/** The name of a contract entry, e.g. `vpcId`. */
export type ParameterKey = keyof typeof Parameters;

/** All entries, in the order they are documented. */
export function allParameters(): ReadonlyArray<[ParameterKey, ContractParameter | ServiceContractParameter]> {
  return Object.entries(Parameters) as Array<[ParameterKey, ContractParameter | ServiceContractParameter]>;
}

/** True for per-service entries (their `path` takes a service name). */
export function isServiceParameter(
  p: ContractParameter | ServiceContractParameter,
): p is ServiceContractParameter {
  return p.perService;
}
