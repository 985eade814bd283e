// `tsx scripts/synth-scale.ts N`: synthesizes the dev platform with N generated registered services,
// compliance packs and CDK's built-in validation OFF (they cost minutes at 1,000 stacks and check rules,
// not size), and prints one JSON line: the number of stacks and the largest template by resources and
// by bytes. `npm run bench` runs it for 1, 100, 300 and 1,000 services and measures wall time and
// peak memory around it; the scale test asserts the CloudFormation limits with the same function.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { unattendedApp } from '../lib/app';
import { CONFIG_DIR, parsePlatformConfig } from '../lib/config/load';
import type { PlatformConfig } from '../lib/config/schema';
import { buildPlatform } from '../lib/platform';

/** The largest template of a synthesized assembly. */
export interface ScaleResult {
  /** Registered services. */
  readonly services: number;
  /** Stacks synthesized. */
  readonly stacks: number;
  /** The stack with the most resources, and how many. */
  readonly mostResources: { readonly stack: string; readonly resources: number };
  /** The stack with the largest template, and its size in bytes. */
  readonly largestBytes: { readonly stack: string; readonly bytes: number };
  /** The api stack's template, to compare across registry sizes. */
  readonly apiTemplate: string;
  /** Guard Hooks in the guard stack (one per 50 services: a hook's `StackRoles` filter takes 50). */
  readonly guardHooks: number;
}

/** The "Resources per API" quota the scale runs assume (raised from 300 through Service Quotas). */
export const SCALE_RESOURCES_PER_API = 2000;

/**
 * config/dev.yaml with `count` generated services (`svc0000`…) and the resources-per-API quota
 * raised to {@link SCALE_RESOURCES_PER_API} whatever the count, so the api stack's own config is
 * the same at every registry size.
 */
export function scaleConfig(count: number): PlatformConfig {
  const raw = parse(readFileSync(path.join(CONFIG_DIR, 'dev.yaml'), 'utf8')) as Record<string, unknown>;
  const services = Array.from({ length: count }, (_, i) => ({
    name: `svc${String(i).padStart(4, '0')}`,
    repository: `acme/svc-${i}`,
    basePath: `svc${i}`,
  }));
  const api = { ...(raw.api as object), quotas: { resourcesPerApi: SCALE_RESOURCES_PER_API } };
  return parsePlatformConfig({ ...raw, api, services }, `config/dev.yaml with ${count} services`);
}

/** Synthesizes the platform with `count` services (no compliance packs) and measures its templates. */
export function synthScale(count: number): ScaleResult {
  const outdir = mkdtempSync(path.join(tmpdir(), 'platform-scale-'));
  try {
    const app = unattendedApp(outdir);
    const stacks = buildPlatform(app, scaleConfig(count));
    const assembly = app.synth();
    let mostResources = { stack: '', resources: 0 };
    let largestBytes = { stack: '', bytes: 0 };
    let guardHooks = 0;
    for (const artifact of assembly.stacks) {
      const json = readFileSync(path.join(assembly.directory, artifact.templateFile), 'utf8');
      const template = JSON.parse(json) as { Resources: Record<string, { Type: string }> };
      const resources = Object.keys(template.Resources).length;
      guardHooks += Object.values(template.Resources).filter(
        (r) => r.Type === 'AWS::CloudFormation::GuardHook',
      ).length;
      if (resources > mostResources.resources) mostResources = { stack: artifact.stackName, resources };
      const bytes = Buffer.byteLength(json);
      if (bytes > largestBytes.bytes) largestBytes = { stack: artifact.stackName, bytes };
    }
    const api = assembly.getStackByName(stacks.api.stackName);
    return {
      services: count,
      stacks: assembly.stacks.length,
      mostResources,
      largestBytes,
      apiTemplate: readFileSync(path.join(assembly.directory, api.templateFile), 'utf8'),
      guardHooks,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count < 0) {
    console.error(
      `usage: tsx scripts/synth-scale.ts N (a number of services), got "${process.argv[2] ?? ''}"`,
    );
    process.exit(2);
  }
  const { apiTemplate: _api, ...result } = synthScale(count);
  console.log(JSON.stringify(result));
}
