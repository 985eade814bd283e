// `npm run cost [-- dev staging prod] [-- path/to/config.yaml]`: the estimated monthly cost of each
// environment (all three by default), or of a config file (an argument that ends in .yaml or .yml),
// from its synthesized templates (see synthesizeTemplates).
import * as path from 'node:path';
import { ENVIRONMENTS, type EnvironmentName } from '@shared-lambda-infra/contract';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { renderEnvironmentCost } from '../lib/cost/render';
import { synthesizeTemplates } from '../lib/cost/synth';

const args = process.argv.slice(2);
const isFile = (a: string) => /\.ya?ml$/.test(a);
const files = args.filter(isFile);
const requested = args.filter((a) => !isFile(a));
const unknown = requested.filter((e) => !(ENVIRONMENTS as readonly string[]).includes(e));
if (unknown.length > 0) {
  console.error(
    `unknown environment ${unknown.join(', ')}; usage: npm run cost -- [${ENVIRONMENTS.join(' ')}] [CONFIG.yaml]`,
  );
  process.exit(2);
}
const environments = (
  requested.length > 0 || files.length > 0 ? requested : ENVIRONMENTS
) as readonly EnvironmentName[];
// npm runs the script in the workspace; a path is meant from where the command was typed.
const cwd = process.env.INIT_CWD ?? process.cwd();

try {
  const loaded = [
    ...environments.map((env) => loadPlatformConfig({ env })),
    ...files.map((file) => loadPlatformConfig({ configPath: path.resolve(cwd, file) })),
  ];
  for (const { config } of loaded) {
    console.log(`${renderEnvironmentCost(config, synthesizeTemplates(config))}\n`);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
