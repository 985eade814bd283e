// `npm run limits [-- -c env=prod] [-- -c config=path/to/file.yaml]`: every AWS limit the platform
// depends on (lib/limits/catalogue.ts) with its usage in this environment, the headroom and, for
// what grows with the registry, the number of services or routes at which it runs out. Exits 1
// when a limit is exceeded. Needs no AWS account.
import * as path from 'node:path';
import { configSelection } from '../lib/app-config';
import { ConfigError } from '../lib/config/errors';
import { loadPlatformConfig } from '../lib/config/load';
import { evaluateLimits, limitContext, limitProblems, renderLimits } from '../lib/limits/evaluate';
import { measuredEnvironment, sameAccountEnvironments } from '../lib/limits/synth';
import { parseContext } from './synth-args';

const context = parseContext(process.argv.slice(2), 'limits');
if (context.config) context.config = path.resolve(process.env.INIT_CWD ?? process.cwd(), context.config);

try {
  const { config } = loadPlatformConfig(configSelection((key) => context[key]));
  const findings = evaluateLimits(limitContext(measuredEnvironment(config), sameAccountEnvironments(config)));
  console.log(renderLimits(config, findings));
  const { errors, warnings } = limitProblems(findings);
  for (const w of warnings) console.log(`\nwarning: ${w}`);
  for (const e of errors) console.error(`\nerror: ${e}`);
  if (errors.length > 0) process.exit(1);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
