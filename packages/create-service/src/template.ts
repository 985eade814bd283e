import type { EnvironmentName } from '@shared-lambda-infra/contract';

/** The platform's own npm scope: the one the packages are developed under and imported by. */
export const PLATFORM_SCOPE = '@shared-lambda-infra';

/** What {@link serviceFiles} needs to know about the new repository. */
export interface TemplateOptions {
  /** The service name, as registered in the platform's config (already checked). */
  readonly service: string;
  /** The environments the deploy workflow deploys to, in order. */
  readonly environments: readonly EnvironmentName[];
  /** The npm scope the platform packages are installed from, e.g. `@shared-lambda-infra` or `@acme`. */
  readonly scope: string;
  /** The npm registry that serves {@link scope}. */
  readonly registry: string;
  /** `owner/name` of the platform repository, whose reusable workflow deploys the service. */
  readonly platformRepository: string;
  /** The release of the platform repository the deploy workflow calls, e.g. `v1`. */
  readonly platformRef: string;
  /** Version ranges of the packages the template installs, by package name (platform scope). */
  readonly versions: Readonly<Record<string, string>>;
}

/** The runtime dependencies of a service repository; everything else it installs is a devDependency. */
const RUNTIME = [`${PLATFORM_SCOPE}/consumer`, `${PLATFORM_SCOPE}/contract`, 'aws-cdk-lib', 'constructs'];

/** `payments` → `Payments`, `card-payments` → `CardPayments`. */
export function pascalCase(service: string): string {
  return service
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The files of a new service repository, by path relative to its root. Pure, so tests read the
 * contents without touching a disk.
 */
export function serviceFiles(options: TemplateOptions): Record<string, string> {
  const className = `${pascalCase(options.service)}Stack`;
  return {
    'package.json': packageJson(options),
    '.npmrc': npmrc(options),
    '.gitignore': 'node_modules/\ncdk.out/\ncdk.context.json\n',
    'cdk.json': cdkJson(),
    'tsconfig.json': tsconfig(),
    // .mts: an ES module in this CommonJS package, as vite loads its config.
    'vitest.config.mts': vitestConfig(),
    'bin/app.ts': app(options, className),
    [`lib/${options.service}-stack.ts`]: stack(options, className),
    'src/handlers/hello.ts': handler(options),
    'test/handlers/hello.test.ts': handlerTest(options),
    [`test/${options.service}-stack.test.ts`]: stackTest(options, className),
    '.github/workflows/deploy.yml': deployWorkflow(options),
    'dev-params.json': devParams(),
    'README.md': readme(options),
  };
}

/**
 * The dependency spec for `name` (a platform-scope name): its range, or an npm alias when the
 * packages are published under another scope, so the code still imports `@shared-lambda-infra/...`.
 */
function spec(options: TemplateOptions, name: string): string {
  const range = options.versions[name];
  if (range === undefined) throw new Error(`no version for ${name} in the template's versions`);
  if (options.scope === PLATFORM_SCOPE || !name.startsWith(`${PLATFORM_SCOPE}/`)) return range;
  return `npm:${options.scope}/${name.slice(PLATFORM_SCOPE.length + 1)}@${range}`;
}

function packageJson(options: TemplateOptions): string {
  const names = Object.keys(options.versions).sort();
  const pick = (runtime: boolean) =>
    Object.fromEntries(
      names.filter((n) => RUNTIME.includes(n) === runtime).map((n) => [n, spec(options, n)]),
    );
  const pkg = {
    name: `${options.service}-service`,
    version: '0.1.0',
    private: true,
    description: `The ${options.service} service on the shared-lambda-infra platform.`,
    // vitest 4 (its bundler) needs one of these.
    engines: { node: '^20.19.0 || >=22.12.0' },
    scripts: {
      test: 'tsc --noEmit && vitest run',
      synth: 'cdk synth -q',
      cdk: 'cdk',
    },
    dependencies: pick(true),
    devDependencies: pick(false),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function npmrc(options: TemplateOptions): string {
  const host = options.registry.replace(/^https?:/, '');
  return [
    `# ${options.scope}/* packages come from the platform team's registry; everything else from npmjs.`,
    `${options.scope}:registry=${options.registry}`,
    '# A token that can read packages (GitHub: a PAT with read:packages, or GITHUB_TOKEN in Actions).',
    `${host.endsWith('/') ? host : `${host}/`}:_authToken=\${NODE_AUTH_TOKEN?}`,
    '',
  ].join('\n');
}

function cdkJson(): string {
  const cdk = {
    app: 'npx tsx bin/app.ts',
    watch: { include: ['bin/**', 'lib/**', 'src/**'] },
    context: {
      env: 'dev',
      '@aws-cdk/aws-lambda-nodejs:useLatestRuntimeVersion': true,
      '@aws-cdk/aws-lambda:useCdkManagedLogGroup': true,
      '@aws-cdk/aws-iam:minimizePolicies': true,
      '@aws-cdk/core:explicitStackTags': true,
      '@aws-cdk/core:enablePartitionLiterals': true,
      '@aws-cdk/core:target-partitions': ['aws', 'aws-cn'],
    },
  };
  return `${JSON.stringify(cdk, null, 2)}\n`;
}

function tsconfig(): string {
  return `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "noImplicitReturns": true,
    "noFallthroughCasesInSwitch": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    // aws-cdk-lib's own declarations do not compile under exactOptionalPropertyTypes; the
    // @shared-lambda-infra packages' declarations do (the platform's tests check them with false).
    "skipLibCheck": true,
    "esModuleInterop": true,
    "isolatedModules": true,
    "forceConsistentCasingInFileNames": true,
    "noEmit": true
  },
  "include": ["bin", "lib", "src", "test", "vitest.config.mts"]
}
`;
}

function vitestConfig(): string {
  return `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A CDK synthesis takes seconds; the defaults (5 s, hooks 10 s) are for unit code.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
`;
}

function app(options: TemplateOptions, className: string): string {
  return `import { App } from 'aws-cdk-lib';
import { ${className} } from '../lib/${options.service}-stack';

// \`npx cdk synth -c env=prod\`; cdk.json chooses dev when no environment is given.
const app = new App();
new ${className}(app, '${pascalCase(options.service)}', { env: String(app.node.tryGetContext('env') ?? 'dev') });
`;
}

function stack(options: TemplateOptions, className: string): string {
  return `import * as path from 'node:path';
import { ServiceApi, ServiceFunction, ServiceStack } from '@shared-lambda-infra/consumer';
import type { Construct } from 'constructs';

/** Props of {@link ${className}}. */
export interface ${className}Props {
  /** The platform environment to deploy into: \`dev\`, \`staging\` or \`prod\`. */
  readonly env: string;
}

/**
 * The ${options.service} service in one platform environment. VPC placement, roles with the
 * permissions boundary, log groups, the authorizer and the stage redeploy come from the platform
 * through \`@shared-lambda-infra/consumer\`.
 */
export class ${className} extends ServiceStack {
  /** The service's routes on the shared API. */
  public readonly api: ServiceApi;

  constructor(scope: Construct, id: string, props: ${className}Props) {
    super(scope, id, { service: '${options.service}', env: props.env });
    const hello = new ServiceFunction(this, 'Hello', {
      entry: path.join(__dirname, '..', 'src', 'handlers', 'hello.ts'),
    });
    this.api = new ServiceApi(this, 'Api');
    this.api.addRoute('GET /${options.service}/hello', hello);
  }
}
`;
}

function handler(options: TemplateOptions): string {
  return `import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** \`GET /${options.service}/hello\`: greets the caller the platform's authorizer identified. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const caller = event.requestContext.authorizer?.sub;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ service: '${options.service}', hello: typeof caller === 'string' ? caller : 'anonymous' }),
  };
}
`;
}

function handlerTest(options: TemplateOptions): string {
  return `import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../src/handlers/hello';

function event(authorizer: Record<string, string> | null): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/${options.service}/hello',
    requestContext: { authorizer },
  } as unknown as APIGatewayProxyEvent;
}

describe('GET /${options.service}/hello', () => {
  it('greets the caller named by the authorizer', async () => {
    const response = await handler(event({ sub: 'user-1' }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ service: '${options.service}', hello: 'user-1' });
  });

  it('greets an anonymous caller when the authorizer passed no subject', async () => {
    const response = await handler(event(null));
    expect(JSON.parse(response.body)).toEqual({ service: '${options.service}', hello: 'anonymous' });
  });
});
`;
}

function stackTest(options: TemplateOptions, className: string): string {
  return `import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ${className} } from '../lib/${options.service}-stack';

let template: Template;

beforeAll(() => {
  // Bundling (esbuild) is what \`cdk synth\` does; the stack's shape does not depend on it.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new ${className}(app, '${pascalCase(options.service)}', { env: 'dev' }));
});

describe('${className}', () => {
  it('runs its function in the shared VPC', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
    });
  });

  it('declares GET /${options.service}/hello to the platform, with no API Gateway resource of its own', () => {
    const declarations = Object.values(template.findResources('Custom::SharedApiRoutes'));
    expect(declarations).toHaveLength(1);
    const declaration = JSON.stringify(declarations[0]?.Properties?.Declaration);
    expect(declaration).toContain('/${options.service}/hello');
    expect(declaration).toContain('GET');
    expect(Object.keys(template.findResources('AWS::ApiGateway::Method'))).toEqual([]);
  });
});
`;
}

function deployWorkflow(options: TemplateOptions): string {
  const uses = `${options.platformRepository}/.github/workflows/lambda-service.yml@${options.platformRef}`;
  const jobs = options.environments.map((env, i) => {
    const previous = options.environments[i - 1];
    return [
      `  ${env}:`,
      ...(previous ? [`    needs: ${previous}`] : []),
      `    uses: ${uses}`,
      '    # The called workflow can have no more than this: its deploy job needs the OIDC token, npm ci',
      '    # reads the platform packages from GitHub Packages.',
      '    permissions:',
      '      contents: read',
      '      id-token: write',
      '      packages: read',
      '    with:',
      `      service: ${options.service}`,
      `      environment: ${env}`,
    ].join('\n');
  });
  return `# Delivery of the ${options.service} service: every push to main deploys ${options.environments.join(', then ')},
# each through the platform's reusable workflow and the service's own deploy role.
#
# Set up once in this repository (see the platform's docs/onboarding.md):
# - GitHub environments ${options.environments.join(', ')} (required reviewers where a person must approve);
# - variables AWS_ACCOUNT_ID and AWS_REGION (per environment when they differ).
name: deploy

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

jobs:
${jobs.join('\n\n')}
`;
}

// The origin of a front end's local dev server (Vite's default port), allowed by `shared-lambda dev`.
const LOCAL_FRONT_END_ORIGIN = 'http://localhost:5173';

// Local stand-ins for the contract values `shared-lambda dev --params` reads, so the README's
// command works in a new repository before anyone has read access to the environment's parameters.
function devParams(): string {
  return `${JSON.stringify({ corsAllowOrigins: [LOCAL_FRONT_END_ORIGIN] }, null, 2)}\n`;
}

function readme(options: TemplateOptions): string {
  return `# ${options.service}-service

The ${options.service} service on the shared-lambda-infra platform: its functions run in the shared VPC,
behind the shared REST API under \`/${options.service}\`, with roles bounded by the platform.

## Commands

\`\`\`bash
npm ci && npm test        # type-check (strict) and the tests
npx cdk synth             # the stack of the dev environment into cdk.out (-c env=prod for another)
npx shared-lambda dev --dev-issuer --params dev-params.json   # the routes on http://127.0.0.1:3000
\`\`\`

\`shared-lambda dev\` serves the routes behind the platform's own JWT authorizer and CORS policy, and
reloads when a handler or the stack changes. \`dev-params.json\` holds the contract values it uses: as
written, only the CORS origins (\`${LOCAL_FRONT_END_ORIGIN}\`, a local front end); for the environment's real
values, \`aws ssm get-parameters-by-path --path /shared-lambda-infra/dev --recursive > dev-params.json\`
(values it lacks are shown as placeholders). \`--dev-issuer\` trusts the tokens \`npx shared-lambda token\`
mints, so a protected route answers 401 without a token and 200 with one:

\`\`\`bash
curl -i http://127.0.0.1:3000/${options.service}/hello                                             # 401
curl -i -H "Authorization: Bearer $(npx shared-lambda token)" http://127.0.0.1:3000/${options.service}/hello   # 200
\`\`\`

\`npm ci\` reads \`${options.scope}/*\` packages from ${options.registry} (see \`.npmrc\`): set
\`NODE_AUTH_TOKEN\` to a token that can read them.

## Layout
| Path | What |
| --- | --- |
| \`bin/app.ts\` | the CDK app: one stack for the environment chosen with \`-c env=\` |
| \`lib/${options.service}-stack.ts\` | the service's infrastructure: functions and routes |
| \`src/handlers/\` | one file per function, each exporting \`handler\` |
| \`test/\` | the handlers, run for real, and the stack's template |
| \`.github/workflows/deploy.yml\` | deploys ${options.environments.join(' → ')} with the platform's reusable workflow |

Before the first deploy the platform team registers \`${options.service}\` in its config (one entry per environment).
`;
}
