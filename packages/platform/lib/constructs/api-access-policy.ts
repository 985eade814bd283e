import * as iam from 'aws-cdk-lib/aws-iam';
import type { PlatformConfig } from '../config/schema';

/** The `api.access` setting: who may reach the API at all (authorizers decide per method after that). */
export type ApiAccess = PlatformConfig['api']['access'];

/**
 * Every method of every stage of the API the policy is attached to. API Gateway expands the
 * `execute-api:/` prefix to this API's own ARN: a resource policy cannot name the API by id, since
 * the policy is part of the API's definition (a reference would be circular).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html
 */
export const THIS_API_RESOURCE = 'execute-api:/*';

/**
 * The REST API's resource policy for `access`, or `undefined` for `open` (no policy: anyone may call,
 * each method's authorizer decides).
 *
 * Limited modes are an Allow for everyone plus an explicit Deny for callers outside the allowed
 * network: an explicit Deny wins over any Allow, including IAM-authorized callers' own policies.
 *
 * `vpcEndpoints` goes with the PRIVATE endpoint type (the API stack switches it): `aws:SourceVpce`
 * is set only on requests that arrive through an `execute-api` interface endpoint, and such
 * endpoints carry traffic only to PRIVATE APIs. On a REGIONAL API the key would be absent from every
 * request and this policy would deny all callers.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html
 */
export function apiAccessPolicy(access: ApiAccess): iam.PolicyDocument | undefined {
  switch (access.mode) {
    case 'open':
      return undefined;
    case 'sourceCidrs':
      return restricted('DenyOutsideSourceCidrs', { NotIpAddress: { 'aws:SourceIp': [...access.cidrs] } });
    case 'vpcEndpoints':
      return restricted('DenyOutsideVpcEndpoints', {
        StringNotEquals: { 'aws:SourceVpce': [...access.vpcEndpointIds] },
      });
  }
}

function restricted(denySid: string, conditions: Record<string, unknown>): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AllowInvoke',
        effect: iam.Effect.ALLOW,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [THIS_API_RESOURCE],
      }),
      new iam.PolicyStatement({
        sid: denySid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [THIS_API_RESOURCE],
        conditions,
      }),
    ],
  });
}
