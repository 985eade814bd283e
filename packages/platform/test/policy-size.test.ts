import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployedTemplate, IamModel, REGION } from './helpers/iam-model';
import { synthPlatform } from './helpers/synth';

// IAM refuses a customer managed policy over 6,144 characters, counted without whitespace, once
// CloudFormation has resolved it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
// Names grow with the project and service names, so the worst case is the longest of each the
// config accepts, in dev (the environment whose names leave a service the most room), with a
// KMS-encrypted artifact bucket (two more statements) and a 14-character region.

/** IAM's limit on a managed policy document, in characters without whitespace. */
const MANAGED_POLICY_LIMIT = 6_144;
/** 20 characters: the longest project name the contract accepts. */
const PROJECT = 'abcdefghijk-lmnopqrs';
/** 20 characters: the longest service name that fits with that project in dev. */
const SERVICE = 'abbbbbbbbbbbbbbbbbbb';
/** One of the longest region names (14 characters): region appears in most ARNs. */
const LONG_REGION = 'ap-southeast-1';

/** Every managed policy of a stack, as IAM receives it: resolved, with no whitespace, and its length. */
function managedPolicySizes(model: IamModel, t: DeployedTemplate): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [logicalId, resource] of Object.entries(t.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const document = JSON.stringify(model.resolve(t, resource.Properties?.PolicyDocument));
    // JSON.stringify writes no whitespace between tokens; the region stands in for the longest.
    sizes[logicalId.replace(/[0-9A-F]{8}$/, '')] = document.split(REGION).join(LONG_REGION).length;
  }
  return sizes;
}

describe('managed policies with the longest names the config accepts', () => {
  let sizes: Record<string, Record<string, number>>;

  beforeAll(() => {
    const { assembly } = synthPlatform({
      overrides: {
        project: PROJECT,
        account: '111111111111',
        region: REGION,
        storage: { encryption: 'kms' },
        services: [{ name: SERVICE, repository: 'acme/long-service', basePath: 'long' }],
      },
    });
    const templates = assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
    const model = new IamModel(templates);
    sizes = Object.fromEntries(
      templates.map((t) => [t.stackName.replace(`${PROJECT}-dev-`, ''), managedPolicySizes(model, t)]),
    );
  });

  it("measures the service's permissions boundary, execution boundary and execution policies", () => {
    expect(Object.keys(sizes[`access-${SERVICE}`]).sort()).toEqual([
      'DeployPolicy',
      'ExecutionApiPolicy',
      'ExecutionBoundary',
      'ExecutionComputePolicy',
      'ExecutionDataPolicy',
      'ExecutionEventsPolicy',
      'ExecutionIdentityPolicy',
      'ExecutionWorkflowPolicy',
      'PermissionsBoundary',
    ]);
  });

  it('keeps every managed policy of every stack under 6,144 characters', () => {
    const over = Object.entries(sizes).flatMap(([stack, policies]) =>
      Object.entries(policies)
        .filter(([, size]) => size >= MANAGED_POLICY_LIMIT)
        .map(([policy, size]) => `${stack}/${policy}: ${size}`),
    );
    expect(over).toEqual([]);
  });
});
