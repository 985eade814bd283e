/**
 * The version of the published contract (the set of parameters, their names and types).
 *
 * Bump the major version when a parameter is removed or changes type; consumers check it.
 */
export const CONTRACT_VERSION = '1.0.0';
