import {
  assertServiceNameFits,
  type EnvironmentName,
  type NameScope,
  NamingError,
  RESERVED_SERVICE_NAMES,
  serviceFunctionNamePattern,
} from '@shared-lambda-infra/contract';
import { checkNameLimits } from '../limits/name-model';
import { planMetricShards } from '../service-metrics';
import { blockSize, parseCidr } from './cidr';
import { PLATFORM_API_RESOURCES, RESERVED_BASE_PATHS } from './defaults';
import { type ConfigProblem, show } from './errors';
import type { PlatformConfig, ServiceConfig } from './schema';

/** A service registry entry that passed the schema, with its position in the file. */
export interface IndexedService {
  /** Position in `services`, for the field path of a problem. */
  readonly index: number;
  /** The parsed entry. */
  readonly service: ServiceConfig;
}

/**
 * The sections of a config that passed the schema. When the schema rejects part of a file, the
 * checks of meaning still run on the rest, so one run reports every problem.
 */
export interface ConfigParts {
  /**
   * Project name; with `environment`, the scope service names must fit in.
   * @default - did not parse: the name-length checks of services are skipped
   */
  readonly project?: string;
  /**
   * Environment name; with `project`, the scope service names must fit in.
   * @default - did not parse: the name-length checks of services are skipped
   */
  readonly environment?: EnvironmentName;
  /**
   * The `network` section: CIDR and subnet sizes are checked against each other.
   * @default - did not parse: the network checks are skipped
   */
  readonly network?: PlatformConfig['network'];
  /**
   * The `storage` section; no check of meaning reads it yet.
   * @default - did not parse
   */
  readonly storage?: PlatformConfig['storage'];
  /**
   * The `observability` section.
   * @default - did not parse: the observability checks are skipped
   */
  readonly observability?: PlatformConfig['observability'];
  /**
   * The `api` section.
   * @default - did not parse: the API checks are skipped
   */
  readonly api?: PlatformConfig['api'];
  /**
   * The service entries that parsed, each with its position, so problems in the others still
   * point at the right `services[i]`.
   * @default - the list did not parse: the service checks are skipped
   */
  readonly services?: readonly IndexedService[];
  /**
   * The `github` section.
   * @default - absent or did not parse: the GitHub checks are skipped
   */
  readonly github?: PlatformConfig['github'];
  /**
   * The `quotas` section: the policy-size checks of names read the trust policy length from it.
   * @default - did not parse: AWS's default quotas are assumed
   */
  readonly quotas?: PlatformConfig['quotas'];
}

/**
 * Checks of meaning that span several keys (the schema checks each key alone). Returns every
 * problem found; an empty list means the config is sound.
 */
export function validateSemantics(config: PlatformConfig): ConfigProblem[] {
  return validateParts({
    ...config,
    services: config.services.map((service, index) => ({ index, service })),
  });
}

/** {@link validateSemantics} over whichever sections parsed; each check runs when its sections are there. */
export function validateParts(parts: ConfigParts): ConfigProblem[] {
  const scope =
    parts.project !== undefined && parts.environment !== undefined
      ? { project: parts.project, env: parts.environment }
      : undefined;
  return [
    ...(parts.network ? checkNetwork(parts.network) : []),
    ...(parts.observability ? checkObservability(parts.observability) : []),
    ...(parts.api ? checkApi(parts.api) : []),
    ...(parts.services ? checkServices(parts.services, scope) : []),
    ...(parts.api && parts.services ? checkQuotas(parts.api, parts.services) : []),
    ...(parts.services ? checkServiceMetrics(parts.services) : []),
    ...(parts.github ? checkGithub(parts.github) : []),
    ...checkNameLimits(parts),
    ...(parts.environment && IDS_REQUIRED_IN.includes(parts.environment) ? nameTrusted(parts) : []),
  ];
}

/**
 * Environments whose deploy roles must trust GitHub repositories by their numeric ids: a
 * repository trusted by name alone is trusted again when someone recreates a deleted repository
 * (or an owner) under the same name.
 */
export const IDS_REQUIRED_IN: readonly EnvironmentName[] = ['staging', 'prod'];

/**
 * What the config would trust by repository name alone: problems in staging and prod
 * ({@link validateParts}), warnings elsewhere (a dev deploy from a recycled name is a risk worth
 * knowing, not a stop).
 */
export function configWarnings(config: PlatformConfig): ConfigProblem[] {
  if (IDS_REQUIRED_IN.includes(config.environment)) return [];
  return nameTrusted({ ...config, services: config.services.map((service, index) => ({ index, service })) });
}

function nameTrusted(parts: ConfigParts): ConfigProblem[] {
  const env = parts.environment;
  const required =
    env && IDS_REQUIRED_IN.includes(env)
      ? `is required in ${env}`
      : `is not set (${IDS_REQUIRED_IN.join(' and ')} require it)`;
  const problem = (at: string, repository: string, ownerKey: string, idKey: string): ConfigProblem => ({
    path: `${at}.${idKey}`,
    message: `${required} (with ${ownerKey}): without GitHub's numeric ids the deploy role trusts ${show(repository)} by name, and whoever recreates a deleted repository or owner of that name could deploy; print both with \`gh api repos/${repository} --jq '.owner.id, .id'\` and set ${ownerKey} and ${idKey}`,
  });
  const problems: ConfigProblem[] = [];
  for (const { index, service } of parts.services ?? []) {
    if (service.repositoryOwnerId === undefined && service.repositoryId === undefined) {
      problems.push(problem(`services[${index}]`, service.repository, 'repositoryOwnerId', 'repositoryId'));
    }
  }
  const github = parts.github;
  if (github && github.platformRepositoryOwnerId === undefined && github.platformRepositoryId === undefined) {
    problems.push(
      problem('github', github.platformRepository, 'platformRepositoryOwnerId', 'platformRepositoryId'),
    );
  }
  return problems;
}

// ----- network -----

/** The prefix lengths a VPC CIDR may have. */
const VPC_PREFIX = { min: 16, max: 24 } as const;

/**
 * Addresses the subnets take from the start of the VPC CIDR: each AZ's public, then private, then
 * isolated subnets, each aligned to its own size. This is how CDK's `ec2.Vpc` allocates subnets
 * (in `subnetConfiguration` order), so a small subnet before a large one leaves a gap.
 */
export function subnetAddressesNeeded(network: PlatformConfig['network']): number {
  let next = 0;
  for (const mask of subnetMasks(network).map((m) => m.mask)) {
    const size = blockSize(mask);
    for (let az = 0; az < network.maxAzs; az++) next = Math.ceil(next / size) * size + size;
  }
  return next;
}

function subnetMasks(network: PlatformConfig['network']): Array<{ key: string; kind: string; mask: number }> {
  return [
    { key: 'publicSubnetMask', kind: 'public', mask: network.publicSubnetMask },
    { key: 'privateSubnetMask', kind: 'private', mask: network.privateSubnetMask },
    ...(network.isolatedSubnetMask === undefined
      ? []
      : [{ key: 'isolatedSubnetMask', kind: 'isolated', mask: network.isolatedSubnetMask }]),
  ];
}

/**
 * NAT and IPv6 keys that only some `nat` modes can honour: each combination AWS cannot build (or
 * that would silently do nothing) is a problem, not a key quietly ignored.
 */
function checkEgress(network: PlatformConfig['network']): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { nat, natEipAllocationIds: eips, ipv6 } = network;
  if (eips !== undefined) {
    if (nat === 'instance') {
      problems.push({
        path: 'network.natEipAllocationIds',
        message: `is set (${eips.length} allocation ids) but nat is "instance": a NAT instance takes an Amazon-provided public IP; remove natEipAllocationIds or use a NAT gateway (single, perAz, regional)`,
      });
    } else {
      const needed = nat === 'single' ? 1 : network.maxAzs;
      const why =
        nat === 'single'
          ? 'one NAT gateway, one address'
          : nat === 'perAz'
            ? `one NAT gateway in each of the ${network.maxAzs} AZs`
            : `the regional NAT gateway sends from one address in each of the ${network.maxAzs} AZs, and with configured addresses it serves only the AZs listed`;
      if (eips.length !== needed) {
        problems.push({
          path: 'network.natEipAllocationIds',
          message: `lists ${eips.length} allocation ids but nat "${nat}" with maxAzs ${network.maxAzs} needs exactly ${needed} (${why}); list ${needed}`,
        });
      }
    }
    for (const { index, first } of duplicates(eips, (e) => e)) {
      problems.push({
        path: `network.natEipAllocationIds[${index}]`,
        message: `${show(eips[index])} is listed twice (also natEipAllocationIds[${first}]); an Elastic IP can be associated with one NAT gateway address only`,
      });
    }
  }
  if (network.natMaxDrainSeconds !== undefined && nat === 'instance') {
    problems.push({
      path: 'network.natMaxDrainSeconds',
      message: `is ${network.natMaxDrainSeconds} but nat is "instance": the drain duration is a NAT gateway setting; remove it or use a NAT gateway`,
    });
  }
  if (ipv6.dns64 && !ipv6.enabled) {
    problems.push({
      path: 'network.ipv6.dns64',
      message:
        'is true but ipv6.enabled is false: DNS64 answers with IPv6 addresses, and IPv4-only subnets have no IPv6 to reach them with; set ipv6.enabled: true or remove dns64',
    });
  }
  if (ipv6.dns64 && nat === 'instance') {
    problems.push({
      path: 'network.ipv6.dns64',
      message:
        'is true but nat is "instance": DNS64 needs NAT64 to translate the synthesized 64:ff9b::/96 addresses, which NAT gateways do and the NAT instance (iptables masquerade on IPv4) does not; use a NAT gateway (single, perAz, regional) or turn dns64 off',
    });
  }
  return problems;
}

function checkNetwork(network: PlatformConfig['network']): ConfigProblem[] {
  const vpc = parseCidr(network.cidr);
  const egress = checkEgress(network);
  if (!vpc) return egress; // the schema already reported the CIDR
  const problems: ConfigProblem[] = [...egress];
  if (vpc.prefix < VPC_PREFIX.min || vpc.prefix > VPC_PREFIX.max) {
    problems.push({
      path: 'network.cidr',
      message: `${show(network.cidr)} is a /${vpc.prefix} block; expected a prefix from /${VPC_PREFIX.min} to /${VPC_PREFIX.max} (AWS allows no VPC larger than /16, and below /24 there is no room for subnets in every AZ)`,
    });
  }
  const masks = subnetMasks(network);
  for (const { key, kind, mask } of masks) {
    if (mask <= vpc.prefix) {
      problems.push({
        path: `network.${key}`,
        message: `/${mask} is not longer than the VPC's /${vpc.prefix} (${network.cidr}), so one ${kind} subnet would take the whole VPC; use a mask longer than /${vpc.prefix}`,
      });
    }
  }
  if (masks.every((m) => m.mask > vpc.prefix)) {
    const needed = subnetAddressesNeeded(network);
    const available = blockSize(vpc.prefix);
    if (needed > available) {
      const layout = masks.map((m) => `${m.kind} /${m.mask}`).join(', ');
      const fitting = 32 - Math.ceil(Math.log2(needed));
      const fix =
        fitting >= VPC_PREFIX.min
          ? `use a VPC CIDR of /${fitting} or larger, or longer subnet masks`
          : 'use longer subnet masks';
      problems.push({
        path: 'network.cidr',
        message: `${network.cidr} has ${available} addresses but the subnets need ${needed} (${network.maxAzs} AZs × ${layout}, allocated in that order, each aligned to its size); ${fix}`,
      });
    }
  }
  return problems;
}

// ----- observability -----

function checkObservability(observability: PlatformConfig['observability']): ConfigProblem[] {
  return duplicates(observability.alarmEmails, (e) => e.toLowerCase()).map(({ index, first }) => ({
    path: `observability.alarmEmails[${index}]`,
    message: `${show(observability.alarmEmails[index])} is listed twice (also alarmEmails[${first}]); remove the duplicate`,
  }));
}

// ----- api -----

function checkApi(api: PlatformConfig['api']): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const origins = api.cors.allowOrigins;
  const wildcard = origins.includes('*');
  if (wildcard && origins.length > 1) {
    problems.push({
      path: 'api.cors.allowOrigins',
      message: `"*" allows every origin, so the others listed with it (${origins
        .filter((o) => o !== '*')
        .map((o) => show(o))
        .join(', ')}) mean nothing; use ["*"] alone or list only the origins`,
    });
  }
  if (wildcard && api.cors.allowCredentials) {
    problems.push({
      path: 'api.cors.allowCredentials',
      message:
        'true cannot be combined with allowOrigins "*": browsers reject credentialed responses whose Access-Control-Allow-Origin is "*"; list the origins explicitly or set allowCredentials: false',
    });
  }
  origins.forEach((origin, i) => {
    if (origin === '*') return;
    const exact = new URL(origin).origin;
    if (exact !== origin) {
      problems.push({
        path: `api.cors.allowOrigins[${i}]`,
        message: `${show(origin)} is not an origin: browsers send Origin as scheme, host and port only, with no path or trailing slash, so it would never match; use ${show(exact)}`,
      });
    }
  });
  for (const { index, first } of duplicates(origins, (o) => o)) {
    problems.push({
      path: `api.cors.allowOrigins[${index}]`,
      message: `${show(origins[index])} is listed twice (also allowOrigins[${first}]); remove the duplicate`,
    });
  }
  const issuers = api.authorizer?.issuers ?? [];
  for (const { index, first } of duplicates(issuers, (i) => i.issuer)) {
    problems.push({
      path: `api.authorizer.issuers[${index}].issuer`,
      message: `${show(issuers[index].issuer)} is listed twice (also issuers[${first}]); merge their audiences into one entry`,
    });
  }
  if (api.ipAddressType === 'ipv4' && api.access.mode === 'vpcEndpoints') {
    problems.push({
      path: 'api.ipAddressType',
      message:
        '"ipv4" cannot apply to a private API (access.mode vpcEndpoints): API Gateway gives private APIs the dualstack IP address type only; use "dualstack" or omit ipAddressType',
    });
  }
  if (api.ipAddressType === 'dualstack' && api.access.mode === 'sourceCidrs') {
    problems.push({
      path: 'api.ipAddressType',
      message: `"dualstack" would let IPv6 clients reach the API, but access.mode sourceCidrs allows only the IPv4 blocks listed (${api.access.cidrs.join(', ')}): a client that prefers IPv6 would be refused with 403; use "ipv4" or another access mode`,
    });
  }
  if (api.access.mode === 'vpcEndpoints' && api.domain) {
    problems.push({
      path: 'api.domain',
      message: `${show(api.domain.name)} cannot serve the API when api.access.mode is vpcEndpoints: that mode makes the API PRIVATE, and a regional custom domain maps only to public APIs; remove api.domain or use mode sourceCidrs`,
    });
  }
  return problems;
}

// ----- services -----

function checkServices(services: readonly IndexedService[], scope: NameScope | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byName = new Map<string, number>();
  const byPath = new Map<string, ServiceConfig>();
  for (const { index, service } of services) {
    const at = `services[${index}]`;
    if (RESERVED_SERVICE_NAMES.includes(service.name)) {
      problems.push({
        path: `${at}.name`,
        message: `${show(service.name)} is reserved for a platform component or a resource-type segment of the naming convention, whose stacks, roles and IAM name prefixes would collide with the service's (reserved: ${RESERVED_SERVICE_NAMES.join(', ')}); choose another name`,
      });
    }
    const sameName = byName.get(service.name);
    if (sameName !== undefined) {
      problems.push({
        path: `${at}.name`,
        message: `${show(service.name)} is already the name of services[${sameName}]; service names must be unique, choose another name`,
      });
    } else {
      byName.set(service.name, index);
    }
    if ((RESERVED_BASE_PATHS as readonly string[]).includes(service.basePath)) {
      problems.push({
        path: `${at}.basePath`,
        message: `${show(service.basePath)} is reserved by the platform (reserved: ${RESERVED_BASE_PATHS.join(', ')}); choose another path`,
      });
    }
    const owner = byPath.get(service.basePath);
    if (owner) {
      problems.push({
        path: `${at}.basePath`,
        message: `${show(service.basePath)} is already owned by service ${show(owner.name)}; choose another path`,
      });
    } else {
      byPath.set(service.basePath, service);
    }
    problems.push(...idPair(at, service, 'repositoryOwnerId', 'repositoryId'));
    for (const { index: i, first } of duplicates(service.externalAccounts ?? [], (a) => a)) {
      problems.push({
        path: `${at}.externalAccounts[${i}]`,
        message: `${show(service.externalAccounts?.[i])} is already listed at externalAccounts[${first}]; list each account once`,
      });
    }
    if (scope) problems.push(...nameFits(at, scope, service.name));
  }
  problems.push(...prefixNames(services, scope));
  return problems;
}

function nameFits(at: string, scope: NameScope, name: string): ConfigProblem[] {
  try {
    assertServiceNameFits(scope, name);
    return [];
  } catch (error) {
    if (!(error instanceof NamingError)) throw error;
    return [{ path: `${at}.name`, message: `${show(name)} is too long: ${error.message}` }];
  }
}

// IAM policies confine a service to names that start with `...-{service}-`; a service named
// `{other}-...` has names that start with `...-{other}-` too, so the other service's policies
// would cover its resources.
function prefixNames(services: readonly IndexedService[], scope: NameScope | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // By name, the first entry with it: a lookup per "-" of each name rather than a scan of the
  // registry per entry, which took seconds at thousands of services.
  const firstByName = new Map<string, IndexedService>();
  for (const entry of services)
    if (!firstByName.has(entry.service.name)) firstByName.set(entry.service.name, entry);
  for (const { index, service } of services) {
    let covering: IndexedService | undefined;
    for (let dash = service.name.indexOf('-'); dash > 0; dash = service.name.indexOf('-', dash + 1)) {
      const candidate = firstByName.get(service.name.slice(0, dash));
      if (candidate && (!covering || candidate.index < covering.index)) covering = candidate;
    }
    if (!covering) continue;
    const other = covering.service.name;
    const pattern = scope ? serviceFunctionNamePattern(scope, other) : `{project}-{env}-fn-${other}-*`;
    problems.push({
      path: `services[${index}].name`,
      message: `${show(service.name)} starts with ${show(`${other}-`)} (services[${covering.index}]): IAM name patterns of service ${show(other)} such as "${pattern}" would also match ${show(service.name)}'s resources, and the stack names of ${show(other)} ({project}-{env}-${other}-*) would cover ${show(service.name)}'s stacks, so each service could act on the other's; choose a name that does not start with another service's name and "-", e.g. ${show(service.name.replace(`${other}-`, other))}`,
    });
  }
  return problems;
}

// ----- API Gateway quotas -----

/**
 * Resources and authorizers the registry puts on the one shared REST API, against the quotas the
 * config says the account has: a deploy that would exceed them fails late (in the reconciler, for
 * every service at once), so the registry is rejected here, naming the services past the limit.
 * Each service's deeper resources are unknown here; the reconciler checks the whole API again.
 */
function checkQuotas(api: PlatformConfig['api'], services: readonly IndexedService[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const room = api.quotas.resourcesPerApi - PLATFORM_API_RESOURCES.length;
  if (services.length > room) {
    const beyond = services.slice(room).map(({ service }) => show(service.name));
    const listed =
      beyond.length > 5
        ? `${beyond.slice(0, 5).join(', ')} and ${beyond.length - 5} more`
        : beyond.join(', ');
    problems.push({
      path: 'services',
      message: `${services.length} services need ${services.length} base resources on the shared REST API, besides the platform's ${PLATFORM_API_RESOURCES.length} (${PLATFORM_API_RESOURCES.join(', ')}), but api.quotas.resourcesPerApi is ${api.quotas.resourcesPerApi}: services beyond the quota are ${listed}; ask AWS to raise the API Gateway quota "Resources per API" and set api.quotas.resourcesPerApi to the new value, or register fewer services`,
    });
  }
  problems.push(...checkBudgets(api, services));
  const authorizers = (api.authorizer ? 1 : 0) + (api.cognitoUserPoolArns ? 1 : 0);
  if (authorizers > api.quotas.authorizersPerApi) {
    problems.push({
      path: 'api.quotas.authorizersPerApi',
      message: `${api.quotas.authorizersPerApi} is fewer than the ${authorizers} authorizers the config creates (api.authorizer and api.cognitoUserPoolArns); raise it to the account's quota "Authorizers per API"`,
    });
  }
  return problems;
}

/**
 * The per-service gateway metrics must fit the access log group's metric filters (see
 * lib/service-metrics.ts): past that, the platform could not publish every service's signals.
 */
function checkServiceMetrics(services: readonly IndexedService[]): ConfigProblem[] {
  const plan = planMetricShards(services.map(({ service }) => service.basePath));
  return plan.problems.map((message) => ({ path: 'services', message }));
}

/**
 * The services' resource budgets must fit the quota together, so that no service can be refused
 * because of what another one uses: the overrides, plus at least one resource (the base path) for
 * every service that takes the default share.
 */
function checkBudgets(api: PlatformConfig['api'], services: readonly IndexedService[]): ConfigProblem[] {
  const room = api.quotas.resourcesPerApi - PLATFORM_API_RESOURCES.length;
  const overridden = services.filter(({ service }) => service.resourceBudget !== undefined);
  if (overridden.length === 0) return [];
  const sum = overridden.reduce((total, { service }) => total + (service.resourceBudget ?? 0), 0);
  const rest = services.length - overridden.length;
  if (sum + rest <= room) return [];
  const listed = overridden.map(
    ({ service, index }) => `services[${index}] ${show(service.name)}: ${service.resourceBudget}`,
  );
  return [
    {
      path: 'services',
      message: `the resource budgets add up to ${sum + rest} (${listed.join(', ')}${rest > 0 ? `, and at least 1 for each of the ${rest} other services` : ''}), more than the ${room} resources api.quotas.resourcesPerApi (${api.quotas.resourcesPerApi}) leaves after the platform's ${PLATFORM_API_RESOURCES.length} (${PLATFORM_API_RESOURCES.join(', ')}); lower services[].resourceBudget, or ask AWS to raise "Resources per API" and set api.quotas.resourcesPerApi to the new value`,
    },
  ];
}

// ----- github -----

function checkGithub(github: NonNullable<PlatformConfig['github']>): ConfigProblem[] {
  return idPair('github', github, 'platformRepositoryOwnerId', 'platformRepositoryId');
}

// ----- helpers -----

/**
 * GitHub's immutable OIDC subject claim (`repository_owner_id`, `repository_id`) needs both ids;
 * with one, the trust policy would match on the other half only.
 */
function idPair<T extends object>(
  at: string,
  entry: T,
  ownerKey: keyof T & string,
  repoKey: keyof T & string,
) {
  const owner = entry[ownerKey];
  const repo = entry[repoKey];
  if ((owner === undefined) === (repo === undefined)) return [];
  const [missing, given, value] =
    owner === undefined ? [ownerKey, repoKey, repo] : [repoKey, ownerKey, owner];
  return [
    {
      path: `${at}.${missing}`,
      message: `is required when ${given} is set (got ${given}: ${show(value)}): the immutable subject claim needs both ids; add ${missing} or remove ${given}`,
    },
  ];
}

/** Entries whose key was seen before: their index and the index of the first occurrence. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
): Array<{ index: number; first: number }> {
  const seen = new Map<string, number>();
  const out: Array<{ index: number; first: number }> = [];
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else out.push({ index, first });
  });
  return out;
}
