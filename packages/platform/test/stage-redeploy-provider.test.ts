import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCdkJsonContext } from '../lib/app';
import { addComplianceChecks } from '../lib/compliance';
import {
  StageRedeployProvider,
  type StageRedeployProviderProps,
} from '../lib/constructs/stage-redeploy-provider';
import { validationFindings } from './helpers/synth';

interface Synthesized {
  readonly template: Template;
  readonly outdir: string;
  readonly provider: StageRedeployProvider;
}

/**
 * Synthesizes one stack holding the provider, with the compliance packs on (an unacknowledged
 * finding throws, listing the findings).
 */
function synth(
  options: {
    props?: Partial<StageRedeployProviderProps>;
    restApiId?: string;
    agnostic?: boolean;
    bundling?: boolean;
  } = {},
): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'redeploy-provider-'));
  const app = new App({
    outdir,
    context: { ...loadCdkJsonContext(), ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new Stack(app, 'Api', {
    env: options.agnostic ? undefined : { account: '111111111111', region: 'eu-west-1' },
  });
  const restApi = apigateway.RestApi.fromRestApiAttributes(stack, 'SharedApi', {
    restApiId: options.restApiId ?? 'abc123',
    rootResourceId: 'root1',
  });
  const provider = new StageRedeployProvider(stack, 'StageRedeploy', {
    restApi,
    stageName: 'dev',
    ...options.props,
  });
  addComplianceChecks(app);
  try {
    const assembly = app.synth();
    return { template: Template.fromJSON(assembly.getStackByName('Api').template), outdir, provider };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${validationFindings(outdir)}`);
  }
}

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string };

function statements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe('StageRedeployProvider with defaults', () => {
  let result: Synthesized;
  beforeAll(() => {
    result = synth();
  });

  it('passes the compliance packs with no unacknowledged finding', () => {
    // synth() throws on any finding; reaching here means none is left
    expect(result.template).toBeDefined();
  });

  it('scopes every API Gateway permission to this REST API, with no "*" resource', () => {
    const apigw = statements(result.template).filter((s) =>
      list(s.Action).some((a) => a.startsWith('apigateway:')),
    );
    expect(apigw.length).toBeGreaterThanOrEqual(4);
    for (const s of apigw) {
      for (const resource of list(s.Resource)) {
        expect(resource).toMatch(
          /^arn:aws:apigateway:eu-west-1::\/restapis\/abc123\/(deployments|resources|stages)/,
        );
      }
    }
  });

  it('grants exactly the calls the handler makes, each on its own resource', () => {
    const bySid = Object.fromEntries(statements(result.template).map((s) => [s.Sid, s]));
    const arn = (suffix: string) => `arn:aws:apigateway:eu-west-1::/restapis/abc123${suffix}`;
    expect(bySid.CreateDeployments).toMatchObject({
      Action: 'apigateway:POST',
      Resource: arn('/deployments'),
    });
    expect(bySid.ReadDeploymentsResourcesStages).toMatchObject({
      Action: 'apigateway:GET',
      Resource: [arn('/deployments'), arn('/resources'), arn('/stages'), arn('/stages/dev')],
    });
    expect(bySid.PointStageAndSetThrottling).toMatchObject({
      Action: 'apigateway:PATCH',
      Resource: arn('/stages/dev'),
    });
    expect(bySid.DeleteOldDeployments).toMatchObject({
      Action: 'apigateway:DELETE',
      Resource: arn('/deployments/*'),
    });
  });

  it('writes logs only to its own log group and gives the role no inline policy', () => {
    const logsStatement = statements(result.template).find((s) => s.Sid === 'WriteOwnLogs');
    expect(logsStatement?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StageRedeployLogGroup/), 'Arn'],
    });
    result.template.resourceCountIs('AWS::IAM::Policy', 0);
    result.template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('StageRedeployPolicy') }],
    });
  });

  it('runs the handler on the current Node.js runtime, arm64, traced, with its environment', () => {
    result.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 300,
      MemorySize: 256,
      LoggingConfig: {
        LogFormat: 'JSON',
        LogGroup: { Ref: Match.stringLikeRegexp('StageRedeployLogGroup') },
      },
      Environment: {
        Variables: Match.objectLike({
          REST_API_ID: 'abc123',
          STAGE_NAME: 'dev',
          KEEP_DEPLOYMENTS: '10',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    result.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('keeps its log group a month by default and retains it on stack deletion', () => {
    result.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets CloudFormation in this account only invoke it', () => {
    result.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cloudformation.amazonaws.com',
      SourceAccount: '111111111111',
    });
  });

  it('does not retry failed async invocations, since the handler answers CloudFormation itself', () => {
    result.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('exposes the function ARN as the service token', () => {
    expect(Stack.of(result.provider).resolve(result.provider.serviceToken)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StageRedeployHandler/), 'Arn'],
    });
  });
});

describe('StageRedeployProvider props', () => {
  let result: Synthesized;
  beforeAll(() => {
    result = synth({
      props: {
        logRetention: logs.RetentionDays.ONE_YEAR,
        logRemovalPolicy: RemovalPolicy.DESTROY,
        keepDeployments: 3,
        reservedConcurrency: 2,
        timeout: Duration.minutes(10),
      },
    });
  });

  it('applies logRetention and logRemovalPolicy to the log group', () => {
    result.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Delete',
    });
  });

  it('passes keepDeployments to the handler', () => {
    result.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KEEP_DEPLOYMENTS: '3' }) },
    });
  });

  it('sets reservedConcurrency and timeout on the function, and needs no concurrency acknowledgement', () => {
    result.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2,
      Timeout: 600,
    });
    const fn = Object.values(result.template.findResources('AWS::Lambda::Function'))[0] as {
      Metadata?: Record<string, unknown>;
    };
    expect(JSON.stringify(fn.Metadata ?? {})).not.toContain('LambdaConcurrency');
  });

  it('rejects a keepDeployments below 1, naming the value and the fix', () => {
    expect(() => synth({ props: { keepDeployments: 0 } })).toThrow(
      'StageRedeployProvider keepDeployments must be a whole number of at least 1, got 0; pass e.g. 10',
    );
  });
});

describe('StageRedeployProvider in an environment-agnostic stack with a token API id', () => {
  let result: Synthesized;
  beforeAll(() => {
    result = synth({ agnostic: true, restApiId: Fn.importValue('shared-api-id'), bundling: true, props: {} });
  });

  it('passes the compliance packs: the wildcard acknowledgement follows the token API id', () => {
    // synth() throws on an unacknowledged finding, e.g. an IAM5 finding named after the token
    const del = statements(result.template).find((s) => s.Sid === 'DeleteOldDeployments');
    expect(JSON.stringify(del?.Resource)).toContain('shared-api-id');
    result.template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'cloudformation.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('bundles the handler with esbuild, minified, with a source map', () => {
    const assets = readdirSync(result.outdir).filter((d) => d.startsWith('asset.'));
    const bundle = assets.map((d) => path.join(result.outdir, d, 'index.js')).find((f) => existsSync(f));
    expect(bundle).toBeDefined();
    const code = readFileSync(bundle as string, 'utf8');
    expect(code).toContain('SharedApiStageRedeploy::CREATE_FAILED');
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // minified: no line of the bundle is the indented source
    expect(code).not.toContain('\n  const ');
  });

  it('takes the customer-managed key for its log group when given one', () => {
    const app = new App({ context: { ...loadCdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Keyed');
    const key = kms.Key.fromKeyArn(
      stack,
      'Key',
      'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    const restApi = apigateway.RestApi.fromRestApiId(stack, 'SharedApi', 'abc123');
    new StageRedeployProvider(stack, 'StageRedeploy', { restApi, stageName: 'dev', logEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });
});
