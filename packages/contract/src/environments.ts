/** The environments every platform and service deploys to, in promotion order. */
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** One of {@link ENVIRONMENTS}. */
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** The environment `npm run synth` builds when none is chosen. */
export const DEFAULT_ENVIRONMENT: EnvironmentName = 'dev';

/** True when `value` is one of {@link ENVIRONMENTS}. */
export function isEnvironmentName(value: unknown): value is EnvironmentName {
  return typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Returns `value` as an environment name, or throws an error that lists the known environments. */
export function assertEnvironmentName(value: unknown): EnvironmentName {
  if (!isEnvironmentName(value)) {
    throw new Error(
      `unknown environment ${JSON.stringify(value)}: expected one of ${ENVIRONMENTS.join(', ')}`,
    );
  }
  return value;
}
