import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlTowerRules } from '../lib/compliance';
import { synthPlatform } from './helpers/synth';
import { API_EDGE_OVERRIDES, NAT_INSTANCE_OVERRIDES } from './helpers/variants';

// ControlTowerRules runs, per template, only the rule files that select a resource type present in
// it. Here its findings are compared with those of the whole Control Tower rule set run by
// `@cdklabs/cdk-validator-cfnguard` itself: over every distinct template of the three environments
// and of the NAT-instance and edge-API variant (the EC2 instance, WAF and domain resources no
// environment has), and over a stack made to break rules of several services. The platform
// templates carry findings too (acknowledged later, by CDK), so both sides have findings to agree
// on. About 2 s of cfn-guard per template for the whole set: `npm run test:e2e`.

/** A finding per violating resource, in a form both plugins' reports reduce to. */
function findings(report: PolicyValidationPluginReport): string[] {
  return report.violations
    .flatMap((v) =>
      v.violatingResources.map(
        (r) =>
          `${v.ruleName} ${path.basename(r.templatePath ?? '')} ${r.resourceLogicalId} ${r.locations.join(',')}`,
      ),
    )
    .sort();
}

function contextFor(templatePaths: string[], app: App): IPolicyValidationContext {
  return {
    templatePaths,
    stackTemplates: templatePaths.map((templatePath) => ({
      stackConstructPath: path.basename(templatePath, '.template.json'),
      templatePath,
      accountId: '123456789012',
      region: 'eu-west-1',
    })),
    appConstruct: app,
  } as unknown as IPolicyValidationContext;
}

describe('Control Tower rule selection over the platform', () => {
  let templatePaths: string[];
  let app: App;

  beforeAll(() => {
    const byContent = new Map<string, string>();
    const platforms = [
      synthPlatform({ env: 'dev' }),
      synthPlatform({ env: 'staging' }),
      synthPlatform({ env: 'prod' }),
      synthPlatform({ env: 'dev', overrides: { ...NAT_INSTANCE_OVERRIDES, ...API_EDGE_OVERRIDES } }),
    ];
    for (const { assembly } of platforms) {
      for (const stack of assembly.stacks) {
        const hash = createHash('sha256').update(readFileSync(stack.templateFullPath)).digest('hex');
        if (!byContent.has(hash)) byContent.set(hash, stack.templateFullPath);
      }
    }
    templatePaths = [...byContent.values()];
    app = platforms[0]?.app as App;
  });

  it('reports what the whole rule set reports, template by template', () => {
    const context = contextFor(templatePaths, app);
    const whole = findings(new CfnGuardValidator().validate(context));
    // Findings to agree on, among them the variant's NAT instance and the API's log groups.
    expect(whole).toContain(
      'ec2_instance_no_public_ip_check shared-lambda-infra-dev-network.template.json VpcPublicSubnet1NatInstance57B636B8 /Resources/VpcPublicSubnet1NatInstance57B636B8/Properties/NetworkInterfaces/0/AssociatePublicIpAddress',
    );
    expect(whole.filter((f) => f.startsWith('cloudwatch_log_group_encrypted_check ')).length).toBeGreaterThan(
      0,
    );
    expect(findings(new ControlTowerRules().validate(context))).toEqual(whole);
    // 8 stacks in each of 3 environments, and the variant's network and API stacks at least.
    expect(templatePaths.length).toBeGreaterThanOrEqual(26);
    // The whole rule set over ~27 templates: 93 s alone on 2 cores, 187 s beside other work.
  }, 900_000);

  it('reports what the whole rule set reports on a stack breaking rules of several services', () => {
    // A bucket without versioning or logging, a queue without a DLQ, a public-looking permission.
    const mixedApp = new App({
      context: { 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(mixedApp, 'Mixed', { env: { account: '111122223333', region: 'eu-west-1' } });
    new s3.CfnBucket(stack, 'Bucket');
    new sqs.CfnQueue(stack, 'Queue');
    new lambda.CfnPermission(stack, 'Invoke', {
      action: 'lambda:InvokeFunction',
      functionName: 'some-function',
      principal: 'apigateway.amazonaws.com',
    });
    const assembly = mixedApp.synth();
    const context = contextFor([path.join(assembly.directory, 'Mixed.template.json')], mixedApp);
    const selected = findings(new ControlTowerRules().validate(context));
    expect(selected.some((f) => f.startsWith('lambda_function_public_access_prohibited_check '))).toBe(true);
    expect(selected.some((f) => f.startsWith('sqs_dlq_check '))).toBe(true);
    expect(selected).toEqual(findings(new CfnGuardValidator().validate(context)));
  });
});
