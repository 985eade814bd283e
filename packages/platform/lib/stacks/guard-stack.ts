import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { serviceExecutionRoleName } from '@shared-lambda-infra/contract';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { acknowledge, wildcardFindingId } from '../compliance';
import { serviceGuardRules } from '../guard/service-guard-rules';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link GuardStack}. */
export interface GuardStackProps extends PlatformStackProps {}

// CloudFormation accepts at most 50 roles in a hook's StackRoles filter.
// @see https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/hooks-stack-level-filtering.html
const MAX_STACK_ROLES = 50;

// How long the hook's detailed reports are kept: long enough to investigate a refused deploy.
const REPORT_EXPIRATION = Duration.days(90);

/**
 * The guard stack (`{project}-{env}-guard`): a CloudFormation Guard Hook that checks every service
 * stack at deploy time with rules generated for this environment (see `serviceGuardRules`), so a
 * service team is held to the platform's rules whether it uses the consumer library or writes raw
 * CloudFormation, and cannot switch them off.
 *
 * - Rules: a `.guard` file published as a file asset of this stack (the platform account's CDK
 *   asset bucket, which only the platform pipeline writes), addressed by its content hash, so a
 *   rule change is a new object and a new hook configuration.
 * - Scope: stack operations (the whole template) of stacks deployed with a service's
 *   CloudFormation execution role (the `StackRoles` filter), which is the only way the service
 *   deploy roles may create or update stacks. Platform stacks are not targeted.
 * - `FailureMode: FAIL`: a violation stops the deploy, with the rule's message in the stack events
 *   and the full report in the hook's log bucket.
 *
 * No hook when no service is registered (the filter needs at least one role).
 */
export class GuardStack extends PlatformStack {
  /** The rules, as deployed. */
  public readonly rules: string;
  /** The first hook; absent when no service is registered. */
  public readonly hook?: cloudformation.CfnGuardHook;
  /** Every hook: one per 50 registered services (the most one hook's `StackRoles` filter takes). */
  public readonly hooks: readonly cloudformation.CfnGuardHook[] = [];

  constructor(scope: Construct, props: GuardStackProps) {
    super(scope, 'guard', props);
    const services = this.config.services.map((s) => s.name);
    this.rules = serviceGuardRules({
      scope: this.nameScope,
      services,
      account: this.config.account,
      externalAccounts: Object.fromEntries(
        this.config.services.map((s) => [s.name, s.externalAccounts ?? []]),
      ),
    });
    if (services.length === 0) return;
    const rules = this.createRulesAsset();
    const reports = this.createReportBucket();
    const { role, policy } = this.createHookRole(rules, reports);
    // StackRoles takes at most 50 role ARNs, so every 50 registered services get a hook of their
    // own, all running the same rules. The first keeps its construct id and alias (renaming either
    // would replace the deployed hook).
    const hooks: cloudformation.CfnGuardHook[] = [];
    for (let start = 0; start < services.length; start += MAX_STACK_ROLES) {
      const n = hooks.length + 1;
      const hook = new cloudformation.CfnGuardHook(
        this,
        n === 1 ? 'ServiceGuardHook' : `ServiceGuardHook${n}`,
        {
          alias: hookAlias(this.nameScope.project, this.nameScope.env, n),
          executionRole: role.roleArn,
          failureMode: 'FAIL',
          hookStatus: 'ENABLED',
          targetOperations: ['STACK'],
          ruleLocation: { uri: rules.s3ObjectUrl },
          logBucket: reports.bucketName,
          stackFilters: {
            filteringCriteria: 'ALL',
            stackRoles: {
              include: services
                .slice(start, start + MAX_STACK_ROLES)
                .map(
                  (service) =>
                    `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${serviceExecutionRoleName(this.nameScope, service)}`,
                ),
            },
          },
        },
      );
      // CloudFormation reads the rules as soon as the hook is activated: attach its rights first.
      hook.node.addDependency(policy);
      hooks.push(hook);
    }
    this.hook = hooks[0];
    this.hooks = hooks;
  }

  private createRulesAsset(): s3assets.Asset {
    // Written at synth time from config; the asset's hash is the content's, so the same rules
    // give the same object key.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'service-guard-rules-'));
    const file = path.join(dir, `${this.nameScope.env}-services.guard`);
    writeFileSync(file, this.rules);
    return new s3assets.Asset(this, 'Rules', { path: file });
  }

  private createReportBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ReportBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          id: 'expire-reports',
          expiration: REPORT_EXPIRATION,
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: this.dataRemovalPolicy,
    });
    const isALog =
      'This bucket holds the Guard Hook reports, which are themselves the audit record of each service deploy; CloudTrail records the hook invocations.';
    acknowledge(bucket, 'AwsSolutions-S1', isALog);
    acknowledge(bucket, 'NIST.800.53.R5-S3BucketLoggingEnabled', isALog);
    acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', isALog);
    const sseS3 =
      'Reports name resources and rules, no data; SSE-S3 encrypts them at rest without a KMS key the hook role would need grants on.';
    acknowledge(bucket, 'NIST.800.53.R5-S3DefaultEncryptionKMS', sseS3);
    acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', sseS3);
    acknowledge(
      bucket,
      'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      'A refused deploy already fails the stack operation and shows in its events; nothing consumes report objects.',
    );
    acknowledge(
      bucket,
      'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      `Reports expire after ${REPORT_EXPIRATION.toDays()} days by lifecycle; object lock would keep them past that and block deleting a dev stack.`,
    );
    acknowledge(
      bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Reports are diagnostic and regional, like the hook; a replica would double their cost without a reader.',
    );
    return bucket;
  }

  private createHookRole(
    rules: s3assets.Asset,
    reports: s3.Bucket,
  ): { role: iam.Role; policy: iam.ManagedPolicy } {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'HookRole', {
      description: 'Assumed by CloudFormation to read the service guard rules and write its reports',
      assumedBy: new iam.ServicePrincipal('hooks.cloudformation.amazonaws.com', {
        // Confused-deputy protection: only hooks of this account and region.
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudformation:${Aws.REGION}:${Aws.ACCOUNT_ID}:type/hook/*`,
          },
        },
      }),
    });
    const reportObjects = reports.arnForObjects('*');
    // A managed policy rather than an inline one (NIST.800.53.R5-IAMNoInlinePolicy): a policy
    // object of its own, versioned and auditable apart from the role.
    const policy = new iam.ManagedPolicy(this, 'HookPolicy', {
      description: 'Reads the service guard rules and writes the Guard Hook reports',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [rules.bucket.arnForObjects(rules.s3ObjectKey)],
        }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reportObjects] }),
      ],
    });
    acknowledge(
      policy,
      wildcardFindingId('Resource', stack.resolve(reportObjects)),
      'The hook names its report objects itself (per stack operation); it may only write objects of its own report bucket.',
    );
    return { role, policy };
  }
}

/**
 * `Private::{Project}::{Env}ServiceGuard`, with `n` appended from the second hook on: a hook alias is
 * three alphanumeric names, not starting with AWS.
 */
export function hookAlias(project: string, env: string, n = 1): string {
  const pascal = (s: string): string =>
    s
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('');
  return `Private::${pascal(project)}::${pascal(env)}ServiceGuard${n === 1 ? '' : n}`;
}
