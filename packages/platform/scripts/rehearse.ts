// `npm run rehearse -- -c env=prod [-c config=PATH] [--strict] [--verbose]`: synthesizes every stack
// of one environment and replays its deploy offline (packages/rehearse): the platform deploy role
// assuming the CDK bootstrap roles, every call CloudFormation's caller makes, every handler and
// tagging permission of every resource as the bootstrap execution role, and CloudFormation's quotas.
// Prints failures and unknowns and exits 1 when the deploy would fail (with --strict, also on an
// unknown). Synthesizes into packages/platform/cdk.out/rehearsal/{env}/, with each registered
// service's rehearsal inputs in its rehearsal-inputs/ folder.
//
// The root package.json runs this file itself (`node --import tsx`), because npm swallows `-c` when
// it forwards arguments through `npm run --workspace`.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { rehearsePlatformAssembly, renderRehearsal } from '@shared-lambda-infra/rehearse';
import { createPlatformApp, PLATFORM_ROOT } from '../lib/app';
import { ConfigError } from '../lib/config/errors';
import { platformCaller, writeServiceRehearsalInputs } from '../lib/rehearsal';

const USAGE = 'usage: npm run rehearse -- [-c env=dev|staging|prod] [-c config=PATH] [--strict] [--verbose]';

function parse(argv: readonly string[]): {
  context: Record<string, string>;
  strict: boolean;
  verbose: boolean;
} {
  const context: Record<string, string> = {};
  let strict = false;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--strict') strict = true;
    else if (arg === '--verbose') verbose = true;
    else if (arg === '-c' || arg === '--context') {
      const pair = argv[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        console.error(`expected key=value after ${arg}, got "${pair}"\n${USAGE}`);
        process.exit(2);
      }
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else {
      console.error(`unknown argument "${arg}"\n${USAGE}`);
      process.exit(2);
    }
  }
  return { context, strict, verbose };
}

async function main(): Promise<number> {
  const { context, strict, verbose } = parse(process.argv.slice(2));
  if (context.config) context.config = path.resolve(process.env.INIT_CWD ?? process.cwd(), context.config);
  const started = process.hrtime.bigint();
  // Beside `npm run synth`'s cdk.out, not in it: this synthesis skips bundling and the packs.
  const outdir = path.join(
    PLATFORM_ROOT,
    'cdk.out',
    'rehearsal',
    String(context.env ?? context.config ?? 'default').replace(/[^\w.-]/g, '_'),
  );
  rmSync(outdir, { recursive: true, force: true });
  const platform = createPlatformApp({
    context: { ...context, 'aws:cdk:bundling-stacks': [] },
    outdir,
    builtinCloudFormationValidation: false,
    // The compliance packs run on `npm run synth`; the rehearsal asks other questions.
    compliance: false,
  });
  const assembly = platform.app.synth();
  const inputs = writeServiceRehearsalInputs(platform, assembly, outdir);
  const rehearsal = await rehearsePlatformAssembly(outdir, {
    strict,
    platformDeployRole: platformCaller(platform),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(renderRehearsal(rehearsal, { verbose }));
  console.log(
    `Rehearsed ${assembly.stacks.length} stacks of ${platform.config.environment} from ${platform.configFile} in ${seconds.toFixed(1)} s; service rehearsal inputs: ${inputs.map((f) => path.relative(process.cwd(), f)).join(', ') || 'none'}`,
  );
  return rehearsal.failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exitCode = 1;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  },
);
