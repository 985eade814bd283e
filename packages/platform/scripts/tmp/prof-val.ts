import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createPlatformApp } from '../../lib/app';
import { configFor } from '../../test/helpers/synth';
for (const v of [true, true, false]) {
  const p = createPlatformApp({ config: configFor('dev'), outdir: mkdtempSync(path.join(tmpdir(), 'p-')), builtinCloudFormationValidation: v, compliance: false, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true } });
  const c0 = process.cpuUsage(); const t = performance.now();
  p.app.synth();
  const c = process.cpuUsage(c0);
  console.log('validation', v, Math.round(performance.now() - t), 'ms wall', Math.round((c.user + c.system) / 1000), 'ms cpu');
}
