import { describe, expect, it } from 'vitest';
import {
  assertServiceNameFits,
  serviceNamePattern,
  serviceResourceName,
  serviceStackName,
} from '../src/naming';
import { serviceFromRoutesStackName } from '../src/routes';

// The service a routes request comes from, read from CloudFormation's StackId: only the whole
// StackId of a registered service's api stack names it (mutation testing, docs/mutation.md).

const SCOPE = { project: 'shared-lambda-infra', env: 'dev' } as const;
const STACK_ID =
  'arn:aws:cloudformation:eu-west-1:123456789012:stack/shared-lambda-infra-dev-orders-api/0a1b2c3d-1111';

describe('serviceFromRoutesStackName', () => {
  it("names the service of a registered service's api stack", () => {
    expect(serviceFromRoutesStackName(SCOPE, STACK_ID, ['payments', 'orders'])).toBe('orders');
  });

  it('names nobody for a StackId with text before or after it', () => {
    expect(serviceFromRoutesStackName(SCOPE, `x${STACK_ID}`, ['orders'])).toBeUndefined();
    expect(serviceFromRoutesStackName(SCOPE, `${STACK_ID}/extra`, ['orders'])).toBeUndefined();
  });

  it('names nobody, without throwing, for something that is not a StackId', () => {
    expect(
      serviceFromRoutesStackName(SCOPE, 'shared-lambda-infra-dev-orders-api', ['orders']),
    ).toBeUndefined();
  });

  it('names nobody for the api stack of a service that is not registered', () => {
    expect(serviceFromRoutesStackName(SCOPE, STACK_ID, ['payments'])).toBeUndefined();
  });
});

describe('the service names IAM patterns match on', () => {
  const STAGING = { project: 'shared-lambda-infra', env: 'staging' } as const;

  it('fit up to the length that leaves the whole prefix and a hash in a 64-character role name', () => {
    // shared-lambda-infra-staging-access-{service}- is 55 characters, 64 less "-" and the 8-character hash.
    expect(() => assertServiceNameFits(STAGING, 'a'.repeat(19))).not.toThrow();
    expect(() => assertServiceNameFits(STAGING, 'a'.repeat(20))).toThrow(
      'use a service name of at most 19 characters',
    );
  });

  it('name the segment they refuse', () => {
    expect(() => serviceStackName(SCOPE, 'orders', 'Api')).toThrow('stack identifier "Api" is not valid');
    expect(() => serviceResourceName('lambdaFunction', SCOPE, 'orders', 'fn', 'Get')).toThrow(
      'identifier "Get" is not valid',
    );
    expect(() => serviceNamePattern('lambdaFunction', SCOPE, 'orders', 'Fn')).toThrow(
      'resource type "Fn" is not valid',
    );
  });
});
