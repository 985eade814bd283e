// `npm run cost [-- dev staging prod]`: the estimated monthly cost of each environment (all three by
// default), from its synthesized templates (see synthesizeTemplates).
import { ENVIRONMENTS, type EnvironmentName } from '@shared-lambda-infra/contract';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { renderEnvironmentCost } from '../lib/cost/render';
import { synthesizeTemplates } from '../lib/cost/synth';

const requested = process.argv.slice(2);
const unknown = requested.filter((e) => !(ENVIRONMENTS as readonly string[]).includes(e));
if (unknown.length > 0) {
  console.error(
    `unknown environment ${unknown.join(', ')}; usage: npm run cost -- [${ENVIRONMENTS.join(' ')}]`,
  );
  process.exit(2);
}
const environments = (requested.length > 0 ? requested : ENVIRONMENTS) as readonly EnvironmentName[];

try {
  for (const env of environments) {
    const { config } = loadPlatformConfig({ env });
    console.log(`${renderEnvironmentCost(config, synthesizeTemplates(config))}\n`);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
