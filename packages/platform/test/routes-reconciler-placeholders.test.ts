import { describe, expect, it } from 'vitest';
import { RoutesReconciler } from '../lib/constructs/routes-reconciler';

// The routes functions' statements are written in functions/routes/interface.ts with placeholders the
// construct fills; a placeholder it does not fill must stop the synthesis, not become part of an ARN.

describe('RoutesReconciler.fillPlaceholders', () => {
  const values = { account: '111111111111', env: 'dev' };

  it('fills every placeholder of a pattern, each time it appears', () => {
    expect(
      RoutesReconciler.fillPlaceholders('arn:aws:ssm:eu-west-1:{account}:parameter/p/{env}/{env}', values),
    ).toBe('arn:aws:ssm:eu-west-1:111111111111:parameter/p/dev/dev');
  });

  it('refuses a placeholder it has no value for, naming it and those it fills', () => {
    expect(() => RoutesReconciler.fillPlaceholders('arn:aws:sqs:{region}:{account}:q', values)).toThrow(
      'resource pattern arn:aws:sqs:{region}:{account}:q names {region}, which the platform does not fill; it fills account, env',
    );
  });

  it('leaves text without placeholders as it is', () => {
    expect(RoutesReconciler.fillPlaceholders('arn:aws:sqs:eu-west-1:111111111111:*', values)).toBe(
      'arn:aws:sqs:eu-west-1:111111111111:*',
    );
  });
});
