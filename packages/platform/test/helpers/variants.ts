// Config overrides that a stack test synthesizes and compliance-variants.slow.test.ts runs the
// compliance packs over: one definition, so the packs check exactly what the tests assert on.

/** dev's API behind source CIDRs, a custom domain, WAF and a cache, with binary media types, without authorizer; two services. */
export const API_EDGE_OVERRIDES: Record<string, unknown> = {
  api: {
    stageName: 'v1',
    tracing: false,
    accessLogRetentionDays: 90,
    cache: { sizeGb: '1.6', encrypted: true },
    cors: { allowOrigins: [] },
    access: { mode: 'sourceCidrs', cidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
    domain: {
      name: 'api.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    },
    wafWebAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shared/1234',
    binaryMediaTypes: ['application/pdf', 'image/*'],
    authorizer: undefined,
    alarms: {
      serverErrorRatePercent: 5,
      latencyP99Ms: 1500,
      throttledRequests: 7,
      authorizerErrors: 3,
    },
  },
  services: [
    {
      name: 'orders',
      repository: 'acme/orders-service',
      basePath: 'orders',
      throttle: { rateLimit: 20, burstLimit: 40 },
    },
    { name: 'billing', repository: 'acme/billing-service', basePath: 'billing' },
  ],
};

/** dev's API reached through VPC endpoints, with a JWKS URI, a custom identity header and Cognito. */
export const API_PRIVATE_OVERRIDES: Record<string, unknown> = {
  api: {
    cache: { sizeGb: '0.5' },
    cors: { allowOrigins: ['*'] },
    access: { mode: 'vpcEndpoints', vpcEndpointIds: ['vpce-0123456789abcdef0'] },
    authorizer: {
      issuers: [
        {
          issuer: 'https://auth.dev.example.com/',
          audiences: ['orders-api'],
          jwksUri: 'https://keys.example.com/jwks',
        },
      ],
      identityHeader: 'X-Auth-Token',
      resultsCacheTtlSeconds: 0,
    },
    cognitoUserPoolArns: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
  },
};

/** dev's network with a NAT instance, a /18 VPC over 3 AZs, non-default masks and flow logs off. */
export const NAT_INSTANCE_OVERRIDES: Record<string, unknown> = {
  network: {
    cidr: '10.50.0.0/18',
    maxAzs: 3,
    nat: 'instance',
    natInstanceType: 't3.micro',
    publicSubnetMask: 26,
    privateSubnetMask: 22,
    isolatedSubnetMask: 27,
    interfaceEndpoints: ['ecr.api', 'ecr.dkr'],
    flowLogs: { enabled: false },
  },
};
