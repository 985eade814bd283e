/**
 * Who can do what to whom, in a dev environment with two registered services (orders, payments):
 * each row a question asked of a real IAM evaluator over the deployed templates, with its answer
 * written out. test/security/iam-matrix.test.ts asserts every row; `npm run docs` renders the
 * rows into docs/security.md.
 */
import { DYNAMODB_MANAGED_KEY_ARN, type IamModel } from '../../packages/platform/test/helpers/iam-model';
import { ORDERS_REPOSITORY, PAYMENTS_REPOSITORY, PLATFORM_REPOSITORY } from './environment';

const P = 'shared-lambda-infra-dev';
const A = '111111111111';
const R = 'eu-west-1';

/** Role names, as the platform and the consumer name them. */
export const ROLES = {
  ordersFn: `${P}-role-orders-get-item`,
  ordersWorker: `${P}-role-orders-worker`,
  ordersStream: `${P}-role-orders-on-item-change`,
  ordersWorkflow: `${P}-role-orders-workflow`,
  paymentsFn: `${P}-role-payments-get-item`,
  paymentsWorker: `${P}-role-payments-worker`,
  ordersExec: `${P}-access-orders-cfn-exec`,
  paymentsExec: `${P}-access-payments-cfn-exec`,
  ordersDeploy: `${P}-access-orders-deploy`,
  paymentsDeploy: `${P}-access-payments-deploy`,
  platformDeploy: `${P}-role-github-platform-deploy`,
  platformReadOnly: `${P}-role-github-platform-readonly`,
  sharedExecution: `${P}-role-lambda-execution`,
} as const;

const STACK = { orders: `${P}-orders-api`, payments: `${P}-payments-api` };
// The contract shortens the bucket name with a hash so any account and region fit in 63 characters.
const ARTIFACTS = `arn:aws:s3:::${P}-b-c8cb3dba-${A}-${R}`;
const boundary = (service: string) => `arn:aws:iam::${A}:policy/${P}-policy-${service}-boundary`;
const roleArn = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const fnArn = (name: string) => `arn:aws:lambda:${R}:${A}:function:${name}`;
/** The platform's routes receiver (shared API v2): the service token of every routes declaration. */
const RECEIVER = fnArn(`${P}-fn-routes-receiver`);
const stackArn = (name: string) =>
  `arn:aws:cloudformation:${R}:${A}:stack/${name}/0a1b2c3d-1111-2222-3333-444455556666`;
const bootstrapRole = (role: string) => `arn:aws:iam::${A}:role/cdk-hnb659fds-${role}-role-${A}-${R}`;

/** A service's alarm topic, in its access stack. */
const alarmTopic = (m: IamModel, service: 'orders' | 'payments') =>
  m.arnOf(`${P}-access-${service}`, 'AWS::SNS::Topic', 'AlertingTopic');
const alarmArn = (name: string) => `arn:aws:cloudwatch:${R}:${A}:alarm:${name}`;
/** `*:*`, as a statement widened by mistake would grant. */
const ADMIN = [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }];
/** An SSM parameter's ARN (the name starts with "/"). */
const parameterArn = (name: string) => `arn:aws:ssm:${R}:${A}:parameter${name}`;
/** A dashboard named with a service's stack prefix (dashboards are global: no region). */
const dashboardArn = (service: 'orders' | 'payments') =>
  `arn:aws:cloudwatch::${A}:dashboard/${STACK[service]}-Overview`;
/** A request DynamoDB makes to KMS on the caller's behalf, with the AWS managed key aws/dynamodb. */
const VIA_DYNAMODB = {
  'kms:ViaService': `dynamodb.${R}.amazonaws.com`,
  'kms:CallerAccount': A,
  'kms:ResourceAliases': ['alias/aws/dynamodb'],
};
/** Tags a request carries, as IAM sees them. */
const requestTags = (service: string) => ({ 'aws:RequestTag/Service': service, 'aws:TagKeys': ['Service'] });
/** A log group of a service's function. */
const fnLogGroup = (service: string, name: string) =>
  `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/${P}-fn-${service}-${name}:log-stream:2026/12/07/abc`;

/** The resources of a service's kitchen-sink stack, from the deployed templates. */
function of(m: IamModel, service: 'orders' | 'payments') {
  const stack = STACK[service];
  return {
    table: m.arnOf(stack, 'AWS::DynamoDB::GlobalTable', 'Items'),
    stream: m.attrOf(stack, 'AWS::DynamoDB::GlobalTable', 'Items', 'StreamArn'),
    queue: m.arnOf(stack, 'AWS::SQS::Queue', 'JobsQueue'),
    secret: m.arnOf(stack, 'AWS::SecretsManager::Secret', 'ApiKey'),
    stateMachine: m.arnOf(stack, 'AWS::StepFunctions::StateMachine', 'Workflow'),
    bucket: m.arnOf(stack, 'AWS::S3::Bucket', 'Files'),
    fn: fnArn(`${P}-fn-${service}-get-item`),
    worker: fnArn(`${P}-fn-${service}-worker`),
    mapping: m.arnOf(stack, 'AWS::Lambda::EventSourceMapping', 'WorkerSqsEventSource'),
  };
}

/** GitHub claims of a job of `repo` in `context` on `ref`, with the repository's ids when it has them. */
function token(
  repo: { repository: string; ownerId?: number; repositoryId?: number },
  context: string,
  ref: string,
  subject: 'immutable' | 'name' = repo.repositoryId ? 'immutable' : 'name',
) {
  const [owner, name] = repo.repository.split('/');
  const sub =
    subject === 'immutable'
      ? `repo:${owner}@${repo.ownerId}/${name}@${repo.repositoryId}:${context}`
      : `repo:${owner}/${name}:${context}`;
  return {
    sub,
    ref,
    ...(repo.repositoryId
      ? { repository_id: String(repo.repositoryId), repository_owner_id: String(repo.ownerId) }
      : {}),
  };
}

/** One question and its answer. */
export interface MatrixRow {
  /** Section of the table. */
  readonly group: string;
  /** Who asks. */
  readonly who: string;
  /** What they ask to do, to what. */
  readonly request: string;
  /** The answer the platform must give. */
  readonly expected: 'allowed' | 'denied';
  /** Why, in a few words. */
  readonly why: string;
  /** Asks the evaluator. */
  readonly ask: (m: IamModel) => Promise<boolean> | boolean;
}

const ESM_CONTEXT = (fn: string) => ({ 'lambda:FunctionArn': fn });

/** The matrix. */
export const MATRIX: readonly MatrixRow[] = [
  // ----- function roles: tenant isolation -----
  {
    group: 'Function roles',
    who: 'payments function role',
    request: "dynamodb:Scan on orders' table",
    expected: 'denied',
    why: "payments' boundary names only payments' tables",
    ask: (m) => m.can(ROLES.paymentsFn, 'dynamodb:Scan', of(m, 'orders').table),
  },
  {
    group: 'Function roles',
    who: 'payments function role with an inline `*:*` policy',
    request: "dynamodb:Scan on orders' table",
    expected: 'denied',
    why: 'the boundary caps whatever the role grants itself',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'dynamodb:Scan', of(m, 'orders').table, {
        extraPolicies: [
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        ],
      }),
  },
  {
    group: 'Function roles',
    who: 'payments worker role',
    request: "sqs:ReceiveMessage on orders' queue",
    expected: 'denied',
    why: "payments' boundary names only payments' queues",
    ask: (m) => m.can(ROLES.paymentsWorker, 'sqs:ReceiveMessage', of(m, 'orders').queue),
  },
  {
    group: 'Function roles',
    who: 'payments function role',
    request: "secretsmanager:GetSecretValue on orders' secret",
    expected: 'denied',
    why: 'secrets are confined by their Service tag',
    ask: (m) => m.can(ROLES.paymentsFn, 'secretsmanager:GetSecretValue', of(m, 'orders').secret),
  },
  {
    group: 'Function roles',
    who: 'payments function role',
    request: "states:StartExecution on orders' state machine",
    expected: 'denied',
    why: 'state machines are confined by their Service tag',
    ask: (m) => m.can(ROLES.paymentsFn, 'states:StartExecution', of(m, 'orders').stateMachine),
  },
  {
    group: 'Function roles',
    who: 'payments function role with an inline `*:*` policy',
    request: 's3:PutObject under orders/ of the artifact bucket',
    expected: 'denied',
    why: 'boundary denies artifact writes; the bucket policy admits only deploy roles',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 's3:PutObject', `${ARTIFACTS}/orders/asset.zip`, {
        extraPolicies: [
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        ],
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function role with an inline `*:*` policy',
    request: 'sns:Publish to the platform alarm topic',
    expected: 'denied',
    why: "payments' boundary names only payments' topics",
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'sns:Publish', m.arnOf(`${P}-observability`, 'AWS::SNS::Topic', 'AlarmTopic'), {
        extraPolicies: [
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        ],
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function code (lambda:SourceFunctionArn set)',
    request: 'ec2:DeleteNetworkInterface on an ENI',
    expected: 'denied',
    why: 'ENI actions are for the Lambda service, never for function code',
    ask: (m) =>
      m.can(
        ROLES.paymentsFn,
        'ec2:DeleteNetworkInterface',
        `arn:aws:ec2:${R}:${A}:network-interface/eni-0123456789abcdef0`,
        {
          context: { 'lambda:SourceFunctionArn': of(m, 'payments').fn },
        },
      ),
  },
  {
    group: 'Function roles',
    who: 'Lambda, with the payments function role',
    request: 'ec2:CreateNetworkInterface to attach the function to the VPC',
    expected: 'allowed',
    why: 'Lambda itself manages the ENIs of a VPC function',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'ec2:CreateNetworkInterface', `arn:aws:ec2:${R}:${A}:network-interface/*`),
  },
  {
    group: 'Function roles',
    who: 'orders function role',
    request: "dynamodb:Scan on orders' own table",
    expected: 'allowed',
    why: 'granted with table.grantReadData, inside the boundary',
    ask: (m) => m.can(ROLES.ordersFn, 'dynamodb:Scan', of(m, 'orders').table),
  },
  {
    group: 'Function roles',
    who: 'orders worker role',
    request: "sqs:ReceiveMessage on orders' own queue",
    expected: 'allowed',
    why: 'the SQS event source mapping polls with it',
    ask: (m) => m.can(ROLES.ordersWorker, 'sqs:ReceiveMessage', of(m, 'orders').queue),
  },
  {
    group: 'Function roles',
    who: 'orders stream consumer role',
    request: "dynamodb:GetRecords on orders' own table stream",
    expected: 'allowed',
    why: 'the stream event source mapping polls with it',
    ask: (m) => m.can(ROLES.ordersStream, 'dynamodb:GetRecords', of(m, 'orders').stream),
  },
  {
    group: 'Function roles',
    who: 'orders function role',
    request: "secretsmanager:GetSecretValue on orders' own secret",
    expected: 'allowed',
    why: 'granted with secret.grantRead; tagged Service=orders',
    ask: (m) => m.can(ROLES.ordersFn, 'secretsmanager:GetSecretValue', of(m, 'orders').secret),
  },
  {
    group: 'Function roles',
    who: 'orders function role',
    request: "states:StartExecution on orders' own state machine",
    expected: 'allowed',
    why: 'granted with grantStartExecution; tagged Service=orders',
    ask: (m) => m.can(ROLES.ordersFn, 'states:StartExecution', of(m, 'orders').stateMachine),
  },
  {
    group: 'Function roles',
    who: 'orders state machine role',
    request: 'logs:CreateLogDelivery (its executions logged to its log group)',
    expected: 'allowed',
    why: 'Step Functions checks it at CreateStateMachine; AWS allows log delivery actions on "*" only',
    ask: (m) => m.can(ROLES.ordersWorkflow, 'logs:CreateLogDelivery', '*'),
  },
  {
    group: 'Function roles',
    who: 'payments function role granted events:PutEvents',
    request:
      "events:PutEvents on the default bus with orders' source `orders.reports` (orders' rule runs orders' function)",
    expected: 'denied',
    why: "payments' boundary pins events:source to `payments` and `payments.*`",
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'events:PutEvents', `arn:aws:events:${R}:${A}:event-bus/default`, {
        context: { 'events:source': ['orders.reports'] },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function role granted events:PutEvents',
    request: 'events:PutEvents on the default bus, one entry `payments.reports` and one `orders.reports`',
    expected: 'denied',
    why: 'every entry of the request must carry one of its own sources',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'events:PutEvents', `arn:aws:events:${R}:${A}:event-bus/default`, {
        context: { 'events:source': ['payments.reports', 'orders.reports'] },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function role granted events:PutEvents',
    request: 'events:PutEvents on the default bus with its own source `payments.reports`',
    expected: 'allowed',
    why: 'a service publishing its own events',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'events:PutEvents', `arn:aws:events:${R}:${A}:event-bus/default`, {
        context: { 'events:source': ['payments.reports'] },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function code with an inline `*:*` policy (lambda:SourceFunctionArn set)',
    request: "logs:PutResourcePolicy (rewrite the account's log resource policies)",
    expected: 'denied',
    why: 'log delivery and log resource policies are for Step Functions logging, never for function code',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'logs:PutResourcePolicy', '*', {
        context: { 'lambda:SourceFunctionArn': of(m, 'payments').fn },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function code with an inline `*:*` policy (lambda:SourceFunctionArn set)',
    request: "logs:CreateLogDelivery (point a delivery at orders' log group)",
    expected: 'denied',
    why: 'log delivery and log resource policies are for Step Functions logging, never for function code',
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'logs:CreateLogDelivery', '*', {
        context: { 'lambda:SourceFunctionArn': of(m, 'payments').fn },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function role with an inline `*:*` policy',
    request: "logs:PutLogEvents to the log group of orders' function (forged log lines)",
    expected: 'denied',
    why: "payments' boundary names only payments' log groups",
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'logs:PutLogEvents', fnLogGroup('orders', 'get-item'), {
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Function roles',
    who: 'payments function role',
    request: 'logs:PutLogEvents to its own log group',
    expected: 'allowed',
    why: 'a function writing its own logs',
    ask: (m) => m.can(ROLES.paymentsFn, 'logs:PutLogEvents', fnLogGroup('payments', 'get-item')),
  },
  // ----- CloudFormation execution roles -----
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:UpdateAssumeRolePolicy on its own function role',
    expected: 'denied',
    why: 'trust is set at creation (checked by the Guard Hook), never rewritten',
    ask: (m) => m.can(ROLES.paymentsExec, 'iam:UpdateAssumeRolePolicy', roleArn(ROLES.paymentsFn)),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:AttachRolePolicy AdministratorAccess to its own function role',
    expected: 'denied',
    why: 'only the Lambda basic and VPC managed policies may be attached',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:AttachRolePolicy', roleArn(ROLES.paymentsFn), {
        context: {
          'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess',
          'iam:PermissionsBoundary': boundary('payments'),
        },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:DeleteRolePermissionsBoundary on its own function role',
    expected: 'denied',
    why: 'boundary removal is denied explicitly',
    ask: (m) => m.can(ROLES.paymentsExec, 'iam:DeleteRolePermissionsBoundary', roleArn(ROLES.paymentsFn)),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "iam:CreateRole carrying orders' boundary",
    expected: 'denied',
    why: "roles it creates must carry payments' own boundary",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:CreateRole', roleArn(`${P}-role-payments-x`), {
        context: { 'iam:PermissionsBoundary': boundary('orders') },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "iam:CreatePolicyVersion of payments' boundary",
    expected: 'denied',
    why: 'no policy-version action is granted',
    ask: (m) => m.can(ROLES.paymentsExec, 'iam:CreatePolicyVersion', boundary('payments')),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:PassRole of the platform deploy role to Lambda',
    expected: 'denied',
    why: 'only its own roles may be passed',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:PassRole', roleArn(ROLES.platformDeploy), {
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "iam:PassRole of orders' function role to Lambda",
    expected: 'denied',
    why: "orders' roles are outside payments' prefixes",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:PassRole', roleArn(ROLES.ordersFn), {
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:PassRole of the shared Lambda execution role to Step Functions',
    expected: 'denied',
    why: 'no service may pass the shared role at all',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:PassRole', roleArn(ROLES.sharedExecution), {
        context: { 'iam:PassedToService': 'states.amazonaws.com' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "lambda:CreateEventSourceMapping for orders' function",
    expected: 'denied',
    why: 'lambda:FunctionArn must be one of its own functions',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:CreateEventSourceMapping', '*', {
        context: ESM_CONTEXT(of(m, 'orders').worker),
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "an event source mapping from orders' queue to its own worker",
    expected: 'denied',
    why: "Lambda polls with the worker's role, whose boundary excludes orders' queue",
    ask: async (m) =>
      (await m.can(ROLES.paymentsExec, 'lambda:CreateEventSourceMapping', '*', {
        context: ESM_CONTEXT(of(m, 'payments').worker),
      })) && (await m.can(ROLES.paymentsWorker, 'sqs:ReceiveMessage', of(m, 'orders').queue)),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "lambda:UpdateFunctionCode of orders' function",
    expected: 'denied',
    why: 'cross-service function change',
    ask: (m) => m.can(ROLES.paymentsExec, 'lambda:UpdateFunctionCode', of(m, 'orders').fn),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: "cloudformation:DescribeStacks of another of orders' stacks (a weak cross-stack reference)",
    expected: 'allowed',
    why: 'CloudFormation reads Fn::GetStackOutput with the execution role of the reading stack',
    ask: (m) => m.can(ROLES.ordersExec, 'cloudformation:DescribeStacks', stackArn(`${P}-orders-data`)),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "cloudformation:DescribeStacks of orders' stack (its outputs)",
    expected: 'denied',
    why: "only the service's own stacks: another service's outputs are not its to read",
    ask: (m) => m.can(ROLES.paymentsExec, 'cloudformation:DescribeStacks', stackArn(STACK.orders)),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: "sns:Subscribe to orders' alarm topic (the platform's, in access-orders)",
    expected: 'denied',
    why: "the topic is named outside the service's topic names: the registry, not the service, decides who is told",
    ask: (m) => m.can(ROLES.ordersExec, 'sns:Subscribe', alarmTopic(m, 'orders')),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: "sns:SetTopicAttributes on orders' alarm topic",
    expected: 'denied',
    why: "its policy and encryption are the platform's",
    ask: (m) => m.can(ROLES.ordersExec, 'sns:SetTopicAttributes', alarmTopic(m, 'orders')),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: "cloudwatch:DeleteAlarms of the platform's 5XX alarm on /orders",
    expected: 'denied',
    why: "`{project}-{env}-alarm-api-orders-*` is outside the service's alarm names (`api` is a reserved service name)",
    ask: (m) =>
      m.can(ROLES.ordersExec, 'cloudwatch:DeleteAlarms', alarmArn(`${P}-alarm-api-orders-5xx-rate`)),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: 'cloudwatch:PutMetricAlarm of its function error alarm (ServiceStack monitoring)',
    expected: 'allowed',
    why: "`{project}-{env}-alarm-orders-*` is the service's own",
    ask: (m) =>
      m.can(ROLES.ordersExec, 'cloudwatch:PutMetricAlarm', alarmArn(`${P}-alarm-orders-get-item-errors`)),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role',
    request: 'cloudwatch:PutDashboard of its service dashboard (named after its stack)',
    expected: 'allowed',
    why: "dashboards named with the stack prefix are the service's own",
    ask: (m) =>
      m.can(
        ROLES.ordersExec,
        'cloudwatch:PutDashboard',
        `arn:aws:cloudwatch::${A}:dashboard/${STACK.orders}`,
      ),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request:
      "iam:PassRole of the shared Lambda execution role to Lambda (it writes every service's log groups)",
    expected: 'denied',
    why: 'service functions never run with the shared role: each has its own, under its boundary',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:PassRole', roleArn(ROLES.sharedExecution), {
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "cloudwatch:PutDashboard of orders' service dashboard",
    expected: 'denied',
    why: 'cross-service dashboard change',
    ask: (m) =>
      m.can(
        ROLES.paymentsExec,
        'cloudwatch:PutDashboard',
        `arn:aws:cloudwatch::${A}:dashboard/${STACK.orders}`,
      ),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "lambda:UpdateEventSourceMapping of orders' mapping, pointing it at its own worker",
    expected: 'denied',
    why: "orders' mapping carries Service=orders; lambda:FunctionArn alone names only the new target",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:UpdateEventSourceMapping', of(m, 'orders').mapping, {
        context: ESM_CONTEXT(of(m, 'payments').worker),
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "lambda:DeleteEventSourceMapping of orders' mapping",
    expected: 'denied',
    why: "orders' mapping carries Service=orders",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:DeleteEventSourceMapping', of(m, 'orders').mapping, {
        context: ESM_CONTEXT(of(m, 'orders').worker),
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'lambda:UpdateEventSourceMapping of its own mapping',
    expected: 'allowed',
    why: 'its own mapping, for its own worker',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:UpdateEventSourceMapping', of(m, 'payments').mapping, {
        context: ESM_CONTEXT(of(m, 'payments').worker),
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'lambda:CreateEventSourceMapping for its own worker without a Service tag',
    expected: 'denied',
    why: 'a mapping must carry its service (ServiceStack tags every mapping), or no later change could tell whose it is',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:CreateEventSourceMapping', '*', {
        context: ESM_CONTEXT(of(m, 'payments').worker),
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'cloudwatch:TagResource Service=payments on the dashboard it creates (stack prefix)',
    expected: 'allowed',
    why: "the dashboard handler tags with the stack's tags",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'cloudwatch:TagResource', dashboardArn('payments'), {
        context: requestTags('payments'),
        resourceExists: false,
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'cloudwatch:TagResource Service=orders on the dashboard it creates',
    expected: 'denied',
    why: 'it may only tag what it creates as payments',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'cloudwatch:TagResource', dashboardArn('payments'), {
        context: requestTags('orders'),
        resourceExists: false,
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "cloudwatch:TagResource Service=payments on orders' dashboard",
    expected: 'denied',
    why: "orders' dashboard is outside payments' stack prefix",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'cloudwatch:TagResource', dashboardArn('orders'), {
        context: { ...requestTags('payments'), 'aws:ResourceTag/Service': 'orders' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request:
      'kms:CreateGrant on the AWS managed key aws/dynamodb, through DynamoDB (a table encrypted with it)',
    expected: 'allowed',
    why: "the key's own policy, which AWS writes, lets every principal of the account use it through DynamoDB",
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'kms:CreateGrant', DYNAMODB_MANAGED_KEY_ARN, {
        context: { ...VIA_DYNAMODB, 'kms:GrantIsForAWSResource': 'true' },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'kms:RevokeGrant on the AWS managed key aws/dynamodb, through DynamoDB (its table deleted)',
    expected: 'allowed',
    why: 'the table handler lists it; the key policy leaves it to IAM',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'kms:RevokeGrant', DYNAMODB_MANAGED_KEY_ARN, { context: VIA_DYNAMODB }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "kms:RevokeGrant on the AWS managed key aws/dynamodb, directly (cut orders' table off its key)",
    expected: 'denied',
    why: 'only through DynamoDB, for a table it manages (kms:ViaService)',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'kms:RevokeGrant', DYNAMODB_MANAGED_KEY_ARN, {
        context: { 'kms:CallerAccount': A, 'kms:ResourceAliases': ['alias/aws/dynamodb'] },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments function role with an inline `*:*` policy',
    request: 'kms:RevokeGrant on the AWS managed key aws/dynamodb, through DynamoDB',
    expected: 'denied',
    why: "payments' function boundary allows key use, never grant management",
    ask: (m) =>
      m.can(ROLES.paymentsFn, 'kms:RevokeGrant', DYNAMODB_MANAGED_KEY_ARN, {
        context: VIA_DYNAMODB,
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'dynamodb:DescribeBackup of a backup of its own table (dynamodb:Describe* of the table handler)',
    expected: 'allowed',
    why: 'every Describe action on its own tables and what lies below them',
    ask: (m) =>
      m.can(
        ROLES.paymentsExec,
        'dynamodb:DescribeBackup',
        `${of(m, 'payments').table}/backup/01700000000000-abcdef12`,
      ),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "dynamodb:DeleteTable of payments' table",
    expected: 'denied',
    why: "the execution role's own boundary names only orders' resources",
    ask: (m) =>
      m.can(ROLES.ordersExec, 'dynamodb:DeleteTable', of(m, 'payments').table, { extraPolicies: ADMIN }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "lambda:UpdateFunctionCode of payments' function",
    expected: 'denied',
    why: "the execution role's own boundary names only orders' resources",
    ask: (m) =>
      m.can(ROLES.ordersExec, 'lambda:UpdateFunctionCode', of(m, 'payments').fn, { extraPolicies: ADMIN }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "cloudformation:UpdateStack of payments' stack",
    expected: 'denied',
    why: 'its boundary allows no CloudFormation action at all',
    ask: (m) =>
      m.can(ROLES.ordersExec, 'cloudformation:UpdateStack', stackArn(STACK.payments), {
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "secretsmanager:GetSecretValue of payments' secret",
    expected: 'denied',
    why: 'its boundary reaches only secrets tagged Service=orders',
    ask: (m) =>
      m.can(ROLES.ordersExec, 'secretsmanager:GetSecretValue', of(m, 'payments').secret, {
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "iam:PassRole of payments' function role",
    expected: 'denied',
    why: "its boundary names only orders' roles",
    ask: (m) =>
      m.can(ROLES.ordersExec, 'iam:PassRole', roleArn(ROLES.paymentsFn), {
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        extraPolicies: ADMIN,
      }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: 'iam:CreateUser',
    expected: 'denied',
    why: 'its boundary allows roles of orders only',
    ask: (m) =>
      m.can(ROLES.ordersExec, 'iam:CreateUser', `arn:aws:iam::${A}:user/backdoor`, { extraPolicies: ADMIN }),
  },
  {
    group: 'Execution roles',
    who: 'orders execution role with an inline `*:*` policy',
    request: "dynamodb:DeleteTable of orders' own table",
    expected: 'allowed',
    why: 'the boundary caps at the service, it does not stop the service',
    ask: (m) =>
      m.can(ROLES.ordersExec, 'dynamodb:DeleteTable', of(m, 'orders').table, { extraPolicies: ADMIN }),
  },
  {
    group: 'Shared API routes',
    who: 'payments execution role',
    request: 'lambda:InvokeFunction of the routes receiver',
    expected: 'allowed',
    why: "CloudFormation invokes it with the stack's role to deliver the service's routes declaration",
    ask: (m) => m.can(ROLES.paymentsExec, 'lambda:InvokeFunction', RECEIVER),
  },
  {
    group: 'Shared API routes',
    who: 'payments function code',
    request: 'lambda:InvokeFunction of the routes receiver (a forged declaration event)',
    expected: 'denied',
    why: 'the service boundary allows no platform function: only CloudFormation, which sets the real StackId, reaches the receiver',
    ask: (m) => m.can(ROLES.paymentsFn, 'lambda:InvokeFunction', RECEIVER),
  },
  ...receiverRows(),
  {
    group: 'Shared API routes',
    who: 'payments deploy role',
    request: 'lambda:InvokeFunction of the routes receiver (a forged declaration event)',
    expected: 'denied',
    why: 'the deploy role changes stacks through CloudFormation only',
    ask: (m) => m.can(ROLES.paymentsDeploy, 'lambda:InvokeFunction', RECEIVER),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "dynamodb:DeleteTable of orders' table",
    expected: 'denied',
    why: "orders' generated table name is outside payments' prefix",
    ask: (m) => m.can(ROLES.paymentsExec, 'dynamodb:DeleteTable', of(m, 'orders').table),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: "secretsmanager:TagResource Service=payments on orders' secret",
    expected: 'denied',
    why: 'the Service tag cannot be moved to another service',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'secretsmanager:TagResource', of(m, 'orders').secret, {
        context: { 'aws:RequestTag/Service': 'payments', 'aws:TagKeys': ['Service'] },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'states:CreateStateMachine tagged Service=orders',
    expected: 'denied',
    why: 'it may only tag what it creates as payments',
    ask: (m) =>
      m.can(
        ROLES.paymentsExec,
        'states:CreateStateMachine',
        `arn:aws:states:${R}:${A}:stateMachine:Workflow-X`,
        {
          context: { 'aws:RequestTag/Service': 'orders', 'aws:TagKeys': ['Service'] },
        },
      ),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'lambda:CreateEventSourceMapping for its own worker, tagged Service=payments',
    expected: 'allowed',
    why: 'ServiceStack tags every mapping',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'lambda:CreateEventSourceMapping', '*', {
        context: {
          ...ESM_CONTEXT(of(m, 'payments').worker),
          'aws:RequestTag/Service': 'payments',
          'aws:TagKeys': ['Service'],
        },
      }),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'events:PutRule for a rule CloudFormation names from its stack',
    expected: 'allowed',
    why: 'EventBridge rules and schedules are in the catalogue',
    ask: (m) =>
      m.can(
        ROLES.paymentsExec,
        'events:PutRule',
        m.arnOf(STACK.payments, 'AWS::Events::Rule', 'ReportRequested'),
      ),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'logs:CreateLogDelivery for a state machine that logs to CloudWatch Logs',
    expected: 'allowed',
    why: 'whoever creates a logging state machine needs it; AWS allows it on "*" only',
    ask: (m) => m.can(ROLES.paymentsExec, 'logs:CreateLogDelivery', '*'),
  },
  {
    group: 'Execution roles',
    who: 'payments execution role',
    request: 'iam:PassRole of its own function role to Lambda',
    expected: 'allowed',
    why: 'its own role, carrying its boundary',
    ask: (m) =>
      m.can(ROLES.paymentsExec, 'iam:PassRole', roleArn(ROLES.paymentsFn), {
        context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      }),
  },
  // ----- deploy roles -----
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request: "cloudformation:UpdateStack of orders' stack with orders' execution role",
    expected: 'denied',
    why: 'cross-service stack change',
    ask: (m) =>
      m.can(ROLES.paymentsDeploy, 'cloudformation:UpdateStack', stackArn(STACK.orders), {
        context: { 'cloudformation:RoleArn': roleArn(ROLES.ordersExec) },
      }),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request: 'cloudformation:CreateChangeSet of its own stack with its execution role',
    expected: 'allowed',
    why: 'a service deploying itself',
    ask: (m) =>
      m.can(ROLES.paymentsDeploy, 'cloudformation:CreateChangeSet', stackArn(STACK.payments), {
        context: { 'cloudformation:RoleArn': roleArn(ROLES.paymentsExec) },
      }),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request: "iam:PassRole of orders' execution role to CloudFormation",
    expected: 'denied',
    why: 'it passes only its own execution role',
    ask: (m) =>
      m.can(ROLES.paymentsDeploy, 'iam:PassRole', roleArn(ROLES.ordersExec), {
        context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
      }),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role with an inline `*:*` policy',
    request: 's3:PutObject under orders/ of the artifact bucket',
    expected: 'denied',
    why: "the bucket policy confines each deploy role to its Service tag's prefix",
    ask: (m) =>
      m.can(ROLES.paymentsDeploy, 's3:PutObject', `${ARTIFACTS}/orders/asset.zip`, {
        extraPolicies: [
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        ],
      }),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request: 's3:PutObject under payments/ of the artifact bucket',
    expected: 'allowed',
    why: 'publishing its own assets',
    ask: (m) => m.can(ROLES.paymentsDeploy, 's3:PutObject', `${ARTIFACTS}/payments/asset.zip`),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request:
      'ssm:GetParameters of `/{project}/{env}/contract/major-version` (the contract rule of every ServiceStack, resolved at CreateChangeSet)',
    expected: 'allowed',
    why: "CloudFormation resolves SSM-typed parameters with the caller's rights",
    ask: (m) =>
      m.can(
        ROLES.paymentsDeploy,
        'ssm:GetParameters',
        parameterArn('/shared-lambda-infra/dev/contract/major-version'),
      ),
  },
  {
    group: 'Deploy roles',
    who: 'payments execution role',
    request: 'ssm:GetParameters of `/{project}/{env}/contract/major-version`',
    expected: 'allowed',
    why: 'the same parameter, read by the role that runs the deploy',
    ask: (m) =>
      m.can(
        ROLES.paymentsExec,
        'ssm:GetParameters',
        parameterArn('/shared-lambda-infra/dev/contract/major-version'),
      ),
  },
  {
    group: 'Deploy roles',
    who: 'payments deploy role',
    request: 'ssm:GetParameters of another `contract/` value (`/{project}/{env}/contract/version`)',
    expected: 'denied',
    why: 'exactly the one parameter ServiceStack reads, not the component',
    ask: (m) =>
      m.can(
        ROLES.paymentsDeploy,
        'ssm:GetParameters',
        parameterArn('/shared-lambda-infra/dev/contract/version'),
      ),
  },
  // ----- platform roles -----
  {
    group: 'Platform roles',
    who: 'platform deploy role',
    request: 'sts:AssumeRole of the CDK deploy role',
    expected: 'allowed',
    why: 'the platform deploying the platform',
    ask: (m) => m.can(ROLES.platformDeploy, 'sts:AssumeRole', bootstrapRole('deploy')),
  },
  {
    group: 'Platform roles',
    who: 'platform pull-request role',
    request: 'sts:AssumeRole of the CDK lookup role (ReadOnlyAccess)',
    expected: 'denied',
    why: 'it reads the platform stacks directly instead',
    ask: (m) => m.can(ROLES.platformReadOnly, 'sts:AssumeRole', bootstrapRole('lookup')),
  },
  {
    group: 'Platform roles',
    who: 'platform pull-request role',
    request: "dynamodb:Scan on orders' table",
    expected: 'denied',
    why: 'read-only means stack templates, not service data',
    ask: (m) => m.can(ROLES.platformReadOnly, 'dynamodb:Scan', of(m, 'orders').table),
  },
  {
    group: 'Platform roles',
    who: 'platform pull-request role',
    request: 'cloudformation:GetTemplate of the dev api stack',
    expected: 'allowed',
    why: 'what cdk diff reads',
    ask: (m) => m.can(ROLES.platformReadOnly, 'cloudformation:GetTemplate', stackArn(`${P}-api`)),
  },
  // ----- trust -----
  {
    group: 'Trust',
    who: 'lambda.amazonaws.com',
    request: "sts:AssumeRole of orders' function role",
    expected: 'allowed',
    why: 'the function runs with it',
    ask: (m) => m.canServiceAssume(ROLES.ordersFn, 'lambda.amazonaws.com'),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/orders-service, environment dev, refs/heads/main (immutable subject, ids)',
    request: 'assume the orders dev deploy role',
    expected: 'allowed',
    why: 'right repository, environment and ref',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(ORDERS_REPOSITORY, 'environment:dev', 'refs/heads/main'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/orders-service, environment dev, refs/heads/feature-x',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'orders allows only main and v* tags (services[].allowedRefs)',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(ORDERS_REPOSITORY, 'environment:dev', 'refs/heads/feature-x'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/orders-service, pull request job with environment dev (refs/pull/7/merge)',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'a pull request ref is never an allowed ref',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(ORDERS_REPOSITORY, 'environment:dev', 'refs/pull/7/merge'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'a fork, evil/orders-service, environment dev, refs/heads/main',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'other repository (subject and ids differ)',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(
          { repository: 'evil/orders-service', ownerId: 666, repositoryId: 999 },
          'environment:dev',
          'refs/heads/main',
        ),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/orders-service, environment prod, refs/heads/main',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'other environment',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(ORDERS_REPOSITORY, 'environment:prod', 'refs/heads/main'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'a recreated acme/orders-service (same name, new ids), name-based subject',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'with ids configured only the immutable subject and ids are trusted',
    ask: (m) =>
      m.canAssumeWithGithub(ROLES.ordersDeploy, {
        ...token(
          { ...ORDERS_REPOSITORY, repositoryId: 888002 },
          'environment:dev',
          'refs/heads/main',
          'name',
        ),
      }),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/payments-service, environment dev, refs/heads/feature-y (no ids configured)',
    request: 'assume the payments dev deploy role',
    expected: 'allowed',
    why: 'dev explicitly allows every branch (github.allowedRefs)',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.paymentsDeploy,
        token(PAYMENTS_REPOSITORY, 'environment:dev', 'refs/heads/feature-y'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: 'acme/payments-service, environment dev, refs/heads/main',
    request: 'assume the orders dev deploy role',
    expected: 'denied',
    why: 'other repository',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.ordersDeploy,
        token(PAYMENTS_REPOSITORY, 'environment:dev', 'refs/heads/main'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: `${PLATFORM_REPOSITORY}, pull request`,
    request: 'assume the platform pull-request role',
    expected: 'allowed',
    why: 'cdk diff on pull requests',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.platformReadOnly,
        token({ repository: PLATFORM_REPOSITORY }, 'pull_request', 'refs/pull/3/merge'),
      ),
  },
  {
    group: 'GitHub OIDC',
    who: `${PLATFORM_REPOSITORY}, pull request`,
    request: 'assume the platform dev deploy role',
    expected: 'denied',
    why: 'deploys need the environment subject and an allowed ref',
    ask: (m) =>
      m.canAssumeWithGithub(
        ROLES.platformDeploy,
        token({ repository: PLATFORM_REPOSITORY }, 'pull_request', 'refs/pull/3/merge'),
      ),
  },
];

/** The matrix as a Markdown table, for docs/security.md. */
export function renderMatrix(): string {
  const lines: string[] = [];
  let group = '';
  for (const row of MATRIX) {
    if (row.group !== group) {
      group = row.group;
      lines.push('', `### ${group}`, '', '| Who | Request | Answer | Why |', '|---|---|---|---|');
    }
    const answer = row.expected === 'allowed' ? 'allowed' : '**denied**';
    lines.push(`| ${row.who} | ${row.request} | ${answer} | ${row.why} |`);
  }
  return lines.join('\n');
}

/** The receiver's role: its name is generated by CloudFormation, found from the api stack. */
function receiverRole(m: IamModel): string {
  return m.arnOf(`${P}-api`, 'AWS::IAM::Role', 'RoutesReceiver').split('/').pop() as string;
}

/**
 * The receiver asks CloudFormation who sent a request (DescribeStackResource): on the services'
 * routes stacks and the platform's api stack of its own environment, and nothing else.
 */
function receiverRows(): MatrixRow[] {
  const row = (
    request: string,
    expected: 'allowed' | 'denied',
    why: string,
    action: string,
    stack: string,
  ) => ({
    group: 'Shared API routes',
    who: 'routes receiver role',
    request,
    expected,
    why,
    ask: (m: IamModel) => m.can(receiverRole(m), action, stack, { resourceExists: false }),
  });
  return [
    row(
      "cloudformation:DescribeStackResource on orders' routes stack",
      'allowed',
      'confirms that the stack, logical id and type of a request exist and are in progress',
      'cloudformation:DescribeStackResource',
      stackArn(STACK.orders),
    ),
    row(
      "cloudformation:DescribeStackResource on the platform's api stack",
      'allowed',
      "confirms the platform's settings requests the same way",
      'cloudformation:DescribeStackResource',
      stackArn(`${P}-api`),
    ),
    row(
      'cloudformation:DescribeStackResource on another stack of orders (orders-web)',
      'denied',
      'only stacks named {project}-{env}-*-api',
      'cloudformation:DescribeStackResource',
      stackArn(`${P}-orders-web`),
    ),
    row(
      "cloudformation:DescribeStackResource on prod's orders routes stack",
      'denied',
      "its own environment's stacks only",
      'cloudformation:DescribeStackResource',
      stackArn('shared-lambda-infra-prod-orders-api'),
    ),
    row(
      "cloudformation:DescribeStackResource on orders' routes stack in another Region",
      'denied',
      "its own Region's stacks only",
      'cloudformation:DescribeStackResource',
      stackArn(STACK.orders).replace(`:${R}:`, ':us-east-1:'),
    ),
    row(
      "cloudformation:GetTemplate of orders' routes stack",
      'denied',
      'DescribeStackResource is the one CloudFormation action it has',
      'cloudformation:GetTemplate',
      stackArn(STACK.orders),
    ),
  ];
}
