import type { RedeployPhase, RedeployResourceProperties } from '@shared-lambda-infra/contract';

/** A service's method throttling, parsed from the `Throttle` property. */
export interface Throttle {
  /** Steady-state requests per second, applied as each method's `throttling/rateLimit`; above 0. */
  readonly rateLimit: number;
  /** Bucket size in requests, applied as each method's `throttling/burstLimit`; an integer, 0 or more. */
  readonly burstLimit: number;
}

/** Validated properties of one redeploy resource. */
export interface RedeployRequest {
  /** Id of the shared REST API (`RestApiId`); part of the physical ids. */
  readonly restApiId: string;
  /** Stage to point at the new deployment (`StageName`); part of the physical ids. */
  readonly stageName: string;
  /** The registered service that owns the routes (`ServiceName`); prefixes the physical ids. */
  readonly serviceName: string;
  /** Whether the resource sits before or after the service's methods (`Phase`): decides what redeploys. */
  readonly phase: RedeployPhase;
  /** Base path without slashes (`BasePath`): only methods under it get the service's throttle. */
  readonly basePath: string;
  /** The service's method throttling, parsed from the `Throttle` JSON. */
  readonly throttle: Throttle;
  /**
   * Hash of the routes (`RoutesFingerprint`): part of the `before` physical id, so a route change
   * replaces that resource and its Delete redeploys.
   */
  readonly fingerprint: string;
}

/** A property a service stack got wrong; the message names the property, the value and the fix. */
export class InvalidPropertiesError extends Error {
  constructor(problems: string[]) {
    super(
      `Custom::SharedApiStageRedeploy has ${problems.length} invalid ${problems.length === 1 ? 'property' : 'properties'}:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'InvalidPropertiesError';
  }
}

const SERVICE = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const SEGMENT = /^[a-z0-9][a-z0-9-]{0,62}$/;
// Physical ids embed the fingerprint; CloudFormation allows 1 KB, a hash needs far less.
const FINGERPRINT = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Parses and checks the properties CloudFormation sent (all strings), collecting every problem so
 * one failed deploy tells the service team everything to fix.
 */
export function parseProperties(props: Record<string, unknown> | undefined): RedeployRequest {
  const p = (props ?? {}) as Partial<Record<keyof RedeployResourceProperties, unknown>>;
  const problems: string[] = [];
  const text = (key: keyof RedeployResourceProperties, pattern: RegExp, rule: string): string => {
    const value = p[key];
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push(`${key}: expected ${rule}, got ${JSON.stringify(value)}`);
      return '';
    }
    return value;
  };
  const restApiId = text('RestApiId', /^[a-z0-9]{1,32}$/, 'a REST API id (the restApiId contract parameter)');
  const stageName = text(
    'StageName',
    /^[a-zA-Z0-9_-]{1,128}$/,
    'a stage name (the stageName contract parameter)',
  );
  const serviceName = text(
    'ServiceName',
    SERVICE,
    'the registered service name (2-20 lowercase letters, digits, "-")',
  );
  const basePath = text(
    'BasePath',
    SEGMENT,
    'the base path without slashes (the serviceBasePath contract parameter)',
  );
  const fingerprint = text(
    'RoutesFingerprint',
    FINGERPRINT,
    'a hash of the routes (1-128 letters, digits, ".", "_", ":", "-")',
  );
  const phase = p.Phase;
  if (phase !== 'before' && phase !== 'after') {
    problems.push(`Phase: expected "before" or "after", got ${JSON.stringify(phase)}`);
  }
  const throttle = parseThrottle(p.Throttle, problems);
  if (problems.length > 0) throw new InvalidPropertiesError(problems);
  return {
    restApiId,
    stageName,
    serviceName,
    phase: phase as RedeployPhase,
    basePath,
    throttle,
    fingerprint,
  };
}

function parseThrottle(value: unknown, problems: string[]): Throttle {
  const rule = 'JSON {"rateLimit":n,"burstLimit":n} (the serviceThrottle contract parameter)';
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  const t = parsed as Partial<Throttle> | undefined;
  const rateOk = typeof t?.rateLimit === 'number' && t.rateLimit > 0;
  const burstOk = typeof t?.burstLimit === 'number' && Number.isInteger(t.burstLimit) && t.burstLimit >= 0;
  if (!rateOk || !burstOk) {
    problems.push(`Throttle: expected ${rule}, got ${JSON.stringify(value)}`);
    return { rateLimit: 0, burstLimit: 0 };
  }
  return { rateLimit: t.rateLimit as number, burstLimit: t.burstLimit as number };
}
