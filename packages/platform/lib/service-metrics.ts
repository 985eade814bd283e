import { ACCESS_LOG_BASE_PATH_FIELD, SERVICE_API_METRICS } from '@shared-lambda-infra/contract';

/**
 * How the per-service gateway metrics are cut into metric filters, and the CloudWatch Logs limits
 * that decide it (docs/observability.md).
 *
 * One metric filter with a `BasePath` dimension serves many services at once, but CloudWatch Logs
 * may disable a filter that produces 1,000 different dimension values within one hour,
 * and a log group takes at most 100 metric filters. So the registered base paths are partitioned
 * into shards of at most {@link SERVICE_METRIC_LIMITS.basePathsPerFilter}, each shard one filter
 * per metric whose pattern matches only the shard's base paths (by prefix, `"svc1*"`, or exactly).
 */
export const SERVICE_METRIC_LIMITS = {
  /**
   * Metric filters per log group: a CloudWatch Logs quota AWS does not raise.
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html
   */
  metricFiltersPerLogGroup: 100,
  /**
   * Dimension values at which CloudWatch Logs may disable a metric filter ("1,000 different
   * name/value pairs for your specified dimensions within one hour").
   * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html
   */
  dimensionValuesBeforeDisable: 1000,
  /**
   * Base paths one filter may see: 100 below the disabling threshold, because a renamed or removed
   * base path still counts within the hour, next to its successor.
   */
  basePathsPerFilter: 900,
  /** Filters on the access log group kept for the platform's own (the API-wide 429 count, and room for more). */
  platformFilterReserve: 10,
  /** Characters of a filter pattern (PutMetricFilter `filterPattern`, at most 1,024). */
  filterPatternLength: 1024,
} as const;

/** Filters one shard takes: one per per-service gateway metric. */
export const FILTERS_PER_SHARD = Object.keys(SERVICE_API_METRICS).length;

/** Shards the access log group has room for. */
export const MAX_SHARDS = Math.floor(
  (SERVICE_METRIC_LIMITS.metricFiltersPerLogGroup - SERVICE_METRIC_LIMITS.platformFilterReserve) /
    FILTERS_PER_SHARD,
);

/** One part of a shard: every base path that starts with `prefix`, or exactly `prefix`. */
export interface ShardUnit {
  readonly prefix: string;
  /** True: the base path `prefix` alone; false: every base path that starts with it. */
  readonly exact: boolean;
  /** The registered base paths it covers. */
  readonly basePaths: readonly string[];
}

/** The base paths one set of metric filters serves. */
export interface MetricShard {
  readonly units: readonly ShardUnit[];
  /** The filter-pattern clause that matches exactly the shard's base paths (and never `health`). */
  readonly clause: string;
  /** How many registered base paths it serves. */
  readonly size: number;
}

/** The result of {@link planMetricShards}: the shards, or why the registry does not fit. */
export interface MetricShardPlan {
  readonly shards: readonly MetricShard[];
  /** What does not fit (empty when the plan holds). */
  readonly problems: readonly string[];
}

// The longest metric-specific condition a shard's pattern adds to its clause (see service-api-metrics.ts).
const LONGEST_CONDITION = ' && ($.errorType = "UNAUTHORIZED" || $.errorType = "ACCESS_DENIED")';

/**
 * Partitions the registered base paths into metric shards: base paths are grouped by their
 * shortest prefix that holds at most {@link SERVICE_METRIC_LIMITS.basePathsPerFilter} of them
 * (`s`, else `sv`, `svc`, `svc1`, ...), and the groups packed, in order, into shards that stay under
 * that number and under the filter pattern's length.
 */
export function planMetricShards(basePaths: readonly string[]): MetricShardPlan {
  const budget = SERVICE_METRIC_LIMITS.basePathsPerFilter;
  const units = partition([...new Set(basePaths)].sort(), '', budget);
  const shards: MetricShard[] = [];
  let current: ShardUnit[] = [];
  const flush = () => {
    if (current.length > 0) shards.push(shardOf(current));
    current = [];
  };
  for (const unit of units) {
    const next = [...current, unit];
    const size = next.reduce((n, u) => n + u.basePaths.length, 0);
    const length = shardOf(next).clause.length + LONGEST_CONDITION.length + 4;
    if (current.length > 0 && (size > budget || length > SERVICE_METRIC_LIMITS.filterPatternLength)) flush();
    current.push(unit);
  }
  flush();
  const problems: string[] = [];
  if (shards.length > MAX_SHARDS) {
    problems.push(
      `${basePaths.length} base paths need ${shards.length} sets of per-service metric filters (${shards.length * FILTERS_PER_SHARD} filters, ${FILTERS_PER_SHARD} per set) on the API's access log group, but a log group takes ${SERVICE_METRIC_LIMITS.metricFiltersPerLogGroup} metric filters (${SERVICE_METRIC_LIMITS.platformFilterReserve} kept for the platform's own), so at most ${MAX_SHARDS} sets of at most ${budget} base paths each; register fewer services in this environment, or give base paths more varied first letters so the sets fill up`,
    );
  }
  return { shards, problems };
}

function partition(sorted: readonly string[], prefix: string, budget: number): ShardUnit[] {
  if (sorted.length === 0) return [];
  if (sorted.length <= budget) return [{ prefix, exact: false, basePaths: sorted }];
  const units: ShardUnit[] = [];
  if (sorted[0] === prefix) units.push({ prefix, exact: true, basePaths: [prefix] });
  const byNext = new Map<string, string[]>();
  for (const basePath of sorted) {
    if (basePath === prefix) continue;
    const next = basePath.slice(0, prefix.length + 1);
    const group = byNext.get(next);
    if (group) group.push(basePath);
    else byNext.set(next, [basePath]);
  }
  for (const [next, group] of byNext) units.push(...partition(group, next, budget));
  return units;
}

function shardOf(units: readonly ShardUnit[]): MetricShard {
  const field = `$.${ACCESS_LOG_BASE_PATH_FIELD}`;
  const alternatives = units.map((u) =>
    u.prefix === '' ? `${field} = *` : `${field} = "${u.prefix}${u.exact ? '' : '*'}"`,
  );
  // An empty prefix is every base path: the clause must still exclude the platform's /health and
  // anything that is not a base path (`/` or `-` when API Gateway matched no resource).
  const matches = alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' || ')})`;
  return {
    units,
    clause: `${matches} && ${field} != "health" && ${field} != "-" && ${field} != "/"`,
    size: units.reduce((n, u) => n + u.basePaths.length, 0),
  };
}
