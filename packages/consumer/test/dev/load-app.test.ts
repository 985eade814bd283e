import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadServiceStack } from '../../src/dev/load-app';
import { REPO } from './example-copy';

// The smallest service repository: one ServiceStack, no functions, so loading it costs little.
const APP = `import { ServiceStack } from '@shared-lambda-infra/consumer';
import { App } from 'aws-cdk-lib';

const app = new App();
new ServiceStack(app, 'Tiny', { service: 'tiny', env: app.node.tryGetContext('env') });
`;

let dir: string;

function writeCdkJson(context: Record<string, unknown>): void {
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'npx tsx bin/app.ts', context }));
}

/** Whether any construct of the tree carries the stack trace CDK records where it was created. */
const hasCreationStackTraces = (root: IConstruct) =>
  root.node.findAll().some((c) => c.node.metadata.some((m) => m.type === 'aws:cdk:creationStack'));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-lambda-load-app-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'app.ts'), APP);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // loadServiceStack hands the app its context in CDK_CONTEXT_JSON, as the CDK CLI does; other
  // files in this worker create apps too.
  vi.stubEnv('CDK_CONTEXT_JSON', undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadServiceStack', () => {
  it('passes the environment and synthesizes without creation stack traces, which the dev server never reads', () => {
    writeCdkJson({});

    const { stack } = loadServiceStack({ root: dir, env: 'staging' });

    expect(stack.stackName).toBe('shared-lambda-infra-staging-tiny-api');
    expect(hasCreationStackTraces(stack.node.root)).toBe(false);
  });

  it("keeps the stack traces when the service's cdk.json turns them on", () => {
    writeCdkJson({ 'aws:cdk:disable-stack-trace': false, 'aws:cdk:disable-creation-stack-traces': false });

    const { stack } = loadServiceStack({ root: dir, env: 'dev' });

    expect(hasCreationStackTraces(stack.node.root)).toBe(true);
  });
});
