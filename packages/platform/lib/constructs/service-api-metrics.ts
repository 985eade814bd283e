import {
  ACCESS_LOG_BASE_PATH_FIELD,
  type NameScope,
  resourceName,
  SERVICE_API_METRIC_DIMENSION,
  SERVICE_API_METRICS,
  serviceApiMetricsNamespace,
} from '@shared-lambda-infra/contract';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type MetricShard, planMetricShards } from '../service-metrics';

/** Props of {@link ServiceApiMetrics}. */
export interface ServiceApiMetricsProps {
  /** Project and environment: the metrics' namespace and the transformer's name. */
  readonly nameScope: NameScope;
  /** The stage's JSON access log group. */
  readonly accessLogGroup: logs.ILogGroup;
  /** The registered services' base paths (the registry): each gets its own `BasePath` dimension value. */
  readonly basePaths: readonly string[];
}

/** One per-service metric: what a log line must say to count, and what it counts. */
interface MetricSpec {
  readonly key: keyof typeof SERVICE_API_METRICS;
  /** Added to the shard's clause with `&&`; none: every request of the shard. */
  readonly condition?: string;
  /** A field of the line (`$.responseLatency`), else 1 per line. */
  readonly value?: string;
  readonly unit: cloudwatch.Unit;
}

/**
 * The conditions of each per-service metric, on the transformed line (status and latencies are
 * numbers after the transformer's type conversion). Exported for the filter-pattern tests.
 */
export const SERVICE_METRIC_SPECS: readonly MetricSpec[] = [
  { key: 'requests', unit: cloudwatch.Unit.COUNT },
  { key: 'clientErrors', condition: '$.status >= 400 && $.status < 500', unit: cloudwatch.Unit.COUNT },
  { key: 'serverErrors', condition: '$.status >= 500', unit: cloudwatch.Unit.COUNT },
  { key: 'throttled', condition: '$.status = 429', unit: cloudwatch.Unit.COUNT },
  {
    key: 'authorizerDenied',
    condition: '($.errorType = "UNAUTHORIZED" || $.errorType = "ACCESS_DENIED")',
    unit: cloudwatch.Unit.COUNT,
  },
  {
    key: 'latency',
    condition: '$.responseLatency >= 0',
    value: '$.responseLatency',
    unit: cloudwatch.Unit.MILLISECONDS,
  },
  {
    key: 'integrationLatency',
    condition: '$.integrationLatency >= 0',
    value: '$.integrationLatency',
    unit: cloudwatch.Unit.MILLISECONDS,
  },
];

/** The filter pattern of one metric in one shard. */
export function serviceMetricPattern(shard: MetricShard, spec: MetricSpec): string {
  return `{ ${shard.clause}${spec.condition ? ` && ${spec.condition}` : ''} }`;
}

/**
 * Per-service signals of the shared API from its access log, without API Gateway's per-method
 * detailed metrics (billed per route): requests, 4XX, 5XX, throttles, authorizer denials, latency
 * and integration latency, under `{project}/{env}/ServiceApi` with the dimension `BasePath`.
 *
 * API Gateway has no access log variable for "the service": the log group's transformer adds
 * `basePath`, the first segment of `resourcePath` (the resource the request matched, so a caller
 * cannot invent values), and converts `status` and the latencies to numbers. Metric filters on the
 * transformed lines publish the metrics, sharded by base path ({@link planMetricShards}) so that no
 * filter sees 1,000 dimension values, at which CloudWatch Logs disables it.
 *
 * @see docs/observability.md
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch-Logs-Transformation.html
 */
export class ServiceApiMetrics extends Construct {
  /** The shards, each one set of filters. */
  public readonly shards: readonly MetricShard[];
  /** The namespace of the metrics. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: ServiceApiMetricsProps) {
    super(scope, id);
    const plan = planMetricShards(props.basePaths);
    if (plan.problems.length > 0) throw new Error(plan.problems.join('; '));
    this.shards = plan.shards;
    this.namespace = serviceApiMetricsNamespace(props.nameScope);
    const transformer = this.createTransformer(props);
    this.shards.forEach((shard, index) => {
      for (const spec of SERVICE_METRIC_SPECS) {
        const filter = new logs.MetricFilter(this, `Shard${index + 1}${pascal(spec.key)}`, {
          logGroup: props.accessLogGroup,
          filterPattern: logs.FilterPattern.literal(serviceMetricPattern(shard, spec)),
          metricNamespace: this.namespace,
          metricName: SERVICE_API_METRICS[spec.key],
          metricValue: spec.value ?? '1',
          dimensions: { [SERVICE_API_METRIC_DIMENSION]: `$.${ACCESS_LOG_BASE_PATH_FIELD}` },
          unit: spec.unit,
          // The filters read basePath, which exists only on the transformed line.
          applyOnTransformedLogs: true,
        });
        filter.node.addDependency(transformer);
      }
    });
  }

  /**
   * parseJSON, then `basePath` = `resourcePath` with everything but its first segment removed
   * (Java regex replacement: `$1` is the first group), then status and latencies as integers.
   */
  private createTransformer(props: ServiceApiMetricsProps): logs.Transformer {
    return new logs.Transformer(this, 'Transformer', {
      transformerName: resourceName('logGroup', {
        ...props.nameScope,
        resourceType: 'transformer',
        identifier: 'api-access',
      }),
      logGroup: props.accessLogGroup,
      transformerConfig: [
        new logs.ParserProcessor({ type: logs.ParserProcessorType.JSON }),
        new logs.JsonMutatorProcessor({
          type: logs.JsonMutatorType.COPY_VALUE,
          copyValueOptions: { entries: [{ source: 'resourcePath', target: ACCESS_LOG_BASE_PATH_FIELD }] },
        }),
        new logs.StringMutatorProcessor({
          type: logs.StringMutatorType.SUBSTITUTE,
          substituteOptions: {
            entries: [{ source: ACCESS_LOG_BASE_PATH_FIELD, from: BASE_PATH_REGEX, to: '$1' }],
          },
        }),
        new logs.DataConverterProcessor({
          type: logs.DataConverterType.TYPE_CONVERTER,
          typeConverterOptions: {
            entries: ['status', 'responseLatency', 'integrationLatency'].map((key) => ({
              key,
              type: logs.TypeConverterType.INTEGER,
            })),
          },
        }),
      ],
    });
  }
}

/** What the transformer's substitution matches: a resource path, its first segment captured. */
export const BASE_PATH_REGEX = '^/([^/]+).*$';

function pascal(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}
