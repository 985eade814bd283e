import {
  defaultJwksUri,
  ISSUERS_ENV,
  type IssuerConfig,
  JWT_AUTHORIZER_BUNDLING,
} from '@shared-lambda-infra/jwt-authorizer';
import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeLogGroup } from '../compliance';
import { DEFAULTS } from '../config/defaults';
import { createFunctionLogGroup, createFunctionRole } from './platform-function';

/** Construct-level defaults of {@link JwtAuthorizer} (not exposed in the platform config). */
export const JWT_AUTHORIZER_DEFAULTS = {
  // Verification is CPU-bound (one RSA/ECDSA verify per uncached token) and Lambda allots CPU by
  // memory: 512 MB halves cold start and p99 against 128 MB for a few cents a month.
  memorySize: 512,
  // API Gateway gives up on an authorizer after 10 s anyway; the JWKS fetch times out after 5 s.
  timeout: Duration.seconds(10),
  logRetention: logs.RetentionDays.ONE_MONTH,
  serviceName: 'api-authorizer',
} as const;

/**
 * API Gateway's check of the identity header before it invokes the function: a value that is not
 * `Bearer <three base64url segments>` gets a 401 without a Lambda invocation (or its cost).
 */
export const BEARER_JWT_PATTERN = '^[Bb]earer [-0-9A-Za-z_]+\\.[-0-9A-Za-z_]+\\.[-0-9A-Za-z_]*$';

/** One trusted issuer of {@link JwtAuthorizerProps}. */
export interface JwtIssuer {
  /** Expected `iss` claim. */
  readonly issuer: string;
  /** Accepted `aud` (or, when a token has no `aud`, `client_id`) values. */
  readonly audiences: readonly string[];
  /**
   * The issuer's JWKS URL.
   * @default - `{issuer}/.well-known/jwks.json`
   */
  readonly jwksUri?: string;
}

/** Props of {@link JwtAuthorizer}. */
export interface JwtAuthorizerProps {
  /** The REST API the authorizer belongs to. */
  readonly restApi: apigateway.IRestApi;
  /** Trusted issuers; a token of any other issuer is denied. */
  readonly issuers: readonly JwtIssuer[];
  /**
   * Request header holding `Bearer <jwt>`.
   * @default 'Authorization'
   */
  readonly identityHeader?: string;
  /**
   * How long API Gateway caches a token's Allow/Deny policy (0 turns the cache off). The policy
   * covers every method of the stage, so a cached Allow serves the caller's other routes too.
   * @default Duration.seconds(300)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * Physical name of the function. Set it when something outside this stack (a dashboard in another
   * stack) must name the function's metrics with a plain string.
   * @default - a name CloudFormation generates
   */
  readonly functionName?: string;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A TOKEN Lambda authorizer that verifies RS256/ES256 JWTs against the configured issuers' JWKS and
 * passes the verified claims to the integration in the authorizer context (see
 * the `@shared-lambda-infra/jwt-authorizer` package for what it allows and denies).
 *
 * This construct owns the function only. The authorizer itself is part of the API definition the
 * routes reconciler puts on the shared API (shared API v2): the api stack hands it the function ARN,
 * header and TTL in its `Custom::SharedApiSettings` resource, so its id changes with every
 * overwrite, and API Gateway may invoke the function for any authorizer of this one API.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
 */
export class JwtAuthorizer extends Construct {
  /** Request header holding `Bearer <jwt>`. */
  public readonly identityHeader: string;
  /** Seconds API Gateway caches a token's decision. */
  public readonly resultsCacheTtlSeconds: number;
  /** The verifying function. */
  public readonly function: lambda.IFunction;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  private readonly props: JwtAuthorizerProps;

  constructor(scope: Construct, id: string, props: JwtAuthorizerProps) {
    super(scope, id);
    this.props = props;
    const issuers = this.validate();
    this.logGroup = this.createLogGroup();
    const role = this.createRole();
    const fn = this.createFunction(role, issuers);
    this.function = fn;
    this.identityHeader = props.identityHeader ?? DEFAULTS.api.authorizer.identityHeader;
    this.resultsCacheTtlSeconds = (
      props.resultsCacheTtl ?? Duration.seconds(DEFAULTS.api.authorizer.resultsCacheTtlSeconds)
    ).toSeconds();
    this.allowApiGatewayInvoke(fn);
    this.acknowledgeFindings(fn);
  }

  /** The function's Errors metric (faults only: a denied token is a successful invocation). */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors(props);
  }

  private validate(): IssuerConfig[] {
    const { issuers } = this.props;
    if (issuers.length === 0) {
      throw new Error(
        'JwtAuthorizer needs at least one issuer, got none; pass issuers: [{ issuer, audiences }]',
      );
    }
    const ttl = this.props.resultsCacheTtl;
    if (ttl && !ttl.isUnresolved() && ttl.toSeconds() > 3600) {
      throw new Error(
        `JwtAuthorizer resultsCacheTtl is ${ttl.toSeconds()} seconds; API Gateway allows at most 3600`,
      );
    }
    return issuers.map((i) => {
      if (i.audiences.length === 0) {
        throw new Error(`JwtAuthorizer issuer "${i.issuer}" has no audiences; list the accepted aud values`);
      }
      return {
        issuer: i.issuer,
        audiences: [...i.audiences],
        jwksUri: i.jwksUri ?? defaultJwksUri(i.issuer),
      };
    });
  }

  private createLogGroup(): logs.LogGroup {
    return createFunctionLogGroup(this, {
      retention: this.props.logRetention ?? JWT_AUTHORIZER_DEFAULTS.logRetention,
      removalPolicy: this.props.logRemovalPolicy,
    });
  }

  /** The function calls no AWS API besides its logs and traces. */
  private createRole(): iam.Role {
    return createFunctionRole(this, {
      logGroup: this.logGroup,
      policyDescription: 'Shared JWT authorizer: its own log group and X-Ray only.',
      roleDescription: 'Shared JWT authorizer of the platform REST API: writes its own logs and traces only.',
    });
  }

  private createFunction(role: iam.Role, issuers: IssuerConfig[]): nodejs.NodejsFunction {
    const b = JWT_AUTHORIZER_BUNDLING;
    return new nodejs.NodejsFunction(this, 'Function', {
      functionName: this.props.functionName,
      entry: b.entry,
      handler: 'handler',
      description: 'Verifies bearer JWTs (RS256/ES256) for the shared REST API.',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: JWT_AUTHORIZER_DEFAULTS.memorySize,
      timeout: JWT_AUTHORIZER_DEFAULTS.timeout,
      // Immutable: the managed policy above already grants what tracing and logging need.
      role: role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        [ISSUERS_ENV]: JSON.stringify(issuers),
        POWERTOOLS_SERVICE_NAME: JWT_AUTHORIZER_DEFAULTS.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: b.minify,
        sourceMap: b.sourceMap,
        target: b.target,
        externalModules: [...b.externalModules],
        format: nodejs.OutputFormat.CJS,
      },
    });
  }

  /** API Gateway may invoke the function for authorizers of this API only (their ids are the reconciler's). */
  private allowApiGatewayInvoke(fn: lambda.IFunction): void {
    const stack = Stack.of(this);
    fn.addPermission('ApiGatewayInvoke', {
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      // Besides the ARN: Control Tower's CT.LAMBDA.PR.2 accepts a source ARN only as a literal or
      // a reference to a resource of the stack, and this one is built with Fn::Join.
      sourceAccount: stack.account,
      sourceArn: stack.formatArn({
        service: 'execute-api',
        resource: this.props.restApi.restApiId,
        resourceName: 'authorizers/*',
      }),
    });
  }

  private acknowledgeFindings(fn: nodejs.NodejsFunction): void {
    const vpcReason =
      'The authorizer reaches only the issuers public JWKS endpoints and no private resource; in the VPC it would need a NAT path for that and add ENI setup to the cold start of a function every request waits on.';
    acknowledge(fn, 'NIST.800.53.R5-LambdaInsideVPC', vpcReason);
    acknowledge(fn, 'cdk-validator-cfnguard::lambda_inside_vpc_check', vpcReason);
    const dlqReason =
      'API Gateway invokes the authorizer synchronously and acts on the answer itself; a dead-letter queue receives only failed asynchronous invocations, so it would never get a message.';
    acknowledge(fn, 'Serverless-LambdaDLQ', dlqReason);
    acknowledge(fn, 'NIST.800.53.R5-LambdaDLQ', dlqReason);
    acknowledge(
      fn,
      'NIST.800.53.R5-LambdaConcurrency',
      'Every authorized request of every service may wait on this function: a concurrency cap would turn a traffic peak into 500s for the whole API. API Gateway throttling bounds its invocations instead.',
    );
    const kmsReason =
      'The log holds rejection reasons and issuers, never tokens or claims; CloudWatch Logs encrypts it at rest with its own key, and a customer key would add cost without narrowing who can read it (IAM on the log group does).';
    const retention = this.props.logRetention ?? JWT_AUTHORIZER_DEFAULTS.logRetention;
    acknowledgeLogGroup(this.logGroup, {
      encryption: kmsReason,
      // INFINITE keeps the logs forever: nothing to acknowledge.
      retentionDays: retention === logs.RetentionDays.INFINITE ? Number.POSITIVE_INFINITY : retention,
      retention: `Retention follows the platform's observability.logRetentionDays (${retention} days); API Gateway's access log records every authorization outcome too.`,
    });
    if (Token.isUnresolved(Stack.of(this).account)) {
      acknowledge(
        fn.node.findChild('ApiGatewayInvoke'),
        'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        'SourceArn confines the permission to authorizers of this API in the deploying account (AWS::AccountId); the rule accepts only a literal account id, and the template is environment-agnostic.',
      );
    }
  }
}
