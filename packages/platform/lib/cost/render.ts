import { table } from '../assembly-summary';
import type { PlatformConfig } from '../config/schema';
import {
  type CostAssumptions,
  type CostEstimate,
  DEFAULT_ASSUMPTIONS,
  estimateCost,
  type NetworkChoice,
  networkChoices,
  type StackTemplate,
} from './estimate';
import { PRICES, type PriceTable } from './prices';

const usd = (n: number) => `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`;
// Rates span $0.0000133334 (a GB-second) to $5 (a million traces): enough digits for the smallest.
const rateUsd = (n: number) => `$${n >= 0.01 ? n.toFixed(3).replace(/0$/, '') : n.toPrecision(3)}`;
const quantity = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Renders an estimate as the plain-text tables `npm run synth` and `npm run cost` print. */
export function renderCost(
  title: string,
  estimate: CostEstimate,
  assumptions: CostAssumptions,
  choices: readonly NetworkChoice[] = [],
  prices: PriceTable = PRICES,
): string {
  const out = [
    `${title}: ${usd(estimate.total)} a month fixed (${prices.region} list prices of ${prices.date}, ${prices.hoursPerMonth} h a month)`,
    '',
    table(
      ['Fixed cost', 'Quantity', 'Unit', 'Unit price', 'Monthly'],
      [
        ...estimate.lines.map((l) => [
          l.item,
          quantity(l.quantity),
          l.unit,
          usd(l.unitPrice),
          usd(l.monthly),
        ]),
        ['Total before free tier', '', '', '', usd(estimate.listTotal)],
        ['Total', '', '', '', usd(estimate.total)],
      ],
      [false, true, false, true, true],
    ),
    `Assumed: flow logs ${assumptions.flowLogGbPerMonth} GB a month; CloudWatch free tier ${assumptions.cloudWatchFreeTier ? 'applied (the environment has its account to itself)' : 'not applied'}.`,
  ];
  for (const w of estimate.warnings) out.push(`Not priced: ${w}.`);
  out.push(
    '',
    table(
      ['What traffic adds', 'Per', 'Price'],
      estimate.rates.map((r) => [r.item, r.per, rateUsd(r.price)]),
      [false, false, true],
    ),
  );
  if (choices.length > 0) {
    const current = choices.find((c) => c.current);
    out.push(
      '',
      table(
        ['Network choice (NAT, AZs)', 'Monthly', 'Against current'],
        choices.map((c) => [
          `${c.nat}, ${c.maxAzs} AZs${c.current ? ' (current)' : ''}`,
          usd(c.monthly),
          current ? `${c.monthly >= current.monthly ? '+' : ''}${usd(c.monthly - current.monthly)}` : '',
        ]),
        [false, true, true],
      ),
    );
    out.push(
      'NAT and interface endpoints only. instance: one NAT instance, an AZ outage or instance failure cuts egress; single: one managed gateway, its AZ is a single point of failure; perAz: survives an AZ outage; regional: one gateway billed in every AZ it is active in, survives an AZ outage.',
    );
  }
  return out.join('\n');
}

/**
 * The cost section of an environment: its synthesized stacks estimated with the environment's
 * default assumptions, and its network's high-availability choices.
 */
export function renderEnvironmentCost(config: PlatformConfig, stacks: readonly StackTemplate[]): string {
  const assumptions = DEFAULT_ASSUMPTIONS[config.environment];
  return renderCost(
    `Estimated cost of ${config.project} ${config.environment}`,
    estimateCost(stacks, assumptions),
    assumptions,
    networkChoices(config.network),
  );
}
