// `npm run routes -- -c env=dev [-c config=PATH] [-c assembly=DIR[,DIR]]`: prints, from a synthesized
// registry, each registered service's base path, throttling and allowed authorization types, and the
// routes each service declares in the given service cloud assemblies (a service repository's cdk.out
// after `cdk synth`), each route checked by the routes receiver's own validation. Exits 1 when anything
// would be REFUSED (a route, a budget, a declaration in a stack of an unregistered service).
//
// The work is routesCommand (lib/routes-command.ts). The root package.json runs this file itself
// (`node --import tsx`), because npm swallows `-c` when it forwards arguments through
// `npm run --workspace`.
import { ConfigError } from '../lib/config/errors';
import { routesCommand } from '../lib/routes-command';

function parseContext(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const pair = argv[i] === '-c' || argv[i] === '--context' ? (argv[++i] ?? '') : undefined;
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq <= 0) {
      console.error(
        `unexpected argument "${argv[i] ?? ''}"\nusage: npm run routes -- -c env=dev|staging|prod [-c config=PATH] [-c assembly=DIR[,DIR]]`,
      );
      process.exit(2);
    }
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

try {
  const report = routesCommand(parseContext(process.argv.slice(2)), process.env.INIT_CWD ?? process.cwd());
  console.log(report.text);
  // A refusal fails the command, so it can gate CI before the deploy that would fail.
  if (report.refused > 0) process.exit(1);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
