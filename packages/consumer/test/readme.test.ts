import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGE = path.join(__dirname, '..');

/** The ```ts quick-start block of README.md. */
function quickStart(): string {
  const readme = fs.readFileSync(path.join(PACKAGE, 'README.md'), 'utf8');
  const match = /```ts quick-start\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no ```ts quick-start block');
  return match[1];
}

describe('README quick-start', () => {
  // Next to the package, so `@shared-lambda-infra/consumer` and aws-cdk-lib resolve from the workspace.
  const dir = fs.mkdtempSync(path.join(PACKAGE, '.readme-'));
  const outdir = path.join(dir, 'cdk.out');
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'src', 'handlers'), { recursive: true });
    for (const name of ['list-orders', 'create-order']) {
      fs.writeFileSync(
        path.join(dir, 'src', 'handlers', `${name}.ts`),
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nconst client = new DynamoDBClient({});\nexport const handler = async () => ({ statusCode: 200, body: String(Boolean(client)) });\n",
      );
    }
    // The CDK CLI synthesizes the app it runs; run directly, the block needs the call itself.
    fs.writeFileSync(path.join(dir, 'app.ts'), `${quickStart()}\napp.synth();\n`);
    // Run in this worker, as `cdk synth` would run it in its own process: from the app's folder
    // (the entries are relative), with the output folder and context the CLI hands an app through
    // the environment. The vitest `shared` project runs files in child processes, where chdir is
    // allowed; a process per run cost more than the rest of this file. Without CDK's built-in
    // CloudFormation validation (a WebAssembly engine, ~8 s of CPU to start in a process:
    // orders-stack.test.ts keeps it on) and without construct stack traces (see TEST_CONTEXT).
    const env = {
      CDK_OUTDIR: outdir,
      CDK_VALIDATION: 'false',
      CDK_CONTEXT_JSON: JSON.stringify({
        'aws:cdk:disable-stack-trace': true,
        'aws:cdk:disable-creation-stack-traces': true,
      }),
    };
    const saved = {
      cwd: process.cwd(),
      env: Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]])),
    };
    process.chdir(dir);
    Object.assign(process.env, env);
    try {
      await import(path.join(dir, 'app.ts'));
    } finally {
      process.chdir(saved.cwd);
      for (const [key, value] of Object.entries(saved.env)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    template = JSON.parse(fs.readFileSync(path.join(outdir, 'Orders.template.json'), 'utf8'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('synthesizes the stack it describes: two functions, their roles and two routes', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function')).toHaveLength(2);
    expect(types.filter((t) => t === 'AWS::IAM::Role')).toHaveLength(2);
    expect(types.filter((t) => t.startsWith('AWS::ApiGateway::'))).toEqual([]);
    const declarations = Object.values(template.Resources).filter(
      (r) => r.Type === 'Custom::SharedApiRoutes',
    );
    expect(declarations).toHaveLength(1);
    const declaration = JSON.stringify(declarations[0].Properties.Declaration);
    expect(declaration).toContain('\\"method\\":\\"GET\\",\\"path\\":\\"/orders\\"');
    expect(declaration).toContain('\\"method\\":\\"POST\\",\\"path\\":\\"/orders\\"');
  });

  it('names its table in the service prefix, which the execution role may create', () => {
    const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable');
    expect(tables.map((t) => t.Properties.TableName)).toEqual([
      'shared-lambda-infra-dev-table-orders-orders',
    ]);
  });

  it('bundles each handler minified with a source map and without the AWS SDK', () => {
    const assets = fs.readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const files = fs.readdirSync(path.join(outdir, asset)).sort();
      expect(files).toEqual(['index.js', 'index.js.map']);
      const code = fs.readFileSync(path.join(outdir, asset, 'index.js'), 'utf8');
      expect(code).toContain('require("@aws-sdk/client-dynamodb")');
      expect(code.split('\n').length).toBeLessThan(10);
    }
  });
});
