import type { RouteAuthorization, ServiceRegistration } from '@shared-lambda-infra/contract';
import { ALLOW_PUBLIC_ROUTES_DEFAULT, PLATFORM_API_RESOURCES } from './config/defaults';
import type { PlatformConfig, ServiceConfig } from './config/schema';

/**
 * Whether `service` may declare public routes (`authorization: 'none'`): its registry entry's
 * `allowPublicRoutes`, else the environment's default ({@link ALLOW_PUBLIC_ROUTES_DEFAULT}).
 */
export function allowsPublicRoutes(config: PlatformConfig, service: ServiceConfig): boolean {
  return service.allowPublicRoutes ?? ALLOW_PUBLIC_ROUTES_DEFAULT[config.environment];
}

/**
 * What the platform registry says about one service (contract `ServiceRegistration`), as its
 * access stack publishes it and the routes receiver and reconciler read it:
 * - `throttle`: the entry's override, else `api.throttle`;
 * - `allowedAuthorizations`: `jwt` when the platform has a JWT or Cognito authorizer, always `iam`,
 *   and `none` only when {@link allowsPublicRoutes};
 * - `cachingAllowed`: whether the stage has a cache cluster (`api.cache`).
 */
export function serviceRegistration(config: PlatformConfig, service: ServiceConfig): ServiceRegistration {
  const { api } = config;
  const allowed: RouteAuthorization[] = [];
  if (api.authorizer || api.cognitoUserPoolArns) allowed.push('jwt');
  if (allowsPublicRoutes(config, service)) allowed.push('none');
  allowed.push('iam');
  const { rateLimit, burstLimit } = service.throttle ?? api.throttle;
  return {
    service: service.name,
    basePath: service.basePath,
    throttle: { rateLimit, burstLimit },
    allowedAuthorizations: allowed,
    cachingAllowed: api.cache !== undefined,
    resourceBudget: resourceBudget(config, service),
  };
}

/**
 * The API Gateway resources `service` may use on the shared API: its entry's `resourceBudget`, else
 * an even share (rounded down) of what `api.quotas.resourcesPerApi` leaves after the platform's own
 * resources and the budgets other entries set (the config check keeps the sum within the quota).
 */
export function resourceBudget(config: PlatformConfig, service: ServiceConfig): number {
  if (service.resourceBudget !== undefined) return service.resourceBudget;
  const overridden = config.services.filter((s) => s.resourceBudget !== undefined);
  const reserved = overridden.reduce((total, s) => total + (s.resourceBudget ?? 0), 0);
  const room = config.api.quotas.resourcesPerApi - PLATFORM_API_RESOURCES.length - reserved;
  const sharing = config.services.length - overridden.length;
  return Math.max(0, Math.floor(room / Math.max(1, sharing)));
}
