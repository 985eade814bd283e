import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Parameters } from '@shared-lambda-infra/contract';
import { createAuthorizerHandler } from '@shared-lambda-infra/jwt-authorizer';
import type { ServiceRehearsalInputs } from '@shared-lambda-infra/rehearse';
import { type DevService, describeService } from './describe';
import { DEV_AUDIENCE, DEV_ISSUER, devJwks, loadDevKey, mintDevToken } from './dev-issuer';
import { type LoadAppOptions, type LoadedStack, loadServiceStack, watchFiles } from './load-app';
import { type ServiceChange, startDevServer } from './server';
import { verifySigV4 } from './sigv4';
import { DevInputError, type DevIssuer, listValue, loadPlatformValues, type PlatformValues } from './values';

const USAGE = `Usage:
  shared-lambda dev [options]     serve the service's routes on http://127.0.0.1:3000
  shared-lambda token [options]   print a development JWT that \`dev --dev-issuer\` accepts
  shared-lambda rehearse [options] replay the deploy of a synthesized cdk.out offline (docs/rehearse.md)

dev options:
  --env <name>                platform environment to synthesize for (default: dev)
  --port <n>                  port (default: 3000; 0 picks a free one)
  --host <address>            interface (default: 127.0.0.1)
  --app <file>                the CDK app's entry (default: the file in cdk.json "app")
  --stack <id>                which ServiceStack, when the app has several
  --params <file.json>        contract values: \`aws ssm get-parameters-by-path\` output, or
                              {"corsAllowOrigins": [...], "/project/env/api/stage-name": "dev",
                               "environment": {"TABLE_NAME": "..."}}
  --platform-config <file>    the platform's config/<env>.yaml: CORS policy, stage, issuers
  --dev-issuer                trust tokens from \`shared-lambda token\`
  --jwks <url>                JWKS of --issuer (or of every issuer in --platform-config)
  --jwks-file <file>          the same, from a file the server publishes
  --issuer <iss>              a trusted issuer (with --jwks or --jwks-file, and --audience)
  --audience <aud>            an audience --issuer's tokens may carry (repeatable)
  --binary-media-types <list> the API's binary media types (default: api.binaryMediaTypes of
                              --platform-config, else none)
  --iam-credentials <mode>    how iam routes check SigV4: "env" verifies signatures made with this
                              shell's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default),
                              "unverified" accepts any signed request

rehearse options:
  --platform <file>           the platform's rehearsal inputs for this service and environment
                              ({env}-{service}.json, written by the platform's synth)
  --assembly <dir>            the synthesized cloud assembly (default: cdk.out; run \`cdk synth\` first)
  --strict                    fail on an unknown too
  --verbose                   print every check, not only failures and unknowns

token options:
  --sub <id>                  the caller (default: dev-user)
  --scope <scopes>            space-separated scopes
  --aud <audience>            (default: ${DEV_AUDIENCE})
  --ttl <seconds>             lifetime (default: 3600)
`;

/** Runs `shared-lambda <command>`; resolves to the exit code (dev resolves only when stopped). */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'dev') return await dev(rest);
    if (command === 'token') return await token(rest);
    if (command === 'rehearse') return await rehearse(rest);
    process.stdout.write(USAGE);
    return command === undefined || command === '--help' || command === 'help' ? 0 : 1;
  } catch (error) {
    if (error instanceof DevInputError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`shared-lambda ${command}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Error && !process.env.SHARED_LAMBDA_DEBUG) {
      process.stderr.write(
        `shared-lambda ${command}: ${error.message}\n(SHARED_LAMBDA_DEBUG=1 shows the stack trace)\n`,
      );
      return 1;
    }
    throw error;
  }
}

async function rehearse(argv: readonly string[]): Promise<number> {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      platform: { type: 'string' },
      assembly: { type: 'string', default: 'cdk.out' },
      strict: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (!args.platform)
    throw new DevInputError(
      '--platform <file> is required: the rehearsal inputs the platform publishes for this service and environment (docs/rehearse.md)',
    );
  const manifest = path.join(args.assembly, 'manifest.json');
  if (!fs.existsSync(manifest))
    throw new DevInputError(`--assembly ${args.assembly}: no manifest.json; run \`npx cdk synth\` first`);
  let inputs: ServiceRehearsalInputs;
  try {
    inputs = JSON.parse(fs.readFileSync(args.platform, 'utf8')) as ServiceRehearsalInputs;
  } catch (error) {
    throw new DevInputError(`--platform ${args.platform}: ${(error as Error).message}`);
  }
  // Loaded here: the IAM evaluator and its data are not for `dev` and `token`.
  const { rehearseServiceAssembly, renderRehearsal } = await import('@shared-lambda-infra/rehearse');
  const result = await rehearseServiceAssembly(inputs, args.assembly, { strict: args.strict });
  process.stdout.write(`${renderRehearsal(result, { verbose: args.verbose })}\n`);
  return result.failed ? 1 : 0;
}

async function token(argv: readonly string[]): Promise<number> {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      sub: { type: 'string', default: 'dev-user' },
      scope: { type: 'string' },
      aud: { type: 'string', default: DEV_AUDIENCE },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const ttlSeconds = Number(args.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new DevInputError(`--ttl ${args.ttl}: expected a whole number of seconds, e.g. 3600`);
  }
  const key = await loadDevKey(process.cwd());
  const jwt = await mintDevToken(key, { sub: args.sub, scope: args.scope, aud: args.aud, ttlSeconds });
  process.stdout.write(`${jwt}\n`);
  return 0;
}

async function dev(argv: readonly string[]): Promise<number> {
  const { values: args } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', default: 'dev' },
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      app: { type: 'string' },
      stack: { type: 'string' },
      params: { type: 'string' },
      'platform-config': { type: 'string' },
      'dev-issuer': { type: 'boolean', default: false },
      jwks: { type: 'string' },
      'jwks-file': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string', multiple: true },
      'binary-media-types': { type: 'string' },
      'iam-credentials': { type: 'string', default: 'env' },
    },
  });
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DevInputError(`--port ${args.port}: expected a port number from 0 to 65535`);
  }
  if (args['iam-credentials'] !== 'env' && args['iam-credentials'] !== 'unverified') {
    throw new DevInputError(`--iam-credentials ${args['iam-credentials']}: use "env" or "unverified"`);
  }
  const root = process.cwd();
  const appOptions = { root, env: args.env, app: args.app, stack: args.stack };
  const { stack, template, sources } = loadServiceStack(appOptions);
  const values = loadPlatformValues({
    scope: stack.nameScope,
    platformConfigFile: args['platform-config'],
    paramsFile: args.params,
  });
  const service = describeService(stack, template, values);
  const issuers = issuerPlan(args, values);
  if (service.routes.some((r) => r.authorization === 'jwt') && issuers.count === 0) {
    throw new DevInputError(
      'jwt routes need a trusted issuer: start with --dev-issuer (and call with `shared-lambda token`), --platform-config <config/<env>.yaml>, or --jwks <url> --issuer <iss> --audience <aud>',
    );
  }
  const key = args['dev-issuer'] ? await loadDevKey(root) : undefined;
  const jwksFile = args['jwks-file'] ? readJwksFile(args['jwks-file']) : undefined;
  const iamCredentials = args['iam-credentials'] === 'env' ? envCredentials() : undefined;
  if (
    args['iam-credentials'] === 'env' &&
    !iamCredentials &&
    service.routes.some((r) => r.authorization === 'iam')
  ) {
    throw new DevInputError(
      'iam routes are checked against AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which are not set: export the credentials you sign with, or pass --iam-credentials unverified',
    );
  }
  const server = await startDevServer({
    service,
    values,
    root,
    port,
    host: args.host,
    // `--binary-media-types ""` means none, overriding the platform configuration.
    binaryMediaTypes:
      args['binary-media-types']
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean) ?? values.binaryMediaTypes,
    // The platform's authorizer code itself; its decisions are in the request lines, not its logger's.
    authorizer: (url) => createAuthorizerHandler({ issuers: issuers.resolve(url), logger: QUIET }),
    iam: iamCredentials ? (request) => verifySigV4(request, iamCredentials) : undefined,
    documents: () =>
      new Map<string, unknown>([
        ...(key ? [[DEV_JWKS_PATH, devJwks(key)] as [string, unknown]] : []),
        ...(jwksFile ? [[JWKS_FILE_PATH, jwksFile] as [string, unknown]] : []),
      ]),
  });
  printSummary(service, values, server.url, {
    issuers: issuers.resolve(server.url),
    iam: iamCredentials
      ? `SigV4 verified against AWS_ACCESS_KEY_ID ${iamCredentials.accessKeyId}`
      : 'SigV4 NOT verified',
  });
  const stopWatching = watchApp(
    sources,
    service,
    (loaded) => {
      const next = describeService(loaded.stack, loaded.template, values);
      return { next, change: server.update(next) };
    },
    appOptions,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  stopWatching();
  await server.close();
  return 0;
}

const QUIET = { debug: () => {}, info: () => {} };

/**
 * Loads the app again whenever one of its own source files (not a handler's) changes, and has the
 * server swap in the new routes; prints one line for each reload. A stack that no longer loads
 * leaves the previous routes in service.
 */
function watchApp(
  sources: readonly string[],
  first: DevService,
  swap: (loaded: LoadedStack) => { next: DevService; change: ServiceChange },
  appOptions: LoadAppOptions,
): () => void {
  let current = first;
  let stop = () => {};
  const watch = (files: readonly string[]) => {
    const entries = new Set([...current.functions.values()].map((fn) => fn.entry));
    // A handler is rebuilt by its own watcher; its changes do not change the stack.
    stop = watchFiles(
      files.filter((f) => !entries.has(f)),
      (changed) => {
        const what = changed.map((f) => path.relative(appOptions.root, f)).join(', ');
        let loaded: LoadedStack;
        try {
          loaded = loadServiceStack(appOptions);
          const { next, change } = swap(loaded);
          current = next;
          console.log(`${what} changed: stack reloaded, ${describeChange(change)}`);
        } catch (error) {
          console.log(
            `${what} changed: the stack does not load, the previous routes stay: ${(error as Error).message}`,
          );
          return;
        }
        stop();
        watch(loaded.sources);
      },
    );
  };
  watch(sources);
  return () => stop();
}

function describeChange(change: ServiceChange): string {
  const parts = [
    ['routes added', change.routesAdded],
    ['routes removed', change.routesRemoved],
    ['routes changed', change.routesChanged],
    ['functions restarted', change.functionsChanged.map((p) => p.split('/').pop() ?? p)],
    ['functions removed', change.functionsRemoved.map((p) => p.split('/').pop() ?? p)],
  ] as const;
  const said = parts
    .filter(([, list]) => list.length > 0)
    .map(([label, list]) => `${label}: ${list.join(', ')}`);
  return said.length > 0 ? said.join('; ') : 'no route or function changed';
}

const DEV_JWKS_PATH = '/.shared-lambda/dev-issuer/jwks.json';
const JWKS_FILE_PATH = '/.shared-lambda/jwks-file.json';

interface IssuerPlan {
  /** How many issuers there will be (known before the server's URL is). */
  readonly count: number;
  /** The issuers, once the server's URL is known. */
  resolve(baseUrl: string): DevIssuer[];
}

function issuerPlan(
  args: { 'dev-issuer'?: boolean; jwks?: string; 'jwks-file'?: string; issuer?: string; audience?: string[] },
  values: PlatformValues,
): IssuerPlan {
  if (args.jwks && args['jwks-file']) throw new DevInputError('give --jwks or --jwks-file, not both');
  const keys = args.jwks !== undefined || args['jwks-file'] !== undefined;
  if (args.issuer && !keys)
    throw new DevInputError(`--issuer ${args.issuer} needs --jwks <url> or --jwks-file <file>`);
  if (args.issuer && !args.audience?.length) {
    throw new DevInputError(
      `--issuer ${args.issuer} needs at least one --audience (the aud its tokens carry)`,
    );
  }
  if (keys && !args.issuer && values.issuers.length === 0) {
    throw new DevInputError(
      '--jwks/--jwks-file need an issuer: add --issuer <iss> --audience <aud>, or --platform-config with api.authorizer.issuers',
    );
  }
  const count = values.issuers.length + (args.issuer ? 1 : 0) + (args['dev-issuer'] ? 1 : 0);
  return {
    count,
    resolve: (baseUrl) => {
      const jwksUri = args.jwks ?? (args['jwks-file'] ? `${baseUrl}${JWKS_FILE_PATH}` : undefined);
      const issuers: DevIssuer[] = values.issuers.map((i) =>
        jwksUri && !args.issuer ? { ...i, jwksUri } : i,
      );
      if (args.issuer && jwksUri)
        issuers.push({ issuer: args.issuer, audiences: args.audience ?? [], jwksUri });
      if (args['dev-issuer']) {
        const audiences = new Set([DEV_AUDIENCE, ...values.issuers.flatMap((i) => i.audiences)]);
        issuers.push({
          issuer: DEV_ISSUER,
          audiences: [...audiences],
          jwksUri: `${baseUrl}${DEV_JWKS_PATH}`,
        });
      }
      return issuers;
    },
  };
}

function readJwksFile(file: string): unknown {
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DevInputError(`--jwks-file ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(doc.keys))
    throw new DevInputError(`--jwks-file ${file}: expected a JWKS, {"keys": [...]}`);
  return doc;
}

function envCredentials():
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN };
}

function printSummary(
  service: DevService,
  values: PlatformValues,
  url: string,
  auth: { issuers: readonly DevIssuer[]; iam: string },
): void {
  const lines = [
    `shared-lambda dev: service ${service.service} (${service.scope.env}), stack ${service.stackName}`,
  ];
  for (const r of service.routes) {
    const fn = service.functions.get(r.functionPath);
    lines.push(
      `  ${r.method.padEnd(6)} ${r.path.padEnd(28)} ${r.authorization.padEnd(4)} ${fn ? path.relative(process.cwd(), fn.entry) : ''}`,
    );
  }
  const origins = listValue(values, Parameters.corsAllowOrigins.path(service.scope));
  lines.push(
    `  CORS origins: ${origins === undefined ? 'unknown (pass --platform-config or --params): preflights allow no origin' : origins.join(', ') || 'none'}`,
  );
  if (service.routes.some((r) => r.authorization === 'jwt')) {
    lines.push(
      `  jwt issuers: ${auth.issuers.map((i) => `${i.issuer} (aud ${i.audiences.join(', ')})`).join('; ')}`,
    );
  }
  if (service.routes.some((r) => r.authorization === 'iam')) lines.push(`  iam routes: ${auth.iam}`);
  for (const fn of service.functions.values()) {
    for (const u of fn.unresolved) lines.push(`  ${path.basename(fn.path)}: placeholder for ${u}`);
  }
  lines.push('  Changes to the handlers rebuild them; changes to the app or stack files reload the routes.');
  lines.push(`Listening on ${url}`);
  console.log(lines.join('\n'));
}
