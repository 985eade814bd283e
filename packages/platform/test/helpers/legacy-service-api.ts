// The ServiceApi on main still builds API Gateway methods and redeploy custom resources in the
// service stack; shared API v2 (branch api-cdk) replaces them with one Custom::SharedApiRoutes. The
// guard rightly refuses them. Until v2 is merged, tests of good service templates set those
// resources aside; once merged no template has any and those tests are exact: then delete this.
const LEGACY_SERVICE_API_TYPES = /^(AWS::ApiGateway::|Custom::SharedApiStageRedeploy$)/;

/** Logical ids of the legacy ServiceApi resources of a template. */
export function legacyServiceApiResources(template: {
  readonly Resources: Record<string, { readonly Type: string }>;
}): Set<string> {
  return new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => LEGACY_SERVICE_API_TYPES.test(r.Type))
      .map(([id]) => id),
  );
}
