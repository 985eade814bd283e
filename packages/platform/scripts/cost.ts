// `npm run cost [-- dev staging prod] [-- path/to/config.yaml]`: the estimated monthly cost of each
// environment (all three by default), or of a config file (an argument that ends in .yaml or .yml),
// from its synthesized templates (see synthesizeTemplates).
// `npm run cost -- --service orders [--env dev] [--assembly path/to/cdk.out]`: one service's month,
// from the registry, the platform's synthesis and the service's own assembly (lib/cost/service.ts).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS, type EnvironmentName } from '@shared-lambda-infra/contract';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { DEFAULT_ASSUMPTIONS, type StackTemplate } from '../lib/cost/estimate';
import { renderEnvironmentCost } from '../lib/cost/render';
import { estimateServiceCost, renderServiceCost } from '../lib/cost/service';
import { synthesizeTemplates } from '../lib/cost/synth';

const USAGE = `usage: npm run cost -- [${ENVIRONMENTS.join(' ')}] [CONFIG.yaml]\n       npm run cost -- --service NAME [--env ${ENVIRONMENTS.join('|')}] [--assembly DIR]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const flags = new Map<string, string>();
const args: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i] as string;
  if (!arg.startsWith('--')) {
    args.push(arg);
    continue;
  }
  const value = argv[i + 1];
  if (!['--service', '--env', '--assembly'].includes(arg)) fail(`unknown option ${arg}`);
  if (value === undefined || value.startsWith('--')) fail(`${arg} needs a value`);
  flags.set(arg.slice(2), value);
  i++;
}
// npm runs the script in the workspace; a path is meant from where the command was typed.
const cwd = process.env.INIT_CWD ?? process.cwd();

/** The stacks of a cloud assembly directory (`cdk.out`), from its manifest. */
function assemblyStacks(dir: string): StackTemplate[] {
  if (!existsSync(path.join(dir, 'manifest.json'))) {
    fail(
      `${dir} is not a cloud assembly (no manifest.json): run \`npx cdk synth\` in the service repository and pass its cdk.out`,
    );
  }
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; displayName?: string; properties?: { templateFile: string; stackName?: string } }
    >;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties)
    .map(([id, a]) => ({
      stackName: a.properties?.stackName ?? a.displayName ?? id,
      template: JSON.parse(
        readFileSync(path.join(dir, a.properties?.templateFile as string), 'utf8'),
      ) as unknown,
    }));
}

function serviceCost(serviceName: string): void {
  const env = (flags.get('env') ?? 'dev') as EnvironmentName;
  if (!(ENVIRONMENTS as readonly string[]).includes(env)) fail(`unknown environment ${env}`);
  if (args.length > 0)
    fail(`--service takes no environment or file argument (got ${args.join(' ')}); use --env`);
  const { config } = loadPlatformConfig({ env });
  const service = config.services.find((s) => s.name === serviceName);
  if (!service) {
    fail(
      `no service ${serviceName} in the ${env} registry (registered: ${config.services.map((s) => s.name).join(', ') || 'none'})`,
    );
  }
  const assembly = flags.get('assembly');
  const cost = estimateServiceCost({
    nameScope: { project: config.project, env },
    service,
    registeredServices: config.services.length,
    platformStacks: synthesizeTemplates(config),
    serviceStacks: assembly ? assemblyStacks(path.resolve(cwd, assembly)) : [],
    assumptions: DEFAULT_ASSUMPTIONS[env],
  });
  const notes = [
    assembly
      ? `Its own stacks: from ${assembly}.`
      : 'No --assembly given: its own stacks are not counted (synthesize the service, e.g. `cd examples/orders-service && npx cdk synth`, and pass --assembly DIR).',
    service.expectedTraffic
      ? ''
      : `No services[].expectedTraffic for ${serviceName} in config/${env}.yaml: usage is not counted.`,
  ].filter(Boolean);
  console.log(
    renderServiceCost(`Estimated cost of service ${serviceName} in ${config.project} ${env}`, cost, notes),
  );
}

function environmentCosts(): void {
  const isFile = (a: string) => /\.ya?ml$/.test(a);
  const files = args.filter(isFile);
  const requested = args.filter((a) => !isFile(a));
  const unknown = requested.filter((e) => !(ENVIRONMENTS as readonly string[]).includes(e));
  if (unknown.length > 0) fail(`unknown environment ${unknown.join(', ')}`);
  const environments = (
    requested.length > 0 || files.length > 0 ? requested : ENVIRONMENTS
  ) as readonly EnvironmentName[];
  const loaded = [
    ...environments.map((env) => loadPlatformConfig({ env })),
    ...files.map((file) => loadPlatformConfig({ configPath: path.resolve(cwd, file) })),
  ];
  for (const { config } of loaded) {
    console.log(`${renderEnvironmentCost(config, synthesizeTemplates(config))}\n`);
  }
}

try {
  const serviceName = flags.get('service');
  if (serviceName !== undefined) serviceCost(serviceName);
  else environmentCosts();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
