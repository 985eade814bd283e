/**
 * Resolves CloudFormation intrinsics in a template the way CloudFormation would at deploy time,
 * with the LONGEST value each unknown could take, so a size measured here is never below the size
 * IAM, Lambda or API Gateway will measure: a 12-digit account, the longest commercial region name
 * when the config names none, and for each resource the physical name its type can have at most
 * (the name the template sets, else CloudFormation's generated `{stack}-{logicalId}-{suffix}` cut
 * to the type's maximum).
 *
 * Unlike the IAM model of the tests (test/helpers/iam-model.ts), nothing here throws on what it
 * does not know: an unknown attribute becomes a placeholder of {@link UNKNOWN_LENGTH} characters,
 * since a size check must answer for every template another helper may add.
 */

/** One synthesized stack: its deployed name and its template. */
export interface StackTemplate {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** The template as synthesized. */
  readonly template: CfnTemplate;
}

/** The parts of a template the limit checks read. */
export interface CfnTemplate {
  /** Resources by logical id. */
  readonly Resources?: Record<string, CfnResource>;
  /** Parameters by name (SSM parameter types carry the parameter path as default). */
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
}

/** One resource of a template. */
export interface CfnResource {
  /** `AWS::Service::Type`. */
  readonly Type: string;
  /** Its properties, intrinsics unresolved. */
  readonly Properties?: Record<string, unknown>;
}

/** Where templates are resolved: the values of the pseudo parameters. */
export interface ResolveEnvironment {
  /** `AWS::AccountId`. */
  readonly account: string;
  /** `AWS::Region`. */
  readonly region: string;
  /** `AWS::Partition`. */
  readonly partition: string;
  /** `AWS::URLSuffix`. */
  readonly urlSuffix: string;
}

/**
 * The longest commercial region names are 14 characters (ap-southeast-1, ap-northeast-2, ...).
 * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */
export const LONGEST_REGION = 'ap-southeast-1';
/** Account ids are always 12 digits. */
const ANY_ACCOUNT = '123456789012';
/** Length of a value nothing in the template tells (an attribute of a type not modelled here). */
export const UNKNOWN_LENGTH = 64;
/** CloudFormation's random suffix of a generated physical name: 12 or 13 characters. */
const GENERATED_SUFFIX = 'ABCDEFGHIJKLM';

/** The pseudo parameters of a config: its account and region, else the longest possible. */
export function resolveEnvironment(config: { account?: string; region?: string }): ResolveEnvironment {
  const region = config.region ?? LONGEST_REGION;
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return {
    account: config.account ?? ANY_ACCOUNT,
    region,
    partition,
    urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
}

interface Physical {
  readonly ref: string;
  readonly attrs: Record<string, string>;
}

/** Longest physical names CloudFormation gives each type (AWS's own name limits). */
const NAME_LIMIT: Record<string, number> = {
  'AWS::IAM::Role': 64,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::Lambda::Function': 64,
  'AWS::SQS::Queue': 80,
  'AWS::S3::Bucket': 63,
  'AWS::SNS::Topic': 256,
  'AWS::DynamoDB::Table': 255,
  'AWS::Logs::LogGroup': 512,
  'AWS::Events::Rule': 64,
  'AWS::CloudWatch::Alarm': 255,
};

/** Resolves the intrinsics of one stack's template. */
export class TemplateResolver {
  private readonly physical = new Map<string, Physical>();

  constructor(
    private readonly stack: StackTemplate,
    private readonly env: ResolveEnvironment,
    private readonly ssm: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
      this.physical.set(id, this.name(id, resource));
    }
  }

  /** `value` with every intrinsic replaced by its longest deploy-time value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (!value || typeof value !== 'object') return value;
    const node = value as Record<string, unknown>;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = node[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
          return this.getAtt(id, attr);
        }
        case 'Fn::Join': {
          const [delimiter, parts] = arg as [string, unknown];
          const resolved = this.resolve(parts);
          return (Array.isArray(resolved) ? resolved : [resolved]).map(String).join(delimiter);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const resolved = this.resolve(list);
          return Array.isArray(resolved) ? resolved[Number(this.resolve(index))] : resolved;
        }
        case 'Fn::Split': {
          const [delimiter, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(delimiter);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            if (name.includes('.')) {
              const [id, attr] = name.split('.');
              return this.getAtt(id, attr);
            }
            return String(this.ref(name));
          });
        }
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((az) => `${this.env.region}${az}`);
        case 'Fn::If': {
          // The longer branch: a size check answers for whichever the condition picks.
          const [, yes, no] = arg as [string, unknown, unknown];
          const a = this.resolve(yes);
          const b = this.resolve(no);
          return JSON.stringify(a ?? '').length >= JSON.stringify(b ?? '').length ? a : b;
        }
        case 'Fn::ImportValue':
        case 'Fn::FindInMap':
        case 'Fn::Base64':
        case 'Fn::Cidr':
          return 'x'.repeat(UNKNOWN_LENGTH);
      }
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return this.stack.stackName;
      case 'AWS::StackId':
        return `arn:${this.env.partition}:cloudformation:${this.env.region}:${this.env.account}:stack/${this.stack.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return undefined;
    }
    const parameter = this.stack.template.Parameters?.[name];
    if (parameter) {
      const path = typeof parameter.Default === 'string' ? parameter.Default : '';
      const published = this.ssm.get(path);
      if (parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) {
        const value = published ?? 'x'.repeat(UNKNOWN_LENGTH);
        return parameter.Type.includes('List<') ? value.split(',') : value;
      }
      return parameter.Default ?? 'x'.repeat(UNKNOWN_LENGTH);
    }
    return this.physical.get(name)?.ref ?? 'x'.repeat(UNKNOWN_LENGTH);
  }

  private getAtt(id: string, attr: string): string {
    return this.physical.get(id)?.attrs[attr] ?? 'x'.repeat(UNKNOWN_LENGTH);
  }

  private name(id: string, resource: CfnResource): Physical {
    const { partition, region, account } = this.env;
    const arn = (service: string, rest: string) => `arn:${partition}:${service}:${region}:${account}:${rest}`;
    const p = resource.Properties ?? {};
    const limit = NAME_LIMIT[resource.Type] ?? 255;
    const generated = `${this.stack.stackName}-${id}-${GENERATED_SUFFIX}`.slice(0, limit);
    const literal = (key: string): string | undefined => {
      const v = p[key];
      if (v === undefined) return undefined;
      // Only names that need no other resource: a name built from another resource's name is rare.
      const resolved = new TemplateResolver(
        { stackName: this.stack.stackName, template: {} },
        this.env,
      ).resolve(v);
      return typeof resolved === 'string' ? resolved : undefined;
    };
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        const name = literal('RoleName') ?? generated;
        return {
          ref: name,
          attrs: { Arn: `arn:${partition}:iam::${account}:role/${name}`, RoleId: 'AROA'.padEnd(21, 'X') },
        };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = literal('ManagedPolicyName') ?? generated;
        const policyArn = `arn:${partition}:iam::${account}:policy/${name}`;
        return { ref: policyArn, attrs: { PolicyArn: policyArn } };
      }
      case 'AWS::Lambda::Function': {
        const name = literal('FunctionName') ?? generated;
        return { ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::SQS::Queue': {
        const name = literal('QueueName') ?? generated;
        const url = `https://sqs.${region}.${this.env.urlSuffix}/${account}/${name}`;
        return { ref: url, attrs: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
      }
      case 'AWS::SNS::Topic': {
        const name = literal('TopicName') ?? generated;
        return { ref: arn('sns', name), attrs: { TopicArn: arn('sns', name), TopicName: name } };
      }
      case 'AWS::S3::Bucket': {
        const name = literal('BucketName') ?? generated.toLowerCase();
        return {
          ref: name,
          attrs: { Arn: `arn:${partition}:s3:::${name}`, DomainName: `${name}.s3.${this.env.urlSuffix}` },
        };
      }
      case 'AWS::DynamoDB::Table': {
        const name = literal('TableName') ?? generated;
        const tableArn = arn('dynamodb', `table/${name}`);
        return {
          ref: name,
          attrs: { Arn: tableArn, StreamArn: `${tableArn}/stream/2026-01-01T00:00:00.000` },
        };
      }
      case 'AWS::Logs::LogGroup': {
        const name = literal('LogGroupName') ?? generated;
        return { ref: name, attrs: { Arn: arn('logs', `log-group:${name}:*`) } };
      }
      case 'AWS::KMS::Key': {
        const keyId = '00000000-0000-0000-0000-000000000000';
        return { ref: keyId, attrs: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::ApiGateway::RestApi':
        // API ids are 10 characters.
        return { ref: 'abcdefghij', attrs: { RootResourceId: 'abcdefghij' } };
      case 'AWS::CloudWatch::Alarm': {
        const name = literal('AlarmName') ?? generated;
        return { ref: name, attrs: { Arn: arn('cloudwatch', `alarm:${name}`) } };
      }
      case 'AWS::Events::Rule': {
        const name = literal('Name') ?? generated;
        return { ref: name, attrs: { Arn: arn('events', `rule/${name}`) } };
      }
      default:
        return { ref: generated, attrs: {} };
    }
  }
}

/**
 * Values of the SSM parameters the templates publish (the contract), so a template that reads one
 * through an SSM parameter type resolves to the value another template writes.
 */
export function publishedParameters(
  stacks: readonly StackTemplate[],
  env: ResolveEnvironment,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const stack of stacks) {
    const resolver = new TemplateResolver(stack, env);
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      if (resource.Type !== 'AWS::SSM::Parameter') continue;
      const name = resolver.resolve(resource.Properties?.Name);
      const value = resolver.resolve(resource.Properties?.Value);
      if (typeof name === 'string' && typeof value === 'string') out.set(name, value);
    }
  }
  return out;
}

/**
 * The length IAM measures a policy document by: its JSON without any whitespace ("IAM does not
 * count white space when calculating the size of a policy").
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 */
export function policyLength(document: unknown): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}
