import { ENVIRONMENTS } from '@shared-lambda-infra/contract';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { blockSize, parseCidr } from '../../lib/config/cidr';
import { DEFAULTS } from '../../lib/config/defaults';
import { parsePlatformConfig } from '../../lib/config/load';
import { configWarnings, subnetAddressesNeeded, validateSemantics } from '../../lib/config/validate';
import { configFor } from '../helpers/synth';

// The smallest file the schema accepts, plus the optional sections whose keys have defaults.
const MINIMAL = {
  environment: 'dev',
  network: { cidr: '10.0.0.0/16' },
  api: {
    cache: { sizeGb: '0.5' },
    authorizer: { issuers: [{ issuer: 'https://auth.example.com/', audiences: ['orders-api'] }] },
  },
  github: { platformRepository: 'acme/shared-lambda-infra' },
};

// Defaults that apply somewhere other than their path in DEFAULTS.
const APPLIED_AT: Record<string, string> = {};

function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function at(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

describe('repositories trusted by name', () => {
  it('are a warning in dev, naming the field and the command that prints the ids', () => {
    const config = parsePlatformConfig(
      { ...MINIMAL, services: [{ name: 'orders', repository: 'acme/orders-service', basePath: 'orders' }] },
      'dev.yaml',
    );

    expect(validateSemantics(config)).toEqual([]);
    expect(configWarnings(config).map((w) => w.path)).toEqual([
      'services[0].repositoryId',
      'github.platformRepositoryId',
    ]);
    expect(configWarnings(config)[0].message).toContain('is not set (staging and prod require it)');
    expect(configWarnings(config)[0].message).toContain(
      "`gh api repos/acme/orders-service --jq '.owner.id, .id'`",
    );
  });

  it('are no warning once the ids are configured', () => {
    const config = parsePlatformConfig(
      {
        ...MINIMAL,
        services: [
          {
            name: 'orders',
            repository: 'acme/orders-service',
            basePath: 'orders',
            repositoryOwnerId: 1,
            repositoryId: 2,
          },
        ],
        github: { ...MINIMAL.github, platformRepositoryOwnerId: 1, platformRepositoryId: 3 },
      },
      'dev.yaml',
    );

    expect(configWarnings(config)).toEqual([]);
  });

  it.each(['staging', 'prod'])('are configured in the shipped %s config (placeholders to replace)', (env) => {
    const config = configFor(env as 'staging' | 'prod');

    expect(
      config.services.every((s) => s.repositoryId !== undefined && s.repositoryOwnerId !== undefined),
    ).toBe(true);
    expect(config.github?.platformRepositoryId).toBeDefined();
  });
});

describe('valid configs', () => {
  it.each(ENVIRONMENTS)('parses config/%s.yaml with no problems', (env) => {
    const config = configFor(env);

    expect(config.environment).toBe(env);
    expect(validateSemantics(config)).toEqual([]);
  });

  it.each(leaves(DEFAULTS))('applies the default %s when the key is omitted', (path, value) => {
    const config = parsePlatformConfig(MINIMAL, 'minimal.yaml');

    expect(at(config, APPLIED_AT[path] ?? path)).toEqual(value);
  });

  it('defaults the sections a file omits entirely', () => {
    const config = parsePlatformConfig(MINIMAL, 'minimal.yaml');

    expect(config.storage).toEqual(DEFAULTS.storage);
    expect(config.observability).toEqual({ ...DEFAULTS.observability, alarmEmails: [] });
    expect(config.services).toEqual([]);
    expect(config.api.access).toEqual({ mode: 'open' });
    expect(config.api.binaryMediaTypes).toEqual([]);
    expect(config.network.isolatedSubnetMask).toBeUndefined();
  });

  it('keeps values the file sets over the defaults', () => {
    const config = configFor('prod');

    expect(config.network.maxAzs).toBe(3);
    expect(config.network.nat).toBe('perAz');
    expect(config.observability.logRetentionDays).toBe(365);
    expect(config.storage.noncurrentVersionExpirationDays).toBe(365);
  });

  it.each([
    ['a burst limit below the rate limit', { api: { throttle: { rateLimit: 100, burstLimit: 50 } } }],
    ['any origin without credentials', { api: { cors: { allowOrigins: ['*'], allowCredentials: false } } }],
    [
      'named origins with credentials',
      { api: { cors: { allowOrigins: ['https://a.example.com'], allowCredentials: true } } },
    ],
    ['an origin with a port', { api: { cors: { allowOrigins: ['http://localhost:3000'] } } }],
    ['every body binary', { api: { binaryMediaTypes: ['*/*'] } }],
    [
      'binary media types with a wildcard subtype and RFC 6838 characters',
      { api: { binaryMediaTypes: ['image/*', 'application/vnd.ms-excel', 'application/x-7z-compressed'] } },
    ],
    [
      'service names that share a beginning without a hyphen',
      {
        services: [
          { name: 'orders', repository: 'acme/orders', basePath: 'orders' },
          { name: 'ordersv2', repository: 'acme/orders', basePath: 'orders-v2' },
        ],
      },
    ],
    [
      'a service with both repository ids',
      {
        services: [
          {
            name: 'orders',
            repository: 'acme/orders',
            basePath: 'orders',
            repositoryOwnerId: 1,
            repositoryId: 2,
          },
        ],
      },
    ],
    [
      'a /24 VPC whose subnets fit',
      { network: { cidr: '10.0.0.0/24', publicSubnetMask: 27, privateSubnetMask: 26 } },
    ],
    [
      'subnets that fill the VPC exactly',
      { network: { cidr: '10.0.0.0/18', maxAzs: 2, publicSubnetMask: 20, privateSubnetMask: 20 } },
    ],
  ])('accepts %s', (_name, override) => {
    expect(() => configFor('dev', override)).not.toThrow();
  });
});

describe('subnetAddressesNeeded', () => {
  it('aligns each subnet to its own size, as CDK allocates them', () => {
    // 2 public /24 (512 addresses) leave a gap up to 4096, where the first private /20 starts.
    const network = configFor('dev', {
      network: { maxAzs: 2, publicSubnetMask: 24, privateSubnetMask: 20 },
    }).network;

    expect(subnetAddressesNeeded(network)).toBe(3 * 4096);
  });

  it('counts isolated subnets after the private ones', () => {
    const network = configFor('prod').network;

    // 3 public /24, 3 private /20 from 4096, 3 isolated /24 from 16384.
    expect(subnetAddressesNeeded(network)).toBe(16384 + 3 * 256);
  });
});

describe('the subnet layout check', () => {
  /** Whether CDK's own allocation puts every subnet inside the VPC CIDR. */
  function cdkFits(network: ReturnType<typeof configFor>['network']): boolean {
    const stack = new Stack(new App(), 'Layout', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = parseCidr(network.cidr);
    if (!vpc) throw new Error(`test config has no CIDR: ${network.cidr}`);
    try {
      const built = new ec2.Vpc(stack, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(network.cidr),
        maxAzs: network.maxAzs,
        natGateways: 0,
        subnetConfiguration: [
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: network.publicSubnetMask },
          {
            name: 'Private',
            subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
            cidrMask: network.privateSubnetMask,
          },
          ...(network.isolatedSubnetMask === undefined
            ? []
            : [
                {
                  name: 'Isolated',
                  subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
                  cidrMask: network.isolatedSubnetMask,
                },
              ]),
        ],
      });
      const subnets = [...built.publicSubnets, ...built.isolatedSubnets].map((s) =>
        parseCidr(s.ipv4CidrBlock),
      );
      return subnets.every(
        (s) =>
          s !== undefined &&
          s.network >= vpc.network &&
          s.network + blockSize(s.prefix) <= vpc.network + blockSize(vpc.prefix),
      );
    } catch {
      return false; // CDK refused the layout: "exceeds remaining space"
    }
  }

  it.each([
    ['dev defaults in a /16', {}, true],
    ['3 AZs in a /19', { cidr: '10.10.0.0/19', maxAzs: 3 }, false],
    ['3 AZs in a /18', { cidr: '10.10.0.0/18', maxAzs: 3 }, true],
    [
      '3 AZs with isolated subnets in a /18',
      { cidr: '10.10.0.0/18', maxAzs: 3, isolatedSubnetMask: 24 },
      false,
    ],
    ['2 AZs of /20 in a /18', { cidr: '10.10.0.0/18', publicSubnetMask: 20, privateSubnetMask: 20 }, true],
    [
      '2 AZs of /19 private after /24 public in a /18',
      { cidr: '10.10.0.0/18', privateSubnetMask: 19 },
      false,
    ],
    ['small subnets in a /24', { cidr: '10.10.0.0/24', publicSubnetMask: 27, privateSubnetMask: 26 }, true],
    [
      'a /26 private in a /24 after /28 public, 3 AZs',
      { cidr: '10.10.0.0/24', maxAzs: 3, publicSubnetMask: 28, privateSubnetMask: 26 },
      true,
    ],
  ] as const)('agrees with CDK on whether the subnets fit: %s', (_name, network, fits) => {
    const base = configFor('dev').network;
    const candidate = { ...base, ...network } as typeof base;

    expect(subnetAddressesNeeded(candidate) <= blockSize(Number(candidate.cidr.split('/')[1]))).toBe(fits);
    expect(cdkFits(candidate)).toBe(fits);
  });
});
