import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { unattendedApp } from '../lib/app';

/** A stack with one resource in `app`, synthesized; the resource's construct metadata. */
function synthOne(app: App): { outdir: string; metadata: string[] } {
  const stack = new Stack(app, 'One');
  const resource = new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue' });
  const assembly = app.synth();
  return { outdir: assembly.directory, metadata: resource.node.metadata.map((m) => m.type) };
}

describe('unattendedApp', () => {
  it('writes no construct tree and records no construct stack trace', () => {
    const { outdir, metadata } = synthOne(unattendedApp(mkdtempSync(path.join(tmpdir(), 'unattended-'))));
    expect(existsSync(path.join(outdir, 'One.template.json'))).toBe(true);
    expect(existsSync(path.join(outdir, 'tree.json'))).toBe(false);
    expect(metadata).toEqual(['aws:cdk:logicalId']);
  });

  it('keeps the feature flags of cdk.json and skips bundling', () => {
    const app = unattendedApp(mkdtempSync(path.join(tmpdir(), 'unattended-')));
    expect(app.node.tryGetContext('aws:cdk:bundling-stacks')).toEqual([]);
    expect(app.node.tryGetContext('@aws-cdk/aws-iam:minimizePolicies')).toBe(true);
  });

  it('differs from a default app, which writes both (so the checks above can fail)', () => {
    const { outdir, metadata } = synthOne(
      new App({
        outdir: mkdtempSync(path.join(tmpdir(), 'default-')),
        builtinCloudFormationValidation: false,
      }),
    );
    expect(existsSync(path.join(outdir, 'tree.json'))).toBe(true);
    expect(metadata).toEqual(['aws:cdk:logicalId', 'aws:cdk:creationStack']);
  });
});
