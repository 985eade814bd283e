/**
 * The interface of the platform's stage-redeploy custom resource, which service stacks drive.
 *
 * The platform owns the provider (its service token is the `redeployServiceToken` contract
 * parameter); a service stack adds two custom resources with these properties around its API
 * methods, so that the shared stage is redeployed after every change to the service's routes:
 *
 * - `before`: the service's methods depend on it. Its physical id changes whenever the route set
 *   changes, so CloudFormation deletes the old one in the cleanup phase, after the removed methods
 *   are gone; its Delete redeploys. This is what removes deleted routes (and deleted services)
 *   from the stage.
 * - `after`: it depends on every method of the service. Its Create and Update redeploy once the
 *   new and changed methods exist.
 *
 * Physical ids: `{ServiceName}-before-{RestApiId}-{StageName}-{RoutesFingerprint}` and
 * `{ServiceName}-after-{RestApiId}-{StageName}`, so a retried event gets the same id, and moving a
 * service to another API or stage also replaces `before` (whose Delete then redeploys the old one).
 *
 * @see docs/redeploys.md for the wiring, what CloudFormation does on each change, and why two
 * services deploying at once converge.
 */
export const REDEPLOY_RESOURCE_TYPE = 'Custom::SharedApiStageRedeploy';

/** The phase of a redeploy resource relative to the service's methods. */
export type RedeployPhase = 'before' | 'after';

/** Properties of a redeploy custom resource (besides `ServiceToken`). All values are strings. */
export interface RedeployResourceProperties {
  /** Id of the shared REST API. */
  readonly RestApiId: string;
  /** Stage to point at the new deployment. */
  readonly StageName: string;
  /** The registered service that owns the routes. */
  readonly ServiceName: string;
  /** {@link RedeployPhase}. */
  readonly Phase: RedeployPhase;
  /** Base path the service owns (without slashes): the handler walks the resources under it. */
  readonly BasePath: string;
  /**
   * The service's method throttling as JSON `{"rateLimit":n,"burstLimit":n}` (the service's
   * registry override, else the API default), read from the `serviceThrottle` contract parameter.
   * API Gateway stage method settings accept no per-path wildcard, so the handler applies it to
   * each method it finds under the base path.
   */
  readonly Throttle: string;
  /**
   * A stable hash of the service's routes and integrations: any change to it makes CloudFormation
   * send an Update (and, for `before`, a replacement), which is what triggers the redeploy.
   * 1-128 characters: letters, digits, `.`, `_`, `:` and `-` (it is part of a physical id).
   */
  readonly RoutesFingerprint: string;
}

/**
 * The `ServiceTimeout` (seconds) service stacks should set on both redeploy resources. The handler
 * always answers within its 5-minute Lambda timeout; this bounds the wait to 10 minutes instead of
 * CloudFormation's default hour should the answer ever be lost.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html
 */
export const REDEPLOY_SERVICE_TIMEOUT_SECONDS = 600;
