import { Parameters, platformDeployRoleName, platformReadOnlyRoleName } from '@shared-lambda-infra/contract';
import { BOOTSTRAP_QUALIFIER_CONTEXT, DefaultStackSynthesizer, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/schema';
import { ContractValue } from '../constructs/contract-parameter';
import { AccessPolicy } from '../constructs/github-access-policy';
import {
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GithubActionsRole,
  githubOidcProviderArn,
} from '../constructs/github-oidc';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Props of {@link GithubAccessStack}. */
export interface GithubAccessStackProps extends PlatformStackProps {}

/** The CDK bootstrap roles the platform's workflows use, by the role-name segment `cdk bootstrap` gives them. */
export type CdkBootstrapRole = 'deploy' | 'file-publishing' | 'lookup';

/**
 * GitHub Actions access for the platform repository, one stack per environment
 * (`{project}-{env}-github`):
 *
 * - the account's GitHub OIDC provider: created (`github.oidcProvider: create`) or, when another
 *   environment in the same account already created it, imported by its ARN (`import`); IAM allows
 *   one provider per URL per account;
 * - a deploy role for `environment:{env}` jobs of `github.platformRepository` on the Git refs of
 *   `github.allowedRefs`, which may only assume the CDK bootstrap roles that `cdk deploy` uses;
 * - a read-only role for the repository's `pull_request` jobs, which may only read the
 *   environment's CloudFormation stacks and the CDK bootstrap version, for `cdk diff` (not the CDK
 *   lookup role, whose ReadOnlyAccess reads every service's data).
 *
 * Publishes the provider ARN as the `oidcProviderArn` contract parameter.
 */
export class GithubAccessStack extends PlatformStack {
  /** ARN of the GitHub OIDC provider (created here or imported). */
  public readonly oidcProviderArn: string;
  /** The platform repository's deploy role. */
  public readonly deployRole: iam.IRole;
  /** The platform repository's pull-request (diff) role. */
  public readonly readOnlyRole: iam.IRole;

  constructor(scope: Construct, props: GithubAccessStackProps) {
    super(scope, 'github', props);
    const github = props.config.github;
    if (!github) {
      throw new Error(
        `GithubAccessStack needs the github section of config/${props.config.environment}.yaml; add github.platformRepository, or create no GitHub stacks`,
      );
    }
    this.oidcProviderArn = this.createOrImportProvider(github.oidcProvider);
    this.deployRole = this.createDeployRole(github);
    this.readOnlyRole = this.createReadOnlyRole(github);
    new ContractValue(this, 'OidcProviderArnParameter', {
      scope: this.nameScope,
      parameter: Parameters.oidcProviderArn,
      value: this.oidcProviderArn,
    });
  }

  /**
   * ARN of a CDK bootstrap role of this account and region, as `cdk bootstrap` names it:
   * `cdk-{qualifier}-{role}-role-{account}-{region}`. The qualifier comes from the
   * `@aws-cdk/core:bootstrapQualifier` context, as the stack synthesizer reads it.
   */
  public cdkBootstrapRoleArn(role: CdkBootstrapRole): string {
    return `arn:${this.partition}:iam::${this.account}:role/cdk-${this.bootstrapQualifier}-${role}-role-${this.account}-${this.region}`;
  }

  private get bootstrapQualifier(): string {
    return (
      (this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) as string | undefined) ??
      DefaultStackSynthesizer.DEFAULT_QUALIFIER
    );
  }

  private createOrImportProvider(mode: 'create' | 'import'): string {
    if (mode === 'import') return githubOidcProviderArn(this);
    // The native AWS::IAM::OIDCProvider rather than iam.OpenIdConnectProvider: the latter is a
    // Lambda-backed custom resource (a function, its role and runtime upgrades to maintain) from
    // before CloudFormation managed providers well. No thumbprints: IAM verifies GitHub's
    // certificate against its own trusted CAs and ignores thumbprints for this issuer.
    const provider = new iam.OidcProviderNative(this, 'GithubOidcProvider', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIds: [GITHUB_OIDC_AUDIENCE],
      // Other environments in the account import this provider: deleting this stack must not cut
      // off their deployments. To recreate the stack afterwards, switch this environment to import.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return provider.oidcProviderArn;
  }

  private createDeployRole(github: NonNullable<PlatformConfig['github']>): iam.IRole {
    const role = new GithubActionsRole(this, 'PlatformDeployRole', {
      oidcProviderArn: this.oidcProviderArn,
      repository: github.platformRepository,
      ownerId: github.platformRepositoryOwnerId,
      repositoryId: github.platformRepositoryId,
      context: { kind: 'environment', name: this.config.environment },
      allowedRefs: github.allowedRefs,
      roleName: platformDeployRoleName(this.nameScope),
      description: `Deploys the ${this.config.environment} platform from ${github.platformRepository} (GitHub environment ${this.config.environment}) through the CDK bootstrap roles`,
    });
    // `cdk deploy` works through the bootstrap roles: it assumes the deploy role (which hands
    // CloudFormation the bootstrap execution role), the file-publishing role for Lambda code and
    // the lookup role for context. Granting only sts:AssumeRole on those three keeps this role's
    // own permissions at nothing else, and the bootstrap stack remains the one place that says
    // what a platform deployment may do. No image-publishing role: the platform has no images.
    new AccessPolicy(this, 'PlatformDeployPolicy', {
      description:
        'Lets the platform deploy workflow use the CDK bootstrap roles of this account and region.',
      roles: [role],
      statements: [
        {
          sid: 'AssumeCdkBootstrapRoles',
          actions: ['sts:AssumeRole'],
          resources: [
            this.cdkBootstrapRoleArn('deploy'),
            this.cdkBootstrapRoleArn('file-publishing'),
            this.cdkBootstrapRoleArn('lookup'),
          ],
        },
      ],
    });
    return role;
  }

  private createReadOnlyRole(github: NonNullable<PlatformConfig['github']>): iam.IRole {
    const role = new GithubActionsRole(this, 'PlatformReadOnlyRole', {
      oidcProviderArn: this.oidcProviderArn,
      repository: github.platformRepository,
      ownerId: github.platformRepositoryOwnerId,
      repositoryId: github.platformRepositoryId,
      context: { kind: 'pullRequest' },
      roleName: platformReadOnlyRoleName(this.nameScope),
      description: `Runs cdk diff of the ${this.config.environment} platform for pull requests of ${github.platformRepository}; read only`,
    });
    // `cdk diff --no-change-set` reads each deployed template, and the bootstrap version the
    // synthesizer requires, with the caller's own credentials when it cannot assume the lookup
    // role. Exactly those reads: never the lookup role, whose ReadOnlyAccess reads every table,
    // queue and parameter of the account, nor the deploy role. The platform synthesizes offline
    // (committed context), so a diff needs no lookups.
    new AccessPolicy(this, 'PlatformReadOnlyPolicy', {
      description: 'Lets pull requests of the platform repository diff against the deployed platform stacks.',
      roles: [role],
      statements: [
        {
          sid: 'ReadPlatformStacks',
          actions: [
            'cloudformation:DescribeStacks',
            'cloudformation:GetTemplate',
            'cloudformation:GetTemplateSummary',
            'cloudformation:ListStackResources',
          ],
          resources: [
            `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.nameScope.project}-${this.nameScope.env}-*/*`,
          ],
          wildcardReason: `Stack names of this environment all start with ${this.nameScope.project}-${this.nameScope.env}- and CloudFormation appends a random stack id after "/"; the actions only read templates and stack descriptions.`,
        },
        {
          sid: 'ReadBootstrapVersion',
          actions: ['ssm:GetParameter'],
          resources: [
            `arn:${this.partition}:ssm:${this.region}:${this.account}:parameter/cdk-bootstrap/${this.bootstrapQualifier}/version`,
          ],
        },
      ],
    });
    return role;
  }
}
