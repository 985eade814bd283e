/**
 * The IAM of deployed templates, asked as "can X do Y to Z?" of a real IAM evaluator
 * (@cloud-copilot/iam-simulate).
 *
 * Templates are resolved the way CloudFormation would resolve them in one fixed account and
 * region: pseudo parameters, `Ref`/`Fn::GetAtt` of the resources (with the names CloudFormation
 * generates when a template gives none), `Fn::Join`/`Fn::Sub`/`Fn::Select`, and SSM parameter
 * values published by other templates (the contract). Anything the resolver does not know throws,
 * so a question can never be answered from a half-resolved policy.
 */
import { createHash } from 'node:crypto';
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

/** The account and region every template is resolved in. */
export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
const PARTITION = 'aws';

/** Marks a value the model does not resolve; no policy may contain one. */
const UNRESOLVED = '{{unresolved:';

/** The suffix standing in for CloudFormation's random part of a generated name. */
export const GENERATED_SUFFIX = 'ABCDEF123456';

type Json = unknown;
/** A resource of a template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
}
/** A CloudFormation template, as far as the model reads it. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Conditions?: Record<string, Json>;
  Outputs?: Record<string, Json>;
  Mappings?: Record<string, Json>;
}

/** A synthesized template and the name of the stack it is deployed as. */
export interface DeployedTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

type PolicyDocument = { Version?: string; Statement: Json[] };

/** A role as IAM holds it once the templates are deployed. */
export interface ModelRole {
  readonly name: string;
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly boundaryArn?: string;
  readonly tags: Record<string, string>;
  /** Identity policies by name (inline and attached managed). */
  readonly policies: Map<string, PolicyDocument>;
}

/** AWS managed policies CDK attaches, as AWS publishes them. */
const AWS_MANAGED: Record<string, PolicyDocument> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};

// The documents AWS publishes for the managed policies the CDK bootstrap stack attaches.
AWS_MANAGED['arn:aws:iam::aws:policy/AdministratorAccess'] = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
AWS_MANAGED['arn:aws:iam::aws:policy/AWSCloudFormationReadOnlyAccess'] = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'cloudformation:Describe*',
        'cloudformation:EstimateTemplateCost',
        'cloudformation:Get*',
        'cloudformation:List*',
        'cloudformation:ValidateTemplate',
        'cloudformation:Detect*',
      ],
      Resource: '*',
    },
  ],
};

/**
 * The AWS managed key of DynamoDB (`alias/aws/dynamodb`) of the account, which AWS creates with a
 * key policy of its own; its id is random, this one stands for it.
 */
export const DYNAMODB_MANAGED_KEY_ARN = `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;

/**
 * Key policies AWS writes for its managed keys, as AWS publishes them: every principal of the
 * account may use the key through the service (kms:ViaService), and IAM policies decide direct
 * reads of its metadata and grant revocation (the account root statement).
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
 */
const AWS_MANAGED_KEY_POLICIES: Record<string, PolicyDocument> = {
  [DYNAMODB_MANAGED_KEY_ARN]: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Allow access through Amazon DynamoDB for all principals in the account that are authorized to use Amazon DynamoDB',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:CallerAccount': ACCOUNT },
          StringLike: { 'kms:ViaService': 'dynamodb.*.amazonaws.com' },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  },
};

/** How IAM decided a question, in words a report can print. */
export interface Decision {
  /** Whether the request is allowed. */
  readonly allowed: boolean;
  /**
   * The deciding statement: `allowed by {policy} ({Sid})`, `explicit deny in {policy} ({Sid})`,
   * `denied by boundary {arn}`, `denied by the resource policy`, or `no statement allows`.
   */
  readonly decidedBy: string;
}

/** Options of {@link IamModel.can}. */
export interface CanOptions {
  /** Request context keys (e.g. `iam:PassedToService`). */
  readonly context?: Record<string, string | string[]>;
  /** Identity policies added for this question only (e.g. "had it attached `*:*`"). */
  readonly extraPolicies?: PolicyDocument[];
  /**
   * Whether the resource exists yet: a create request carries no `aws:ResourceTag/*` keys.
   * @default true
   */
  readonly resourceExists?: boolean;
  /**
   * Drop context keys the action does not take instead of throwing (the rehearsal sends a
   * resource's tags with every request of its handlers; IAM reads them only where the action has
   * the tag condition keys).
   * @default false
   */
  readonly ignoreUnusedContext?: boolean;
  /**
   * Ask the role's identity policies alone, as if its permissions boundary allowed everything:
   * shows that a confinement the policies and the boundary both carry holds in each of them on
   * its own (with `extraPolicies` of `*:*` instead, the boundary alone decides).
   * @default false
   */
  readonly ignoreBoundary?: boolean;
}

/** Claims of a GitHub Actions OIDC token. */
export interface GithubClaims {
  readonly sub: string;
  readonly ref: string;
  readonly repository_id?: string;
  readonly repository_owner_id?: string;
  readonly aud?: string;
}

/** The roles, policies and resource policies of a set of deployed templates. */
export class IamModel {
  readonly roles = new Map<string, ModelRole>();
  private readonly managedPolicies = new Map<string, PolicyDocument>();
  private readonly bucketPolicies = new Map<string, PolicyDocument>();
  private readonly keyPolicies = new Map<string, PolicyDocument>();
  private readonly decisions = new Map<string, Promise<Decision>>();
  private readonly resourceTags = new Map<string, Record<string, string>>();
  private readonly ssm = new Map<string, string>();
  /** Exported outputs by export name: the template and value `Fn::ImportValue` reads. */
  private readonly exports = new Map<string, { t: DeployedTemplate; value: Json }>();
  /** The templates by stack name: what `Fn::GetStackOutput` reads an output of. */
  private readonly byStackName = new Map<string, DeployedTemplate>();
  private readonly attachedManaged: Array<[string, string]> = [];
  /** Each function's resource-based policy statements (AWS::Lambda::Permission), by function ARN. */
  private readonly functionPolicies = new Map<string, Json[]>();
  /** The audiences (client ids) each OIDC provider of the templates accepts, by provider ARN. */
  private readonly oidcClientIds = new Map<string, string[]>();
  /** Physical ids and attributes: `{stack}/{logicalId}` → values. */
  private readonly physical = new Map<string, { type: string; ref: string; attrs: Record<string, string> }>();

  constructor(templates: readonly DeployedTemplate[]) {
    for (const t of templates) this.name(t);
    for (const t of templates) this.byStackName.set(t.stackName, t);
    for (const t of templates) {
      for (const output of Object.values(t.template.Outputs ?? {}) as Array<{
        Value?: Json;
        Export?: { Name?: Json };
      }>) {
        if (output.Export?.Name !== undefined)
          this.exports.set(this.resolve(t, output.Export.Name) as string, { t, value: output.Value });
      }
    }
    // Contract parameters first: service templates read them through SSM parameter types.
    for (const t of templates) {
      for (const [, r] of Object.entries(t.template.Resources ?? {})) {
        if (r.Type === 'AWS::SSM::Parameter') {
          const name = this.resolve(t, r.Properties?.Name) as string;
          this.ssm.set(name, this.resolve(t, r.Properties?.Value) as string);
        }
      }
    }
    for (const t of templates) this.collect(t);
  }

  /** ARN of the one resource of `type` in a stack whose logical id starts with `logicalIdPrefix`. */
  arnOf(stackName: string, type: string, logicalIdPrefix: string): string {
    const hit = [...this.physical.entries()].filter(
      ([k, v]) => k.startsWith(`${stackName}/${logicalIdPrefix}`) && v.type === type,
    );
    if (hit.length !== 1) {
      throw new Error(
        `${hit.length} ${type} of ${stackName} start with ${logicalIdPrefix}: ${hit.map(([k]) => k).join(', ')}`,
      );
    }
    const { ref, attrs } = hit[0][1];
    return attrs.Arn ?? ref;
  }

  /** An attribute of the one resource of `type` in a stack whose logical id starts with `logicalIdPrefix`. */
  attrOf(stackName: string, type: string, logicalIdPrefix: string, attr: string): string {
    const hit = [...this.physical.entries()].filter(
      ([k, v]) => k.startsWith(`${stackName}/${logicalIdPrefix}`) && v.type === type,
    );
    const value = hit.length === 1 ? hit[0][1].attrs[attr] : undefined;
    if (!value)
      throw new Error(`${hit.length} ${type} of ${stackName} start with ${logicalIdPrefix} and have ${attr}`);
    return value;
  }

  /** The role named `name`; throws when the templates create none. */
  role(name: string): ModelRole {
    const role = this.roles.get(name);
    if (!role) throw new Error(`no role named ${name}; roles: ${[...this.roles.keys()].join(', ')}`);
    return role;
  }

  /** The managed policy document at `arn`. */
  managedPolicy(arn: string): PolicyDocument {
    const doc = this.managedPolicies.get(arn) ?? AWS_MANAGED[arn];
    if (!doc) throw new Error(`no managed policy ${arn} in the templates`);
    return doc;
  }

  /**
   * Whether the role `roleName` may perform `action` on `resource`: its identity policies, its
   * permissions boundary and the resource's policy (artifact bucket), as IAM evaluates them. The
   * principal's ARN and tags and the resource's tags go into the request context.
   */
  async can(roleName: string, action: string, resource: string, options: CanOptions = {}): Promise<boolean> {
    return (await this.decide(roleName, action, resource, options)).allowed;
  }

  /** {@link can}, with the statement (or its absence) that decided; each question is evaluated once. */
  decide(roleName: string, action: string, resource: string, options: CanOptions = {}): Promise<Decision> {
    const key = JSON.stringify([roleName, action, resource, options]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.evaluate(roleName, action, resource, options);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private async evaluate(
    roleName: string,
    action: string,
    resource: string,
    options: CanOptions = {},
  ): Promise<Decision> {
    const role = this.role(roleName);
    const context: Record<string, string | string[]> = {
      'aws:PrincipalArn': role.arn,
      'aws:PrincipalAccount': ACCOUNT,
      // Every request of a deploy is made over TLS, to resources of the account.
      'aws:SecureTransport': 'true',
      ...(resource === '*' || resource.includes(`:${ACCOUNT}:`) || resource.startsWith('arn:aws:s3:::')
        ? { 'aws:ResourceAccount': ACCOUNT }
        : {}),
      ...Object.fromEntries(Object.entries(role.tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v])),
      ...Object.fromEntries(
        Object.entries(options.resourceExists === false ? {} : this.tagsOf(resource)).map(([k, v]) => [
          `aws:ResourceTag/${k}`,
          v,
        ]),
      ),
      ...options.context,
    };
    for (const [name, policyArn] of this.attachedManaged) {
      if (name === roleName) role.policies.set(policyArn, this.managedPolicy(policyArn));
    }
    if (JSON.stringify([...role.policies.values()]).includes(UNRESOLVED)) {
      throw new Error(`a policy of ${roleName} has a value the model does not resolve`);
    }
    const identityPolicies = [
      ...role.policies.entries(),
      ...(options.extraPolicies ?? []).map((p, i) => [`extra${i}`, p] as const),
    ].map(([name, policy]) => ({ name, policy }));
    const result = await runSimulation(
      {
        request: {
          principal: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/${role.name}/session`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies,
        permissionBoundaryPolicies:
          role.boundaryArn && !options.ignoreBoundary
            ? [{ name: 'boundary', policy: this.managedPolicy(role.boundaryArn) }]
            : undefined,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: this.resourcePolicyOf(resource),
      },
      {},
    );
    if (result.resultType === 'error') {
      throw new Error(`cannot simulate ${roleName} ${action} ${resource}: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === 'single') {
      // A context key the evaluator ignores would let a condition pass or fail unnoticed.
      const ignored = (result.result.ignoredContextKeys ?? []).filter(
        (k) =>
          !k.startsWith('aws:PrincipalTag/') &&
          !k.startsWith('aws:ResourceTag/') &&
          k !== 'aws:PrincipalAccount' &&
          k !== 'aws:SecureTransport' &&
          k !== 'aws:ResourceAccount',
      );
      if (
        ignored.length > 0 &&
        options.context &&
        !options.ignoreUnusedContext &&
        ignored.some((k) => k in (options.context ?? {}))
      ) {
        throw new Error(`${action} ignores context keys ${ignored.join(', ')}: rephrase the question`);
      }
    }
    return { allowed: result.overallResult === 'Allowed', decidedBy: decidedBy(result, role.boundaryArn) };
  }

  /** Whether a GitHub Actions token with `claims` may assume `roleName` through OIDC. */
  canAssumeWithGithub(roleName: string, claims: GithubClaims): boolean {
    const role = this.role(roleName);
    const provider = `arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const aud = claims.aud ?? 'sts.amazonaws.com';
    // IAM accepts a token only when its audience is one of the provider's client ids; a provider
    // the templates do not create (imported from another environment) is taken as GitHub's
    // documented setup, the audience sts.amazonaws.com.
    const clientIds = this.oidcClientIds.get(provider) ?? ['sts.amazonaws.com'];
    if (!clientIds.includes(aud)) return false;
    const context: Record<string, string> = {
      'token.actions.githubusercontent.com:aud': aud,
    };
    for (const key of ['sub', 'ref', 'repository_id', 'repository_owner_id'] as const) {
      const value = claims[key];
      if (value !== undefined) context[`token.actions.githubusercontent.com:${key}`] = value;
    }
    // The evaluator does not list provider claims as context keys of AssumeRoleWithWebIdentity,
    // so the validated entry point would drop them: evaluate the trust policy directly.
    const result = runUnsafeSimulation(
      {
        request: {
          principal: provider,
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: { resource: role.arn, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: createValidatedPolicy(role.trust, validateTrustPolicy, { name: 'trust' }),
      },
      {},
    );
    return result === 'Allowed';
  }

  /**
   * Whether the service principal `service` (e.g. `cloudformation.amazonaws.com`) may invoke the
   * function `functionArn` by the function's resource-based policy (its AWS::Lambda::Permission
   * resources), with the request's `context` (e.g. `aws:SourceAccount`).
   */
  async canServiceInvoke(
    service: string,
    functionArn: string,
    context: Record<string, string> = {},
  ): Promise<boolean> {
    const statements = this.functionPolicies.get(functionArn);
    if (!statements) return false;
    const result = await runSimulation(
      {
        request: {
          principal: service,
          action: 'lambda:InvokeFunction',
          resource: { resource: functionArn, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: { Version: '2012-10-17', Statement: statements },
      },
      {},
    );
    if (result.resultType === 'error')
      throw new Error(`cannot simulate ${service} invoking ${functionArn}: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  /** Whether the service principal `service` (e.g. `lambda.amazonaws.com`) may assume `roleName`. */
  async canServiceAssume(roleName: string, service: string): Promise<boolean> {
    const role = this.role(roleName);
    const result = await runSimulation(
      {
        request: {
          principal: service,
          action: 'sts:AssumeRole',
          resource: { resource: role.arn, accountId: ACCOUNT },
          contextVariables: {},
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: role.trust,
      },
      {},
    );
    if (result.resultType === 'error')
      throw new Error(`cannot simulate ${service} assuming ${roleName}: ${JSON.stringify(result.errors)}`);
    return result.overallResult === 'Allowed';
  }

  private tagsOf(resource: string): Record<string, string> {
    return this.resourceTags.get(resource) ?? {};
  }

  private resourcePolicyOf(resource: string): PolicyDocument | undefined {
    if (resource in AWS_MANAGED_KEY_POLICIES) return AWS_MANAGED_KEY_POLICIES[resource];
    if (resource.startsWith('arn:aws:kms:')) return this.keyPolicies.get(resource);
    if (!resource.startsWith('arn:aws:s3:::')) return undefined;
    const bucket = resource.slice('arn:aws:s3:::'.length).split('/')[0];
    return this.bucketPolicies.get(bucket);
  }

  // ----- naming what CloudFormation would name -----

  private name(t: DeployedTemplate): void {
    const arn = (service: string, resource: string, region = REGION, account = ACCOUNT) =>
      `arn:${PARTITION}:${service}:${region}:${account}:${resource}`;
    for (const [id, r] of Object.entries(t.template.Resources ?? {})) {
      const p = r.Properties ?? {};
      const generated = `${t.stackName}-${id}-${GENERATED_SUFFIX}`;
      // Names from the logical id alone differ between stacks by their random part.
      const fromLogicalId = `${id}-${t.stackName.length.toString(16)}${t.stackName.slice(-6).replace(/[^a-z0-9]/gi, 'x')}`;
      // Names built from pseudo parameters (the artifact bucket's) resolve without other resources.
      const literal = (key: string): string | undefined => {
        if (p[key] === undefined) return undefined;
        try {
          const value = this.resolve(t, p[key]);
          return typeof value === 'string' ? value : undefined;
        } catch {
          return undefined;
        }
      };
      let entry: { ref: string; attrs: Record<string, string> } | undefined;
      switch (r.Type) {
        case 'AWS::IAM::Role': {
          const name = literal('RoleName') ?? generated.slice(0, 64);
          entry = { ref: name, attrs: { Arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}` } };
          break;
        }
        case 'AWS::IAM::OIDCProvider': {
          const host = String(literal('Url')).replace(/^https:\/\//, '');
          const providerArn = `arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/${host}`;
          entry = { ref: providerArn, attrs: { Arn: providerArn } };
          this.oidcClientIds.set(
            providerArn,
            [this.resolve(t, p.ClientIdList ?? []) as string | string[]].flat(),
          );
          break;
        }
        case 'AWS::IAM::ManagedPolicy': {
          const name = literal('ManagedPolicyName') ?? generated;
          const policyArn = `arn:${PARTITION}:iam::${ACCOUNT}:policy/${name}`;
          entry = { ref: policyArn, attrs: { PolicyArn: policyArn } };
          break;
        }
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable': {
          const name = literal('TableName') ?? generated;
          const tableArn = arn('dynamodb', `table/${name}`);
          entry = {
            ref: name,
            attrs: { Arn: tableArn, StreamArn: `${tableArn}/stream/2026-11-27T00:00:00.000` },
          };
          break;
        }
        case 'AWS::SQS::Queue': {
          const name = literal('QueueName') ?? generated.slice(0, 80);
          entry = {
            ref: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
            attrs: {
              Arn: arn('sqs', name),
              QueueName: name,
              QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
            },
          };
          break;
        }
        case 'AWS::SNS::Topic': {
          const name = literal('TopicName') ?? generated;
          entry = { ref: arn('sns', name), attrs: { TopicArn: arn('sns', name), TopicName: name } };
          break;
        }
        case 'AWS::SecretsManager::Secret': {
          // CloudFormation names an unnamed secret after its logical id; the ARN adds 6 characters.
          const name = literal('Name') ?? fromLogicalId;
          entry = {
            ref: arn('secretsmanager', `secret:${name}-AbCdEf`),
            attrs: { Id: arn('secretsmanager', `secret:${name}-AbCdEf`) },
          };
          break;
        }
        case 'AWS::StepFunctions::StateMachine': {
          const name = literal('StateMachineName') ?? fromLogicalId;
          const smArn = arn('states', `stateMachine:${name}`);
          entry = { ref: smArn, attrs: { Arn: smArn, Name: name } };
          break;
        }
        case 'AWS::Lambda::Function': {
          const name = literal('FunctionName') ?? generated.slice(0, 64);
          entry = { ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } };
          break;
        }
        case 'AWS::S3::Bucket': {
          const name = literal('BucketName') ?? generated.toLowerCase().slice(0, 63);
          entry = { ref: name, attrs: { Arn: `arn:${PARTITION}:s3:::${name}` } };
          break;
        }
        case 'AWS::Events::Rule': {
          const name = literal('Name') ?? generated.slice(0, 64);
          entry = { ref: name, attrs: { Arn: arn('events', `rule/${name}`) } };
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const name = literal('Name') ?? generated.slice(0, 64);
          entry = { ref: name, attrs: { Arn: arn('scheduler', `schedule/default/${name}`) } };
          break;
        }
        case 'AWS::Logs::LogGroup': {
          const name = literal('LogGroupName') ?? generated;
          entry = { ref: name, attrs: { Arn: arn('logs', `log-group:${name}:*`) } };
          break;
        }
        case 'AWS::Lambda::EventSourceMapping': {
          // A random UUID in AWS; here one per stack and logical id, so each mapping keeps its own tags.
          const hex = createHash('sha256').update(`${t.stackName}/${id}`).digest('hex');
          const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
          entry = { ref: uuid, attrs: { Arn: arn('lambda', `event-source-mapping:${uuid}`) } };
          break;
        }
        case 'AWS::CloudWatch::Dashboard': {
          // Dashboards are global: their ARN has no region.
          const name = literal('DashboardName') ?? generated;
          entry = { ref: name, attrs: { Arn: `arn:${PARTITION}:cloudwatch::${ACCOUNT}:dashboard/${name}` } };
          break;
        }
        case 'AWS::SSM::Parameter': {
          // CloudFormation names an unnamed parameter `CFN-{logicalId}-{random}`.
          const name = literal('Name') ?? `CFN-${id}-${GENERATED_SUFFIX}`;
          entry = { ref: name, attrs: { Arn: arn('ssm', `parameter/${name.replace(/^\//, '')}`) } };
          break;
        }
        case 'AWS::KMS::Key': {
          // Key ids are random UUIDs: one per key, stable across runs.
          const h = createHash('sha256').update(`${t.stackName}/${id}`).digest('hex');
          const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
          entry = { ref: keyId, attrs: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
          break;
        }
        case 'AWS::KMS::Alias': {
          const name = literal('AliasName') ?? `alias/${id}`;
          entry = { ref: name, attrs: { Arn: arn('kms', name) } };
          break;
        }
        case 'AWS::Scheduler::ScheduleGroup': {
          const name = literal('Name') ?? generated.slice(0, 64);
          entry = { ref: name, attrs: { Arn: arn('scheduler', `schedule-group/${name}`) } };
          break;
        }
        case 'AWS::Lambda::LayerVersion': {
          const name = literal('LayerName') ?? generated.slice(0, 64);
          const layerArn = arn('lambda', `layer:${name}:1`);
          entry = { ref: layerArn, attrs: { Arn: layerArn, LayerVersionArn: layerArn } };
          break;
        }
        case 'AWS::ECR::Repository': {
          const name = literal('RepositoryName') ?? generated.toLowerCase();
          entry = { ref: name, attrs: { Arn: arn('ecr', `repository/${name}`) } };
          break;
        }
        case 'AWS::ApiGateway::RestApi':
          entry = { ref: 'a1b2c3d4e5', attrs: { RootResourceId: 'r00t1d' } };
          break;
        case 'AWS::CloudFormation::GuardHook': {
          const alias = literal('Alias') ?? id;
          const hookArn = arn('cloudformation', `type/hook/${alias.replaceAll('::', '-')}`);
          entry = { ref: hookArn, attrs: { HookArn: hookArn } };
          break;
        }
        case 'AWS::CloudWatch::Alarm': {
          const name = literal('AlarmName') ?? generated;
          entry = { ref: name, attrs: { Arn: arn('cloudwatch', `alarm:${name}`) } };
          break;
        }
        default:
          entry = { ref: `${id}-physical-id`, attrs: {} };
      }
      this.physical.set(`${t.stackName}/${id}`, { type: r.Type, ...entry });
    }
  }

  // ----- resolving intrinsics -----

  resolve(t: DeployedTemplate, value: Json): Json {
    // `Ref: AWS::NoValue` removes the list element or property it stands for.
    if (Array.isArray(value)) return value.map((v) => this.resolve(t, v)).filter((v) => v !== undefined);
    if (!value || typeof value !== 'object') return value;
    const node = value as Record<string, Json>;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = node[key];
      switch (key) {
        case 'Ref':
          return this.ref(t, arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
          return this.getAtt(t, id, attr);
        }
        case 'Fn::Join': {
          const [delimiter, parts] = arg as [string, Json[]];
          return (this.resolve(t, parts) as Json[]).map(String).join(delimiter);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, Json];
          return (this.resolve(t, list) as Json[])[Number(index)];
        }
        case 'Fn::Split': {
          const [delimiter, source] = arg as [string, Json];
          return String(this.resolve(t, source)).split(delimiter);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, Json>];
          return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
            if (name in vars) return String(this.resolve(t, vars[name]));
            if (name.includes('.')) {
              const [id, attr] = name.split('.');
              return this.getAtt(t, id, attr);
            }
            return String(this.ref(t, name));
          });
        }
        case 'Fn::GetAZs':
          return [`${REGION}a`, `${REGION}b`];
        case 'Fn::If': {
          const [condition, whenTrue, whenFalse] = arg as [string, Json, Json];
          return this.resolve(t, this.condition(t, condition) ? whenTrue : whenFalse);
        }
        case 'Fn::FindInMap': {
          const [map, top, second] = this.resolve(t, arg) as [string, string, string];
          const value = (t.template.Mappings?.[map] as Record<string, Record<string, Json>> | undefined)?.[
            top
          ]?.[second];
          if (value === undefined) throw new Error(`${t.stackName}: no mapping ${map}.${top}.${second}`);
          return value;
        }
        case 'Fn::GetStackOutput': {
          // A weak reference (CDK's `weak` cross-stack references): the output of another stack of
          // this account and Region, read with the stack's execution role at create or update time.
          const { StackName, OutputName } = this.resolve(t, arg) as { StackName: string; OutputName: string };
          const other = this.byStackName.get(StackName);
          const output = other?.template.Outputs?.[OutputName] as { Value?: Json } | undefined;
          if (!other || !output)
            throw new Error(`${t.stackName}: no output ${OutputName} in a stack ${StackName}`);
          return this.resolve(other, output.Value);
        }
        case 'Fn::ImportValue': {
          // CloudFormation resolves an import from the exporting stack's output, which must exist.
          const name = this.resolve(t, arg) as string;
          const exported = this.exports.get(name);
          if (!exported) throw new Error(`${t.stackName}: no stack exports ${name}`);
          return this.resolve(exported.t, exported.value);
        }
      }
    }
    return Object.fromEntries(
      Object.entries(node)
        .map(([k, v]) => [k, this.resolve(t, v)] as const)
        .filter(([, v]) => v !== undefined),
    );
  }

  /** The value of a template condition, with the parameters' defaults. */
  condition(t: DeployedTemplate, name: string): boolean {
    const expression = t.template.Conditions?.[name];
    if (expression === undefined) throw new Error(`${t.stackName}: no condition ${name}`);
    return this.evaluateCondition(t, expression);
  }

  private evaluateCondition(t: DeployedTemplate, expression: Json): boolean {
    const node = expression as Record<string, Json>;
    const [key] = Object.keys(node);
    const arg = node[key];
    switch (key) {
      case 'Condition':
        return this.condition(t, arg as string);
      case 'Fn::Equals': {
        const [a, b] = (arg as Json[]).map((v) => this.resolve(t, v));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !this.evaluateCondition(t, (arg as Json[])[0]);
      case 'Fn::And':
        return (arg as Json[]).every((c) => this.evaluateCondition(t, c));
      case 'Fn::Or':
        return (arg as Json[]).some((c) => this.evaluateCondition(t, c));
      default:
        throw new Error(`${t.stackName}: condition function ${key} is not modelled`);
    }
  }

  private ref(t: DeployedTemplate, name: string): Json {
    switch (name) {
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return t.stackName;
      case 'AWS::NoValue':
        return undefined;
    }
    const parameter = t.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) {
        const path = parameter.Default ?? '';
        const value = this.ssm.get(path);
        if (value === undefined)
          throw new Error(`${t.stackName}: no template publishes the SSM parameter ${path}`);
        return parameter.Type.includes('List<') ? value.split(',') : value;
      }
      if (parameter.Default !== undefined)
        return parameter.Type === 'CommaDelimitedList' || parameter.Type.startsWith('List<')
          ? String(parameter.Default).split(',')
          : parameter.Default;
      throw new Error(`${t.stackName}: parameter ${name} has no value in the model`);
    }
    const entry = this.physical.get(`${t.stackName}/${name}`);
    if (!entry) throw new Error(`${t.stackName}: Ref to unknown ${name}`);
    return entry.ref;
  }

  private getAtt(t: DeployedTemplate, id: string, attr: string): string {
    const entry = this.physical.get(`${t.stackName}/${id}`);
    if (!entry) throw new Error(`${t.stackName}: GetAtt of unknown ${id}`);
    // Attributes IAM never sees (a VPC's CIDR published as a contract value) stay placeholders;
    // a policy that contains one fails in policiesOf().
    return entry.attrs[attr] ?? `${UNRESOLVED}${id}.${attr}}}`;
  }

  // ----- collecting principals and policies -----

  private collect(t: DeployedTemplate): void {
    const pendingManaged: Array<[string, string]> = [];
    const resources = Object.entries(t.template.Resources ?? {});
    for (const [id, r] of resources) {
      if (r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const policyArn = this.ref(t, id) as string;
      this.managedPolicies.set(policyArn, this.resolve(t, r.Properties?.PolicyDocument) as PolicyDocument);
    }
    for (const [id, r] of resources) {
      const p = r.Properties ?? {};
      // Most types take a list of {Key, Value}; a few (SSM parameters) a map.
      const rawTags = this.resolve(t, p.Tags) as
        | Array<{ Key: string; Value: string }>
        | Record<string, string>
        | undefined;
      const tags: Record<string, string> = Array.isArray(rawTags)
        ? Object.fromEntries(rawTags.map((tag) => [tag.Key, tag.Value]))
        : { ...(rawTags ?? {}) };
      const entry = this.physical.get(`${t.stackName}/${id}`);
      if (entry?.attrs.Arn) this.resourceTags.set(entry.attrs.Arn, tags);
      if (r.Type === 'AWS::SecretsManager::Secret' || r.Type === 'AWS::SNS::Topic') {
        this.resourceTags.set(entry?.ref ?? '', tags);
      }
      if (r.Type === 'AWS::IAM::Role') {
        const name = this.ref(t, id) as string;
        const policies = new Map<string, PolicyDocument>();
        for (const inline of (p.Policies as
          | Array<{ PolicyName: string; PolicyDocument: Json }>
          | undefined) ?? []) {
          policies.set(inline.PolicyName, this.resolve(t, inline.PolicyDocument) as PolicyDocument);
        }
        // Managed documents are looked up when a question is asked: an AWS managed policy the
        // model does not hold fails only the questions about its role.
        for (const managed of (this.resolve(t, p.ManagedPolicyArns) as string[] | undefined) ?? []) {
          policies.set(managed, { Statement: [] });
          pendingManaged.push([name, managed]);
        }
        this.roles.set(name, {
          name,
          arn: this.getAtt(t, id, 'Arn'),
          trust: this.resolve(t, p.AssumeRolePolicyDocument) as PolicyDocument,
          boundaryArn: this.resolve(t, p.PermissionsBoundary) as string | undefined,
          tags,
          policies,
        });
      }
      if (r.Type === 'AWS::KMS::Key' && entry?.attrs.Arn && p.KeyPolicy) {
        this.keyPolicies.set(entry.attrs.Arn, this.resolve(t, p.KeyPolicy) as PolicyDocument);
      }
      if (r.Type === 'AWS::Lambda::Permission') {
        // A function's resource-based policy, one statement per permission, as Lambda writes it.
        const functionArn = this.resolve(t, p.FunctionName) as string;
        const principal = this.resolve(t, p.Principal) as string;
        const sourceAccount = this.resolve(t, p.SourceAccount) as string | undefined;
        const sourceArn = this.resolve(t, p.SourceArn) as string | undefined;
        const condition = {
          ...(sourceAccount ? { StringEquals: { 'AWS:SourceAccount': sourceAccount } } : {}),
          ...(sourceArn ? { ArnLike: { 'AWS:SourceArn': sourceArn } } : {}),
        };
        const statements = this.functionPolicies.get(functionArn) ?? [];
        statements.push({
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
          Action: this.resolve(t, p.Action) as string,
          Resource: functionArn,
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        });
        this.functionPolicies.set(functionArn, statements);
      }
      if (r.Type === 'AWS::S3::BucketPolicy') {
        this.bucketPolicies.set(
          this.resolve(t, p.Bucket) as string,
          this.resolve(t, p.PolicyDocument) as PolicyDocument,
        );
      }
    }
    for (const [roleName, policyArn] of pendingManaged) this.attachedManaged.push([roleName, policyArn]);
    // Policies that name their roles: inline AWS::IAM::Policy and managed policies with Roles.
    for (const [id, r] of resources) {
      const p = r.Properties ?? {};
      if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const doc =
        r.Type === 'AWS::IAM::Policy'
          ? (this.resolve(t, p.PolicyDocument) as PolicyDocument)
          : this.managedPolicy(this.ref(t, id) as string);
      for (const roleName of (this.resolve(t, p.Roles) as string[] | undefined) ?? []) {
        const role = this.roles.get(roleName);
        if (!role) throw new Error(`${t.stackName}/${id} names role ${roleName}, which no template creates`);
        role.policies.set(`${t.stackName}/${id}`, doc);
      }
    }
  }
}

type SimulationResult = Awaited<ReturnType<typeof runSimulation>>;
type Analysis = NonNullable<Extract<SimulationResult, { resultType: 'single' }>['result']['analysis']>;
type StatementAnalyses = NonNullable<Analysis['identityAnalysis']>['allowStatements'];

function statementName(s: StatementAnalyses[number]): string {
  const sid = (s.statement as unknown as { sid?: () => string | undefined }).sid?.();
  return sid ? `${s.policyId} (${sid})` : s.policyId;
}

function decidedBy(result: SimulationResult, boundaryArn: string | undefined): string {
  const analyses: Analysis[] =
    result.resultType === 'single'
      ? [result.result.analysis]
      : result.resultType === 'wildcard'
        ? (result.results ?? []).map((r) => r.analysis)
        : [];
  for (const a of analyses) {
    const deny = [
      ...(a.identityAnalysis?.denyStatements ?? []),
      ...(a.resourceAnalysis?.denyStatements ?? []),
    ];
    if (deny.length > 0) return `explicit deny in ${deny.map(statementName).join(', ')}`;
  }
  for (const a of analyses) {
    const boundary = a.permissionBoundaryAnalysis;
    if (boundary && boundary.result !== 'Allowed') {
      const d = boundary.denyStatements.map(statementName);
      return d.length > 0
        ? `explicit deny in boundary ${boundaryArn} ${d.join(', ')}`
        : `denied by boundary ${boundaryArn}`;
    }
  }
  for (const a of analyses) {
    if (a.result === 'Allowed') {
      const allow = [
        ...(a.identityAnalysis?.allowStatements ?? []),
        ...(a.resourceAnalysis?.allowStatements ?? []),
      ];
      if (allow.length > 0) return `allowed by ${allow.map(statementName).join(', ')}`;
    }
  }
  return 'no statement allows';
}
