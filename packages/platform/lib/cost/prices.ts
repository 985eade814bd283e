/**
 * AWS list prices the cost estimate uses, for one region, on one date. On-demand, USD, without tax,
 * free tiers or discounts (the estimate applies CloudWatch's always-free allowance separately, see
 * `estimate.ts`). Update the figures and {@link PRICES.date} together, from the pages in
 * {@link PRICES.sources}; other regions cost up to ~25% more (eu-west-1: ~5-10%).
 */
export const PRICES = {
  region: 'us-east-1',
  date: '2026-11-27',
  currency: 'USD',
  /** Hours in a billing month, as AWS's pricing calculator counts them (8,760 / 12). */
  hoursPerMonth: 730,
  sources: [
    'https://aws.amazon.com/vpc/pricing/ (NAT gateway, public IPv4 addresses)',
    'https://aws.amazon.com/privatelink/pricing/ (interface endpoints)',
    'https://aws.amazon.com/ec2/pricing/on-demand/ (NAT instance types, data transfer out)',
    'https://aws.amazon.com/ebs/pricing/ (gp3, gp2 volumes)',
    'https://aws.amazon.com/kms/pricing/ (customer-managed keys, requests)',
    'https://aws.amazon.com/cloudwatch/pricing/ (logs, vended logs, alarms, dashboards, free tier)',
    'https://aws.amazon.com/api-gateway/pricing/ (REST requests, cache)',
    'https://aws.amazon.com/lambda/pricing/ (requests, arm64 duration)',
    'https://aws.amazon.com/xray/pricing/ (traces recorded)',
    'https://aws.amazon.com/waf/pricing/ (web ACLs, rules, requests)',
    'https://aws.amazon.com/secrets-manager/pricing/ (secrets)',
    'https://aws.amazon.com/s3/pricing/ (Standard storage)',
  ],
  network: {
    /** Zonal gateway per hour; a regional gateway pays it for every AZ it is active in (see docs/cost.md). */
    natGatewayHour: 0.045,
    natGatewayGb: 0.045,
    /** Every public IPv4 address, a NAT gateway's Elastic IP and a NAT instance's included. */
    publicIpv4Hour: 0.005,
    /** Per endpoint and per Availability Zone it has a network interface in. */
    interfaceEndpointAzHour: 0.01,
    /** First PB a month, summed over the region's interface endpoints. */
    interfaceEndpointGb: 0.01,
    /** An egress-only internet gateway has no hourly or processing charge (IPv6 egress). */
    egressOnlyInternetGatewayGb: 0,
    /** To the internet, after the first 100 GB a month, up to 10 TB. */
    dataTransferOutGb: 0.09,
  },
  /** Linux on-demand, per hour, by instance type (the NAT instance choices). */
  ec2Hour: {
    't4g.nano': 0.0042,
    't4g.micro': 0.0084,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    't3.nano': 0.0052,
    't3.micro': 0.0104,
    't3.small': 0.0208,
    't3a.nano': 0.0047,
    't3a.micro': 0.0094,
  } as Readonly<Record<string, number>>,
  ebs: {
    gp3GbMonth: 0.08,
    gp2GbMonth: 0.1,
    /** Root volume of the Amazon Linux 2023 image a NAT instance boots from, when the template sets no size. */
    defaultRootVolumeGb: 8,
  },
  kms: {
    /** Per customer-managed key; each yearly automatic rotation adds $1 for the first two rotations. */
    keyMonth: 1,
    requests10k: 0.03,
  },
  cloudWatch: {
    logsIngestGb: 0.5,
    /** Vended logs (VPC flow logs) delivered to CloudWatch Logs, first 10 TB a month. */
    vendedLogsIngestGb: 0.5,
    logsStorageGbMonth: 0.03,
    /** Standard-resolution alarm, per metric it evaluates (a metric-math alarm pays per metric). */
    alarmMetricMonth: 0.1,
    /** High-resolution (period under 60 s) alarm, per metric. */
    highResolutionAlarmMetricMonth: 0.3,
    dashboardMonth: 3,
    /** A custom metric (a metric filter's metric, per dimension value), first 10,000 a month. */
    customMetricMonth: 0.3,
    /** The always-free allowance, per account and region. */
    freeTier: { alarmMetrics: 10, dashboards: 3, logsGb: 5 },
  },
  apiGateway: {
    /** REST API requests, first 333 million a month. */
    restMillion: 3.5,
    /** Cache cluster, per hour, by size in GB (the values `api.cache.sizeGb` accepts). */
    cacheHour: {
      '0.5': 0.02,
      '1.6': 0.038,
      '6.1': 0.2,
      '13.5': 0.25,
      '28.4': 0.5,
      '58.2': 1,
      '118': 1.9,
      '237': 3.8,
    } as Readonly<Record<string, number>>,
  },
  lambda: {
    requestsMillion: 0.2,
    /** arm64 (Graviton), first 7.5 billion GB-seconds a month. */
    arm64GbSecond: 0.0000133334,
  },
  xray: { tracesMillion: 5 },
  waf: { webAclMonth: 5, ruleMonth: 1, requestsMillion: 0.6 },
  secretsManager: { secretMonth: 0.4 },
  s3: { standardGbMonth: 0.023 },
} as const;

type Widen<T> = T extends number
  ? number
  : T extends string
    ? string
    : T extends readonly (infer U)[]
      ? readonly Widen<U>[]
      : { readonly [K in keyof T]: Widen<T[K]> };

/** The shape of {@link PRICES}, for estimates with another table (tests, another region). */
export type PriceTable = Widen<typeof PRICES>;
