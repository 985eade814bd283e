import type { EnvironmentName } from '@shared-lambda-infra/contract';
import type { PlatformConfig } from '../config/schema';
import { PRICES, type PriceTable } from './prices';

/** One synthesized stack: what the estimate reads. */
export interface StackTemplate {
  readonly stackName: string;
  /** The CloudFormation template (JSON). */
  readonly template: unknown;
}

/** What the estimate cannot read from templates, stated with every estimate. */
export interface CostAssumptions {
  /** GB of VPC flow log records a month, all flow logs of the environment together. */
  readonly flowLogGbPerMonth: number;
  /**
   * Apply CloudWatch's always-free allowance (10 alarm metrics, 3 dashboards, 5 GB of logs per
   * account and region): true when the environment has its account to itself, as in a Control
   * Tower layout with one account per environment.
   */
  readonly cloudWatchFreeTier: boolean;
  /** Billed milliseconds of one authorizer invocation (a warm verification takes well under 1 ms). */
  readonly authorizerMs: number;
  /** Bytes of access log written per API request. */
  readonly accessLogBytesPerRequest: number;
}

/** Assumptions per environment: flow log volume grows with the traffic an environment carries. */
export const DEFAULT_ASSUMPTIONS: Readonly<Record<EnvironmentName, CostAssumptions>> = {
  dev: { flowLogGbPerMonth: 1, cloudWatchFreeTier: true, authorizerMs: 5, accessLogBytesPerRequest: 1024 },
  staging: {
    flowLogGbPerMonth: 5,
    cloudWatchFreeTier: true,
    authorizerMs: 5,
    accessLogBytesPerRequest: 1024,
  },
  prod: { flowLogGbPerMonth: 20, cloudWatchFreeTier: true, authorizerMs: 5, accessLogBytesPerRequest: 1024 },
};

/** One line of the fixed monthly cost. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  /** What one unit is (`gateway`, `endpoint-AZ`, `GB`). */
  readonly unit: string;
  /** USD a month per unit. */
  readonly unitPrice: number;
  /** USD a month (quantity x unit price; negative for a credit). */
  readonly monthly: number;
}

/** What one unit of a team's traffic adds. */
export interface RateLine {
  readonly item: string;
  /** The unit (`GB`, `million requests`). */
  readonly per: string;
  readonly price: number;
}

/** The estimate of one environment. */
export interface CostEstimate {
  /** The fixed monthly cost, line by line, the free-tier credit last when it applies. */
  readonly lines: readonly CostLine[];
  /** Sum of the lines before the free-tier credit. */
  readonly listTotal: number;
  /** Sum of every line. */
  readonly total: number;
  /** Per-GB and per-request rates the environment's traffic adds. */
  readonly rates: readonly RateLine[];
  /** Resources the price table has no price for (left out of the total). */
  readonly warnings: readonly string[];
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/**
 * The fixed monthly cost of an environment from its synthesized templates (what would be
 * deployed, whatever config produced it): NAT gateways and instances, public IPv4 addresses,
 * interface endpoints per AZ, KMS keys, API caches, flow logs at the assumed volume with their
 * storage over the log group's retention, alarms, dashboards, WAF web ACLs and secrets. Everything
 * billed only per use (Lambda, API requests, S3, logs other than flow logs) is in `rates`.
 */
export function estimateCost(
  stacks: readonly StackTemplate[],
  assumptions: CostAssumptions,
  prices: PriceTable = PRICES,
): CostEstimate {
  const resources = stacks.flatMap((s) => Object.entries(resourcesOf(s.template)));
  const byType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const hours = prices.hoursPerMonth;
  const lines: CostLine[] = [];
  const warnings: string[] = [];
  const add = (item: string, quantity: number, unit: string, unitPrice: number) => {
    if (quantity > 0) lines.push({ item, quantity, unit, unitPrice, monthly: quantity * unitPrice });
  };

  // Network.
  const natGateways = byType('AWS::EC2::NatGateway').map(([, r]) => r.Properties ?? {});
  const zonal = natGateways.filter((p) => p.AvailabilityMode !== 'regional');
  add('NAT gateway', zonal.length, 'gateway', prices.network.natGatewayHour * hours);
  // A regional gateway bills its hourly rate in every AZ it is active in: the AZs listed with
  // addresses (manual mode), else every AZ of the VPC that has a subnet (automatic mode follows
  // them). Each active AZ sends from at least one public IPv4 address.
  const regionalAzs = natGateways
    .filter((p) => p.AvailabilityMode === 'regional')
    .map((p) => regionalGatewayAzs(p, resources));
  add(
    'NAT gateway (regional), per active AZ',
    regionalAzs.reduce((n, azs) => n + azs.azs, 0),
    'gateway-AZ',
    prices.network.natGatewayHour * hours,
  );
  const instances = byType('AWS::EC2::Instance').map(([, r]) => r.Properties ?? {});
  for (const type of [...new Set(instances.map((p) => String(p.InstanceType)))].sort()) {
    const hourly = prices.ec2Hour[type];
    const count = instances.filter((p) => String(p.InstanceType) === type).length;
    if (hourly === undefined) warnings.push(`no price for EC2 instance type ${type} (${count} instances)`);
    else add(`EC2 instance ${type} (NAT instance)`, count, 'instance', hourly * hours);
  }
  for (const [volumeType, gb] of rootVolumes(instances, prices.ebs.defaultRootVolumeGb)) {
    add(`EBS ${volumeType} root volume`, gb, 'GB', ebsPrice(volumeType, prices));
  }
  const publicIps =
    byType('AWS::EC2::EIP').length +
    // Elastic IPs allocated outside the stack (natEipAllocationIds) are billed all the same.
    zonal.filter((p) => typeof p.AllocationId === 'string').length +
    regionalAzs.reduce((n, azs) => n + azs.addresses, 0) +
    instances.filter((p) =>
      ((p.NetworkInterfaces as Array<Record<string, unknown>> | undefined) ?? []).some(
        (n) => n.AssociatePublicIpAddress === true,
      ),
    ).length;
  add('Public IPv4 address', publicIps, 'address', prices.network.publicIpv4Hour * hours);
  const endpointAzs = byType('AWS::EC2::VPCEndpoint')
    .map(([, r]) => r.Properties ?? {})
    .filter((p) => p.VpcEndpointType === 'Interface')
    .reduce((n, p) => n + ((p.SubnetIds as unknown[] | undefined)?.length ?? 1), 0);
  add(
    'Interface endpoint, per AZ',
    endpointAzs,
    'endpoint-AZ',
    prices.network.interfaceEndpointAzHour * hours,
  );

  // Encryption and secrets.
  add('KMS customer-managed key', byType('AWS::KMS::Key').length, 'key', prices.kms.keyMonth);
  add(
    'Secrets Manager secret',
    byType('AWS::SecretsManager::Secret').length,
    'secret',
    prices.secretsManager.secretMonth,
  );

  // API.
  for (const [, stage] of byType('AWS::ApiGateway::Stage')) {
    const p = stage.Properties ?? {};
    if (p.CacheClusterEnabled !== true) continue;
    const size = String(p.CacheClusterSize ?? '0.5');
    const hourly = prices.apiGateway.cacheHour[size];
    if (hourly === undefined) warnings.push(`no price for an API cache of ${size} GB`);
    else add(`API Gateway cache ${size} GB`, 1, 'cache', hourly * hours);
  }
  const webAcls = byType('AWS::WAFv2::WebACL').map(([, r]) => r.Properties ?? {});
  add('WAF web ACL', webAcls.length, 'web ACL', prices.waf.webAclMonth);
  add(
    'WAF rule',
    webAcls.reduce((n, p) => n + ((p.Rules as unknown[] | undefined)?.length ?? 0), 0),
    'rule',
    prices.waf.ruleMonth,
  );

  // Observability.
  const flowLogs = flowLogGroups(resources);
  let flowLogGb = 0;
  if (flowLogs.length > 0) {
    flowLogGb = assumptions.flowLogGbPerMonth;
    add('Flow logs ingested (assumed volume)', flowLogGb, 'GB', prices.cloudWatch.vendedLogsIngestGb);
    // Steady state: a month's records for every month the log group keeps them (a year when it
    // never expires); CloudWatch bills storage compressed, so this is an upper bound.
    let storedGb = 0;
    for (const retentionDays of flowLogs) {
      storedGb += (flowLogGb / flowLogs.length) * ((retentionDays ?? 365) / 30);
    }
    add('Flow logs stored (over the retention)', storedGb, 'GB-month', prices.cloudWatch.logsStorageGbMonth);
  }
  const alarms = byType('AWS::CloudWatch::Alarm').map(([, r]) => alarmMetrics(r.Properties ?? {}));
  const standardMetrics = alarms.filter((a) => !a.highResolution).reduce((n, a) => n + a.metrics, 0);
  const highResMetrics = alarms.filter((a) => a.highResolution).reduce((n, a) => n + a.metrics, 0);
  // The free tier covers standard-resolution alarms that name their metric directly (no math).
  const freeEligible = alarms.filter((a) => !a.highResolution && !a.math).reduce((n, a) => n + a.metrics, 0);
  add('Alarm metric (standard resolution)', standardMetrics, 'metric', prices.cloudWatch.alarmMetricMonth);
  add(
    'Alarm metric (high resolution)',
    highResMetrics,
    'metric',
    prices.cloudWatch.highResolutionAlarmMetricMonth,
  );
  const dashboards = byType('AWS::CloudWatch::Dashboard').length;
  add('CloudWatch dashboard', dashboards, 'dashboard', prices.cloudWatch.dashboardMonth);

  const listTotal = sum(lines);
  if (assumptions.cloudWatchFreeTier) {
    const free = prices.cloudWatch.freeTier;
    const credit =
      Math.min(freeEligible, free.alarmMetrics) * prices.cloudWatch.alarmMetricMonth +
      Math.min(dashboards, free.dashboards) * prices.cloudWatch.dashboardMonth +
      Math.min(flowLogGb, free.logsGb) * prices.cloudWatch.vendedLogsIngestGb;
    if (credit > 0) {
      lines.push({
        item: 'CloudWatch always-free tier (account to itself)',
        quantity: 1,
        unit: 'account',
        unitPrice: -credit,
        monthly: -credit,
      });
    }
  }
  return {
    lines,
    listTotal,
    total: sum(lines),
    rates: trafficRates(resources, assumptions, prices),
    warnings,
  };
}

function trafficRates(
  resources: ReadonlyArray<[string, Resource]>,
  assumptions: CostAssumptions,
  prices: PriceTable,
): RateLine[] {
  const has = (type: string, where: (p: Record<string, unknown>) => boolean = () => true) =>
    resources.some(([, r]) => r.Type === type && where(r.Properties ?? {}));
  const rates: RateLine[] = [];
  const rate = (item: string, per: string, price: number) => rates.push({ item, per, price });
  if (has('AWS::EC2::NatGateway')) rate('Data processed by a NAT gateway', 'GB', prices.network.natGatewayGb);
  if (has('AWS::EC2::EgressOnlyInternetGateway')) {
    // Dual stack: IPv6 from the private subnets bypasses the NAT, so each GB a service moves to an
    // IPv6 destination saves the NAT's processing charge (data out to the internet is billed alike).
    rate(
      `IPv6 egress through the egress-only internet gateway (saves the NAT's $${prices.network.natGatewayGb} a GB)`,
      'GB',
      prices.network.egressOnlyInternetGatewayGb,
    );
  }
  if (has('AWS::EC2::VPCEndpoint', (p) => p.VpcEndpointType === 'Interface')) {
    rate('Data processed by interface endpoints', 'GB', prices.network.interfaceEndpointGb);
  }
  rate('Data out to the internet', 'GB', prices.network.dataTransferOutGb);
  if (has('AWS::ApiGateway::RestApi'))
    rate('REST API requests', 'million requests', prices.apiGateway.restMillion);
  if (has('AWS::ApiGateway::Stage', (p) => p.AccessLogSetting !== undefined)) {
    const gbPerMillion = (assumptions.accessLogBytesPerRequest * 1e6) / 1024 ** 3;
    rate(
      `Access log (${assumptions.accessLogBytesPerRequest} bytes a request)`,
      'million requests',
      gbPerMillion * prices.cloudWatch.logsIngestGb,
    );
  }
  if (has('AWS::ApiGateway::Stage', (p) => p.TracingEnabled === true)) {
    rate('X-Ray traces (every traced request)', 'million requests', prices.xray.tracesMillion);
  }
  const authorizerMemoryMb = authorizerMemory(resources);
  if (authorizerMemoryMb !== undefined) {
    const gbSeconds = (authorizerMemoryMb / 1024) * (assumptions.authorizerMs / 1000) * 1e6;
    rate(
      `JWT authorizer (${authorizerMemoryMb} MB, ${assumptions.authorizerMs} ms; cached decisions are free)`,
      'million cache misses',
      prices.lambda.requestsMillion + gbSeconds * prices.lambda.arm64GbSecond,
    );
  }
  if (has('AWS::WAFv2::WebACL') || has('AWS::WAFv2::WebACLAssociation')) {
    rate('WAF inspected requests', 'million requests', prices.waf.requestsMillion);
  }
  if (has('AWS::KMS::Key')) rate('KMS requests', '10,000 requests', prices.kms.requests10k);
  rate('Lambda requests', 'million requests', prices.lambda.requestsMillion);
  rate('Lambda duration (arm64)', 'GB-second', prices.lambda.arm64GbSecond);
  rate('Log ingestion (function and execution logs)', 'GB', prices.cloudWatch.logsIngestGb);
  rate('Log storage', 'GB-month', prices.cloudWatch.logsStorageGbMonth);
  rate('S3 Standard storage (artifacts)', 'GB-month', prices.s3.standardGbMonth);
  return rates;
}

/**
 * The AZs a regional NAT gateway is active (and billed) in, and the public addresses it holds. Manual
 * mode: the `AvailabilityZoneAddresses` entries and their allocation ids. Automatic mode: the
 * distinct AZs of the subnets of its VPC in the same template, one Amazon-provided address each.
 */
function regionalGatewayAzs(
  gateway: Record<string, unknown>,
  resources: ReadonlyArray<[string, Resource]>,
): { azs: number; addresses: number } {
  const listed = gateway.AvailabilityZoneAddresses as Array<{ AllocationIds?: unknown[] }> | undefined;
  if (listed !== undefined) {
    return { azs: listed.length, addresses: listed.reduce((n, a) => n + (a.AllocationIds?.length ?? 0), 0) };
  }
  const vpc = JSON.stringify(gateway.VpcId);
  const azs = new Set(
    resources
      .filter(([, r]) => r.Type === 'AWS::EC2::Subnet' && JSON.stringify(r.Properties?.VpcId) === vpc)
      .map(([, r]) => JSON.stringify(r.Properties?.AvailabilityZone)),
  );
  return { azs: azs.size, addresses: azs.size };
}

/** One network layout's fixed monthly cost, for the high-availability comparison. */
export interface NetworkChoice {
  readonly nat: PlatformConfig['network']['nat'];
  readonly maxAzs: 2 | 3;
  /** USD a month: NAT (gateways or instance, with addresses, root volume and NAT alarms) and interface endpoints. */
  readonly monthly: number;
  /** Whether this is the environment's own layout. */
  readonly current: boolean;
}

/**
 * What each high-availability choice of the network costs a month, for the environment's own
 * interface endpoints: NAT instance, one NAT gateway, one per AZ or a regional one, over two or three AZs. The
 * same arithmetic as {@link estimateCost}, from config instead of templates (the alternatives are
 * not synthesized): a gateway pays its hours, its Elastic IP and its two alarms; the instance its
 * hours, public address and root volume; each endpoint its hours in every AZ.
 */
export function networkChoices(
  network: PlatformConfig['network'],
  prices: PriceTable = PRICES,
): NetworkChoice[] {
  const hours = prices.hoursPerMonth;
  const gateway =
    (prices.network.natGatewayHour + prices.network.publicIpv4Hour) * hours +
    2 * prices.cloudWatch.alarmMetricMonth;
  const instance =
    ((prices.ec2Hour[network.natInstanceType] ?? Number.NaN) + prices.network.publicIpv4Hour) * hours +
    prices.ebs.defaultRootVolumeGb * prices.ebs.gp3GbMonth;
  const endpointAz = prices.network.interfaceEndpointAzHour * hours;
  const choices: NetworkChoice[] = [];
  // Regional: the hourly rate and one address in every AZ, but one gateway's two alarms.
  const regionalAz = (prices.network.natGatewayHour + prices.network.publicIpv4Hour) * hours;
  const regional = (maxAzs: number) => regionalAz * maxAzs + 2 * prices.cloudWatch.alarmMetricMonth;
  for (const nat of ['instance', 'single', 'perAz', 'regional'] as const) {
    for (const maxAzs of [2, 3] as const) {
      const natCost =
        nat === 'instance'
          ? instance
          : nat === 'single'
            ? gateway
            : nat === 'perAz'
              ? gateway * maxAzs
              : regional(maxAzs);
      choices.push({
        nat,
        maxAzs,
        monthly: natCost + network.interfaceEndpoints.length * maxAzs * endpointAz,
        current: nat === network.nat && maxAzs === network.maxAzs,
      });
    }
  }
  return choices;
}

function resourcesOf(template: unknown): Record<string, Resource> {
  return ((template as { Resources?: Record<string, Resource> } | null)?.Resources ?? {}) as Record<
    string,
    Resource
  >;
}

function sum(lines: readonly CostLine[]): number {
  return lines.reduce((total, l) => total + l.monthly, 0);
}

function ebsPrice(volumeType: string, prices: PriceTable): number {
  return volumeType === 'gp2' ? prices.ebs.gp2GbMonth : prices.ebs.gp3GbMonth;
}

// Root volumes by type, in GB: the size the template sets, else the image's default.
function rootVolumes(
  instances: ReadonlyArray<Record<string, unknown>>,
  defaultGb: number,
): Map<string, number> {
  const volumes = new Map<string, number>();
  for (const p of instances) {
    const mappings = (p.BlockDeviceMappings as Array<{ Ebs?: Record<string, unknown> }> | undefined) ?? [];
    const ebs = mappings[0]?.Ebs ?? {};
    // An image without a mapping in the template boots its own gp3 root (Amazon Linux 2023).
    const type = typeof ebs.VolumeType === 'string' ? ebs.VolumeType : 'gp3';
    const gb = typeof ebs.VolumeSize === 'number' ? ebs.VolumeSize : defaultGb;
    volumes.set(type, (volumes.get(type) ?? 0) + gb);
  }
  return volumes;
}

// Retention in days of each flow log's CloudWatch log group (undefined: never expires).
function flowLogGroups(resources: ReadonlyArray<[string, Resource]>): Array<number | undefined> {
  const groups = new Map(resources.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup'));
  return resources
    .filter(([, r]) => r.Type === 'AWS::EC2::FlowLog')
    .map(([, r]) => r.Properties ?? {})
    .filter((p) => (p.LogDestinationType ?? 'cloud-watch-logs') === 'cloud-watch-logs')
    .map((p) => {
      const ref = (p.LogGroupName as { Ref?: string } | undefined)?.Ref;
      const retention = ref ? groups.get(ref)?.Properties?.RetentionInDays : undefined;
      return typeof retention === 'number' ? retention : undefined;
    });
}

// A metric-math alarm pays for every metric it reads; expressions themselves are free.
function alarmMetrics(p: Record<string, unknown>): {
  metrics: number;
  highResolution: boolean;
  math: boolean;
} {
  const metrics = p.Metrics as Array<{ MetricStat?: { Period?: number } }> | undefined;
  if (metrics) {
    const stats = metrics.filter((m) => m.MetricStat);
    return {
      metrics: stats.length,
      highResolution: stats.some((m) => (m.MetricStat?.Period ?? 60) < 60),
      math: true,
    };
  }
  return { metrics: 1, highResolution: typeof p.Period === 'number' && p.Period < 60, math: false };
}

// Memory of the Lambda function a Lambda authorizer invokes (found by its logical id in the URI).
function authorizerMemory(resources: ReadonlyArray<[string, Resource]>): number | undefined {
  const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  for (const [, authorizer] of resources.filter(([, r]) => r.Type === 'AWS::ApiGateway::Authorizer')) {
    const uri = JSON.stringify(authorizer.Properties?.AuthorizerUri ?? '');
    const match = functions.find(([id]) => uri.includes(`"${id}"`));
    if (match) return Number(match[1].Properties?.MemorySize ?? 128);
  }
  return undefined;
}
