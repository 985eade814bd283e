import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const t0 = performance.now();

import { createPlatformApp } from '../../lib/app';
import { configFor } from '../../test/helpers/synth';

const t1 = performance.now();
console.log('import', (t1 - t0).toFixed(0));
for (const env of ['dev', 'dev', 'staging', 'prod'] as const) {
  const a = performance.now();
  const p = createPlatformApp({
    config: configFor(env),
    outdir: mkdtempSync(path.join(tmpdir(), 'p-')),
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const b = performance.now();
  p.app.synth();
  const c = performance.now();
  console.log(env, 'build', (b - a).toFixed(0), 'synth', (c - b).toFixed(0));
}
