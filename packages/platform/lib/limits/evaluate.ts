import { table } from '../assembly-summary';
import type { PlatformConfig } from '../config/schema';
import { LIMITS, type LimitDefinition, runsOutAt, type Usage } from './catalogue';
import type { LimitContext, MeasuredEnvironment } from './measure';

/** The share of a limit past which `npm run synth` warns. */
export const WARN_RATIO = 0.8;

/** One usage of one limit, judged. */
export interface Finding {
  /** The limit. */
  readonly limit: LimitDefinition;
  /** The usage. */
  readonly usage: Usage;
  /** `exceeded` past the limit, `warning` past {@link WARN_RATIO} of it, else `ok`. */
  readonly status: 'ok' | 'warning' | 'exceeded';
}

/**
 * The measuring context of one environment: `others` are the other environments whose configs
 * name the same account (their quotas are shared); configs without an account share with nobody.
 */
export function limitContext(
  env: MeasuredEnvironment,
  others: readonly MeasuredEnvironment[] = [],
): LimitContext {
  const sameAccount = env.config.account
    ? others.filter(
        (o) => o.config.account === env.config.account && o.config.environment !== env.config.environment,
      )
    : [];
  return { ...env, account: [env, ...sameAccount] };
}

/** Every usage of every limit in the catalogue, judged. */
export function evaluateLimits(
  context: LimitContext,
  limits: readonly LimitDefinition[] = LIMITS,
): Finding[] {
  return limits.flatMap((limit) =>
    limit.usage(context).map((usage) => ({
      limit,
      usage,
      status:
        usage.used > usage.limit ? 'exceeded' : usage.used > usage.limit * WARN_RATIO ? 'warning' : 'ok',
    })),
  );
}

/** The one usage per limit a table shows: the one with the least headroom. */
export function worstPerLimit(findings: readonly Finding[]): Finding[] {
  const out = new Map<string, Finding>();
  for (const f of findings) {
    const current = out.get(f.limit.id);
    if (!current || f.usage.used / f.usage.limit > current.usage.used / current.usage.limit)
      out.set(f.limit.id, f);
  }
  return [...out.values()];
}

const n = (value: number) => value.toLocaleString('en-US');

/** The table `npm run limits` prints: each limit's tightest usage, headroom and where it runs out. */
export function renderLimits(config: PlatformConfig, findings: readonly Finding[]): string {
  const rows = worstPerLimit(findings).map(({ limit, usage, status }) => {
    const headroom = usage.limit - usage.used;
    const out = runsOutAt(usage);
    return [
      limit.title,
      n(usage.used),
      `${n(usage.limit)} ${limit.unit}`,
      `${n(headroom)} (${Math.round((100 * headroom) / usage.limit)}%)`,
      usage.atLongestNames === undefined ? '' : n(usage.atLongestNames),
      out === undefined ? '' : `${n(out)} ${usage.growth?.unit}`,
      status === 'ok' ? 'ok' : status.toUpperCase(),
      usage.subject,
    ];
  });
  const header = [
    'Limit',
    'Used',
    'Limit',
    'Headroom',
    'At longest names',
    'Runs out at',
    'Status',
    'Tightest',
  ];
  return [
    `AWS limits of ${config.environment} (${config.account ? `account ${config.account}` : 'environment-agnostic'}, ${config.services.length} services)`,
    '',
    table(header, rows, [false, true, true, true, true, true, false, false]),
    'Runs out at: the registry size (services, or routes of one function or of the API) at which the usage passes the limit.',
    'At longest names: the usage with 20-character project and service names.',
  ].join('\n');
}

/** A message for one finding past the warning ratio: limit, usage, largest contributors and the fix. */
export function describeFinding({ limit, usage, status }: Finding): string {
  const top = usage.contributors
    .slice(0, 3)
    .map((c) => `${c.name} ${n(c.size)}`)
    .join(', ');
  const verb = status === 'exceeded' ? 'exceeds' : `is past ${Math.round(WARN_RATIO * 100)}% of`;
  return `${limit.title}: ${usage.subject} uses ${n(usage.used)} ${limit.unit}, which ${verb} the limit of ${n(usage.limit)} (${limit.quotaName}${limit.quotaCode ? `, ${limit.quotaCode}` : ''})${top ? `; largest: ${top}` : ''}; fix: ${limit.fix}`;
}

/** The problems `npm run synth` reports: every exceeded limit (errors) and every one past 80% (warnings). */
export function limitProblems(findings: readonly Finding[]): { errors: string[]; warnings: string[] } {
  return {
    errors: findings.filter((f) => f.status === 'exceeded').map(describeFinding),
    warnings: findings.filter((f) => f.status === 'warning').map(describeFinding),
  };
}
