import { describe, expect, it } from 'vitest';
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
