// `npm run synth [-- -c env=prod] [-- -c config=path/to/file.yaml]`: synthesizes every stack of one environment
// into cdk.out (built-in CloudFormation validation and the compliance packs on) and prints a summary a person
// would rather read than templates. Needs no AWS account: without account/region in config the templates are
// environment-agnostic.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { createPlatformApp, PLATFORM_ROOT } from '../lib/app';
import { renderSummary, summarizeAssembly } from '../lib/assembly-summary';
import { ConfigError } from '../lib/config/errors';
import { renderEnvironmentCost } from '../lib/cost/render';
import { checkAssemblyLimits } from '../lib/limits/check';
import { writeServiceRehearsalInputs } from '../lib/rehearsal';

function parseContext(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-c' || arg === '--context') {
      const pair = argv[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) usage(`expected key=value after ${arg}, got "${pair}"`);
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else {
      usage(`unknown argument "${arg}"`);
    }
  }
  return context;
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run synth -- [-c env=dev|staging|prod] [-c config=PATH]`);
  process.exit(2);
}

const started = process.hrtime.bigint();
const outdir = path.join(PLATFORM_ROOT, 'cdk.out');
const context = parseContext(process.argv.slice(2));
// The CLI would resolve `-c config=PATH` against the caller's directory; do the same.
if (context.config) context.config = path.resolve(process.env.INIT_CWD ?? process.cwd(), context.config);
rmSync(outdir, { recursive: true, force: true });

try {
  const platform = createPlatformApp({ context, outdir });
  const { app, config, configFile, warnings } = platform;
  for (const w of warnings) console.error(`${configFile}: warning: ${w.path}: ${w.message}`);
  const assembly = app.synth();
  // What each service's `shared-lambda rehearse --platform FILE` reads (docs/rehearse.md).
  writeServiceRehearsalInputs(platform, assembly, outdir);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const where = config.account ? `account ${config.account}` : 'environment-agnostic';
  console.log(
    renderSummary(
      summarizeAssembly(assembly),
      `Synthesized ${config.environment} from ${configFile} (${where}) to ${path.relative(process.cwd(), outdir) || '.'} in ${seconds.toFixed(1)} s`,
    ),
  );
  console.log(renderEnvironmentCost(config, assembly.stacks));
  // AWS limits (lib/limits/catalogue.ts): CreateStack would fail on an exceeded one long after
  // every test passed, so the synthesis fails here instead.
  const limits = checkAssemblyLimits(config, assembly.stacks);
  for (const warning of limits.warnings) console.warn(`\nwarning: ${warning}`);
  if (limits.errors.length > 0) {
    console.error(`\n${limits.errors.map((e) => `error: ${e}`).join('\n')}`);
    process.exit(1);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof Error && error.message.startsWith('Validation failed')) {
    // The validation plugins have already printed each finding above.
    console.error(`\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
