import {
  type NameScope,
  SERVICE_API_METRICS,
  serviceAccessStackComponent,
  serviceStackNamePrefix,
  stackName,
} from '@shared-lambda-infra/contract';
import { table } from '../assembly-summary';
import type { ServiceConfig } from '../config/schema';
import { type CostAssumptions, type CostLine, estimateCost, type StackTemplate } from './estimate';
import { PRICES, type PriceTable } from './prices';

/** What {@link estimateServiceCost} reads. */
export interface ServiceCostInput {
  /** Project and environment. */
  readonly nameScope: NameScope;
  /** The service's registry entry (name, base path, `expectedTraffic`). */
  readonly service: ServiceConfig;
  /** How many services the registry has: the shared fixed cost is split between them. */
  readonly registeredServices: number;
  /** Every stack of the platform's synthesis, the access stacks included. */
  readonly platformStacks: readonly StackTemplate[];
  /** The stacks of the service's own assembly (its `cdk.out`); empty when none was given. */
  readonly serviceStacks: readonly StackTemplate[];
  /** The environment's assumptions (access log bytes a request, free tier). */
  readonly assumptions: CostAssumptions;
}

/** One service's month, in three parts. */
export interface ServiceCost {
  /** Resources that exist for the service alone: its own stacks, its access stack, its gateway metrics. */
  readonly own: readonly CostLine[];
  /** What its traffic costs on the shared API and network, from its declared expectations. */
  readonly usage: readonly CostLine[];
  /** Its share of the platform's fixed cost. */
  readonly shared: readonly CostLine[];
  /** Sum of every line. */
  readonly total: number;
}

/**
 * The allocation rule (docs/cost.md, "Cost per service"):
 * 1. own: every resource of the service's stacks (from its assembly) and of its access stack
 *    (alarm topic, the platform's alarms on its gateway signals), at list price, and the custom
 *    metrics its `BasePath` dimension creates (one per per-service gateway metric);
 * 2. usage: its expected requests (REST API requests, and the access log lines they write), its
 *    responses' bytes out to the internet, and the GB its functions send through NAT;
 * 3. shared: the platform's fixed month (NAT gateways, interface endpoints, keys, flow logs,
 *    platform alarms and dashboard; after the CloudWatch free tier when it applies), without the
 *    access stacks, split evenly between the registered services: it stands whether a service
 *    sends one request or a billion, so no traffic measure divides it more fairly.
 */
export function estimateServiceCost(input: ServiceCostInput, prices: PriceTable = PRICES): ServiceCost {
  const { nameScope, service, assumptions } = input;
  const accessStack = stackName(nameScope, serviceAccessStackComponent(service.name));
  const isAccess = (s: StackTemplate) =>
    s.stackName.startsWith(stackName(nameScope, 'access-x').slice(0, -1));
  const noFreeTier = { ...assumptions, cloudWatchFreeTier: false };

  const ownStacks = [
    ...input.platformStacks.filter((s) => s.stackName === accessStack),
    ...input.serviceStacks.filter((s) =>
      s.stackName.startsWith(serviceStackNamePrefix(nameScope, service.name)),
    ),
  ];
  const own: CostLine[] = estimateCost(ownStacks, noFreeTier, prices).lines.map((l) => ({
    ...l,
    item: `${l.item} (its stacks)`,
  }));
  const metrics = Object.keys(SERVICE_API_METRICS).length;
  own.push(
    line(
      `Gateway metrics of /${service.basePath} (custom metrics)`,
      metrics,
      'metric',
      prices.cloudWatch.customMetricMonth,
    ),
  );

  const traffic = service.expectedTraffic ?? {
    requestsPerMonth: 0,
    natGbPerMonth: 0,
    responseKbPerRequest: 0,
  };
  const millions = traffic.requestsPerMonth / 1e6;
  const usage: CostLine[] = [
    line('REST API requests (expected)', millions, 'million requests', prices.apiGateway.restMillion),
    line(
      `Access log lines (${assumptions.accessLogBytesPerRequest} bytes a request)`,
      (traffic.requestsPerMonth * assumptions.accessLogBytesPerRequest) / 1024 ** 3,
      'GB',
      prices.cloudWatch.logsIngestGb,
    ),
    line(
      `Responses out to the internet (${traffic.responseKbPerRequest} KB a request)`,
      (traffic.requestsPerMonth * traffic.responseKbPerRequest) / 1024 ** 2,
      'GB',
      prices.network.dataTransferOutGb,
    ),
    line(
      'Data through the NAT gateways (expected)',
      traffic.natGbPerMonth,
      'GB',
      prices.network.natGatewayGb,
    ),
  ].filter((l) => l.quantity > 0);

  const platform = estimateCost(
    input.platformStacks.filter((s) => !isAccess(s)),
    assumptions,
    prices,
  );
  const n = Math.max(input.registeredServices, 1);
  const shared = [
    line(
      `Platform fixed month, split between ${n} ${n === 1 ? 'service' : 'services'}`,
      1 / n,
      'share',
      platform.total,
    ),
  ];
  const all = [...own, ...usage, ...shared];
  return { own, usage, shared, total: all.reduce((t, l) => t + l.monthly, 0) };
}

function line(item: string, quantity: number, unit: string, unitPrice: number): CostLine {
  return { item, quantity, unit, unitPrice, monthly: quantity * unitPrice };
}

const usd = (n: number) => `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;
// Unit prices such as $0.045 a GB need a third decimal.
const unitUsd = (n: number) => `$${n.toFixed(3).replace(/0$/, '')}`;
const quantity = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, ''));

/** Renders a service's month as the table `npm run cost -- --service NAME` prints. */
export function renderServiceCost(title: string, cost: ServiceCost, notes: readonly string[] = []): string {
  const rows = (part: string, lines: readonly CostLine[]) =>
    lines.map((l) => [part, l.item, quantity(l.quantity), l.unit, unitUsd(l.unitPrice), usd(l.monthly)]);
  return [
    `${title}: ${usd(cost.total)} a month (${PRICES.region} list prices of ${PRICES.date})`,
    '',
    table(
      ['Part', 'Item', 'Quantity', 'Unit', 'Unit price', 'Monthly'],
      [
        ...rows('own', cost.own),
        ...rows('usage', cost.usage),
        ...rows('shared', cost.shared),
        ['', 'Total', '', '', '', usd(cost.total)],
      ],
      [false, false, true, false, true, true],
    ),
    'Rule: own = its stacks, its access stack and its gateway metrics; usage = its expected traffic (services[].expectedTraffic); shared = the platform fixed month split evenly between the registered services (docs/cost.md).',
    ...notes,
  ].join('\n');
}
