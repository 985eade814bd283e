#!/usr/bin/env node
import { createPlatformApp } from '../lib/app';
// Entry point for the CDK CLI (cdk.json "app"): `npx cdk synth -c env=prod`, `cdk diff`, `cdk deploy`.
import { ConfigError } from '../lib/config/errors';

try {
  createPlatformApp().app.synth();
} catch (error) {
  // A config mistake is the user's to fix: print what is wrong, not a stack trace.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
