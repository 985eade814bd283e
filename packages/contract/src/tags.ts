/**
 * Tag keys applied to every resource, once per app (`Tags.of(app)`), so cost reports and IAM
 * conditions can rely on them across the platform and every service.
 */
export const TAG_KEYS = {
  /** The project name. */
  project: 'Project',
  /** The environment name. */
  environment: 'Environment',
  /** The platform component (stack lifecycle) or `service` for service stacks. */
  component: 'Component',
  /** Who answers for the resource: a team name or address from config. */
  owner: 'Owner',
  /** The registered service a resource belongs to (service stacks only). */
  service: 'Service',
} as const;

/** One of the values of {@link TAG_KEYS}. */
export type TagKey = (typeof TAG_KEYS)[keyof typeof TAG_KEYS];
