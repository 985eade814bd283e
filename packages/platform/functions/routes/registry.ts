import { GetParametersByPathCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type DeclaredRoute,
  type NameScope,
  Parameters,
  ROUTE_AUTHORIZATIONS,
  type RouteAuthorization,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import { type Backoff, type Clock, type Log, withBackoff } from './common';

/**
 * A registration as read from Parameter Store. One published by an access stack older than resource
 * budgets has no `resourceBudget` until that stack is deployed again (the platform's deploy
 * republishes every registration): readers must not take such a service for an unregistered one.
 */
export type ReadRegistration = Omit<ServiceRegistration, 'resourceBudget'> & {
  /** @default - none: published before budgets existed (not measured against one) */
  readonly resourceBudget?: number;
};

/**
 * Reads the platform registry: every `ServiceRegistration` under `/{project}/{env}/services/`.
 *
 * Why the SSM parameters and not a snapshot of the config: they are already the contract's single
 * published truth (the platform writes them, services cannot, and the consumer reads the same
 * paths), a registered service appears in them as soon as its access stack is deployed, and a
 * reader needs one paginated call (10 parameters per page) with one path-scoped IAM statement.
 *
 * A registration that does not parse is skipped with an error in the log: that service's
 * declarations are refused (not registered) rather than applied with a guessed base path.
 */
export async function loadRegistry(
  ssm: SSMClient,
  scope: NameScope,
  log: Log,
  backoff?: Backoff,
): Promise<Map<string, ReadRegistration>> {
  const root = `/${scope.project}/${scope.env}/services`;
  const registry = new Map<string, ReadRegistration>();
  let nextToken: string | undefined;
  do {
    const input = { Path: root, Recursive: true, NextToken: nextToken, MaxResults: 10 };
    const page = backoff
      ? await withBackoff(() => ssm.send(new GetParametersByPathCommand(input)), backoff)
      : await ssm.send(new GetParametersByPathCommand(input));
    for (const p of page.Parameters ?? []) {
      const match = /^\/[^/]+\/[^/]+\/services\/([^/]+)\/([^/]+)$/.exec(p.Name ?? '');
      if (!match || match[2] !== Parameters.serviceRegistration.attribute) continue;
      const service = match[1];
      const parsed = parseRegistration(service, p.Value);
      if (typeof parsed === 'string') {
        log.error('unusable service registration; the service is treated as not registered', {
          parameter: p.Name,
          problem: parsed,
        });
      } else {
        registry.set(service, parsed);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return registry;
}

/** The registration parameter's name of one service. */
export function registrationParameterName(scope: NameScope, service: string): string {
  return Parameters.serviceRegistration.path(scope, service);
}

/** GetParameters takes at most 10 names per call. */
const NAMES_PER_CALL = 10;

/**
 * Reads the registrations of a few named services (GetParameters, 10 names a call), not the whole
 * registry: what one routes request costs Parameter Store does not grow with the number of
 * registered services. Answers are cached in the warm Lambda (a registered service for
 * `ttlMs`, an unregistered name for `negativeTtlMs` so a newly registered service is seen soon),
 * and throttling (Parameter Store's default is 40 transactions per second for the account,
 * shared with every other reader) is retried with jittered backoff within the caller's deadline.
 *
 * @see https://docs.aws.amazon.com/general/latest/gr/ssm.html#limits_ssm
 */
export class RegistrationReader {
  private readonly cache = new Map<string, { at: number; value: ReadRegistration | undefined }>();

  /**
   * @param ssm the client.
   * @param scope the project and environment.
   * @param log where unusable registrations are reported.
   * @param clock the clock of the cache and the backoff.
   * @param ttlMs how long a registration is reused.
   * @param negativeTtlMs how long "not registered" is reused.
   */
  constructor(
    private readonly ssm: SSMClient,
    private readonly scope: NameScope,
    private readonly log: Log,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
    private readonly negativeTtlMs = 5_000,
  ) {}

  /** The registrations of those of `services` that are registered (and parse), by service. */
  async read(services: Iterable<string>, deadline: number): Promise<Map<string, ReadRegistration>> {
    const now = this.clock.now();
    const result = new Map<string, ReadRegistration>();
    const missing: string[] = [];
    for (const service of new Set(services)) {
      const hit = this.cache.get(service);
      const ttl = hit?.value ? this.ttlMs : this.negativeTtlMs;
      if (hit && now - hit.at < ttl) {
        if (hit.value) result.set(service, hit.value);
      } else missing.push(service);
    }
    for (let i = 0; i < missing.length; i += NAMES_PER_CALL) {
      const chunk = missing.slice(i, i + NAMES_PER_CALL);
      const byName = new Map(chunk.map((s) => [registrationParameterName(this.scope, s), s]));
      const out = await withBackoff(
        () => this.ssm.send(new GetParametersCommand({ Names: [...byName.keys()] })),
        { clock: this.clock, deadline, baseMs: 200, maxMs: 5_000 },
      );
      const found = new Map((out.Parameters ?? []).map((p) => [p.Name ?? '', p.Value]));
      for (const [name, service] of byName) {
        let value: ReadRegistration | undefined;
        if (found.has(name)) {
          const parsed = parseRegistration(service, found.get(name));
          if (typeof parsed === 'string') {
            this.log.error('unusable service registration; the service is treated as not registered', {
              parameter: name,
              problem: parsed,
            });
          } else value = parsed;
        }
        this.cache.set(service, { at: this.clock.now(), value });
        if (value) result.set(service, value);
      }
    }
    return result;
  }
}

/** The registration, or a sentence saying what is wrong with it. */
export function parseRegistration(service: string, raw: string | undefined): ReadRegistration | string {
  let value: Partial<ServiceRegistration>;
  try {
    value = JSON.parse(raw ?? '') as Partial<ServiceRegistration>;
  } catch {
    return 'not JSON';
  }
  if (value.service !== service)
    return `"service" is ${JSON.stringify(value.service)}, expected "${service}"`;
  if (typeof value.basePath !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(value.basePath)) {
    return `"basePath" ${JSON.stringify(value.basePath)} is not one path segment`;
  }
  const t = value.throttle;
  if (!t || !(t.rateLimit > 0) || !(t.burstLimit >= 0))
    return '"throttle" needs rateLimit > 0 and burstLimit >= 0';
  if (
    !Array.isArray(value.allowedAuthorizations) ||
    value.allowedAuthorizations.some((a) => !ROUTE_AUTHORIZATIONS.includes(a as RouteAuthorization))
  ) {
    return `"allowedAuthorizations" must list ${ROUTE_AUTHORIZATIONS.join(', ')}`;
  }
  if (typeof value.cachingAllowed !== 'boolean') return '"cachingAllowed" must be true or false';
  // Absent: published before budgets existed (ReadRegistration); present, it must be usable.
  if (
    value.resourceBudget !== undefined &&
    (!Number.isInteger(value.resourceBudget) || (value.resourceBudget as number) < 0)
  )
    return '"resourceBudget" must be a whole number of API resources';
  return value as ReadRegistration;
}

/** `a-b-c` -> `a`, `a-b`: the shorter names a hyphenated name extends. */
export function hyphenPrefixes(name: string): string[] {
  const parts = name.split('-');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('-'));
}

/**
 * The names whose registrations tell this service's functions from another's: services whose name
 * would extend this one's and name one of the declared functions (`…-fn-orders-api-list` belongs
 * to `orders-api` when it is registered, not to `orders`). A few names, whatever the registry's size.
 */
export function functionOwnerCandidates(scope: NameScope, service: string, routes: unknown): string[] {
  const prefix = `${scope.project}-${scope.env}-fn-${service}-`;
  const names = new Set<string>();
  for (const r of Array.isArray(routes) ? (routes as Partial<DeclaredRoute>[]) : []) {
    const fn = typeof r?.functionArn === 'string' ? (r.functionArn.split(':')[6] ?? '') : '';
    if (!fn.startsWith(prefix)) continue;
    const rest = fn.slice(prefix.length - service.length - 1);
    for (const name of [...hyphenPrefixes(rest), rest]) {
      // Service names are at most 20 characters.
      if (name.length > service.length && name.length <= 20 && name.startsWith(`${service}-`))
        names.add(name);
    }
  }
  return [...names];
}
