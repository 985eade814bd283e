/**
 * The version of the published contract (the set of parameters, their names and types).
 *
 * Bump the major version when a parameter is removed or changes type; consumers check it.
 */
export const CONTRACT_VERSION = '2.1.0';

/** The major part of {@link CONTRACT_VERSION}, published alone so CloudFormation rules can compare it. */
export const CONTRACT_MAJOR_VERSION: string = CONTRACT_VERSION.split('.')[0];
