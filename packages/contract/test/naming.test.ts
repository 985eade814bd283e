import { describe, expect, it } from 'vitest';
import {
  assertServiceNameFits,
  bucketName,
  kmsAliasName,
  NAME_RULES,
  type NameParts,
  type NameScope,
  NamingError,
  type ResourceKind,
  resourceName,
  serviceNamePattern,
  serviceResourceName,
  serviceStackName,
  stableHash,
  stackName,
} from '../src';

const scope: NameScope = { project: 'shared-lambda-infra', env: 'dev' };
// The longest names the convention allows: a 20-character project and the longest environment.
const longest: NameScope = { project: 'a-twenty-char-projct', env: 'staging' };
const KINDS = Object.keys(NAME_RULES) as ResourceKind[];
// biome-ignore lint/suspicious/noTemplateCurlyInString: CDK asset-manifest placeholders, not template strings
const [ACCOUNT_PLACEHOLDER, REGION_PLACEHOLDER] = ['${AWS::AccountId}', '${AWS::Region}'];

function longIdentifier(length: number, seed = 'x'): string {
  return Array.from({ length: Math.ceil(length / 10) }, (_, i) => `${seed}${'a'.repeat(8)}${i % 10}`)
    .join('-')
    .slice(0, length)
    .replace(/-+$/, '');
}

/** The physical name of `kind`: KMS aliases need the `alias/` prefix that only kmsAliasName adds. */
function nameOf(kind: ResourceKind, parts: NameParts): string {
  return kind === 'kmsAlias' ? kmsAliasName(parts) : resourceName(kind, parts);
}

/** An IAM name pattern (`*` matches anything) as a regular expression. */
function iamPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

describe('resourceName', () => {
  it('joins project, environment, resource type and identifier', () => {
    expect(resourceName('iamRole', { ...scope, resourceType: 'role', identifier: 'lambda-execution' })).toBe(
      'shared-lambda-infra-dev-role-lambda-execution',
    );
  });

  it.each(KINDS)('keeps %s names within their maximum length and allowed characters', (kind) => {
    const rule = NAME_RULES[kind];
    const parts = { ...longest, resourceType: 'type', identifier: longIdentifier(rule.maxLength + 50) };

    const name = nameOf(kind, parts);

    expect(name.length).toBeLessThanOrEqual(rule.maxLength);
    expect(name).toMatch(rule.pattern);
  });

  it('leaves a name that fits unchanged', () => {
    const name = resourceName('lambdaFunction', { ...scope, resourceType: 'fn', identifier: 'authorizer' });

    expect(name).toBe('shared-lambda-infra-dev-fn-authorizer');
  });

  it('shortens a long name the same way every time, ending it with a hash of the full name', () => {
    const parts = { ...scope, resourceType: 'role', identifier: longIdentifier(80) };
    const full = `${scope.project}-${scope.env}-role-${parts.identifier}`;

    const first = resourceName('iamRole', parts);
    const second = resourceName('iamRole', parts);

    expect(first).toBe(second);
    expect(first).toHaveLength(64);
    expect(first.endsWith(`-${stableHash(full)}`)).toBe(true);
  });

  it('keeps two long names that share a beginning distinct', () => {
    const common = longIdentifier(70);
    const a = resourceName('iamRole', { ...scope, resourceType: 'role', identifier: `${common}-reader` });
    const b = resourceName('iamRole', { ...scope, resourceType: 'role', identifier: `${common}-writer` });

    expect(a).not.toBe(b);
    expect(a.slice(0, 55)).toBe(b.slice(0, 55));
  });

  it.each([
    ['an uppercase identifier', { identifier: 'Lambda' }, 'identifier "Lambda" is not valid'],
    ['an identifier with "_"', { identifier: 'lambda_exec' }, 'identifier "lambda_exec" is not valid'],
    ['a double hyphen', { identifier: 'a--b' }, 'identifier "a--b" is not valid'],
    ['an empty identifier', { identifier: '' }, 'identifier "" is not valid'],
    ['a resource type with a digit first', { resourceType: '1role' }, 'resource type "1role" is not valid'],
    ['an invalid project', { project: 'Shared' }, 'project "Shared" is not valid'],
  ])('rejects %s, saying what is allowed', (_name, override, message) => {
    const parts = { ...scope, resourceType: 'role', identifier: 'ok', ...override };

    expect(() => resourceName('iamRole', parts)).toThrow(NamingError);
    expect(() => resourceName('iamRole', parts)).toThrow(message);
    expect(() => resourceName('iamRole', parts)).toThrow(/lowercase letters, digits/);
  });

  it('rejects an unknown environment, listing the known ones', () => {
    const parts = { ...scope, env: 'qa' as NameScope['env'], resourceType: 'role', identifier: 'ok' };

    expect(() => resourceName('iamRole', parts)).toThrow(
      'unknown environment "qa": expected one of dev, staging, prod',
    );
  });
});

describe('stackName', () => {
  it('names a platform stack {project}-{env}-{component}', () => {
    expect(stackName(scope, 'network')).toBe('shared-lambda-infra-dev-network');
  });

  it('keeps stack names within 128 characters', () => {
    const name = serviceStackName(longest, 'a'.repeat(20), longIdentifier(200));

    expect(name.length).toBeLessThanOrEqual(NAME_RULES.cloudFormationStack.maxLength);
    expect(name.startsWith(`${longest.project}-${longest.env}-${'a'.repeat(20)}-`)).toBe(true);
  });
});

describe('bucketName', () => {
  const account = '123456789012';

  it.each(['us-east-1', 'ap-southeast-2', 'us-isob-east-1'])(
    'fits 63 characters with a 12-digit account and region %s, lowercase',
    (region) => {
      const name = bucketName({ ...longest, identifier: longIdentifier(60) }, account, region);

      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toBe(name.toLowerCase());
      expect(name).toMatch(NAME_RULES.s3Bucket.pattern);
      expect(name.endsWith(`-${account}-${region}`)).toBe(true);
    },
  );

  it('gives the same prefix whatever the account and region', () => {
    const parts = { ...scope, identifier: 'artifacts' };
    const literal = bucketName(parts, account, 'eu-west-1');
    const placeholders = bucketName(parts, ACCOUNT_PLACEHOLDER, REGION_PLACEHOLDER);

    expect(literal.replace(`-${account}-eu-west-1`, '')).toBe(
      placeholders.replace(`-${ACCOUNT_PLACEHOLDER}-${REGION_PLACEHOLDER}`, ''),
    );
  });
});

describe('service names', () => {
  it.each(KINDS.filter((k) => k !== 'kmsAlias'))(
    'keeps the service prefix of %s names intact when shortening',
    (kind) => {
      const name = serviceResourceName(
        kind,
        longest,
        'orders',
        'fn',
        longIdentifier(NAME_RULES[kind].maxLength + 20),
      );

      expect(name.startsWith(`${longest.project}-${longest.env}-fn-orders-`)).toBe(true);
      expect(name.length).toBeLessThanOrEqual(NAME_RULES[kind].maxLength);
      expect(name).toMatch(NAME_RULES[kind].pattern);
    },
  );

  it.each(['list', 'get-order', longIdentifier(100)])(
    'matches the IAM name pattern of the service with identifier %s',
    (identifier) => {
      const pattern = iamPattern(serviceNamePattern('lambdaFunction', scope, 'orders', 'fn'));

      expect(serviceResourceName('lambdaFunction', scope, 'orders', 'fn', identifier)).toMatch(pattern);
    },
  );

  it("does not match another service's names with its IAM name pattern", () => {
    const pattern = iamPattern(serviceNamePattern('lambdaFunction', scope, 'orders', 'fn'));

    expect(serviceResourceName('lambdaFunction', scope, 'ordersv2', 'fn', 'list')).not.toMatch(pattern);
    expect(serviceResourceName('lambdaFunction', scope, 'shop', 'fn', 'orders-list')).not.toMatch(pattern);
  });

  it('accepts the longest service name that fits in dev', () => {
    expect(() => assertServiceNameFits(scope, 'a'.repeat(20))).not.toThrow();
  });

  it('rejects a service name the naming convention cannot fit, with the maximum length', () => {
    // `shared-lambda-infra-staging-access-{service}-` must leave 9 of 64 characters for a hash.
    expect(() => assertServiceNameFits({ ...scope, env: 'staging' }, 'a'.repeat(20))).toThrow(
      /service "a{20}" does not fit the naming convention: .* use a service name of at most 19 characters/,
    );
  });

  it('rejects a service name longer than 20 characters, with the maximum length', () => {
    expect(() => assertServiceNameFits(scope, 'a'.repeat(21))).toThrow(/use 2-20 lowercase letters/);
  });

  it.each(['Orders', 'orders_api', '1orders', 'orders-', 'a--b', 'o'])(
    'rejects the invalid service name %s',
    (name) => {
      expect(() => assertServiceNameFits(scope, name)).toThrow(`service name "${name}" is not valid`);
    },
  );
});
