import { createHash } from 'node:crypto';
import { assertEnvironmentName, type EnvironmentName } from './environments';

/** The default project name: the first part of every physical name and parameter path. */
export const DEFAULT_PROJECT = 'shared-lambda-infra';

/** Where a name is scoped: the project and the environment. */
export interface NameScope {
  /** Project name, lowercase kebab-case, 2–20 characters, e.g. `shared-lambda-infra`. */
  readonly project: string;
  /** Environment name, one of {@link ENVIRONMENTS}. */
  readonly env: EnvironmentName;
}

/**
 * The AWS resource kinds the naming convention knows, each with AWS's own limits.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-using-console-create-stack-parameters.html
 */
export type ResourceKind =
  | 's3Bucket'
  | 'iamRole'
  | 'iamManagedPolicy'
  | 'lambdaFunction'
  | 'logGroup'
  | 'cloudFormationStack'
  | 'securityGroup'
  | 'snsTopic'
  | 'dynamoDbTable'
  | 'cloudWatchAlarm'
  | 'cloudWatchDashboard'
  | 'restApi'
  | 'kmsAlias'
  | 'vpc'
  | 'sqsQueue';

/** A kind's limits, as AWS documents them. */
export interface NameRule {
  /** Maximum length in characters. */
  readonly maxLength: number;
  /** Characters AWS accepts (the whole name must match). */
  readonly pattern: RegExp;
  /** Human description of {@link pattern}, used in error messages. */
  readonly allowed: string;
}

/** AWS's name limits per kind. */
export const NAME_RULES: Readonly<Record<ResourceKind, NameRule>> = {
  // Bucket names are global across all accounts; bucketName() adds account and region.
  s3Bucket: {
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    allowed: 'lowercase letters, digits, "-" and "."',
  },
  iamRole: { maxLength: 64, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and +=,.@_-' },
  iamManagedPolicy: { maxLength: 128, pattern: /^[\w+=,.@-]+$/, allowed: 'letters, digits and +=,.@_-' },
  lambdaFunction: { maxLength: 64, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, "-" and "_"' },
  logGroup: { maxLength: 512, pattern: /^[\w./#-]+$/, allowed: 'letters, digits and ._-/#' },
  cloudFormationStack: {
    maxLength: 128,
    pattern: /^[a-zA-Z][a-zA-Z0-9-]*$/,
    allowed: 'letters, digits and "-", starting with a letter',
  },
  securityGroup: {
    maxLength: 255,
    pattern: /^[\w .:/()#,@[\]+=&;{}!$*-]+$/,
    allowed: 'letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*',
  },
  snsTopic: { maxLength: 256, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, "-" and "_"' },
  dynamoDbTable: { maxLength: 255, pattern: /^[a-zA-Z0-9_.-]+$/, allowed: 'letters, digits and ._-' },
  cloudWatchAlarm: { maxLength: 255, pattern: /^[\x20-\x7e]+$/, allowed: 'printable ASCII' },
  cloudWatchDashboard: {
    maxLength: 255,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: 'letters, digits, "-" and "_"',
  },
  restApi: { maxLength: 1024, pattern: /^[\x20-\x7e]+$/, allowed: 'printable ASCII' },
  kmsAlias: {
    maxLength: 256,
    pattern: /^alias\/[a-zA-Z0-9/_-]+$/,
    allowed: 'alias/ followed by letters, digits and /_-',
  },
  // A VPC has no name of its own: this is its `Name` tag, which tag values limit to 256 characters.
  vpc: { maxLength: 256, pattern: /^[\w .:/=+@-]+$/, allowed: 'letters, digits, spaces and _.:/=+@-' },
  // Standard queues; a FIFO queue's name must also end in `.fifo`, which the convention does not give.
  sqsQueue: { maxLength: 80, pattern: /^[a-zA-Z0-9_-]+$/, allowed: 'letters, digits, "-" and "_"' },
};

/** The parts of a physical name: `{project}-{env}-{resourceType}-{identifier}`. */
export interface NameParts extends NameScope {
  /** Short resource type, lowercase kebab-case, e.g. `role`, `bucket`, `fn`. */
  readonly resourceType: string;
  /** What this resource is, lowercase kebab-case, e.g. `lambda-execution`. */
  readonly identifier: string;
}

const SEGMENT = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Project names: lowercase kebab-case, 2–20 characters. */
export const PROJECT_PATTERN = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const HASH_LENGTH = 8;

/** Raised when a name cannot be made to fit the convention; the message says which part and why. */
export class NamingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NamingError';
  }
}

/** A stable 8-character hash of `value` (sha256, hex), used to shorten names deterministically. */
export function stableHash(value: string, length = HASH_LENGTH): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** Checks a project name and returns it, or throws a {@link NamingError} that says what is allowed. */
export function assertProjectName(project: string): string {
  if (!PROJECT_PATTERN.test(project) || project.includes('--')) {
    throw new NamingError(
      `project "${project}" is not valid: use 2-20 lowercase letters, digits and single hyphens, starting with a letter`,
    );
  }
  return project;
}

/** Checks one kebab-case segment of a name. */
export function assertSegment(what: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new NamingError(
      `${what} "${value}" is not valid: use lowercase letters, digits and single hyphens, starting with a letter`,
    );
  }
  return value;
}

/**
 * Fits `full` into `maxLength`: unchanged when it fits, otherwise cut and ended with `-{hash}` of the
 * full name, so two long names that share a beginning still differ and the same input always gives
 * the same output. `keep` characters at the start are never cut (a prefix that IAM patterns match on).
 */
export function fitName(full: string, maxLength: number, keep = 0): string {
  if (full.length <= maxLength) return full;
  const room = maxLength - HASH_LENGTH - 1;
  if (keep > room) {
    throw new NamingError(
      `"${full}" cannot be shortened to ${maxLength} characters without cutting its first ${keep} characters; use shorter names`,
    );
  }
  const cut = full.slice(0, room).replace(/-+$/, '');
  return `${cut}-${stableHash(full)}`;
}

/**
 * The physical name of a resource: `{project}-{env}-{resourceType}-{identifier}`, checked against
 * the limits of `kind` and shortened with a stable hash suffix when it is too long.
 *
 * @example resourceName('iamRole', { project: 'shared-lambda-infra', env: 'dev', resourceType: 'role', identifier: 'lambda-execution' })
 *   // 'shared-lambda-infra-dev-role-lambda-execution'
 */
export function resourceName(kind: ResourceKind, parts: NameParts): string {
  assertProjectName(parts.project);
  assertEnvironmentName(parts.env);
  assertSegment('resource type', parts.resourceType);
  assertSegment('identifier', parts.identifier);
  const full = `${parts.project}-${parts.env}-${parts.resourceType}-${parts.identifier}`;
  return checkKind(kind, fitName(full, NAME_RULES[kind].maxLength));
}

const KMS_ALIAS_PREFIX = 'alias/';

/**
 * The name of a KMS alias: `alias/{project}-{env}-{resourceType}-{identifier}`.
 *
 * KMS requires the `alias/` prefix, which {@link resourceName} does not add, so
 * `resourceName('kmsAlias', ...)` cannot give a valid alias name: use this function instead.
 *
 * @example kmsAliasName({ project: 'shared-lambda-infra', env: 'dev', resourceType: 'key', identifier: 'artifacts' })
 *   // 'alias/shared-lambda-infra-dev-key-artifacts'
 */
export function kmsAliasName(parts: NameParts): string {
  assertProjectName(parts.project);
  assertEnvironmentName(parts.env);
  assertSegment('resource type', parts.resourceType);
  assertSegment('identifier', parts.identifier);
  const full = `${KMS_ALIAS_PREFIX}${parts.project}-${parts.env}-${parts.resourceType}-${parts.identifier}`;
  return checkKind(
    'kmsAlias',
    fitName(full, NAME_RULES.kmsAlias.maxLength, `${KMS_ALIAS_PREFIX}${parts.project}-`.length),
  );
}

function checkKind(kind: ResourceKind, name: string): string {
  const rule = NAME_RULES[kind];
  if (name.length > rule.maxLength || !rule.pattern.test(name)) {
    throw new NamingError(
      `${kind} name "${name}" is not valid: at most ${rule.maxLength} characters of ${rule.allowed}`,
    );
  }
  return name;
}

/**
 * The name of a platform stack: `{project}-{env}-{component}`, e.g. `shared-lambda-infra-dev-network`.
 */
export function stackName(scope: NameScope, component: string): string {
  assertProjectName(scope.project);
  assertEnvironmentName(scope.env);
  assertSegment('stack component', component);
  return checkKind('cloudFormationStack', fitName(`${scope.project}-${scope.env}-${component}`, 128));
}

// The longest account id and region name, so a bucket name fits whatever account and region it
// lands in (and can hold CloudFormation tokens or `${AWS::Region}` placeholders instead).
const ACCOUNT_LENGTH = 12;
const MAX_REGION_LENGTH = 15;

/**
 * The name of an S3 bucket: `{project}-{env}-bucket-{identifier}-{account}-{region}`.
 *
 * Bucket names are global across every AWS account, so account and region are part of the name.
 * They may be literal values, CloudFormation tokens, or the `${AWS::AccountId}` / `${AWS::Region}`
 * placeholders of CDK's asset manifest: the length budget always assumes a 12-digit account and a
 * 15-character region, so the name is the same whichever form is passed.
 */
export function bucketName(parts: Omit<NameParts, 'resourceType'>, account: string, region: string): string {
  const budget = NAME_RULES.s3Bucket.maxLength - ACCOUNT_LENGTH - MAX_REGION_LENGTH - 2;
  assertProjectName(parts.project);
  assertEnvironmentName(parts.env);
  assertSegment('identifier', parts.identifier);
  const prefix = fitName(`${parts.project}-${parts.env}-bucket-${parts.identifier}`, budget);
  return `${prefix}-${account}-${region}`;
}

/** Service names: lowercase kebab-case, 2–20 characters. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;

/**
 * Names of resources that belong to one registered service:
 * `{project}-{env}-{resourceType}-{service}-{identifier}`.
 *
 * The `{project}-{env}-{resourceType}-{service}-` prefix is never shortened, because IAM policies
 * confine a service to names that start with it (see {@link serviceNamePattern}).
 */
export function serviceResourceName(
  kind: ResourceKind,
  scope: NameScope,
  service: string,
  resourceType: string,
  identifier: string,
): string {
  const prefix = servicePrefix(kind, scope, service, resourceType);
  assertSegment('identifier', identifier);
  return checkKind(kind, fitName(`${prefix}${identifier}`, NAME_RULES[kind].maxLength, prefix.length));
}

/**
 * The IAM pattern that matches every name {@link serviceResourceName} can give a service for one
 * resource type, e.g. `shared-lambda-infra-dev-fn-orders-*`.
 */
export function serviceNamePattern(
  kind: ResourceKind,
  scope: NameScope,
  service: string,
  resourceType: string,
): string {
  return `${servicePrefix(kind, scope, service, resourceType)}*`;
}

/**
 * The name of a stack that belongs to a service: `{project}-{env}-{service}-{identifier}`.
 * Service deploy roles may act only on stacks whose name starts with `{project}-{env}-{service}-`.
 */
export function serviceStackName(scope: NameScope, service: string, identifier: string): string {
  assertServiceName(service);
  assertSegment('stack identifier', identifier);
  const prefix = `${scope.project}-${scope.env}-${service}-`;
  return checkKind('cloudFormationStack', fitName(`${prefix}${identifier}`, 128, prefix.length));
}

/** Checks a service name and returns it. */
export function assertServiceName(service: string): string {
  if (!SERVICE_NAME_PATTERN.test(service) || service.includes('--')) {
    throw new NamingError(
      `service name "${service}" is not valid: use 2-20 lowercase letters, digits and single hyphens, starting with a letter`,
    );
  }
  return service;
}

/**
 * Throws when the naming convention cannot give `service` names of `kind` that keep the whole
 * service prefix and still have room for a hashed identifier.
 */
export function assertServiceNameFits(scope: NameScope, service: string): void {
  // The tightest kinds a service gets names of: roles and functions (64 characters). `access` is
  // the longest role type (the platform's deploy and CloudFormation execution roles of a service,
  // SERVICE_ACCESS_ROLE_TYPE in well-known-names.ts), so it sets the limit on service names.
  for (const [kind, type] of [
    ['iamRole', 'role'],
    ['iamRole', 'access'],
    ['lambdaFunction', 'fn'],
  ] as const) {
    servicePrefix(kind, scope, service, type);
  }
}

function servicePrefix(kind: ResourceKind, scope: NameScope, service: string, resourceType: string): string {
  assertProjectName(scope.project);
  assertEnvironmentName(scope.env);
  assertServiceName(service);
  assertSegment('resource type', resourceType);
  const prefix = `${scope.project}-${scope.env}-${resourceType}-${service}-`;
  // Room for at least one identifier character, or the hash that replaces a long identifier.
  const max = NAME_RULES[kind].maxLength - HASH_LENGTH - 1;
  if (prefix.length > max) {
    throw new NamingError(
      `service "${service}" does not fit the naming convention: "${prefix}" is ${prefix.length} characters and ${kind} names allow ${NAME_RULES[kind].maxLength}; use a service name of at most ${service.length - (prefix.length - max)} characters`,
    );
  }
  return prefix;
}
