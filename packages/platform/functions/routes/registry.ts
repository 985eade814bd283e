import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type NameScope,
  Parameters,
  ROUTE_AUTHORIZATIONS,
  type RouteAuthorization,
  type ServiceRegistration,
} from '@shared-lambda-infra/contract';
import type { Log } from './common';

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
): Promise<Map<string, ServiceRegistration>> {
  const root = `/${scope.project}/${scope.env}/services`;
  const registry = new Map<string, ServiceRegistration>();
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: root, Recursive: true, NextToken: nextToken, MaxResults: 10 }),
    );
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

/** The registration, or a sentence saying what is wrong with it. */
export function parseRegistration(service: string, raw: string | undefined): ServiceRegistration | string {
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
  if (!Number.isInteger(value.resourceBudget) || (value.resourceBudget as number) < 0)
    return '"resourceBudget" must be a whole number of API resources';
  return value as ServiceRegistration;
}
