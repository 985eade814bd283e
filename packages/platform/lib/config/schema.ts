import { ENVIRONMENTS, PROJECT_PATTERN, SERVICE_NAME_PATTERN } from '@shared-lambda-infra/contract';
import { z } from 'zod';
import { parseCidr } from './cidr';
import { CACHE_CLUSTER_SIZES, DEFAULTS, INTERFACE_ENDPOINTS, LOG_RETENTION_DAYS } from './defaults';

// The shape of every environment file (config/<env>.yaml). Each key documents itself with
// .describe(), which flows into the generated JSON Schema (config/platform-config.schema.json) for
// editor completion. Meaning checks that span keys live in validate.ts.

const retentionDays = z
  .number()
  .refine((v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v), {
    message: `must be a CloudWatch Logs retention value: ${LOG_RETENTION_DAYS.join(', ')}`,
  })
  .meta({ enum: [...LOG_RETENTION_DAYS] });

const ipv4Cidr = z
  .string()
  .refine((v) => parseCidr(v) !== undefined, {
    message: 'must be an IPv4 CIDR block with no host bits set, e.g. 10.0.0.0/16',
  })
  // The refinement is invisible to JSON Schema; the pattern gives editors the shape at least.
  .meta({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$' });

const subnetMask = z.number().int().min(16).max(28);

const throttle = z.strictObject({
  rateLimit: z.number().positive().max(10_000).describe('Steady-state requests per second.'),
  burstLimit: z.number().int().positive().max(5_000).describe('Maximum concurrent request bucket size.'),
});

const awsArn = (service: string, example: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-zA-Z-]*:${service}:`), {
    message: `must be an ${service} ARN, e.g. ${example}`,
  });

// GitHub repository in owner/name form: no wildcards, no extra path segments.
const repository = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, {
    error: (issue) =>
      typeof issue.input === 'string' && /[*?[\]]/.test(issue.input)
        ? 'must name one repository as owner/name: no wildcards, since a wildcard would let every matching repository deploy'
        : 'must be a GitHub repository as owner/name, e.g. acme/orders-service (letters, digits, "-", "_", "."; no wildcards)',
  })
  .refine((v) => !v.endsWith('/.') && !v.endsWith('/..'), { message: 'must name a real repository' });

// A Git ref pattern the deploy roles trust (IAM StringLike on the OIDC `ref` claim).
const allowedRefs = z
  .array(
    z.string().regex(/^refs\/(heads|tags)\/[A-Za-z0-9._/*-]+$/, {
      message:
        'must be a branch or tag ref pattern starting with refs/heads/ or refs/tags/, e.g. refs/heads/main or refs/tags/v*',
    }),
  )
  .min(1, { message: 'must name at least one ref, or no job could deploy' });

const networkSchema = z
  .strictObject({
    cidr: ipv4Cidr.describe('IPv4 CIDR of the VPC, /16 to /24. CAUTION: changing it replaces the VPC.'),
    maxAzs: z
      .literal([2, 3])
      .default(DEFAULTS.network.maxAzs)
      .describe('Availability Zones to span. CAUTION: changing it replaces subnets.'),
    nat: z
      .enum(['single', 'perAz', 'regional', 'instance'])
      .default(DEFAULTS.network.nat)
      .describe(
        'Egress for private subnets: single (one shared NAT gateway, cheapest managed option), perAz (one NAT gateway per AZ, survives an AZ outage), regional (one regional NAT gateway that is active in every AZ with subnets, survives an AZ outage, needs no public subnet for itself), instance (a NAT instance, cheapest, for dev accounts). CAUTION: changing it replaces the NAT gateways and their addresses (see docs/network.md, Migration).',
      ),
    natEipAllocationIds: z
      .array(
        z.string().regex(/^eipalloc-[0-9a-f]{8,17}$/, {
          message: 'must be an Elastic IP allocation id, e.g. eipalloc-0123456789abcdef0',
        }),
      )
      .min(1)
      .optional()
      .describe(
        "Elastic IPs (allocation ids) the NAT gateways send from, for partners that allowlist the platform's addresses: one for single, one per AZ (in AZ order) for perAz and regional; not with instance. Omit to let the stack allocate them (single, perAz) or AWS provide them (regional).",
      ),
    natMaxDrainSeconds: z
      .number()
      .int()
      .min(1)
      .max(4000)
      .optional()
      .describe(
        "Seconds a NAT gateway lets connections on an address finish before releasing it when an address is removed (natEipAllocationIds changed); AWS's default is 350. Not with instance.",
      ),
    ipv6: z
      .strictObject({
        enabled: z
          .boolean()
          .default(DEFAULTS.network.ipv6.enabled)
          .describe(
            'Dual-stack VPC: an Amazon-provided IPv6 /56, a /64 in every subnet, an egress-only internet gateway for the private subnets, and service functions allowed to send over IPv6 (ipv6AllowedForDualStack). IPv6 traffic bypasses the NAT and its per-GB charge.',
          ),
        dns64: z
          .boolean()
          .default(DEFAULTS.network.ipv6.dns64)
          .describe(
            'DNS64 on the private subnets, with the NAT64 route (64:ff9b::/96) to the NAT gateway: names with IPv4 addresses only resolve to synthesized IPv6 addresses that the NAT gateway translates. Needs enabled and a NAT gateway (not instance).',
          ),
      })
      .default({ ...DEFAULTS.network.ipv6 })
      .describe('IPv6 (dual stack); off by default: an IPv4-only VPC.'),
    natInstanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'must be an EC2 instance type, e.g. t4g.nano' })
      .default(DEFAULTS.network.natInstanceType)
      .describe('Instance type of the NAT instance; used only when nat is instance.'),
    publicSubnetMask: subnetMask
      .default(DEFAULTS.network.publicSubnetMask)
      .describe('Prefix length of each public subnet.'),
    privateSubnetMask: subnetMask
      .default(DEFAULTS.network.privateSubnetMask)
      .describe('Prefix length of each private (Lambda) subnet; /20 gives 4091 usable addresses per AZ.'),
    isolatedSubnetMask: subnetMask.optional().describe('Prefix length of isolated subnets; omit for none.'),
    interfaceEndpoints: z
      .array(z.enum(INTERFACE_ENDPOINTS))
      .default([...DEFAULTS.network.interfaceEndpoints])
      .describe(
        'Interface VPC endpoints to create (each costs per AZ-hour); S3 and DynamoDB gateway endpoints are always created.',
      ),
    flowLogs: z
      .strictObject({
        enabled: z
          .boolean()
          .default(DEFAULTS.network.flowLogs.enabled)
          .describe('Send VPC flow logs to CloudWatch Logs.'),
        trafficType: z
          .enum(['ALL', 'ACCEPT', 'REJECT'])
          .default(DEFAULTS.network.flowLogs.trafficType)
          .describe('Which traffic the flow logs record: ALL, only ACCEPTed or only REJECTed connections.'),
        retentionDays: retentionDays
          .optional()
          .describe('Retention of the flow log group; defaults to observability.logRetentionDays.'),
      })
      .default({
        enabled: DEFAULTS.network.flowLogs.enabled,
        trafficType: DEFAULTS.network.flowLogs.trafficType,
      })
      .describe('VPC flow logs (to CloudWatch Logs).'),
  })
  .describe('The shared VPC.');

const storageSchema = z
  .strictObject({
    encryption: z
      .enum(['kms', 's3'])
      .default(DEFAULTS.storage.encryption)
      .describe(
        'Artifact bucket encryption: kms (a customer-managed key with rotation) or s3 (S3-managed keys, no KMS cost).',
      ),
    noncurrentVersionExpirationDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(DEFAULTS.storage.noncurrentVersionExpirationDays)
      .describe('Days before a replaced (noncurrent) artifact version is deleted.'),
    abortIncompleteMultipartUploadDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(DEFAULTS.storage.abortIncompleteMultipartUploadDays)
      .describe(
        'Days before the parts of an unfinished multipart upload are deleted (they are billed until then).',
      ),
    accessLogExpirationDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(DEFAULTS.storage.accessLogExpirationDays)
      .describe('Days the server access logs of the artifact bucket are kept.'),
  })
  .default({
    encryption: DEFAULTS.storage.encryption,
    noncurrentVersionExpirationDays: DEFAULTS.storage.noncurrentVersionExpirationDays,
    abortIncompleteMultipartUploadDays: DEFAULTS.storage.abortIncompleteMultipartUploadDays,
    accessLogExpirationDays: DEFAULTS.storage.accessLogExpirationDays,
  })
  .describe('The deployment-artifact bucket.');

// Thresholds of the alarms on one service's gateway signals (defaults in observability.serviceAlarms).
const serviceAlarmThresholdShape = {
  serverErrorRatePercent: z
    .number()
    .gt(0)
    .max(100)
    .describe(
      "5XX responses as a percentage of the service's requests, in 3 of 5 minutes, that raise an alarm.",
    ),
  latencyP99Ms: z
    .number()
    .int()
    .min(1)
    .max(29_000)
    .describe(
      "p99 latency of the service's requests in milliseconds, in 3 of 5 minutes, that raises an alarm (at most API Gateway's 29 s integration timeout).",
    ),
  throttledRequests: z
    .number()
    .int()
    .min(1)
    .describe("The service's requests throttled (429) in 5 minutes that raise an alarm."),
  authorizerDenials: z
    .number()
    .int()
    .min(1)
    .describe("The service's requests an authorizer refused (401, 403) in 5 minutes that raise an alarm."),
};
const DEFAULT_SERVICE_ALARMS = DEFAULTS.observability.serviceAlarms;
const serviceAlarmThresholds = z.strictObject({
  serverErrorRatePercent: serviceAlarmThresholdShape.serverErrorRatePercent.default(
    DEFAULT_SERVICE_ALARMS.serverErrorRatePercent,
  ),
  latencyP99Ms: serviceAlarmThresholdShape.latencyP99Ms.default(DEFAULT_SERVICE_ALARMS.latencyP99Ms),
  throttledRequests: serviceAlarmThresholdShape.throttledRequests.default(
    DEFAULT_SERVICE_ALARMS.throttledRequests,
  ),
  authorizerDenials: serviceAlarmThresholdShape.authorizerDenials.default(
    DEFAULT_SERVICE_ALARMS.authorizerDenials,
  ),
});

const observabilitySchema = z
  .strictObject({
    alarmEmails: z
      .array(z.email({ message: 'must be an email address' }))
      .default([])
      .describe('Addresses subscribed to the alarm topic.'),
    logRetentionDays: retentionDays
      .default(DEFAULTS.observability.logRetentionDays)
      .describe('Retention of every platform and service log group.'),
    logEncryption: z
      .enum(['service', 'kms'])
      .default(DEFAULTS.observability.logEncryption)
      .describe(
        "Encryption of the platform's log groups: service (CloudWatch Logs' own keys, no KMS cost) or kms (a customer-managed key per platform stack, rotated yearly).",
      ),
    natPortAllocationErrorThreshold: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.observability.natPortAllocationErrorThreshold)
      .describe('NAT gateway port allocation errors (ErrorPortAllocation) in 5 minutes that raise an alarm.'),
    natPacketsDropThreshold: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.observability.natPacketsDropThreshold)
      .describe('Packets a NAT gateway drops (PacketsDropCount) in 5 minutes that raise an alarm.'),
    serviceAlarms: serviceAlarmThresholds
      .default({ ...DEFAULTS.observability.serviceAlarms })
      .describe(
        "Default thresholds of the alarms the platform sets on each service's gateway signals (to the service's own topic); services[].alarms overrides them one by one.",
      ),
  })
  .default({
    alarmEmails: [],
    logRetentionDays: DEFAULTS.observability.logRetentionDays,
    logEncryption: DEFAULTS.observability.logEncryption,
    natPortAllocationErrorThreshold: DEFAULTS.observability.natPortAllocationErrorThreshold,
    natPacketsDropThreshold: DEFAULTS.observability.natPacketsDropThreshold,
    serviceAlarms: { ...DEFAULTS.observability.serviceAlarms },
  })
  .describe('Alarms and log retention.');

const jwtIssuer = z.strictObject({
  issuer: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. https://auth.example.com/' })
    .describe('Expected `iss` claim.'),
  audiences: z.array(z.string().min(1)).min(1).describe('Accepted `aud` (or `client_id`) values.'),
  jwksUri: z
    .url({
      protocol: /^https?$/,
      message: 'must be an http(s) URL, e.g. https://auth.example.com/.well-known/jwks.json',
    })
    .optional()
    .describe('JWKS URL; defaults to {issuer}/.well-known/jwks.json.'),
});

// A media type as API Gateway's binaryMediaTypes takes it (RFC 6838 names), or a wildcard: `*/*`,
// or `type/*`.
const MEDIA_TYPE =
  /^(\*\/\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/(\*|[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}))$/;

const apiSchema = z
  .strictObject({
    stageName: z
      .string()
      .regex(/^[a-zA-Z0-9_]{1,128}$/, { message: 'must be letters, digits and "_"' })
      .optional()
      .describe('Stage name; defaults to the environment name.'),
    throttle: throttle.default(DEFAULTS.api.throttle).describe('Default method throttling for every route.'),
    tracing: z.boolean().default(DEFAULTS.api.tracing).describe('X-Ray tracing on the stage.'),
    accessLogRetentionDays: retentionDays
      .optional()
      .describe('Access log retention; defaults to observability.logRetentionDays.'),
    cache: z
      .strictObject({
        sizeGb: z.enum(CACHE_CLUSTER_SIZES).describe('Cache cluster size in GB (billed per hour).'),
        encrypted: z.boolean().default(true).describe('Encrypt the cache at rest.'),
      })
      .optional()
      .describe(
        "Stage cache cluster; omit for none. Nothing is cached stage-wide: a route opts in with ServiceApi's `cache: { ttlSeconds }`, and the platform keys its cache on the Authorization header, path variables and query string, so one caller's response is never served to another.",
      ),
    cors: z
      .strictObject({
        allowOrigins: z
          .array(
            z.union(
              [
                z.literal('*'),
                z.url({
                  protocol: /^https?$/,
                  message: 'must be "*" or an origin URL, e.g. https://app.example.com',
                }),
              ],
              { error: 'must be "*" or an origin URL, e.g. https://app.example.com' },
            ),
          )
          .default([...DEFAULTS.api.cors.allowOrigins])
          .describe('Origins allowed to call the API from a browser ("*" for any); none turns CORS off.'),
        allowMethods: z
          .array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']))
          .default([...DEFAULTS.api.cors.allowMethods])
          .describe('HTTP methods allowed in cross-origin requests.'),
        allowHeaders: z
          .array(
            z.string().regex(/^[A-Za-z0-9-]+$/, {
              message: 'must be a header name of letters, digits and "-", e.g. X-Request-Id',
            }),
          )
          .default([...DEFAULTS.api.cors.allowHeaders])
          .describe('Request headers allowed in cross-origin requests.'),
        allowCredentials: z
          .boolean()
          .default(DEFAULTS.api.cors.allowCredentials)
          .describe('Allow cookies and Authorization headers in cross-origin requests; not with origin "*".'),
        maxAgeSeconds: z
          .number()
          .int()
          .min(0)
          .max(86400)
          .default(DEFAULTS.api.cors.maxAgeSeconds)
          .describe('Seconds a browser may cache a preflight response.'),
      })
      .default({
        allowOrigins: [...DEFAULTS.api.cors.allowOrigins],
        allowMethods: [...DEFAULTS.api.cors.allowMethods],
        allowHeaders: [...DEFAULTS.api.cors.allowHeaders],
        allowCredentials: DEFAULTS.api.cors.allowCredentials,
        maxAgeSeconds: DEFAULTS.api.cors.maxAgeSeconds,
      })
      .describe('Shared CORS policy consumers apply to their routes; no origins means CORS is off.'),
    access: z
      .discriminatedUnion('mode', [
        z.strictObject({
          mode: z.literal('open').describe('Anyone may call the API (authorizers still apply).'),
        }),
        z.strictObject({
          mode: z.literal('sourceCidrs').describe('Only callers from the listed CIDR blocks.'),
          cidrs: z.array(ipv4Cidr).min(1).describe('Source IPv4 CIDR blocks allowed to call the API.'),
        }),
        z.strictObject({
          mode: z
            .literal('vpcEndpoints')
            .describe('Only callers through the listed VPC endpoints (a private API).'),
          vpcEndpointIds: z
            .array(
              z.string().regex(/^vpce-[0-9a-f]{8,17}$/, {
                message: 'must be a VPC endpoint id, e.g. vpce-0123456789abcdef0',
              }),
            )
            .min(1)
            .describe('VPC endpoints (execute-api) allowed to call the API.'),
        }),
      ])
      .default({ mode: 'open' })
      .describe('Resource policy: open, or limited to source CIDRs or VPC endpoints.'),
    ipAddressType: z
      .enum(['ipv4', 'dualstack'])
      .optional()
      .describe(
        "Who may call the API (and its custom domain): ipv4, or dualstack (IPv4 and IPv6 clients). Private APIs (access mode vpcEndpoints) are always dualstack. Omit to keep AWS's default (ipv4 for a regional API).",
      ),
    domain: z
      .strictObject({
        name: z
          .string()
          .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
            message: 'must be a lowercase DNS name, e.g. api.example.com',
          })
          .describe('Domain name of the API, e.g. api.example.com.'),
        certificateArn: awsArn('acm', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc').describe(
          'ACM certificate for the domain, in the same region as the API.',
        ),
      })
      .optional()
      .describe('Custom domain; omit to use the execute-api URL.'),
    binaryMediaTypes: z
      .array(
        z.string().regex(MEDIA_TYPE, {
          message: 'must be a media type such as application/pdf, image/* or */*',
        }),
      )
      .default([])
      .describe(
        'Content types the API treats as binary: a request body of one reaches the handler base64-encoded, and a handler\'s base64 body (isBase64Encoded) reaches the caller decoded when the request\'s first Accept type is one; "*/*" for every type (e.g. browsers, whose Accept order you do not control).',
      ),
    wafWebAclArn: awsArn('wafv2', 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/name/id')
      .optional()
      .describe('Regional WAFv2 web ACL to associate with the stage; omit for none.'),
    authorizer: z
      .strictObject({
        issuers: z.array(jwtIssuer).min(1).describe('Trusted token issuers.'),
        resultsCacheTtlSeconds: z
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(DEFAULTS.api.authorizer.resultsCacheTtlSeconds)
          .describe('Seconds API Gateway caches an authorizer decision per token; 0 turns the cache off.'),
        identityHeader: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, {
            message: 'must be a header name of letters, digits and "-", e.g. Authorization',
          })
          .default(DEFAULTS.api.authorizer.identityHeader)
          .describe('Request header that carries the bearer token.'),
      })
      .optional()
      .describe('Shared JWT authorizer; omit to create none.'),
    cognitoUserPoolArns: z
      .array(awsArn('cognito-idp', 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'))
      .min(1)
      .optional()
      .describe('Cognito user pools of a Cognito authorizer; omit to create none.'),
    alarms: z
      .strictObject({
        serverErrorRatePercent: z
          .number()
          .positive()
          .max(100)
          .default(DEFAULTS.api.alarms.serverErrorRatePercent)
          .describe('Percentage of 5XX responses that raises an alarm.'),
        latencyP99Ms: z
          .number()
          .int()
          .positive()
          .default(DEFAULTS.api.alarms.latencyP99Ms)
          .describe('p99 latency in milliseconds that raises an alarm.'),
        throttledRequests: z
          .number()
          .int()
          .positive()
          .default(DEFAULTS.api.alarms.throttledRequests)
          .describe('Throttled (429) requests in 5 minutes that raise an alarm.'),
        authorizerErrors: z
          .number()
          .int()
          .positive()
          .default(DEFAULTS.api.alarms.authorizerErrors)
          .describe('Authorizer errors in 5 minutes that raise an alarm.'),
      })
      .default({ ...DEFAULTS.api.alarms })
      .describe('Thresholds of the API alarms.'),
    quotas: z
      .strictObject({
        resourcesPerApi: z
          .number()
          .int()
          .min(10)
          .max(100_000)
          .default(DEFAULTS.api.quotas.resourcesPerApi)
          .describe(
            "API Gateway's 'Resources per API' quota of this account (default 300, raisable): the registry is rejected when the services' base resources and the platform's own exceed it.",
          ),
        authorizersPerApi: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(DEFAULTS.api.quotas.authorizersPerApi)
          .describe("API Gateway's 'Authorizers per API' quota of this account (default 10, raisable)."),
      })
      .default({ ...DEFAULTS.api.quotas })
      .describe('API Gateway quotas the config is checked against before a deploy would hit them.'),
  })
  .default({
    throttle: { ...DEFAULTS.api.throttle },
    tracing: DEFAULTS.api.tracing,
    cors: {
      allowOrigins: [],
      allowMethods: [...DEFAULTS.api.cors.allowMethods],
      allowHeaders: [...DEFAULTS.api.cors.allowHeaders],
      allowCredentials: DEFAULTS.api.cors.allowCredentials,
      maxAgeSeconds: DEFAULTS.api.cors.maxAgeSeconds,
    },
    access: { mode: 'open' },
    binaryMediaTypes: [],
    alarms: { ...DEFAULTS.api.alarms },
    quotas: { ...DEFAULTS.api.quotas },
  })
  .describe('The shared REST API.');

const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(SERVICE_NAME_PATTERN, {
      message: 'must be 2-20 lowercase letters, digits and "-", starting with a letter',
    })
    .describe('Service name: part of its stack, role and function names.'),
  repository: repository.describe('GitHub repository (owner/name) allowed to deploy this service.'),
  repositoryOwnerId: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "GitHub's numeric owner id, for the immutable subject claim (`gh api repos/OWNER/NAME --jq .owner.id`); required in staging and prod, a warning in dev.",
    ),
  repositoryId: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "GitHub's numeric repository id, for the immutable subject claim (`gh api repos/OWNER/NAME --jq .id`); required in staging and prod, a warning in dev.",
    ),
  basePath: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: (issue) => {
        const segments = typeof issue.input === 'string' ? issue.input.split('/').filter(Boolean) : [];
        return typeof issue.input === 'string' && issue.input.includes('/')
          ? `nesting is not allowed: a base path is one segment, because each service owns a whole top-level resource of the API (and every path below it); write it without slashes, e.g. "${segments[0] ?? 'orders'}"`
          : 'must be one path segment of 1-63 lowercase letters, digits and "-", starting with a letter or digit, e.g. "orders"';
      },
    })
    .describe('The API path segment this service owns.'),
  throttle: throttle.optional().describe('Overrides api.throttle for this service.'),
  resourceBudget: z
    .number()
    .int()
    .min(1, { message: 'must be at least 1: the base path itself is one API Gateway resource' })
    .optional()
    .describe(
      "API Gateway resources (distinct paths) this service's routes may create on the shared API. Default: an even share of api.quotas.resourcesPerApi left after the platform's own resources and the other services' overrides. The receiver refuses a route table over it.",
    ),
  allowPublicRoutes: z
    .boolean()
    .optional()
    .describe(
      "Let the service declare routes with authorization 'none' (public). Defaults per environment: true in dev, false in staging and prod.",
    ),
  allowedRefs: allowedRefs
    .optional()
    .describe(
      "Git refs whose jobs may deploy this service; overrides github.allowedRefs for this service's deploy role.",
    ),
  owners: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Team or people who answer for the service (tagged); entries that are e-mail addresses are subscribed to the service's alarm topic.",
    ),
  alarmWebhook: z
    .url({ protocol: /^https$/, message: 'must be an https URL, e.g. https://hooks.example.com/alarms' })
    .optional()
    .describe(
      "A chat or incident webhook (https) subscribed to the service's alarm topic; it must confirm the SNS subscription (SubscribeURL) before it receives alarms.",
    ),
  alarms: z
    .strictObject(
      Object.fromEntries(
        Object.entries(serviceAlarmThresholdShape).map(([key, schema]) => [key, schema.optional()]),
      ) as {
        [K in keyof typeof serviceAlarmThresholdShape]: z.ZodOptional<(typeof serviceAlarmThresholdShape)[K]>;
      },
    )
    .optional()
    .describe(
      "Thresholds of the alarms on this service's gateway signals; each overrides observability.serviceAlarms.",
    ),
  expectedTraffic: z
    .strictObject({
      requestsPerMonth: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe('API requests a month the service expects.'),
      natGbPerMonth: z
        .number()
        .min(0)
        .default(0)
        .describe('GB a month its functions send and receive through the NAT gateways.'),
      responseKbPerRequest: z
        .number()
        .min(0)
        .default(0)
        .describe('Average response size in KB (data out to the internet).'),
    })
    .optional()
    .describe(
      'What the service expects to use of the shared API and network, for its share of the cost estimate (npm run cost -- --service NAME) until its gateway signals say better.',
    ),
  externalAccounts: z
    .array(
      z.string().regex(/^[0-9]{12}$/, { message: 'must be a 12-digit AWS account id, e.g. "123456789012"' }),
    )
    .optional()
    .describe(
      "Other AWS accounts this service's own resource policies (SQS queue, SNS topic and S3 bucket policies, Lambda permissions) may grant; the Guard Hook refuses any other account. Default: none, this account only.",
    ),
});

const githubSchema = z
  .strictObject({
    oidcProvider: z
      .enum(['create', 'import'])
      .default(DEFAULTS.github.oidcProvider)
      .describe('Create the GitHub OIDC provider, or import the one that already exists in this account.'),
    platformRepository: repository.describe('This platform repository, owner/name.'),
    allowedRefs: allowedRefs
      .default([...DEFAULTS.github.allowedRefs])
      .describe(
        'Git refs (OIDC ref claim, IAM StringLike patterns) whose jobs may assume the deploy roles of this environment: e.g. refs/heads/main and refs/tags/v* for prod; refs/heads/* lets any branch deploy (dev).',
      ),
    platformRepositoryOwnerId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "GitHub's numeric owner id of the platform repository, for the immutable subject claim; required in staging and prod, a warning in dev.",
      ),
    platformRepositoryId: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "GitHub's numeric id of the platform repository, for the immutable subject claim; required in staging and prod, a warning in dev.",
      ),
  })
  .optional()
  .describe('GitHub Actions access (OIDC); omit to create no GitHub roles.');

// The account's adjustable AWS quotas, as raised through Service Quotas: lib/limits/catalogue.ts
// measures the platform against them before a deploy and `npm run doctor` compares them with the
// account's applied values. Each maximum is the highest value AWS grants, where it publishes one.
const quota = (key: keyof typeof DEFAULTS.quotas, min: number, max: number, what: string) =>
  z.number().int().min(min).max(max).default(DEFAULTS.quotas[key]).describe(what);

const quotasSchema = z
  .strictObject({
    rolesPerAccount: quota(
      'rolesPerAccount',
      1,
      5000,
      "IAM 'Roles per account' (L-FE177D64, default 1,000, at most 5,000): every environment config that names the same account adds up against it.",
    ),
    customerManagedPoliciesPerAccount: quota(
      'customerManagedPoliciesPerAccount',
      1,
      5000,
      "IAM 'Customer managed policies per account' (L-E95E4862, default 1,500, at most 5,000), summed over the account's environments.",
    ),
    managedPoliciesPerRole: quota(
      'managedPoliciesPerRole',
      1,
      20,
      "IAM 'Managed policies per role' (L-0DA4ABF3, default 10, at most 20).",
    ),
    roleTrustPolicyLength: quota(
      'roleTrustPolicyLength',
      1,
      4096,
      "IAM 'Role trust policy length' in characters (L-C07B4B0D, default 2,048, at most 4,096).",
    ),
    lambdaConcurrentExecutions: quota(
      'lambdaConcurrentExecutions',
      10,
      1_000_000,
      "Lambda 'Concurrent executions' of the account and region (L-B99A9384, default 1,000); the concurrency alarm measures against the applied value.",
    ),
    lambdaEnisPerVpc: quota(
      'lambdaEnisPerVpc',
      1,
      100_000,
      "Lambda 'Elastic network interfaces per VPC' (L-9FEE3D26, default 500): Hyperplane ENIs, one per subnet and security-group set.",
    ),
    apiThrottleRate: quota(
      'apiThrottleRate',
      1,
      1_000_000,
      "API Gateway 'Throttle rate' of the account and region in requests per second (L-8A5B8E43, default 10,000), shared by every service's throttle in every environment of the account.",
    ),
    stacksPerAccount: quota(
      'stacksPerAccount',
      1,
      100_000,
      "CloudFormation 'Stack count' of the account and region (L-0485CB21, default 2,000).",
    ),
  })
  .default({ ...DEFAULTS.quotas })
  .describe(
    "The account's adjustable AWS quotas (as raised through Service Quotas): `npm run limits` and `npm run synth` measure the platform against them, `npm run doctor` compares them with the account's applied values.",
  );

/** The schema of one environment file. */
export const platformConfigSchema = z.strictObject({
  project: z
    .string()
    .regex(PROJECT_PATTERN, {
      message: 'must be 2-20 lowercase letters, digits and "-", starting with a letter',
    })
    .default(DEFAULTS.project)
    .describe('Project name: first part of every physical name and parameter path.'),
  environment: z.enum(ENVIRONMENTS).describe('Which environment this file describes.'),
  account: z
    .string()
    .regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' })
    .optional()
    .describe('AWS account; omit to synthesize environment-agnostic templates.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { message: 'must be an AWS region, e.g. eu-west-1' })
    .optional()
    .describe('AWS region; omit to synthesize environment-agnostic templates.'),
  owner: z
    .string()
    .regex(/^[\w .:/=+@-]{1,256}$/, {
      message: 'must be a tag value: 1-256 letters, digits, spaces and _.:/=+@-',
    })
    .default(DEFAULTS.owner)
    .describe('Team that owns the platform (the owner tag on every resource).'),
  terminationProtection: z
    .boolean()
    .default(DEFAULTS.terminationProtection)
    .describe('Termination protection on every stack.'),
  removalPolicy: z
    .enum(['retain', 'destroy'])
    .default(DEFAULTS.removalPolicy)
    .describe('What happens to data (buckets, log groups, keys) when a stack is deleted.'),
  network: networkSchema,
  storage: storageSchema,
  observability: observabilitySchema,
  api: apiSchema,
  services: z
    .array(serviceSchema)
    .default([])
    .describe('Service registry: one entry onboards one Lambda repository.'),
  github: githubSchema,
  quotas: quotasSchema,
});

/** A parsed, defaulted environment config. */
export type PlatformConfig = z.output<typeof platformConfigSchema>;
/** One entry of the service registry. */
export type ServiceConfig = PlatformConfig['services'][number];
/** What a user may write in an environment file. */
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
