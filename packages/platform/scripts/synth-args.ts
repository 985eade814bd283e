// The `-c key=value` arguments the platform scripts take, as the CDK CLI would.

/**
 * Parses `-c key=value` pairs; `-h`/`--help` prints `about` and the usage and exits 0; exits 2 with
 * the usage on anything else.
 */
export function parseContext(
  argv: readonly string[],
  command: string,
  about?: string,
): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      console.log(`${about ? `${about}\n` : ''}${usageLine(command)}`);
      process.exit(0);
    } else if (arg === '-c' || arg === '--context') {
      const pair = argv[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) usage(command, `expected key=value after ${arg}, got "${pair}"`);
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else {
      usage(command, `unknown argument "${arg}"`);
    }
  }
  return context;
}

function usageLine(command: string): string {
  return `usage: npm run ${command} -- [-c env=dev|staging|prod] [-c config=PATH]`;
}

function usage(command: string, problem: string): never {
  console.error(`${problem}\n${usageLine(command)}`);
  process.exit(2);
}
