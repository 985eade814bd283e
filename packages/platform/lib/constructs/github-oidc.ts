import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Host of GitHub Actions' OIDC issuer: the IAM provider's URL without `https://`, and the prefix
 * of every condition key IAM offers on its tokens (`{host}:aud`, `{host}:sub`).
 */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The audience `aws-actions/configure-aws-credentials` asks GitHub to put in its tokens. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/**
 * The ARN the GitHub OIDC provider has in the account of `scope`. IAM names an OIDC provider after
 * its URL, so the ARN is known without a reference: there is one provider per account, and every
 * stack that trusts it (in any environment sharing the account) can name it.
 */
export function githubOidcProviderArn(scope: Construct): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:iam::${stack.account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/** What kind of GitHub Actions job may assume a role; each gives one exact `sub` claim. */
export type GithubJobContext =
  /** A job that names a GitHub deployment environment (`environment: dev`): subject `...:environment:{name}`. */
  | { readonly kind: 'environment'; readonly name: string }
  /** A job run for a `pull_request` event: subject `...:pull_request`. */
  | { readonly kind: 'pullRequest' };

/** A repository and, optionally, its immutable numeric ids. */
export interface GithubRepository {
  /** `owner/name`, exactly as GitHub spells it (IAM compares case-sensitively). */
  readonly repository: string;
  /**
   * GitHub's numeric id of the owner, for the immutable subject claim.
   * @default - only the name-based subject is trusted
   */
  readonly ownerId?: number;
  /**
   * GitHub's numeric id of the repository, for the immutable subject claim.
   * @default - only the name-based subject is trusted
   */
  readonly repositoryId?: number;
}

// Owner: GitHub user/organisation names. Repository: letters, digits, ".", "_", "-". Nothing that
// IAM's StringEquals would treat specially, and certainly no "*" or "?".
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
// GitHub environment names: up to 255 characters; we allow the safe subset (no ":" or wildcards,
// which would change how the subject parses or matches).
const ENVIRONMENT = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * The exact `sub` claims GitHub puts in tokens of `context` jobs of `repo`:
 *
 * - without ids: `repo:{owner}/{name}:{context}`, the name-based form;
 * - with both ids: only `repo:{owner}@{ownerId}/{name}@{repositoryId}:{context}`, GitHub's
 *   immutable form (the default for repositories created or renamed from 15 July 2026). The
 *   name-based form is then not trusted: a deleted repository's name can be registered again by
 *   someone else, and its tokens would carry the same name-based subject.
 *
 * Throws when the repository or context could match more than one repository or job.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc
 */
export function githubSubjects(repo: GithubRepository, context: GithubJobContext): string[] {
  if (!REPOSITORY.test(repo.repository)) {
    throw new Error(
      `GitHub repository ${JSON.stringify(repo.repository)} is not one repository: write it as owner/name, e.g. acme/orders-service, with no wildcards`,
    );
  }
  if ((repo.ownerId === undefined) !== (repo.repositoryId === undefined)) {
    throw new Error(
      `GitHub repository ${repo.repository}: the immutable subject needs both ownerId and repositoryId, got ownerId ${repo.ownerId ?? 'none'} and repositoryId ${repo.repositoryId ?? 'none'}; give both or neither`,
    );
  }
  const suffix = subjectSuffix(context);
  const [owner, name] = repo.repository.split('/');
  // Both ids or neither, checked above: one of them decides.
  if (repo.ownerId !== undefined) {
    return [`repo:${owner}@${repo.ownerId}/${name}@${repo.repositoryId}:${suffix}`];
  }
  return [`repo:${owner}/${name}:${suffix}`];
}

function subjectSuffix(context: GithubJobContext): string {
  if (context.kind === 'pullRequest') return 'pull_request';
  // A kind from untyped input (a config) that is neither must not become an environment's subject.
  if (context.kind !== 'environment') {
    throw new Error(
      `GitHub job context kind ${JSON.stringify((context as { kind: unknown }).kind)} is neither environment nor pullRequest`,
    );
  }
  if (!ENVIRONMENT.test(context.name)) {
    throw new Error(
      `GitHub environment ${JSON.stringify(context.name)} cannot be trusted exactly: use letters, digits, ".", "_" and "-" only`,
    );
  }
  return `environment:${context.name}`;
}

/** Props of {@link GithubActionsRole}. */
export interface GithubActionsRoleProps extends GithubRepository {
  /** ARN of the account's GitHub OIDC provider (see {@link githubOidcProviderArn}). */
  readonly oidcProviderArn: string;
  /** Which jobs of the repository may assume the role. */
  readonly context: GithubJobContext;
  /**
   * Physical name: workflows build the role ARN from the naming convention, so it must be known.
   * CAUTION: changing it replaces the role, and every workflow that names it must change too.
   */
  readonly roleName: string;
  /** What the role is for, shown in the IAM console. */
  readonly description: string;
  /**
   * Git refs (`ref` claim) whose jobs may assume the role, as IAM `StringLike` patterns, e.g.
   * `refs/heads/main`, `refs/tags/v*`. Each must start with `refs/heads/` or `refs/tags/`.
   * @default - any ref (for roles whose subject already pins the event, e.g. pull requests)
   */
  readonly allowedRefs?: readonly string[];
  /**
   * Longest session a workflow can ask for.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * An IAM role that GitHub Actions jobs of exactly one repository and one job context (an
 * environment, or pull requests) can assume through OIDC.
 *
 * The trust pins the claims with `StringEquals`: `aud` to `sts.amazonaws.com` and `sub` to the
 * exact subject of {@link githubSubjects}, plus, when the numeric ids are known, `repository_id`
 * and `repository_owner_id`; and the `ref` claim to `allowedRefs` with `StringLike`. A role
 * trusted on `aud` alone can be assumed by any repository on GitHub; one trusted with
 * `StringLike` on `sub` by every repository or branch its pattern happens to match.
 */
export class GithubActionsRole extends iam.Role {
  /** The `sub` claims the role trusts. */
  public readonly subjects: readonly string[];

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    const subjects = githubSubjects(props, props.context);
    if (props.description.trim() === '') {
      throw new Error(`role ${props.roleName} needs a description: what it is for, shown in the IAM console`);
    }
    if (!Token.isUnresolved(props.roleName) && props.roleName.length > 64) {
      throw new Error(`role name ${props.roleName} is ${props.roleName.length} characters; IAM allows 64`);
    }
    const refs = props.allowedRefs ? checkedRefs(props.allowedRefs) : undefined;
    // Both ids or neither: githubSubjects refused one without the other.
    const ids =
      props.ownerId !== undefined
        ? {
            [`${GITHUB_OIDC_HOST}:repository_id`]: String(props.repositoryId),
            [`${GITHUB_OIDC_HOST}:repository_owner_id`]: String(props.ownerId),
          }
        : {};
    super(scope, id, {
      roleName: props.roleName,
      description: props.description,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(props.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          // Stryker disable next-line ConditionalExpression,EqualityOperator: IAM reads a condition value of one string and a list of that one string alike; one string reads better in the console
          [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
          ...ids,
        },
        // Stryker disable next-line ConditionalExpression: IAM reads a condition value of one string and a list of that one string alike (a list of several is tested)
        ...(refs ? { StringLike: { [`${GITHUB_OIDC_HOST}:ref`]: refs.length === 1 ? refs[0] : refs } } : {}),
      }),
    });
    this.subjects = subjects;
  }
}

/** Git ref patterns a deploy role may trust: branches or tags, never "any ref". */
export const ALLOWED_REF = /^refs\/(heads|tags)\/[A-Za-z0-9._/*-]+$/;

function checkedRefs(refs: readonly string[]): string[] {
  if (refs.length === 0)
    throw new Error('allowedRefs is empty: no job could assume the role; name at least one ref');
  for (const ref of refs) {
    if (!ALLOWED_REF.test(ref)) {
      throw new Error(
        `Git ref pattern ${JSON.stringify(ref)} is not allowed: start with refs/heads/ or refs/tags/, e.g. refs/heads/main or refs/tags/v*`,
      );
    }
  }
  return [...refs];
}
