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

const ipv4Cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: 'must be an IPv4 CIDR block with no host bits set, e.g. 10.0.0.0/16',
});

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
    message: 'must be a GitHub repository as owner/name (letters, digits, "-", "_", "."; no wildcards)',
  })
  .refine((v) => !v.endsWith('/.') && !v.endsWith('/..'), { message: 'must name a real repository' });

const networkSchema = z
  .strictObject({
    cidr: ipv4Cidr.describe('IPv4 CIDR of the VPC, /16 to /24. CAUTION: changing it replaces the VPC.'),
    maxAzs: z
      .literal([2, 3])
      .default(DEFAULTS.network.maxAzs)
      .describe('Availability Zones to span. CAUTION: changing it replaces subnets.'),
    nat: z
      .enum(['single', 'perAz', 'instance'])
      .default(DEFAULTS.network.nat)
      .describe(
        'Egress for private subnets: single (one shared NAT gateway, cheapest managed option), perAz (one NAT gateway per AZ, survives an AZ outage), instance (a NAT instance, cheapest, for dev accounts).',
      ),
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
        trafficType: z.enum(['ALL', 'ACCEPT', 'REJECT']).default(DEFAULTS.network.flowLogs.trafficType),
        retentionDays: retentionDays
          .optional()
          .describe('Retention of the flow log group; defaults to observability.logRetentionDays.'),
      })
      .default({
        enabled: DEFAULTS.network.flowLogs.enabled,
        trafficType: DEFAULTS.network.flowLogs.trafficType,
      }),
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
      .default(DEFAULTS.storage.noncurrentVersionExpirationDays),
    abortIncompleteMultipartUploadDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(DEFAULTS.storage.abortIncompleteMultipartUploadDays),
    accessLogExpirationDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(DEFAULTS.storage.accessLogExpirationDays),
  })
  .default({
    encryption: DEFAULTS.storage.encryption,
    noncurrentVersionExpirationDays: DEFAULTS.storage.noncurrentVersionExpirationDays,
    abortIncompleteMultipartUploadDays: DEFAULTS.storage.abortIncompleteMultipartUploadDays,
    accessLogExpirationDays: DEFAULTS.storage.accessLogExpirationDays,
  })
  .describe('The deployment-artifact bucket.');

const observabilitySchema = z
  .strictObject({
    alarmEmails: z
      .array(z.email({ message: 'must be an email address' }))
      .default([])
      .describe('Addresses subscribed to the alarm topic.'),
    logRetentionDays: retentionDays
      .default(DEFAULTS.observability.logRetentionDays)
      .describe('Retention of every platform and service log group.'),
    natPortAllocationErrorThreshold: z
      .number()
      .int()
      .min(1)
      .default(DEFAULTS.observability.natPortAllocationErrorThreshold),
    natPacketsDropThreshold: z.number().int().min(1).default(DEFAULTS.observability.natPacketsDropThreshold),
  })
  .default({
    alarmEmails: [],
    logRetentionDays: DEFAULTS.observability.logRetentionDays,
    natPortAllocationErrorThreshold: DEFAULTS.observability.natPortAllocationErrorThreshold,
    natPacketsDropThreshold: DEFAULTS.observability.natPacketsDropThreshold,
  });

const jwtIssuer = z.strictObject({
  issuer: z.url({ protocol: /^https?$/, message: 'must be an https URL' }).describe('Expected `iss` claim.'),
  audiences: z.array(z.string().min(1)).min(1).describe('Accepted `aud` (or `client_id`) values.'),
  jwksUri: z
    .url({ protocol: /^https?$/, message: 'must be an https URL' })
    .optional()
    .describe('JWKS URL; defaults to {issuer}/.well-known/jwks.json.'),
});

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
        ttlSeconds: z.number().int().min(0).max(3600).default(DEFAULTS.api.cacheTtlSeconds),
        encrypted: z.boolean().default(true),
      })
      .optional()
      .describe('Stage cache cluster; omit for none.'),
    cors: z
      .strictObject({
        allowOrigins: z
          .array(
            z.union([
              z.literal('*'),
              z.url({ protocol: /^https?$/, message: 'must be an origin URL, e.g. https://app.example.com' }),
            ]),
          )
          .default([...DEFAULTS.api.cors.allowOrigins]),
        allowMethods: z
          .array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']))
          .default([...DEFAULTS.api.cors.allowMethods]),
        allowHeaders: z
          .array(z.string().regex(/^[A-Za-z0-9-]+$/))
          .default([...DEFAULTS.api.cors.allowHeaders]),
        allowCredentials: z.boolean().default(DEFAULTS.api.cors.allowCredentials),
        maxAgeSeconds: z.number().int().min(0).max(86400).default(DEFAULTS.api.cors.maxAgeSeconds),
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
        z.strictObject({ mode: z.literal('open') }),
        z.strictObject({ mode: z.literal('sourceCidrs'), cidrs: z.array(ipv4Cidr).min(1) }),
        z.strictObject({
          mode: z.literal('vpcEndpoints'),
          vpcEndpointIds: z
            .array(
              z.string().regex(/^vpce-[0-9a-f]{8,17}$/, {
                message: 'must be a VPC endpoint id, e.g. vpce-0123456789abcdef0',
              }),
            )
            .min(1),
        }),
      ])
      .default({ mode: 'open' })
      .describe('Resource policy: open, or limited to source CIDRs or VPC endpoints.'),
    domain: z
      .strictObject({
        name: z.string().regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
          message: 'must be a lowercase DNS name, e.g. api.example.com',
        }),
        certificateArn: awsArn('acm', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'),
      })
      .optional()
      .describe('Custom domain; omit to use the execute-api URL.'),
    wafWebAclArn: awsArn('wafv2', 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/name/id').optional(),
    authorizer: z
      .strictObject({
        issuers: z.array(jwtIssuer).min(1).describe('Trusted token issuers.'),
        resultsCacheTtlSeconds: z
          .number()
          .int()
          .min(0)
          .max(3600)
          .default(DEFAULTS.api.authorizer.resultsCacheTtlSeconds),
        identityHeader: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .default(DEFAULTS.api.authorizer.identityHeader),
      })
      .optional()
      .describe('Shared JWT authorizer; omit to create none.'),
    cognitoUserPoolArns: z
      .array(awsArn('cognito-idp', 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc'))
      .min(1)
      .optional(),
    alarms: z
      .strictObject({
        serverErrorRatePercent: z
          .number()
          .positive()
          .max(100)
          .default(DEFAULTS.api.alarms.serverErrorRatePercent),
        latencyP99Ms: z.number().int().positive().default(DEFAULTS.api.alarms.latencyP99Ms),
        throttledRequests: z.number().int().positive().default(DEFAULTS.api.alarms.throttledRequests),
        authorizerErrors: z.number().int().positive().default(DEFAULTS.api.alarms.authorizerErrors),
      })
      .default({ ...DEFAULTS.api.alarms }),
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
    alarms: { ...DEFAULTS.api.alarms },
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
    .describe("GitHub's numeric owner id, for the immutable subject claim."),
  repositoryId: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("GitHub's numeric repository id, for the immutable subject claim."),
  basePath: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      message: 'must be one path segment of lowercase letters, digits and "-", with no slashes',
    })
    .describe('The API path segment this service owns.'),
  throttle: throttle.optional().describe('Overrides api.throttle for this service.'),
  owners: z
    .array(z.string().min(1))
    .optional()
    .describe('Team or people who answer for the service (tagged).'),
});

const githubSchema = z
  .strictObject({
    oidcProvider: z
      .enum(['create', 'import'])
      .default(DEFAULTS.github.oidcProvider)
      .describe('Create the GitHub OIDC provider, or import the one that already exists in this account.'),
    platformRepository: repository.describe('This platform repository, owner/name.'),
    platformRepositoryOwnerId: z.number().int().positive().optional(),
    platformRepositoryId: z.number().int().positive().optional(),
  })
  .optional()
  .describe('GitHub Actions access (OIDC); omit to create no GitHub roles.');

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
    .regex(/^[\w .:/=+@-]{1,256}$/, { message: 'must be a valid tag value' })
    .default(DEFAULTS.owner),
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
});

/** A parsed, defaulted environment config. */
export type PlatformConfig = z.output<typeof platformConfigSchema>;
/** One entry of the service registry. */
export type ServiceConfig = PlatformConfig['services'][number];
/** What a user may write in an environment file. */
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
