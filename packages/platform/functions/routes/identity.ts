import {
  type CloudFormationClient,
  DescribeStackResourceCommand,
  type StackResourceDetail,
} from '@aws-sdk/client-cloudformation';
import { type Clock, errorName } from './common';

/**
 * Who sent a custom-resource request, proven rather than read from a string: the request's StackId
 * must be a stack of the receiver's own partition, account and Region, and CloudFormation itself must
 * confirm that this stack holds the logical id, with the request's resource type, and that the
 * resource is being created, updated or deleted right now. A made-up StackId, one of another account
 * or Region, or a replay after the operation ended is refused.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResource.html
 */

/** Where the receiver runs, from its own function ARN. */
export interface OwnLocation {
  /** e.g. `aws`. */
  readonly partition: string;
  /** e.g. `eu-west-1`. */
  readonly region: string;
  /** 12 digits. */
  readonly account: string;
}

/** The location in `arn:{partition}:lambda:{region}:{account}:function:{name}`. */
export function ownLocation(functionArn: string): OwnLocation {
  const [, partition = '', , region = '', account = ''] = functionArn.split(':');
  return { partition, region, account };
}

const STACK_ID =
  /^arn:([a-z-]+):cloudformation:([a-z0-9-]+):(\d{12}):stack\/([A-Za-z][A-Za-z0-9-]{0,127})\/[\w-]+$/;

/**
 * Why `stackId` is not a stack of `own` location, or `undefined`. The message names the location the
 * receiver serves, never a service.
 */
export function stackIdProblem(stackId: unknown, own: OwnLocation): string | undefined {
  const match = typeof stackId === 'string' ? STACK_ID.exec(stackId) : null;
  if (!match) return 'StackId is not a CloudFormation stack ARN';
  if (match[1] !== own.partition || match[2] !== own.region || match[3] !== own.account) {
    return `StackId is not a stack of account ${own.account}, Region ${own.region} (partition ${own.partition}), the only stacks this function serves`;
  }
  return undefined;
}

/** Resource statuses of a resource CloudFormation is working on, i.e. waiting for our answer. */
export const IN_PROGRESS_STATUSES: readonly string[] = [
  'CREATE_IN_PROGRESS',
  'UPDATE_IN_PROGRESS',
  'DELETE_IN_PROGRESS',
];

/** What CloudFormation is asked about: the request's own identifiers. */
export interface ClaimedResource {
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
}

/**
 * Asks CloudFormation whether the claimed resource exists, has the claimed type and is in
 * progress. Returns why not, or `undefined` when confirmed. A `ValidationError` (no such stack or
 * logical id) is an answer; throttling is retried with backoff until `deadline` (epoch ms); any
 * other error is thrown (the platform could not check, which is not the sender's fault, and nothing
 * is stored or removed).
 */
export async function confirmResource(
  cfn: CloudFormationClient,
  claimed: ClaimedResource,
  clock: Clock,
  deadline = Number.POSITIVE_INFINITY,
): Promise<string | undefined> {
  let detail: StackResourceDetail | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await cfn.send(
        new DescribeStackResourceCommand({
          StackName: claimed.StackId,
          LogicalResourceId: claimed.LogicalResourceId,
        }),
      );
      detail = out.StackResourceDetail;
      break;
    } catch (error) {
      if (errorName(error) === 'ValidationError') {
        return `CloudFormation knows no resource ${claimed.LogicalResourceId.slice(0, 255)} in the request's stack`;
      }
      // About 12 s of backoff at most, within the receiver's 30 s timeout, on top of the SDK's own retries.
      // No retry starts past the caller's deadline, so the receiver keeps the time to answer.
      const delay = 200 * 2 ** attempt * (1 + clock.random());
      if (
        attempt >= 6 ||
        clock.now() + delay > deadline ||
        !/Throttl|TooManyRequests|RequestLimitExceeded/.test(errorName(error))
      )
        throw error;
      await clock.sleep(delay);
    }
  }
  if (!detail || detail.StackId !== claimed.StackId) {
    return `CloudFormation knows no resource ${claimed.LogicalResourceId.slice(0, 255)} in the request's stack`;
  }
  if (detail.ResourceType !== claimed.ResourceType) {
    return `resource ${claimed.LogicalResourceId} of the request's stack is a ${detail.ResourceType}, not a ${claimed.ResourceType.slice(0, 60)}`;
  }
  if (!IN_PROGRESS_STATUSES.includes(detail.ResourceStatus ?? '')) {
    return `resource ${claimed.LogicalResourceId} of the request's stack is ${detail.ResourceStatus}, not in progress: CloudFormation is not waiting for this request`;
  }
  return undefined;
}
