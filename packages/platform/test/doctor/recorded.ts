// Responses of a healthy deployed dev environment, in the shapes AWS returns them (recorded from
// the APIs' documented outputs; ids are made up). A broken account is this one with one response
// changed, in doctor.test.ts.

/** GetServiceQuota: the account raised Lambda concurrency to 1,000 explicitly; others are defaults. */
export const APPLIED_QUOTAS: Record<string, { Value: number; QuotaName: string }> = {
  'lambda/L-B99A9384': { Value: 1000, QuotaName: 'Concurrent executions' },
};

/** GetAWSDefaultServiceQuota: AWS's defaults, for quotas the account never changed. */
export const DEFAULT_QUOTAS: Record<string, { Value: number; QuotaName: string }> = {
  'iam/L-C07B4B0D': { Value: 2048, QuotaName: 'Role trust policy length' },
  'iam/L-0DA4ABF3': { Value: 10, QuotaName: 'Managed policies per role' },
  'iam/L-FE177D64': { Value: 1000, QuotaName: 'Roles per account' },
  'iam/L-E95E4862': { Value: 1500, QuotaName: 'Customer managed policies per account' },
  'lambda/L-B99A9384': { Value: 1000, QuotaName: 'Concurrent executions' },
  'lambda/L-9FEE3D26': { Value: 500, QuotaName: 'Elastic network interfaces per VPC' },
  'apigateway/L-8A5B8E43': { Value: 10000, QuotaName: 'Throttle rate' },
  'apigateway/L-01C8A9E0': { Value: 300, QuotaName: 'Resources per API' },
  'cloudformation/L-0485CB21': { Value: 2000, QuotaName: 'Stack count' },
};

/** DescribeStacks of a platform stack. */
export const STACK = { StackStatus: 'UPDATE_COMPLETE', DriftInformation: { StackDriftStatus: 'IN_SYNC' } };

/** GetQueueAttributes of an empty queue. */
export const EMPTY_QUEUE = { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' };

/** BatchDescribeTypeConfigurations' Configuration of an enabled Guard hook. */
export const ENABLED_HOOK_CONFIGURATION = JSON.stringify({
  CloudFormationConfiguration: {
    HookConfiguration: { HookInvocationStatus: 'ENABLED', FailureMode: 'FAIL', TargetOperations: ['STACK'] },
  },
});

/** A value AWS generated at deploy time (a VPC id, an ARN), for the parameters the config does not fix. */
export const GENERATED_VALUE = 'vpc-0123456789abcdef0';

/**
 * GetParameters of the contract parameters whose value dev's config fixes, as a deployed dev account
 * holds them: written out here, not read from the templates, so "contract parameters match the config"
 * is checked against values this test states. (The service registration, whose resource budget is
 * counted from the API's routes, is taken from the templates in doctor.test.ts.)
 */
export const CONFIG_FIXED_PARAMETERS: Record<string, string> = {
  '/shared-lambda-infra/dev/api/cors-allow-headers':
    'Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token',
  '/shared-lambda-infra/dev/api/cors-allow-methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
  '/shared-lambda-infra/dev/api/cors-allow-origins': 'http://localhost:3000,https://dev.app.example.com',
  '/shared-lambda-infra/dev/api/stage-name': 'dev',
  '/shared-lambda-infra/dev/contract/major-version': '2',
  '/shared-lambda-infra/dev/contract/version': '2.1.0',
  '/shared-lambda-infra/dev/network/ip-address-type': 'ipv4',
  '/shared-lambda-infra/dev/observability/log-retention-days': '14',
  '/shared-lambda-infra/dev/services/orders/base-path': 'orders',
};
