import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../lib/config/errors';
import { parseConfigText, parsePlatformConfig } from '../../lib/config/load';
import { merge, rawConfig } from '../helpers/synth';

// A catalogue of mistakes a platform engineer can make in config/<env>.yaml. Each entry is merged
// into config/dev.yaml and must be rejected with exactly the listed problems: the field path, and
// message fragments that show the value received and what is allowed or how to fix it.

/** One expected problem: its field path and fragments its message must contain. */
interface Expected {
  readonly path: string;
  readonly says: readonly string[];
}

interface InvalidConfig {
  readonly name: string;
  readonly override: Record<string, unknown>;
  readonly problems: readonly Expected[];
}

const orders = { name: 'orders', repository: 'acme/orders-service', basePath: 'orders' };

const CATALOGUE: readonly InvalidConfig[] = [
  // ----- types, missing keys, unknown keys -----
  {
    name: 'a required key is missing',
    override: { environment: undefined },
    problems: [{ path: 'environment', says: ['is required', 'one of "dev", "staging", "prod"'] }],
  },
  {
    name: 'a required nested key is missing',
    override: { network: { cidr: undefined } },
    problems: [{ path: 'network.cidr', says: ['is required', 'a string', 'IPv4 CIDR of the VPC'] }],
  },
  {
    name: 'a boolean is given as text',
    override: { terminationProtection: 'yes' },
    problems: [{ path: 'terminationProtection', says: ['expected true or false', 'got "yes"'] }],
  },
  {
    name: 'a list is given as a mapping',
    override: { services: { name: 'orders' } },
    problems: [{ path: 'services', says: ['expected a list', 'got {"name":"orders"}'] }],
  },
  {
    name: 'a whole number has a fraction',
    override: { api: { throttle: { rateLimit: 50, burstLimit: 2.5 } } },
    problems: [{ path: 'api.throttle.burstLimit', says: ['expected a whole number', 'got 2.5'] }],
  },
  {
    name: 'an unknown top-level key is misspelt',
    override: { networks: { cidr: '10.0.0.0/16' } },
    problems: [
      { path: 'networks', says: ['unknown key', 'did you mean "network"?', 'allowed here: project,'] },
    ],
  },
  {
    name: 'an unknown nested key is misspelt',
    override: { network: { maxAz: 3 } },
    problems: [{ path: 'network.maxAz', says: ['unknown key', 'did you mean "maxAzs"?'] }],
  },
  {
    name: 'a service entry has an unknown key',
    override: { services: [{ ...orders, owner: 'orders-team' }] },
    problems: [{ path: 'services[0].owner', says: ['unknown key', 'did you mean "owners"?'] }],
  },
  {
    name: 'an api.access branch has a key of another branch',
    override: { api: { access: { mode: 'sourceCidrs', cidrs: ['203.0.113.0/24'], vpcEndpointIds: [] } } },
    problems: [{ path: 'api.access.vpcEndpointIds', says: ['unknown key', 'allowed here: mode, cidrs'] }],
  },
  // ----- network -----
  {
    name: 'maxAzs is not 2 or 3',
    override: { network: { maxAzs: 5 } },
    problems: [{ path: 'network.maxAzs', says: ['expected 2 or 3, got 5'] }],
  },
  {
    name: 'nat is not a known mode',
    override: { network: { nat: 'double' } },
    problems: [
      {
        path: 'network.nat',
        says: ['expected one of "single", "perAz", "regional", "instance", got "double"'],
      },
    ],
  },
  {
    name: 'the VPC CIDR has host bits set',
    override: { network: { cidr: '10.10.0.1/16' } },
    problems: [{ path: 'network.cidr', says: ['no host bits set, e.g. 10.0.0.0/16', 'got "10.10.0.1/16"'] }],
  },
  {
    name: 'the VPC CIDR is not a CIDR',
    override: { network: { cidr: '10.10.0.0' } },
    problems: [{ path: 'network.cidr', says: ['must be an IPv4 CIDR block', 'got "10.10.0.0"'] }],
  },
  {
    name: 'the VPC CIDR is larger than /16',
    override: { network: { cidr: '10.0.0.0/12' } },
    problems: [
      { path: 'network.cidr', says: ['"10.0.0.0/12" is a /12 block', 'expected a prefix from /16 to /24'] },
    ],
  },
  {
    name: 'the VPC CIDR is smaller than /24',
    override: { network: { cidr: '10.0.0.0/25', publicSubnetMask: 28, privateSubnetMask: 27 } },
    problems: [
      { path: 'network.cidr', says: ['"10.0.0.0/25" is a /25 block', 'expected a prefix from /16 to /24'] },
    ],
  },
  {
    name: 'a subnet mask is out of range',
    override: { network: { publicSubnetMask: 30 } },
    problems: [{ path: 'network.publicSubnetMask', says: ['expected a whole number from 16 to 28, got 30'] }],
  },
  {
    name: 'a subnet is as large as the VPC',
    override: { network: { cidr: '10.10.0.0/20', privateSubnetMask: 20 } },
    problems: [
      {
        path: 'network.privateSubnetMask',
        says: ["/20 is not longer than the VPC's /20 (10.10.0.0/20)", 'use a mask longer than /20'],
      },
    ],
  },
  {
    name: 'the subnets of every AZ do not fit the VPC',
    override: { network: { cidr: '10.10.0.0/19', maxAzs: 3 } },
    problems: [
      {
        path: 'network.cidr',
        // 3 public /24 take 768 addresses; the first private /20 starts at the next /20 boundary.
        says: [
          '10.10.0.0/19 has 8192 addresses but the subnets need 16384',
          '3 AZs × public /24, private /20',
          'use a VPC CIDR of /18 or larger, or longer subnet masks',
        ],
      },
    ],
  },
  {
    name: 'isolated subnets push the layout past the VPC',
    override: { network: { cidr: '10.10.0.0/18', maxAzs: 3, isolatedSubnetMask: 24 } },
    problems: [
      {
        path: 'network.cidr',
        says: ['has 16384 addresses but the subnets need 17152', 'public /24, private /20, isolated /24'],
      },
    ],
  },
  {
    name: 'natEipAllocationIds is set with a NAT instance',
    override: { network: { nat: 'instance', natEipAllocationIds: ['eipalloc-0123456789abcdef0'] } },
    problems: [
      {
        path: 'network.natEipAllocationIds',
        says: ['(1 allocation ids) but nat is "instance"', 'remove natEipAllocationIds or use a NAT gateway'],
      },
    ],
  },
  {
    name: 'a regional NAT gateway gets fewer Elastic IPs than AZs',
    override: {
      network: { nat: 'regional', maxAzs: 3, natEipAllocationIds: ['eipalloc-0123456789abcdef0'] },
    },
    problems: [
      {
        path: 'network.natEipAllocationIds',
        says: [
          'lists 1 allocation ids but nat "regional" with maxAzs 3 needs exactly 3',
          'serves only the AZs listed',
        ],
      },
    ],
  },
  {
    name: 'a single NAT gateway gets two Elastic IPs',
    override: {
      network: {
        nat: 'single',
        natEipAllocationIds: ['eipalloc-0123456789abcdef0', 'eipalloc-0123456789abcdef1'],
      },
    },
    problems: [
      {
        path: 'network.natEipAllocationIds',
        says: ['lists 2 allocation ids but nat "single"', 'needs exactly 1'],
      },
    ],
  },
  {
    name: 'one Elastic IP is listed for two NAT gateways',
    override: {
      network: {
        nat: 'perAz',
        natEipAllocationIds: ['eipalloc-0123456789abcdef0', 'eipalloc-0123456789abcdef0'],
      },
    },
    problems: [
      {
        path: 'network.natEipAllocationIds[1]',
        says: ['"eipalloc-0123456789abcdef0" is listed twice (also natEipAllocationIds[0])'],
      },
    ],
  },
  {
    name: 'an Elastic IP is given as an address instead of an allocation id',
    override: { network: { natEipAllocationIds: ['203.0.113.7'] } },
    problems: [
      {
        path: 'network.natEipAllocationIds[0]',
        says: ['must be an Elastic IP allocation id, e.g. eipalloc-0123456789abcdef0', 'got "203.0.113.7"'],
      },
    ],
  },
  {
    name: 'a drain duration is set for a NAT instance',
    override: { network: { nat: 'instance', natMaxDrainSeconds: 600 } },
    problems: [{ path: 'network.natMaxDrainSeconds', says: ['is 600 but nat is "instance"'] }],
  },
  {
    name: 'a drain duration is beyond what AWS allows',
    override: { network: { natMaxDrainSeconds: 5000 } },
    problems: [{ path: 'network.natMaxDrainSeconds', says: ['4000', 'got 5000'] }],
  },
  {
    name: 'DNS64 is on in an IPv4-only VPC',
    override: { network: { ipv6: { dns64: true } } },
    problems: [
      {
        path: 'network.ipv6.dns64',
        says: ['ipv6.enabled is false', 'set ipv6.enabled: true or remove dns64'],
      },
    ],
  },
  {
    name: 'DNS64 is on behind a NAT instance, which does no NAT64',
    override: { network: { nat: 'instance', ipv6: { enabled: true, dns64: true } } },
    problems: [
      {
        path: 'network.ipv6.dns64',
        says: [
          'nat is "instance"',
          'the NAT instance (iptables masquerade on IPv4) does not',
          'use a NAT gateway',
        ],
      },
    ],
  },
  {
    name: 'ipv6 is not a mapping',
    override: { network: { ipv6: true } },
    problems: [{ path: 'network.ipv6', says: ['got true'] }],
  },

  // ----- observability -----
  {
    name: 'a log retention CloudWatch does not accept',
    override: { observability: { logRetentionDays: 45 } },
    problems: [
      {
        path: 'observability.logRetentionDays',
        says: ['must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60', 'got 45'],
      },
    ],
  },
  {
    name: 'an alarm email is not an email address',
    override: { observability: { alarmEmails: ['platform-alerts'] } },
    problems: [
      { path: 'observability.alarmEmails[0]', says: ['must be an email address, got "platform-alerts"'] },
    ],
  },
  {
    name: 'an alarm email is listed twice',
    override: { observability: { alarmEmails: ['ops@example.com', 'Ops@Example.com'] } },
    problems: [
      {
        path: 'observability.alarmEmails[1]',
        says: ['"Ops@Example.com" is listed twice (also alarmEmails[0])', 'remove the duplicate'],
      },
    ],
  },
  // ----- api -----
  {
    name: 'the throttle rate is above the API Gateway account limit',
    override: { api: { throttle: { rateLimit: 20_000, burstLimit: 100 } } },
    problems: [
      {
        path: 'api.throttle.rateLimit',
        says: ['expected a number more than 0 and at most 10000, got 20000'],
      },
    ],
  },
  {
    name: 'CORS credentials with any origin',
    override: { api: { cors: { allowOrigins: ['*'], allowCredentials: true } } },
    problems: [
      {
        path: 'api.cors.allowCredentials',
        says: ['cannot be combined with allowOrigins "*"', 'browsers reject', 'set allowCredentials: false'],
      },
    ],
  },
  {
    name: 'any origin mixed with named origins',
    override: { api: { cors: { allowOrigins: ['*', 'https://app.example.com'] } } },
    problems: [
      {
        path: 'api.cors.allowOrigins',
        says: [
          '"*" allows every origin',
          '"https://app.example.com"',
          'use ["*"] alone or list only the origins',
        ],
      },
    ],
  },
  {
    name: 'a CORS origin with a path',
    override: { api: { cors: { allowOrigins: ['https://app.example.com/login'] } } },
    problems: [
      {
        path: 'api.cors.allowOrigins[0]',
        says: ['"https://app.example.com/login" is not an origin', 'use "https://app.example.com"'],
      },
    ],
  },
  {
    name: 'a CORS origin that is not a URL',
    override: { api: { cors: { allowOrigins: ['app.example.com'] } } },
    problems: [
      {
        path: 'api.cors.allowOrigins[0]',
        says: ['must be "*" or an origin URL, e.g. https://app.example.com', 'got "app.example.com"'],
      },
    ],
  },
  {
    name: 'a binary media type that is a file extension',
    override: { api: { binaryMediaTypes: ['application/pdf', '.png'] } },
    problems: [
      {
        path: 'api.binaryMediaTypes[1]',
        says: ['must be a media type such as application/pdf, image/* or */*', 'got ".png"'],
      },
    ],
  },
  {
    name: 'an issuer is listed twice',
    override: {
      api: {
        authorizer: {
          issuers: [
            { issuer: 'https://auth.example.com/', audiences: ['orders-api'] },
            { issuer: 'https://auth.example.com/', audiences: ['billing-api'] },
          ],
        },
      },
    },
    problems: [
      {
        path: 'api.authorizer.issuers[1].issuer',
        says: ['"https://auth.example.com/" is listed twice (also issuers[0])', 'merge their audiences'],
      },
    ],
  },
  {
    name: 'a custom domain is given for a PRIVATE (VPC-endpoint-only) API',
    override: {
      api: {
        access: { mode: 'vpcEndpoints', vpcEndpointIds: ['vpce-0123456789abcdef0'] },
        domain: {
          name: 'api.example.com',
          certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        },
      },
    },
    problems: [
      {
        path: 'api.domain',
        says: [
          '"api.example.com" cannot serve the API when api.access.mode is vpcEndpoints',
          'remove api.domain',
        ],
      },
    ],
  },
  {
    name: 'an issuer is not a URL',
    override: {
      api: { authorizer: { issuers: [{ issuer: 'auth.example.com', audiences: ['orders-api'] }] } },
    },
    problems: [
      {
        path: 'api.authorizer.issuers[0].issuer',
        says: ['must be an http(s) URL, e.g. https://auth.example.com/', 'got "auth.example.com"'],
      },
    ],
  },
  {
    name: 'an issuer has no audience',
    override: { api: { authorizer: { issuers: [{ issuer: 'https://auth.example.com/', audiences: [] }] } } },
    problems: [{ path: 'api.authorizer.issuers[0].audiences', says: ['expected at least 1 entry, got []'] }],
  },
  {
    name: 'api.access has an unknown mode',
    override: { api: { access: { mode: 'private' } } },
    problems: [
      {
        path: 'api.access.mode',
        says: ['expected one of "open", "sourceCidrs", "vpcEndpoints", got "private"'],
      },
    ],
  },
  {
    name: 'a cache size API Gateway does not offer',
    override: { api: { cache: { sizeGb: '2' } } },
    problems: [{ path: 'api.cache.sizeGb', says: ['expected one of', '"0.5"', '"237"', 'got "2"'] }],
  },
  {
    name: 'a private API is asked to take IPv4 only',
    override: {
      api: {
        ipAddressType: 'ipv4',
        access: { mode: 'vpcEndpoints', vpcEndpointIds: ['vpce-0123456789abcdef0'] },
      },
    },
    problems: [
      {
        path: 'api.ipAddressType',
        says: ['"ipv4" cannot apply to a private API', 'dualstack IP address type only'],
      },
    ],
  },
  {
    name: 'a dual-stack API admits only IPv4 source CIDRs',
    override: {
      api: { ipAddressType: 'dualstack', access: { mode: 'sourceCidrs', cidrs: ['203.0.113.0/24'] } },
    },
    problems: [
      {
        path: 'api.ipAddressType',
        says: ['allows only the IPv4 blocks listed (203.0.113.0/24)', 'refused with 403', 'use "ipv4"'],
      },
    ],
  },
  {
    name: 'ipAddressType is not a known type',
    override: { api: { ipAddressType: 'ipv6' } },
    problems: [{ path: 'api.ipAddressType', says: ['expected "ipv4" or "dualstack", got "ipv6"'] }],
  },

  // ----- services -----
  {
    name: 'two services share a name',
    override: { services: [orders, { ...orders, basePath: 'orders-v1' }] },
    problems: [
      {
        path: 'services[1].name',
        says: ['"orders" is already the name of services[0]', 'choose another name'],
      },
    ],
  },
  {
    name: 'two services share a base path',
    override: {
      services: [
        { ...orders, name: 'orders-v1' },
        { ...orders, name: 'shop' },
      ],
    },
    problems: [
      {
        path: 'services[1].basePath',
        says: ['"orders" is already owned by service "orders-v1"; choose another path'],
      },
    ],
  },
  {
    name: 'a base path is nested',
    override: { services: [{ ...orders, basePath: 'orders/admin' }] },
    problems: [
      {
        path: 'services[0].basePath',
        says: ['nesting is not allowed', 'e.g. "orders"', 'got "orders/admin"'],
      },
    ],
  },
  {
    name: 'a base path starts with a slash',
    override: { services: [{ ...orders, basePath: '/orders' }] },
    problems: [
      { path: 'services[0].basePath', says: ['write it without slashes, e.g. "orders"', 'got "/orders"'] },
    ],
  },
  {
    name: 'a service takes a reserved name (a platform component or a naming-convention segment)',
    override: { services: [{ ...orders, name: 'api' }] },
    problems: [
      {
        path: 'services[0].name',
        says: ['"api" is reserved', 'reserved: access, alarm, api, bucket', 'choose another name'],
      },
    ],
  },
  {
    name: 'a service is named like a resource-type segment (role), whose IAM prefix the platform uses',
    override: { services: [{ ...orders, name: 'role' }] },
    problems: [{ path: 'services[0].name', says: ['"role" is reserved', 'choose another name'] }],
  },
  {
    name: 'a service takes a reserved base path',
    override: { services: [{ ...orders, basePath: 'health' }] },
    problems: [{ path: 'services[0].basePath', says: ['"health" is reserved', 'choose another path'] }],
  },
  {
    name: "a service name is another's name followed by a hyphen",
    override: { services: [orders, { ...orders, name: 'orders-v2', basePath: 'orders-v2' }] },
    problems: [
      {
        path: 'services[1].name',
        says: [
          '"orders-v2" starts with "orders-" (services[0])',
          '"shared-lambda-infra-dev-fn-orders-*" would also match "orders-v2"',
          'e.g. "ordersv2"',
        ],
      },
    ],
  },
  {
    name: "a service's name is another's followed by -api (orders, orders-api)",
    override: { services: [orders, { ...orders, name: 'orders-api', basePath: 'orders-api' }] },
    problems: [
      {
        path: 'services[1].name',
        says: [
          '"orders-api" starts with "orders-" (services[0])',
          'the stack names of "orders" ({project}-{env}-orders-*) would cover "orders-api"',
        ],
      },
    ],
  },
  {
    name: 'the registry has more services than the API Gateway resources quota allows',
    override: {
      api: { quotas: { resourcesPerApi: 12 } },
      services: Array.from({ length: 12 }, (_, i) => ({
        name: `svc${i}`,
        repository: 'acme/svc',
        basePath: `svc${i}`,
      })),
    },
    problems: [
      {
        path: 'services',
        says: [
          "12 services need 12 base resources on the shared REST API, besides the platform's 2 (/, /health)",
          'api.quotas.resourcesPerApi is 12',
          'services beyond the quota are "svc10", "svc11"',
          'Resources per API',
        ],
      },
    ],
  },
  {
    // 13 first letters with 451 base paths each: no two groups fit one set of filters (902 > 900),
    // so 13 sets of 7 filters, past the 12 sets the access log group has room for.
    name: 'the registry needs more per-service metric filters than the access log group takes',
    override: {
      api: { quotas: { resourcesPerApi: 10_000 } },
      services: Array.from({ length: 13 * 451 }, (_, i) => ({
        name: `s${i}`,
        repository: 'acme/svc',
        basePath: `${'abcdefghijklm'[i % 13]}${i}`,
      })),
    },
    problems: [
      {
        path: 'services',
        says: [
          '5863 base paths need 13 sets of per-service metric filters (91 filters, 7 per set)',
          'a log group takes 100 metric filters (10 kept for the platform',
          'at most 12 sets of at most 900 base paths each',
        ],
      },
    ],
  },
  {
    name: "the services' resource budgets add up to more than the API's quota leaves",
    override: {
      api: { quotas: { resourcesPerApi: 100 } },
      services: [
        { ...orders, resourceBudget: 60 },
        { name: 'payments', repository: 'acme/payments', basePath: 'payments', resourceBudget: 38 },
        { name: 'stock', repository: 'acme/stock', basePath: 'stock' },
      ],
    },
    problems: [
      {
        path: 'services',
        says: [
          'the resource budgets add up to 99',
          'services[0] "orders": 60, services[1] "payments": 38, and at least 1 for each of the 1 other services',
          'more than the 98 resources api.quotas.resourcesPerApi (100) leaves',
          'lower services[].resourceBudget',
        ],
      },
    ],
  },
  {
    name: 'a service alarm webhook is not https',
    override: {
      services: [{ ...orders, alarmWebhook: 'http://hooks.example.com/alarms' }],
    },
    problems: [
      {
        path: 'services[0].alarmWebhook',
        says: ['must be an https URL', 'https://hooks.example.com/alarms'],
      },
    ],
  },
  {
    name: 'a resource budget below one',
    override: { services: [{ ...orders, resourceBudget: 0 }] },
    problems: [
      {
        path: 'services[0].resourceBudget',
        says: ['must be at least 1: the base path itself is one API Gateway resource'],
      },
    ],
  },
  {
    name: 'a service alarm threshold is out of range',
    override: {
      services: [{ ...orders, alarms: { serverErrorRatePercent: 0, latencyP99Ms: 30_000 } }],
      observability: { serviceAlarms: { throttledRequests: 0 } },
    },
    problems: [
      { path: 'observability.serviceAlarms.throttledRequests', says: ['0'] },
      { path: 'services[0].alarms.serverErrorRatePercent', says: ['0'] },
      { path: 'services[0].alarms.latencyP99Ms', says: ['30000'] },
    ],
  },
  {
    name: 'the authorizers quota is below the authorizers the config creates',
    override: {
      api: {
        quotas: { authorizersPerApi: 1 },
        cognitoUserPoolArns: ['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'],
      },
    },
    problems: [
      {
        path: 'api.quotas.authorizersPerApi',
        says: ['1 is fewer than the 2 authorizers the config creates'],
      },
    ],
  },
  {
    name: 'allowPublicRoutes is not a boolean',
    override: { services: [{ ...orders, allowPublicRoutes: 'yes' }] },
    problems: [{ path: 'services[0].allowPublicRoutes', says: ['expected true or false', 'got "yes"'] }],
  },
  {
    name: 'a service name the naming convention cannot fit',
    // staging is the longest environment name: `shared-lambda-infra-staging-access-{service}-` leaves 19.
    override: {
      environment: 'staging',
      services: [{ ...orders, name: 'order-fulfilment-svc', repositoryOwnerId: 11, repositoryId: 22 }],
      github: { platformRepositoryOwnerId: 11, platformRepositoryId: 33 },
    },
    problems: [
      { path: 'services[0].name', says: ['"order-fulfilment-svc" is too long', 'at most 19 characters'] },
    ],
  },
  {
    name: 'a service name has capitals',
    override: { services: [{ ...orders, name: 'Orders' }] },
    problems: [{ path: 'services[0].name', says: ['lowercase letters', 'got "Orders"'] }],
  },
  {
    name: 'a service repository has a wildcard',
    override: { services: [{ ...orders, repository: 'acme/*' }] },
    problems: [{ path: 'services[0].repository', says: ['owner/name', 'no wildcards', 'got "acme/*"'] }],
  },
  {
    name: 'a service repository has no owner',
    override: { services: [{ ...orders, repository: 'orders-service' }] },
    problems: [
      {
        path: 'services[0].repository',
        says: ['owner/name, e.g. acme/orders-service', 'got "orders-service"'],
      },
    ],
  },
  {
    name: 'a service gives a repository id without its owner id',
    override: { services: [{ ...orders, repositoryId: 123456 }] },
    problems: [
      {
        path: 'services[0].repositoryOwnerId',
        says: [
          'is required when repositoryId is set (got repositoryId: 123456)',
          'add repositoryOwnerId or remove repositoryId',
        ],
      },
    ],
  },
  {
    name: 'staging trusts a service repository and the platform repository by name alone',
    override: { environment: 'staging', services: [orders] },
    problems: [
      {
        path: 'services[0].repositoryId',
        says: [
          'is required in staging (with repositoryOwnerId)',
          'trusts "acme/orders-service" by name',
          "`gh api repos/acme/orders-service --jq '.owner.id, .id'`",
          'set repositoryOwnerId and repositoryId',
        ],
      },
      {
        path: 'github.platformRepositoryId',
        says: [
          'is required in staging (with platformRepositoryOwnerId)',
          "`gh api repos/acme/shared-lambda-infra --jq '.owner.id, .id'`",
        ],
      },
    ],
  },
  {
    name: 'prod trusts a service repository by name alone',
    override: {
      environment: 'prod',
      services: [orders],
      github: { platformRepositoryOwnerId: 11, platformRepositoryId: 33 },
    },
    problems: [{ path: 'services[0].repositoryId', says: ['is required in prod (with repositoryOwnerId)'] }],
  },
  {
    name: 'a service lists an external account that is not an account id',
    override: { services: [{ ...orders, externalAccounts: ['4444-5555-6666'] }] },
    problems: [
      { path: 'services[0].externalAccounts[0]', says: ['12-digit AWS account id', 'got "4444-5555-6666"'] },
    ],
  },
  {
    name: 'a service lists an external account twice',
    override: { services: [{ ...orders, externalAccounts: ['444455556666', '444455556666'] }] },
    problems: [
      {
        path: 'services[0].externalAccounts[1]',
        says: ['"444455556666" is already listed at externalAccounts[0]'],
      },
    ],
  },
  // ----- github and the rest -----
  {
    name: 'the platform repository gives an owner id without its repository id',
    override: { github: { platformRepositoryOwnerId: 42 } },
    problems: [
      {
        path: 'github.platformRepositoryId',
        says: ['is required when platformRepositoryOwnerId is set (got platformRepositoryOwnerId: 42)'],
      },
    ],
  },
  {
    name: 'the platform repository has a wildcard',
    override: { github: { platformRepository: 'acme/shared-*' } },
    problems: [{ path: 'github.platformRepository', says: ['no wildcards', 'got "acme/shared-*"'] }],
  },
  {
    name: 'oidcProvider is not create or import',
    override: { github: { oidcProvider: 'reuse' } },
    problems: [{ path: 'github.oidcProvider', says: ['expected "create" or "import", got "reuse"'] }],
  },
  {
    name: 'the account id is not 12 digits',
    override: { account: '1234' },
    problems: [{ path: 'account', says: ['must be a 12-digit AWS account id, got "1234"'] }],
  },
];

/** The problems parsing config/dev.yaml with `override` merged in reports. */
function problemsOf(override: Record<string, unknown>): {
  error: ConfigError;
  problems: readonly ConfigProblem[];
} {
  try {
    parsePlatformConfig(merge(rawConfig('dev'), override), 'config/dev.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return { error, problems: error.problems };
    throw error;
  }
  throw new Error('expected the config to be rejected, but it parsed');
}

describe('invalid configs', () => {
  it('has a catalogue of at least 30 invalid configs with distinct names', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CATALOGUE.map((c) => c.name)).size).toBe(CATALOGUE.length);
  });

  it.each(CATALOGUE)('rejects a config where $name', ({ override, problems }) => {
    const { error, problems: reported } = problemsOf(override);

    expect(reported.map((p) => p.path)).toEqual(problems.map((p) => p.path));
    problems.forEach((expected, i) => {
      for (const fragment of expected.says) expect(reported[i].message).toContain(fragment);
    });
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    expect(error.message.split('\n')[0]).toBe(`config/dev.yaml has ${count}:`);
  });

  it('rejects a config with several problems, schema and semantic, reporting them all at once', () => {
    // GIVEN network and observability fail the schema; api and services parse but mean trouble
    const override = {
      network: { maxAzs: 5 },
      services: [
        { ...orders, name: 'orders-v1' },
        { ...orders, name: 'shop', repository: 'acme/shop' },
      ],
      api: { cors: { allowOrigins: ['*'], allowCredentials: true } },
      observability: { logRetentionDays: 10 },
      unknownTopLevel: true,
    };

    // WHEN
    const { error } = problemsOf(override);

    // THEN every problem is listed, in the order the top-level keys appear in the file
    expect(error.message).toBe(
      [
        'config/dev.yaml has 5 problems:',
        '  network.maxAzs: expected 2 or 3, got 5',
        '  observability.logRetentionDays: must be a CloudWatch Logs retention value: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got 10',
        '  api.cors.allowCredentials: true cannot be combined with allowOrigins "*": browsers reject credentialed responses whose Access-Control-Allow-Origin is "*"; list the origins explicitly or set allowCredentials: false',
        '  services[1].basePath: "orders" is already owned by service "orders-v1"; choose another path',
        '  unknownTopLevel: unknown key (allowed here: project, environment, account, region, owner, terminationProtection, removalPolicy, network, storage, observability, api, services, github, quotas)',
      ].join('\n'),
    );
  });

  it('runs the checks of meaning on sections that parsed while others failed the schema', () => {
    const { problems } = problemsOf({
      network: { nat: 'none' },
      observability: { alarmEmails: ['a@example.com', 'a@example.com'] },
    });

    expect(problems.map((p) => p.path)).toEqual(['network.nat', 'observability.alarmEmails[1]']);
  });

  it('checks the services that parsed even when another entry failed the schema', () => {
    const { problems } = problemsOf({
      services: [orders, { ...orders, name: 'shop', basePath: 'Shop' }, { ...orders, name: 'orders-v2' }],
    });

    expect(problems.map((p) => p.path)).toEqual([
      'services[1].basePath',
      'services[2].basePath',
      'services[2].name',
    ]);
    expect(problems[1].message).toContain('already owned by service "orders"');
  });

  it('rejects YAML syntax errors with their line and column', () => {
    const text = [
      'environment: dev',
      'network:',
      '  cidr: 10.0.0.0/16',
      '  interfaceEndpoints: [ssm, sts',
      'api: {}',
      '',
    ].join('\n');

    expect(() => parseConfigText(text, 'config/dev.yaml')).toThrow(
      /^config\/dev\.yaml has 1 problem:\n {2}line 5, column 1: invalid YAML: /,
    );
  });

  it('rejects a key given twice, with the line of the second', () => {
    const text = ['environment: dev', 'network:', '  cidr: 10.0.0.0/16', 'environment: prod', ''].join('\n');

    expect(() => parseConfigText(text, 'config/dev.yaml')).toThrow(
      'config/dev.yaml has 1 problem:\n  line 4, column 1: invalid YAML: Map keys must be unique',
    );
  });

  it('rejects a key left without a value, saying it is empty', () => {
    expect(() => parseConfigText('environment: dev\nnetwork:\n  cidr:\n', 'config/dev.yaml')).toThrow(
      'config/dev.yaml has 1 problem:\n  network.cidr: expected a string, got an empty value',
    );
  });

  it('rejects a file that is not a mapping', () => {
    expect(() => parseConfigText('- environment: dev\n', 'config/dev.yaml')).toThrow(
      'config/dev.yaml has 1 problem:\n  expected a mapping of keys to values, got [{"environment":"dev"}]',
    );
  });

  it('rejects an empty file, naming every required key', () => {
    expect(() => parseConfigText('', 'config/dev.yaml')).toThrow(
      [
        'config/dev.yaml has 2 problems:',
        '  environment: is required: add it (one of "dev", "staging", "prod"; Which environment this file describes)',
        '  network: is required: add it (a mapping of keys to values; The shared VPC)',
      ].join('\n'),
    );
  });
});
