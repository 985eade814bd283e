import {
  artifactBucketName,
  lambdaExecutionRoleName,
  lambdaLogGroupPrefix,
  type NameScope,
  Parameters,
  permissionsBoundaryPolicyName,
} from '@shared-lambda-infra/contract';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SynthResult, sharedPlatform } from './helpers/synth';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Renders a resource as text: `Fn::Join` of literals and `Ref`s becomes `arn:<AWS::Partition>:...`. */
function render(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(render).join(join[0]);
  const ref = (resource as { Ref?: string }).Ref;
  if (ref) return `<${ref}>`;
  return JSON.stringify(resource);
}

function policyStatements(template: Template, logicalIdPrefix: string): Statement[] {
  const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([id]) =>
    id.startsWith(logicalIdPrefix),
  );
  expect(policies, `managed policy ${logicalIdPrefix}*`).toHaveLength(1);
  return policies[0][1].Properties.PolicyDocument.Statement as Statement[];
}

function statementBySid(statements: Statement[], sid: string): Statement {
  const found = statements.find((s) => s.Sid === sid);
  expect(found, `statement ${sid}`).toBeDefined();
  return found as Statement;
}

describe('iam stack', () => {
  let result: SynthResult;
  let template: Template;
  let scope: NameScope;
  let roleStatements: Statement[];
  let boundary: Statement[];

  beforeAll(() => {
    // GIVEN dev.yaml
    result = sharedPlatform('dev');
    template = result.template(result.stacks.iam);
    scope = result.stacks.iam.nameScope;
    roleStatements = policyStatements(template, 'LambdaExecutionPolicy');
    boundary = policyStatements(template, 'PermissionsBoundary');
  }, 600_000);

  describe('the shared Lambda execution role', () => {
    it('has the contract name, trusts only Lambda and carries the permissions boundary', () => {
      const boundaryId = Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).find((id) =>
        id.startsWith('PermissionsBoundary'),
      );
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: lambdaExecutionRoleName(scope),
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
        PermissionsBoundary: { Ref: boundaryId },
      });
    });

    it('uses only its own customer-managed policy: no AWS managed policy, no inline policy', () => {
      const role = Object.values(
        template.findResources('AWS::IAM::Role', {
          Properties: { RoleName: lambdaExecutionRoleName(scope) },
        }),
      )[0];
      const attached = role.Properties.ManagedPolicyArns as unknown[];
      expect(attached).toHaveLength(1);
      expect(attached[0]).toEqual({ Ref: expect.stringMatching(/^LambdaExecutionPolicy/) });
      expect(role.Properties.Policies).toBeUndefined();
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    it('writes logs only to log groups under /aws/lambda/{project}-{env}- and their streams', () => {
      const logs = statementBySid(roleStatements, 'WriteOwnLogs');
      expect(list(logs.Action).sort()).toEqual([
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]);
      const prefix = `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${lambdaLogGroupPrefix(scope)}`;
      expect(list(logs.Resource).map(render)).toEqual([`${prefix}*`, `${prefix}*:log-stream:*`]);
      expect(lambdaLogGroupPrefix(scope)).toBe('/aws/lambda/shared-lambda-infra-dev-');
      // No other statement grants any logs action.
      const others = roleStatements.filter((s) => s !== logs);
      expect(others.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('logs:'))).toEqual([]);
    });

    it('manages VPC ENIs on ENIs, subnets and security groups of this account and region only', () => {
      const enis = statementBySid(roleStatements, 'ManageVpcEnis');
      expect(list(enis.Action).sort()).toEqual([
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:UnassignPrivateIpAddresses',
      ]);
      expect(list(enis.Resource).map(render).sort()).toEqual(
        ['network-interface/*', 'security-group/*', 'subnet/*'].map(
          (r) => `arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${r}`,
        ),
      );
    });

    it('uses Resource "*" only for the actions AWS cannot scope: ENI describes and X-Ray writes', () => {
      const star = roleStatements.filter((s) => list(s.Resource).includes('*'));
      expect(star.flatMap((s) => list(s.Action)).sort()).toEqual([
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    it('grants nothing beyond logs, ENIs and X-Ray', () => {
      const services = new Set(roleStatements.flatMap((s) => list(s.Action)).map((a) => a.split(':')[0]));
      expect([...services].sort()).toEqual(['ec2', 'logs', 'xray']);
      expect(roleStatements.every((s) => s.Effect === 'Allow')).toBe(true);
    });
  });

  describe('the permissions boundary', () => {
    it('is a managed policy with the contract name', () => {
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        ManagedPolicyName: permissionsBoundaryPolicyName(scope),
      });
    });

    it('allows no IAM, organizations, account or CloudTrail action and no service-wide wildcard', () => {
      const allowed = boundary.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
      expect(allowed.filter((a) => /^(iam|organizations|account|cloudtrail|sts):/.test(a))).toEqual([]);
      expect(allowed.filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
    });

    it('scopes every allow to this account and region except where the service has no such scope', () => {
      for (const statement of boundary.filter((s) => s.Effect === 'Allow')) {
        for (const resource of list(statement.Resource).map(render)) {
          if (resource === '*') {
            expect(list(statement.Action).sort()).toEqual([
              'ec2:DescribeNetworkInterfaces',
              'ec2:DescribeSubnets',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
              'xray:PutTelemetryRecords',
              'xray:PutTraceSegments',
            ]);
          } else if (resource.startsWith('arn:<AWS::Partition>:s3:::')) {
            // S3 ARNs have no account field: the condition confines them to this account.
            expect(statement.Condition).toEqual({
              StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } },
            });
          } else {
            expect(resource).toMatch(/^arn:<AWS::Partition>:[a-z0-9-]+:<AWS::Region>:<AWS::AccountId>:/);
          }
        }
      }
    });

    it('lets service roles read only the parameters and secrets of this project and environment', () => {
      const read = statementBySid(boundary, 'ReadOwnConfiguration');
      expect(list(read.Resource).map(render).sort()).toEqual([
        'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:shared-lambda-infra/dev/*',
        'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/shared-lambda-infra/dev/*',
      ]);
      expect(list(read.Action).every((a) => /^(ssm:Get|secretsmanager:(Get|Describe))/.test(a))).toBe(true);
    });

    it('allows the data-plane services a Lambda service uses', () => {
      const services = new Set(
        boundary
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => list(s.Action))
          .map((a) => a.split(':')[0]),
      );
      for (const service of [
        'dynamodb',
        's3',
        'sqs',
        'sns',
        'events',
        'states',
        'kms',
        'secretsmanager',
        'ssm',
        'logs',
        'xray',
        'ec2',
      ]) {
        expect(services, service).toContain(service);
      }
    });

    it('denies every IAM action on every resource: escalation paths and changes to the boundary itself', () => {
      const deny = statementBySid(boundary, 'DenyAllIam');
      expect([deny.Effect, deny.Action, deny.Resource]).toEqual(['Deny', 'iam:*', '*']);
    });

    it('denies changes to the network but leaves the ENI actions Lambda needs', () => {
      const deny = statementBySid(boundary, 'DenyNetworkChanges');
      expect(deny.Effect).toBe('Deny');
      const actions = list(deny.Action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'ec2:DeleteVpc',
          'ec2:CreateRoute',
          'ec2:ReplaceRoute',
          'ec2:DeleteSubnet',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:DeleteVpcEndpoints',
          'ec2:DeleteFlowLogs',
          'ec2:DeleteNatGateway',
        ]),
      );
      for (const eni of [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
      ]) {
        expect(actions).not.toContain(eni);
      }
    });

    it("denies changes to the artifact bucket's policy", () => {
      const deny = statementBySid(boundary, 'DenyArtifactBucketChanges');
      expect(deny.Effect).toBe('Deny');
      expect(list(deny.Action)).toEqual(
        expect.arrayContaining(['s3:PutBucketPolicy', 's3:DeleteBucketPolicy']),
      );
      expect(render(deny.Resource)).toBe(
        `arn:<AWS::Partition>:s3:::${artifactBucketName(scope, '<AWS::AccountId>', '<AWS::Region>')}`,
      );
    });

    it('denies organizations and account actions, and stopping or deleting CloudTrail', () => {
      const orgs = statementBySid(boundary, 'DenyOrganizationsAndAccount');
      expect([orgs.Effect, list(orgs.Action).sort(), orgs.Resource]).toEqual([
        'Deny',
        ['account:*', 'organizations:*'],
        '*',
      ]);
      const trail = statementBySid(boundary, 'DenyAuditTrailTampering');
      expect(trail.Effect).toBe('Deny');
      expect(list(trail.Action)).toEqual(
        expect.arrayContaining(['cloudtrail:StopLogging', 'cloudtrail:DeleteTrail']),
      );
    });

    it('covers everything the shared execution role is granted, so the role keeps working inside it', () => {
      const boundaryAllows = boundary.filter((s) => s.Effect === 'Allow');
      for (const statement of roleStatements) {
        for (const action of list(statement.Action)) {
          const covering = boundaryAllows.filter((b) => list(b.Action).includes(action));
          expect(covering, action).toHaveLength(1);
          expect(list(covering[0].Resource).map(render)).toEqual(
            expect.arrayContaining(list(statement.Resource).map(render)),
          );
        }
      }
    });
  });

  it('publishes the role ARN and the boundary ARN as contract String parameters', () => {
    const role = Object.keys(template.findResources('AWS::IAM::Role'))[0];
    const policy = Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).find((id) =>
      id.startsWith('PermissionsBoundary'),
    );
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.lambdaExecutionRoleArn.path(scope),
      Type: Parameters.lambdaExecutionRoleArn.type,
      Value: { 'Fn::GetAtt': [role, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: Parameters.permissionsBoundaryArn.path(scope),
      Type: 'String',
      Value: { Ref: policy },
    });
    expect(Parameters.lambdaExecutionRoleArn.type).toBe('String');
  });
});
