import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createPlatformApp } from '../../lib/app';
import { configFor } from '../../test/helpers/synth';
for (const env of ['staging', 'dev', 'prod'] as const) {
  const p = createPlatformApp({ config: configFor(env), outdir: mkdtempSync(path.join(tmpdir(), 'p-')), builtinCloudFormationValidation: false, compliance: true, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, 'aws:cdk:disable-creation-stack-traces': true } });
  const c0 = process.cpuUsage(); const t = performance.now(); const r0 = process.resourceUsage();
  p.app.synth();
  const c = process.cpuUsage(c0);
  console.log(env, Math.round(performance.now() - t), 'ms wall', Math.round((c.user + c.system) / 1000), 'ms cpu (node only)');
}
