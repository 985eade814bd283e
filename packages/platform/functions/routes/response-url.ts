/**
 * Where the routes functions may PUT a CloudFormation answer: only CloudFormation's own response
 * bucket of the function's Region, over https. A request that names any other URL (`http:`, another
 * host, another Region's bucket) is forged or broken: answering it would send our answer, and the
 * request's identifiers, wherever the sender chose.
 *
 * CloudFormation's response bucket is `cloudformation-custom-resource-response-{region without
 * dashes}` (e.g. `...-euwest1`), addressed virtual-host style as `{bucket}.s3.amazonaws.com`,
 * `{bucket}.s3.{region}.amazonaws.com` or the older `{bucket}.s3-{region}.amazonaws.com`; in the
 * China partition the DNS suffix is `amazonaws.com.cn`.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-vpce-bucketnames.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 */

/** The Region and partition the function runs in. */
export interface ResponseUrlLocation {
  /** e.g. `eu-west-1`. */
  readonly region: string;
  /** e.g. `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
}

/** The hosts CloudFormation's response URLs of `location` may have. */
export function cloudFormationResponseHosts(location: ResponseUrlLocation): string[] {
  const suffix = location.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const bucket = `cloudformation-custom-resource-response-${location.region.replace(/-/g, '')}`;
  return [
    `${bucket}.s3.${suffix}`,
    `${bucket}.s3.${location.region}.${suffix}`,
    `${bucket}.s3-${location.region}.${suffix}`,
  ];
}

/**
 * Why `responseUrl` is not CloudFormation's response URL of `location`, or `undefined` when it is:
 * https, no credentials, no explicit port, one of {@link cloudFormationResponseHosts}.
 */
export function responseUrlProblem(responseUrl: unknown, location: ResponseUrlLocation): string | undefined {
  if (typeof responseUrl !== 'string') return 'ResponseURL is not a string';
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    return 'ResponseURL is not a URL';
  }
  if (url.protocol !== 'https:') return `ResponseURL must be https, not ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password || url.port) {
    return 'ResponseURL must not carry credentials or a port';
  }
  if (!cloudFormationResponseHosts(location).includes(url.hostname.toLowerCase())) {
    return `ResponseURL host ${url.hostname.slice(0, 100)} is not CloudFormation's response bucket in ${location.region}`;
  }
  return undefined;
}
