/**
 * Interface VPC endpoints the config may ask for, by the service part of their name
 * (`com.amazonaws.{region}.{name}`).
 */
export const INTERFACE_ENDPOINTS = [
  'ssm',
  'secretsmanager',
  'sts',
  'logs',
  'kms',
  'sqs',
  'sns',
  'events',
  'xray',
  'lambda',
  'ecr.api',
  'ecr.dkr',
] as const;

/** One of {@link INTERFACE_ENDPOINTS}. */
export type InterfaceEndpointName = (typeof INTERFACE_ENDPOINTS)[number];

/**
 * Every platform default, in one place. The schema (schema.ts) applies them; the generated JSON
 * Schema and docs show them. Environment files override them.
 */
export const DEFAULTS = {
  project: 'shared-lambda-infra',
  owner: 'platform-team',
  terminationProtection: false,
  removalPolicy: 'retain' as const,
  network: {
    maxAzs: 2 as const,
    // One shared NAT gateway: ~1/3 of the cost of one per AZ, at the price of AZ-level resilience.
    nat: 'single' as const,
    // The smallest Graviton instance: enough for dev traffic at a fraction of a NAT gateway's hourly price.
    natInstanceType: 't4g.nano',
    publicSubnetMask: 24,
    // /20 = 4091 usable addresses per AZ: Lambda takes one ENI per subnet and security group
    // combination (Hyperplane), but other VPC tenants (endpoints, databases) share the range.
    privateSubnetMask: 20,
    interfaceEndpoints: ['ssm', 'secretsmanager', 'sts', 'logs', 'kms', 'sqs'] as InterfaceEndpointName[],
    flowLogs: { enabled: true, trafficType: 'ALL' as const },
    // IPv4 only: turning IPv6 on adds a CIDR block and changes every subnet (see docs/network.md).
    ipv6: { enabled: false, dns64: false },
  },
  storage: {
    encryption: 'kms' as const,
    noncurrentVersionExpirationDays: 90,
    abortIncompleteMultipartUploadDays: 7,
    accessLogExpirationDays: 365,
  },
  observability: {
    logRetentionDays: 30,
    logEncryption: 'service' as const,
    natPortAllocationErrorThreshold: 1,
    natPacketsDropThreshold: 100,
    // Per service, on its gateway signals (services[].alarms overrides each). A service's traffic is
    // smaller and burstier than the whole API's, so its error rate alarms at 5%, not the API's 1%;
    // denials are mostly expired tokens, so only a flood of them is news.
    serviceAlarms: {
      serverErrorRatePercent: 5,
      latencyP99Ms: 3000,
      throttledRequests: 50,
      authorizerDenials: 100,
    },
  },
  api: {
    throttle: { rateLimit: 100, burstLimit: 200 },
    tracing: true,
    cors: {
      allowOrigins: [] as string[],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Api-Key', 'X-Amz-Security-Token'],
      allowCredentials: false,
      maxAgeSeconds: 600,
    },
    authorizer: { resultsCacheTtlSeconds: 300, identityHeader: 'Authorization' },
    alarms: { serverErrorRatePercent: 1, latencyP99Ms: 3000, throttledRequests: 100, authorizerErrors: 1 },
    // API Gateway's default quotas per REST API (both raisable through Service Quotas).
    // @see https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
    quotas: { resourcesPerApi: 300, authorizersPerApi: 10 },
  },
  // The account's AWS quotas the limit checks measure against (lib/limits/catalogue.ts cites each):
  // AWS's defaults, for an account that has raised none.
  quotas: {
    rolesPerAccount: 1000,
    customerManagedPoliciesPerAccount: 1500,
    managedPoliciesPerRole: 10,
    roleTrustPolicyLength: 2048,
    lambdaConcurrentExecutions: 1000,
    lambdaEnisPerVpc: 500,
    apiThrottleRate: 10_000,
    stacksPerAccount: 2000,
  },
  github: {
    oidcProvider: 'create' as const,
    // Deploys only from the main branch and release tags unless an environment says otherwise.
    allowedRefs: ['refs/heads/main', 'refs/tags/v*'] as string[],
  },
} as const;

/**
 * Whether a service may declare public routes (`authorization: 'none'`) when its registry entry
 * does not say (`services[].allowPublicRoutes`), per environment. Off in prod: a public route is a
 * decision the platform team takes per service. Off in staging too, so a route prod would refuse
 * is refused one stage earlier; on in dev, where teams try things out.
 */
export const ALLOW_PUBLIC_ROUTES_DEFAULT = { dev: true, staging: false, prod: false } as const;

/**
 * Resources the platform itself puts on the shared REST API besides the services' base resources:
 * the root `/` and `/health`. Counted against `api.quotas.resourcesPerApi`.
 */
export const PLATFORM_API_RESOURCES = ['/', '/health'] as const;

/**
 * Retention values CloudWatch Logs accepts, in days.
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * API Gateway cache cluster sizes, in GB.
 * @see https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html
 */
export const CACHE_CLUSTER_SIZES = ['0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118', '237'] as const;

/**
 * Paths no service may take: they belong to the platform or would shadow API Gateway behaviour.
 */
export const RESERVED_BASE_PATHS = ['health', 'platform', 'admin', 'internal', 'docs', 'well-known'] as const;
