#!/usr/bin/env node
// Entry point for the CDK CLI (cdk.json "app"): `npx cdk synth -c env=prod`, `cdk diff`, `cdk deploy`.
import { loadConfigForApp } from '../lib/app-config';
import { ConfigError } from '../lib/config/errors';

try {
  // The config first, and aws-cdk-lib (about 0.5 s to load) only once it is valid: a config
  // mistake is reported at once.
  const { config, file, warnings } = loadConfigForApp();
  for (const w of warnings) console.error(`${file}: warning: ${w.path}: ${w.message}`);
  const { createPlatformApp } = require('../lib/app') as typeof import('../lib/app');
  const assembly = createPlatformApp({ config }).app.synth();
  // AWS limits (lib/limits/catalogue.ts): stop `cdk deploy` before CreateStack would fail on one.
  const { checkAssemblyLimits } = require('../lib/limits/check') as typeof import('../lib/limits/check');
  const limits = checkAssemblyLimits(config, assembly.stacks);
  for (const warning of limits.warnings) console.error(`warning: ${warning}`);
  if (limits.errors.length > 0) {
    console.error(limits.errors.map((e) => `error: ${e}`).join('\n'));
    process.exit(1);
  }
} catch (error) {
  // A config mistake is the user's to fix: print what is wrong, not a stack trace.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
