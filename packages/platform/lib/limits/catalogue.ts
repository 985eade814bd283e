import type { DeclaredRoute, ServiceRegistration } from '@shared-lambda-infra/contract';
import type { PlatformSettings } from '../../functions/routes/interface';
import { composeApi, type ServiceRoutes } from '../../functions/routes/openapi';
import { PLATFORM_API_RESOURCES } from '../config/defaults';
import type { PlatformConfig } from '../config/schema';
import { resourceBudget } from '../registry';
import {
  type Contributor,
  functionPolicies,
  functionPolicyLength,
  type LimitContext,
  type MeasuredEnvironment,
  managedPolicies,
  permissionStatement,
  pseudoOf,
  resourcesOf,
  roles,
} from './measure';

/**
 * The catalogue of every AWS limit the platform depends on: one entry per limit, with AWS's own
 * quota name and code (Service Quotas) where one exists, its default and source, whether it can be
 * raised and the config key that says it was, and a usage function from the synthesized templates
 * plus config. `npm run limits`, `npm run synth`, config validation, docs/limits.md and
 * `npm run doctor` all read this one list.
 */

/** How a registry grows into a limit: the usage each added service or route adds. */
export interface Growth {
  /** What is added. */
  readonly unit: 'services' | 'routes';
  /** How many there are now. */
  readonly current: number;
  /** Usage each one adds. */
  readonly perUnit: number;
}

/** One measured usage of a limit: a policy, a role, a VPC, an account. */
export interface Usage {
  /** What was measured, e.g. `shared-lambda-infra-dev-iam/PermissionsBoundary2D0B48CC`. */
  readonly subject: string;
  /** The usage. */
  readonly used: number;
  /** The limit it is measured against (the config's quota where adjustable). */
  readonly limit: number;
  /** The largest parts of the usage, largest first. */
  readonly contributors: readonly Contributor[];
  /** How it grows with the registry, for the size at which it runs out. @default - it does not */
  readonly growth?: Growth;
  /** The usage with project and service names at the longest the naming rules allow. @default - not name-dependent */
  readonly atLongestNames?: number;
  /** How the usage was arrived at, when it is an estimate. @default - measured from the templates */
  readonly estimate?: string;
}

/** One limit of the catalogue. */
export interface LimitDefinition {
  /** Stable id, e.g. `iam-managed-policy-size`. */
  readonly id: string;
  /** What a person calls it. */
  readonly title: string;
  /** AWS service. */
  readonly service: string;
  /** The quota's name in Service Quotas or in AWS's quota tables. */
  readonly quotaName: string;
  /** Service Quotas service code, where the quota is in Service Quotas. @default - not in Service Quotas */
  readonly serviceCode?: string;
  /** Service Quotas quota code (`L-…`). @default - not in Service Quotas */
  readonly quotaCode?: string;
  /** AWS's default. */
  readonly defaultValue: number;
  /** Unit of the value. */
  readonly unit: string;
  /** Whether AWS raises it on request. */
  readonly adjustable: boolean;
  /** The config key that holds the account's value, where adjustable. @default - not adjustable */
  readonly configKey?: string;
  /** What the limit applies to. */
  readonly scope: 'policy' | 'role' | 'function' | 'api' | 'vpc' | 'subnet' | 'nat gateway' | 'account';
  /** AWS's page that documents it. */
  readonly source: string;
  /** How it is checked before deploy. */
  readonly checked: string;
  /** How it is watched after deploy. */
  readonly watched: string;
  /** What to do when it is reached. */
  readonly fix: string;
  /** The usages it measures. */
  usage(context: LimitContext): Usage[];
}

/** The longest project and service names the naming rules allow (PROJECT_PATTERN, SERVICE_NAME_PATTERN). */
export const LONGEST_NAME = { project: 20, service: 20 } as const;

/** Lambda keeps this much of the account's concurrency unreserved. */
const UNRESERVED_MINIMUM = 100;
/**
 * The API definition limit, taken as 6,000,000 bytes: AWS writes "6 MB" and a decimal megabyte is
 * the smaller reading.
 */
const API_DEFINITION_BYTES = 6_000_000;
/** Lambda function resource-based policy: 20 KB. */
const FUNCTION_POLICY_BYTES = 20_480;

const IAM_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const APIGW_QUOTAS = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const CFN_QUOTAS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html';

/** The services a per-service stack belongs to, by stack name (`{project}-{env}-access-{service}`). */
function serviceOfStack(config: PlatformConfig, stackName: string): string | undefined {
  return config.services.find((s) => stackName.endsWith(`-access-${s.name}`))?.name;
}

function occurrences(text: string, word: string): number {
  if (word.length === 0) return 0;
  let n = 0;
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length)) n++;
  return n;
}

/**
 * The length of a resolved document with project and service names at their longest: each
 * occurrence of the names grows by what the naming rules still allow. A base path equal to the
 * service name counts as the name too, so the figure errs high.
 */
export function atLongestNames(
  config: PlatformConfig,
  stackName: string,
  document: unknown,
  length: number,
): number {
  const text = JSON.stringify(document);
  const service = serviceOfStack(config, stackName);
  const project = occurrences(text, config.project) * (LONGEST_NAME.project - config.project.length);
  const own = service
    ? occurrences(text.split(config.project).join(''), service) * (LONGEST_NAME.service - service.length)
    : 0;
  return length + project + own;
}

function accountSum(
  context: LimitContext,
  count: (env: MeasuredEnvironment) => number,
): { used: number; contributors: Contributor[] } {
  const contributors = context.account.map((env) => ({ name: env.config.environment, size: count(env) }));
  return {
    used: contributors.reduce((n, c) => n + c.size, 0),
    contributors: contributors.sort((a, b) => b.size - a.size),
  };
}

function accountSubject(context: LimitContext): string {
  return context.config.account
    ? `account ${context.config.account} (${context.account.map((e) => e.config.environment).join(', ')})`
    : `the account of ${context.config.environment} (no account in config: counted alone)`;
}

/** Per added service: what one access stack holds, else `fallback`. */
function perService(
  env: MeasuredEnvironment,
  count: (resources: Record<string, { Type: string }>) => number,
  fallback: number,
): number {
  const access = env.stacks.find((s) => serviceOfStack(env.config, s.stackName));
  return access ? count(access.template.Resources ?? {}) : fallback;
}

function countType(type: string | readonly string[]) {
  const types = typeof type === 'string' ? [type] : type;
  return (resources: Record<string, { Type: string }>) =>
    Object.values(resources).filter((r) => types.includes(r.Type)).length;
}

function countIn(env: MeasuredEnvironment, type: string | readonly string[]): number {
  return env.stacks.reduce((n, s) => n + countType(type)(s.template.Resources ?? {}), 0);
}

/** An API's function ARN with the longest function name Lambda allows. */
function longestFunctionArn(env: MeasuredEnvironment): string {
  const { partition, region, account } = pseudoOf(env);
  return `arn:${partition}:lambda:${region}:${account}:function:${'f'.repeat(64)}`;
}

/** A route path under a base path, with two further segments of 20 characters. */
function samplePath(basePath: string, i: number): string {
  return `/${basePath}/{id}/${`r${i}`.padEnd(20, 'x')}`;
}

/** The composed PutRestApi body of the registry with `routesPerService` routes each, in bytes. */
export function composedApiBytes(env: MeasuredEnvironment, routesPerService: number): number {
  const { config } = env;
  const pseudo = pseudoOf(env);
  const settings: PlatformSettings = {
    version: 1,
    restApiId: 'abcdefghij',
    stageName: config.api.stageName ?? config.environment,
    region: pseudo.region,
    account: pseudo.account,
    apiName: `${config.project}-${config.environment}-api`,
    cors: config.api.cors.allowOrigins.length > 0 ? config.api.cors : undefined,
    jwtAuthorizer: config.api.authorizer
      ? {
          functionArn: longestFunctionArn(env),
          identityHeader: config.api.authorizer.identityHeader,
          resultsCacheTtlSeconds: config.api.authorizer.resultsCacheTtlSeconds,
        }
      : undefined,
    routes: [
      {
        method: 'GET',
        path: '/health',
        authorization: 'none',
        integration: { type: 'mock', statusCode: 200, body: '{"status":"ok"}' },
      },
    ],
    binaryMediaTypes: config.api.binaryMediaTypes,
    throttle: config.api.throttle,
  };
  const services: ServiceRoutes[] = config.services.map((s) => {
    const registration: ServiceRegistration = {
      service: s.name,
      basePath: s.basePath,
      throttle: s.throttle ?? config.api.throttle,
      allowedAuthorizations: ['jwt', 'iam', 'none'],
      cachingAllowed: false,
      resourceBudget: resourceBudget(config, s),
    };
    const routes: DeclaredRoute[] = Array.from({ length: routesPerService }, (_, i) => ({
      method: 'GET',
      path: samplePath(s.basePath, i),
      functionArn: longestFunctionArn(env),
      authorization: config.api.authorizer ? 'jwt' : 'iam',
    }));
    return { registration, routes };
  });
  return Buffer.byteLength(JSON.stringify(composeApi(settings, services).body));
}

/** The statement one route adds to its function's resource policy, with the longest names. */
export function routePermissionLength(env: MeasuredEnvironment): number {
  const { config } = env;
  const { partition, region, account } = pseudoOf(env);
  const stage = config.api.stageName ?? config.environment;
  // CloudFormation names the statement after the stack and logical id of the permission:
  // `{project}-{env}-{service}-api-{logicalId}-{suffix}`, with 20-character names.
  const sid = `${'p'.repeat(LONGEST_NAME.project)}-${config.environment}-${'s'.repeat(LONGEST_NAME.service)}-api-${'L'.repeat(60)}-ABCDEFGHIJKLM`;
  const statement = permissionStatement(sid, {
    principal: 'apigateway.amazonaws.com',
    functionArn: longestFunctionArn(env),
    sourceArn: `arn:${partition}:execute-api:${region}:${account}:abcdefghij/${stage}/DELETE${samplePath('b'.repeat(63), 0).replace('{id}', '*')}`,
  });
  return functionPolicyLength([statement, statement]) - functionPolicyLength([statement]);
}

/** Every limit, in the order `npm run limits` prints them. */
export const LIMITS: readonly LimitDefinition[] = [
  {
    id: 'iam-managed-policy-size',
    title: 'IAM managed policy size',
    service: 'IAM',
    quotaName: 'Managed policy length',
    defaultValue: 6144,
    unit: 'characters',
    adjustable: false,
    scope: 'policy',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entity-length`,
    checked:
      'every AWS::IAM::ManagedPolicy resolved as CloudFormation would (longest region, no whitespace); config validation with the longest policy of each project and service name',
    watched: 'CreateStack fails; nothing to watch after deploy',
    fix: 'split the policy into two managed policies, or merge statements that differ only in actions or resources',
    usage: (c) =>
      managedPolicies(c).map((p) => ({
        subject: p.subject,
        used: p.length,
        limit: 6144,
        contributors: p.statements,
        atLongestNames: atLongestNames(c.config, p.stackName, p.document, p.length),
      })),
  },
  {
    id: 'iam-role-inline-policy-size',
    title: 'IAM inline policies of a role (aggregate)',
    service: 'IAM',
    quotaName: 'Role policy size (all inline policies of a role)',
    defaultValue: 10_240,
    unit: 'characters',
    adjustable: false,
    scope: 'role',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entity-length`,
    checked: "each role's Policies and the AWS::IAM::Policy resources that name it, resolved, summed",
    watched: 'CreateStack fails; nothing to watch after deploy',
    fix: 'move statements into customer managed policies (6,144 characters each)',
    usage: (c) =>
      roles(c)
        .filter((r) => r.inline.length > 0)
        .map((r) => ({
          subject: r.subject,
          used: r.inline.reduce((n, p) => n + p.size, 0),
          limit: 10_240,
          contributors: r.inline,
        })),
  },
  {
    id: 'iam-role-trust-policy-length',
    title: 'IAM role trust policy length',
    service: 'IAM',
    quotaName: 'Role trust policy length',
    serviceCode: 'iam',
    quotaCode: 'L-C07B4B0D',
    defaultValue: 2048,
    unit: 'characters',
    adjustable: true,
    configKey: 'quotas.roleTrustPolicyLength',
    scope: 'role',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entities`,
    checked: "each role's AssumeRolePolicyDocument, resolved",
    watched: 'CreateStack fails; `npm run doctor` compares the applied quota with the config',
    fix: 'ask AWS to raise "Role trust policy length" (at most 4,096) and set quotas.roleTrustPolicyLength, or trust fewer principals or refs',
    usage: (c) =>
      roles(c).map((r) => ({
        subject: r.subject,
        used: r.trustLength,
        limit: c.config.quotas.roleTrustPolicyLength,
        contributors: [],
      })),
  },
  {
    id: 'iam-managed-policies-per-role',
    title: 'IAM managed policies per role',
    service: 'IAM',
    quotaName: 'Managed policies per role',
    serviceCode: 'iam',
    quotaCode: 'L-0DA4ABF3',
    defaultValue: 10,
    unit: 'policies',
    adjustable: true,
    configKey: 'quotas.managedPoliciesPerRole',
    scope: 'role',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entities`,
    checked: "each role's ManagedPolicyArns and the managed policies that name it",
    watched: 'CreateStack fails; `npm run doctor` compares the applied quota with the config',
    fix: 'ask AWS to raise "Managed policies per role" (at most 20) and set quotas.managedPoliciesPerRole, or merge policies',
    usage: (c) =>
      roles(c).map((r) => ({
        subject: r.subject,
        used: r.managed.length,
        limit: c.config.quotas.managedPoliciesPerRole,
        contributors: r.managed.map((m) => ({ name: m, size: 1 })),
      })),
  },
  {
    id: 'lambda-function-policy-size',
    title: 'Lambda function resource-based policy',
    service: 'Lambda',
    quotaName: 'Function resource-based policy',
    defaultValue: FUNCTION_POLICY_BYTES,
    unit: 'bytes',
    adjustable: false,
    scope: 'function',
    source: LAMBDA_QUOTAS,
    checked:
      "the platform functions' AWS::Lambda::Permission statements; for service functions, the routes one function can serve (one statement per route, longest names)",
    watched: 'AddPermission fails at deploy; nothing to watch after deploy',
    fix: 'split the routes of a function across functions, or route a whole path with one ANY {proxy+} route',
    usage: (c) => {
      const platform = functionPolicies(c).map((f) => ({
        subject: f.subject,
        used: f.length,
        limit: FUNCTION_POLICY_BYTES,
        contributors: f.statements,
      }));
      const perRoute = routePermissionLength(c);
      const base = functionPolicyLength([]);
      return [
        ...platform,
        {
          subject: 'a service function with one route',
          used: base + perRoute,
          limit: FUNCTION_POLICY_BYTES,
          contributors: [{ name: 'one route statement', size: perRoute }],
          growth: { unit: 'routes', current: 1, perUnit: perRoute },
          estimate: 'one execute-api permission per route, with 20-character project and service names',
        },
      ];
    },
  },
  {
    id: 'apigateway-definition-size',
    title: 'API definition body (PutRestApi)',
    service: 'API Gateway',
    quotaName: 'API definition file size (import and PutRestApi)',
    defaultValue: API_DEFINITION_BYTES,
    unit: 'bytes',
    adjustable: false,
    scope: 'api',
    source: 'https://docs.aws.amazon.com/apigateway/latest/api/API_PutRestApi.html',
    checked:
      'the real composer (functions/routes/openapi.ts) over the registry with one route per service, longest function names',
    watched: 'the reconciler fails the apply and its ReconcileFailures alarm fires',
    fix: 'fewer or shorter routes: a service with many routes can serve them through one {proxy+} route',
    usage: (c) => {
      const one = composedApiBytes(c, 1);
      const services = Math.max(1, c.config.services.length);
      const perRoute = Math.ceil((composedApiBytes(c, 2) - one) / services);
      return [
        {
          subject: `${c.config.project}-${c.config.environment} shared REST API`,
          used: one,
          limit: API_DEFINITION_BYTES,
          contributors: [],
          growth: { unit: 'routes', current: c.config.services.length, perUnit: perRoute },
          estimate: 'one GET route of 3 segments per service',
        },
      ];
    },
  },
  {
    id: 'apigateway-account-throttle',
    title: 'API Gateway account throttle rate',
    service: 'API Gateway',
    quotaName: 'Throttle rate',
    serviceCode: 'apigateway',
    quotaCode: 'L-8A5B8E43',
    defaultValue: 10_000,
    unit: 'requests per second',
    adjustable: true,
    configKey: 'quotas.apiThrottleRate',
    scope: 'account',
    source: APIGW_QUOTAS,
    checked:
      "the sum of every service's rateLimit (its own, else api.throttle) over the account's environments",
    watched: 'the API stack alarms on 429s (api.alarms.throttledRequests)',
    fix: 'ask AWS to raise "Throttle rate" and set quotas.apiThrottleRate, or lower services[].throttle.rateLimit',
    usage: (c) => {
      const rate = (env: MeasuredEnvironment) =>
        env.config.services.reduce((n, s) => n + (s.throttle ?? env.config.api.throttle).rateLimit, 0);
      const { used, contributors } = accountSum(c, rate);
      const services = c.account.flatMap((env) =>
        env.config.services.map((s) => ({
          name: `${env.config.environment}/${s.name}`,
          size: (s.throttle ?? env.config.api.throttle).rateLimit,
        })),
      );
      return [
        {
          subject: accountSubject(c),
          used,
          limit: c.config.quotas.apiThrottleRate,
          contributors: services.length > 0 ? services.sort((a, b) => b.size - a.size) : contributors,
          growth: {
            unit: 'services',
            current: c.config.services.length,
            perUnit: c.config.api.throttle.rateLimit,
          },
        },
      ];
    },
  },
  {
    id: 'apigateway-resources-per-api',
    title: 'API Gateway resources per API',
    service: 'API Gateway',
    quotaName: 'Resources per API',
    serviceCode: 'apigateway',
    quotaCode: 'L-01C8A9E0',
    defaultValue: 300,
    unit: 'resources',
    adjustable: true,
    configKey: 'api.quotas.resourcesPerApi',
    scope: 'api',
    source: APIGW_QUOTAS,
    checked:
      "the platform's resources and one base resource per service (config validation); the reconciler counts every route's",
    watched: 'the reconciler refuses an apply past the quota',
    fix: 'ask AWS to raise "Resources per API" and set api.quotas.resourcesPerApi',
    usage: (c) => [
      {
        subject: `${c.config.project}-${c.config.environment} shared REST API`,
        used: PLATFORM_API_RESOURCES.length + c.config.services.length,
        limit: c.config.api.quotas.resourcesPerApi,
        contributors: [
          { name: 'services (base resources)', size: c.config.services.length },
          { name: 'platform', size: PLATFORM_API_RESOURCES.length },
        ],
        growth: { unit: 'services', current: c.config.services.length, perUnit: 1 },
        estimate: 'base resources only; each route may add more below its base path',
      },
    ],
  },
  {
    id: 'lambda-enis-per-vpc',
    title: 'Lambda Hyperplane ENIs per VPC',
    service: 'Lambda',
    quotaName: 'Elastic network interfaces per VPC',
    serviceCode: 'lambda',
    quotaCode: 'L-9FEE3D26',
    defaultValue: 500,
    unit: 'network interfaces',
    adjustable: true,
    configKey: 'quotas.lambdaEnisPerVpc',
    scope: 'vpc',
    source: LAMBDA_QUOTAS,
    checked:
      'estimate (docs/network.md): one Hyperplane ENI per private subnet for the platform security group, plus one per subnet for each service with a security group of its own',
    watched: "the limits function publishes the VPC's ENIs, alarm at 80%",
    fix: 'ask AWS to raise "Elastic network interfaces per VPC" and set quotas.lambdaEnisPerVpc, or let services share security groups',
    usage: (c) => {
      const azs = c.config.network.maxAzs;
      const services = c.config.services.length;
      return [
        {
          subject: `${c.config.project}-${c.config.environment} VPC`,
          used: azs * (1 + services),
          limit: c.config.quotas.lambdaEnisPerVpc,
          contributors: [
            { name: 'services with their own security group', size: azs * services },
            { name: 'platform Lambda security group', size: azs },
          ],
          growth: { unit: 'services', current: services, perUnit: azs },
          estimate: 'every service assumed to add a security group of its own, in every AZ',
        },
      ];
    },
  },
  {
    id: 'subnet-free-addresses',
    title: 'Free IP addresses of a private subnet',
    service: 'VPC',
    quotaName: 'Usable addresses of a subnet (2^(32-mask) - 5)',
    defaultValue: 4091,
    unit: 'addresses',
    adjustable: false,
    scope: 'subnet',
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html',
    checked: 'estimate: Hyperplane ENIs (as above) and the interface endpoints, per private subnet',
    watched: 'the limits function publishes free addresses per subnet, alarm below 20%',
    fix: 'a larger network.privateSubnetMask (CAUTION: replaces the subnets)',
    usage: (c) => {
      const usable = 2 ** (32 - c.config.network.privateSubnetMask) - 5;
      const services = c.config.services.length;
      const endpoints = c.config.network.interfaceEndpoints.length;
      return [
        {
          subject: `each private /${c.config.network.privateSubnetMask} subnet of ${c.config.project}-${c.config.environment}`,
          used: 1 + services + endpoints,
          limit: usable,
          contributors: [
            { name: 'service security groups', size: services },
            { name: 'interface endpoints', size: endpoints },
            { name: 'platform Lambda security group', size: 1 },
          ],
          growth: { unit: 'services', current: services, perUnit: 1 },
          estimate: 'one address per Hyperplane ENI and per interface endpoint',
        },
      ];
    },
  },
  {
    id: 'nat-gateway-connections',
    title: 'NAT gateway connections per destination',
    service: 'VPC',
    quotaName: 'Simultaneous connections to a single destination per NAT gateway',
    defaultValue: 55_000,
    unit: 'connections',
    adjustable: false,
    scope: 'nat gateway',
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html',
    checked:
      'estimate: one connection per concurrent execution, all to one destination, spread over the NAT gateways',
    watched: 'ErrorPortAllocation alarm per NAT gateway (observability stack)',
    fix: 'nat: perAz, more destinations (endpoints for AWS APIs), or connection reuse (keep-alive) in the functions',
    usage: (c) => {
      if (c.config.network.nat === 'instance') return [];
      const gateways = c.config.network.nat === 'perAz' ? c.config.network.maxAzs : 1;
      return [
        {
          subject: `each NAT gateway of ${c.config.project}-${c.config.environment}`,
          used: Math.ceil(c.config.quotas.lambdaConcurrentExecutions / gateways),
          limit: 55_000,
          contributors: [],
          estimate: `quotas.lambdaConcurrentExecutions over ${gateways} NAT gateway(s), one connection each`,
        },
      ];
    },
  },
  {
    id: 'lambda-concurrency',
    title: 'Lambda concurrent executions',
    service: 'Lambda',
    quotaName: 'Concurrent executions',
    serviceCode: 'lambda',
    quotaCode: 'L-B99A9384',
    defaultValue: 1000,
    unit: 'concurrent executions',
    adjustable: true,
    configKey: 'quotas.lambdaConcurrentExecutions',
    scope: 'account',
    source: LAMBDA_QUOTAS,
    checked: `reserved concurrency of every platform function over the account's environments, against the quota less the ${UNRESERVED_MINIMUM} Lambda keeps unreserved`,
    watched: 'alarm on AWS/Lambda ConcurrentExecutions against SERVICE_QUOTA() of AWS/Usage at 80%',
    fix: 'ask AWS to raise "Concurrent executions" and set quotas.lambdaConcurrentExecutions',
    usage: (c) => {
      const reserved = (env: MeasuredEnvironment) =>
        resourcesOf(env, 'AWS::Lambda::Function').reduce(
          (n, { resource }) => n + Number(resource.Properties?.ReservedConcurrentExecutions ?? 0),
          0,
        );
      const { used, contributors } = accountSum(c, reserved);
      return [
        {
          subject: `${accountSubject(c)}: reserved concurrency`,
          used,
          limit: c.config.quotas.lambdaConcurrentExecutions - UNRESERVED_MINIMUM,
          contributors,
        },
      ];
    },
  },
  {
    id: 'iam-roles-per-account',
    title: 'IAM roles per account',
    service: 'IAM',
    quotaName: 'Roles per account',
    serviceCode: 'iam',
    quotaCode: 'L-FE177D64',
    defaultValue: 1000,
    unit: 'roles',
    adjustable: true,
    configKey: 'quotas.rolesPerAccount',
    scope: 'account',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entities`,
    checked:
      "AWS::IAM::Role resources of every environment of the account (the services' own stacks not counted)",
    watched: 'the limits function publishes GetAccountSummary Roles, alarm at 80%',
    fix: 'ask AWS to raise "Roles per account" (at most 5,000) and set quotas.rolesPerAccount, or use one account per environment',
    usage: (c) => {
      const { used, contributors } = accountSum(c, (env) => countIn(env, 'AWS::IAM::Role'));
      return [
        {
          subject: accountSubject(c),
          used,
          limit: c.config.quotas.rolesPerAccount,
          contributors,
          growth: {
            unit: 'services',
            current: c.config.services.length,
            perUnit: perService(c, countType('AWS::IAM::Role'), 2),
          },
        },
      ];
    },
  },
  {
    id: 'iam-policies-per-account',
    title: 'IAM customer managed policies per account',
    service: 'IAM',
    quotaName: 'Customer managed policies per account',
    serviceCode: 'iam',
    quotaCode: 'L-E95E4862',
    defaultValue: 1500,
    unit: 'policies',
    adjustable: true,
    configKey: 'quotas.customerManagedPoliciesPerAccount',
    scope: 'account',
    source: `${IAM_QUOTAS}#reference_iam-quotas-entities`,
    checked: 'AWS::IAM::ManagedPolicy resources of every environment of the account',
    watched: 'the limits function publishes GetAccountSummary Policies, alarm at 80%',
    fix: 'ask AWS to raise "Customer managed policies per account" (at most 5,000) and set quotas.customerManagedPoliciesPerAccount',
    usage: (c) => {
      const { used, contributors } = accountSum(c, (env) => countIn(env, 'AWS::IAM::ManagedPolicy'));
      return [
        {
          subject: accountSubject(c),
          used,
          limit: c.config.quotas.customerManagedPoliciesPerAccount,
          contributors,
          growth: {
            unit: 'services',
            current: c.config.services.length,
            perUnit: perService(c, countType('AWS::IAM::ManagedPolicy'), 8),
          },
        },
      ];
    },
  },
  {
    id: 'cloudformation-stacks',
    title: 'CloudFormation stacks per account',
    service: 'CloudFormation',
    quotaName: 'Stack count',
    serviceCode: 'cloudformation',
    quotaCode: 'L-0485CB21',
    defaultValue: 2000,
    unit: 'stacks',
    adjustable: true,
    configKey: 'quotas.stacksPerAccount',
    scope: 'account',
    source: CFN_QUOTAS,
    checked:
      "the platform's stacks of every environment of the account, plus one stack per service (its `{service}-api` stack)",
    watched: "the limits function publishes the account's live stacks, alarm at 80%",
    fix: 'ask AWS to raise "Stack count" and set quotas.stacksPerAccount',
    usage: (c) => {
      const { used, contributors } = accountSum(c, (env) => env.stacks.length + env.config.services.length);
      return [
        {
          subject: accountSubject(c),
          used,
          limit: c.config.quotas.stacksPerAccount,
          contributors,
          growth: { unit: 'services', current: c.config.services.length, perUnit: 2 },
          estimate: 'one stack of its own per service besides its access stack',
        },
      ];
    },
  },
  {
    id: 'cloudformation-hooks',
    title: 'CloudFormation hooks per account',
    service: 'CloudFormation',
    quotaName: 'Hooks per account',
    defaultValue: 100,
    unit: 'hooks',
    adjustable: false,
    scope: 'account',
    source: CFN_QUOTAS,
    checked: 'Guard, Lambda and custom hook resources of every environment of the account',
    watched: '`npm run doctor` checks the hooks are active',
    fix: 'one hook per environment is what the platform needs; remove hooks other tools left',
    usage: (c) => {
      const types = [
        'AWS::CloudFormation::GuardHook',
        'AWS::CloudFormation::LambdaHook',
        'AWS::CloudFormation::HookTypeConfig',
      ];
      const { used, contributors } = accountSum(c, (env) => countIn(env, types));
      return [{ subject: accountSubject(c), used, limit: 100, contributors }];
    },
  },
  {
    id: 'ssm-parameters',
    title: 'SSM standard parameters per account',
    service: 'Systems Manager',
    quotaName: 'Standard parameters per account and Region',
    defaultValue: 10_000,
    unit: 'parameters',
    adjustable: false,
    scope: 'account',
    source: 'https://docs.aws.amazon.com/general/latest/gr/ssm.html',
    checked: 'AWS::SSM::Parameter resources (the contract) of every environment of the account',
    watched: 'the limits function publishes the parameter count, alarm at 80%',
    fix: 'advanced parameters (100,000, billed per parameter) or fewer environments per account',
    usage: (c) => {
      const { used, contributors } = accountSum(c, (env) => countIn(env, 'AWS::SSM::Parameter'));
      return [
        {
          subject: accountSubject(c),
          used,
          limit: 10_000,
          contributors,
          growth: {
            unit: 'services',
            current: c.config.services.length,
            perUnit: perService(c, countType('AWS::SSM::Parameter'), 4),
          },
        },
      ];
    },
  },
];

/** The registry size at which a usage that grows passes its limit, or undefined when it does not grow. */
export function runsOutAt(usage: Usage): number | undefined {
  if (!usage.growth || usage.growth.perUnit <= 0) return undefined;
  if (usage.used > usage.limit) return usage.growth.current;
  return usage.growth.current + Math.floor((usage.limit - usage.used) / usage.growth.perUnit) + 1;
}
