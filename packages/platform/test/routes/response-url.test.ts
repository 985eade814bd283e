import { describe, expect, it } from 'vitest';
import { ownLocation, stackIdProblem } from '../../functions/routes/identity';
import { responseUrlProblem } from '../../functions/routes/response-url';

const EU = { partition: 'aws', region: 'eu-west-1' };

describe('responseUrlProblem', () => {
  it.each([
    'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=1',
    'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x',
    'https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x',
    'https://CLOUDFORMATION-custom-resource-response-euwest1.s3.amazonaws.com/x',
  ])("accepts CloudFormation's response bucket of the Region: %s", (url) => {
    expect(responseUrlProblem(url, EU)).toBeUndefined();
  });

  it("accepts the China partition's DNS suffix there, and only there", () => {
    const cn = { partition: 'aws-cn', region: 'cn-north-1' };
    expect(
      responseUrlProblem(
        'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x',
        cn,
      ),
    ).toBeUndefined();
    expect(
      responseUrlProblem(
        'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com/x',
        cn,
      ),
    ).toBe(
      "ResponseURL host cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com is not CloudFormation's response bucket in cn-north-1",
    );
  });

  it.each([
    [
      'http:',
      'http://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x',
      'ResponseURL must be https, not http',
    ],
    ['another scheme', 'file:///etc/passwd', 'ResponseURL must be https, not file'],
    [
      'a port',
      'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com:8443/x',
      'ResponseURL must not carry credentials or a port',
    ],
    [
      'credentials',
      'https://u:p@cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x',
      'ResponseURL must not carry credentials or a port',
    ],
    [
      'a look-alike host',
      'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example/x',
      "ResponseURL host cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example is not CloudFormation's response bucket in eu-west-1",
    ],
    [
      'the bucket named with dashes',
      'https://cloudformation-custom-resource-response-eu-west-1.s3.amazonaws.com/x',
      "ResponseURL host cloudformation-custom-resource-response-eu-west-1.s3.amazonaws.com is not CloudFormation's response bucket in eu-west-1",
    ],
    [
      "another Region's bucket",
      'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
      "ResponseURL host cloudformation-custom-resource-response-useast1.s3.amazonaws.com is not CloudFormation's response bucket in eu-west-1",
    ],
    [
      'path-style S3',
      'https://s3.amazonaws.com/cloudformation-custom-resource-response-euwest1/x',
      "ResponseURL host s3.amazonaws.com is not CloudFormation's response bucket in eu-west-1",
    ],
    ['no URL', 'not a url', 'ResponseURL is not a URL'],
    ['no string', 42, 'ResponseURL is not a string'],
  ])('refuses %s', (_, url, problem) => {
    expect(responseUrlProblem(url, EU)).toBe(problem);
  });
});

describe('stackIdProblem', () => {
  const own = ownLocation(
    'arn:aws:lambda:eu-west-1:123456789012:function:shared-lambda-infra-dev-fn-routes-receiver',
  );

  it('reads partition, Region and account from the function ARN', () => {
    expect(own).toEqual({ partition: 'aws', region: 'eu-west-1', account: '123456789012' });
  });

  it('accepts a stack of its own partition, account and Region', () => {
    expect(
      stackIdProblem('arn:aws:cloudformation:eu-west-1:123456789012:stack/x-api/0a1b-2c', own),
    ).toBeUndefined();
  });

  it.each([
    'arn:aws:cloudformation:eu-west-1:123456789012:stack/x-api',
    'arn:aws:cloudformation:eu-west-1:123456789012:stack/x-api/0a1b/extra',
    'arn:aws:cloudformation:eu-west-1:12345678901:stack/x-api/0a1b',
    'shared-lambda-infra-dev-orders-api',
    '',
  ])('refuses a StackId that is no stack ARN: %s', (stackId) => {
    expect(stackIdProblem(stackId, own)).toBe('StackId is not a CloudFormation stack ARN');
  });

  it('refuses a non-string StackId', () => {
    expect(stackIdProblem({ toString: () => 'arn' }, own)).toBe('StackId is not a CloudFormation stack ARN');
  });
});
