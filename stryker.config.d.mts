// Types of stryker.config.mjs for scripts/mutation.ts (TypeScript 7 type-checks no JavaScript here).
import type { PartialStrykerOptions } from '@stryker-mutator/api/core';

/** The security files under mutation. */
export declare const SECURITY_FILES: readonly string[];
declare const config: PartialStrykerOptions;
export default config;
