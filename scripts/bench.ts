// `npm run bench`: how long the main job and the test suite take here, and how much memory they need.
//
// Prints the median wall time and the peak resident memory of
//   1. synthesizing every stack of one environment (a fresh process each run, as `npm run synth` does,
//      compliance packs and CDK's built-in validation on), and
//   2. the whole test suite (`vitest run`),
// each over several runs. Peak memory is the largest sum of VmRSS over the process tree, sampled from
// /proc every 20 ms (Linux only), because vitest and the CDK spawn children that `process.resourceUsage()`
// of this process does not see.
//
//   3. synthesizing the dev platform with 1, 100, 300 and 1,000 generated registered services (compliance
//      packs off: packages/platform/scripts/synth-scale.ts), one run each, with the largest template
//      (resources, bytes): registering a service must add nothing to the api stack.
//
// Options: --env NAME (default dev), --synth-runs N (default 5), --test-runs N (default 3), --skip-tests,
// --scale LIST (default 1,100,300,1000; `none` to skip).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const env = option('env', 'dev');
const synthRuns = Number(option('synth-runs', '5'));
const testRuns = Number(option('test-runs', '3'));

interface Run {
  readonly seconds: number;
  readonly peakMiB: number;
  readonly code: number | null;
  /** What the command printed on stdout. */
  readonly stdout: string;
}

function treeRssKiB(rootPid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      rss.set(Number(entry), Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended between readdir and read: it holds no memory any more.
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function measure(command: string, argv: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    let peak = 0;
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treeRssKiB(child.pid));
    }, 20);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        peakMiB: peak / 1024,
        code,
        stdout,
      });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function bench(
  label: string,
  runs: number,
  command: string,
  argv: string[],
  cwd: string,
): Promise<void> {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await measure(command, argv, cwd);
    if (run.code !== 0) throw new Error(`${label}: run ${i + 1} exited with ${run.code}`);
    results.push(run);
    process.stderr.write(
      `  ${label} run ${i + 1}/${runs}: ${run.seconds.toFixed(2)} s, ${run.peakMiB.toFixed(0)} MiB\n`,
    );
  }
  const secs = results.map((r) => r.seconds);
  console.log(
    `${label.padEnd(34)} median ${median(secs).toFixed(2)} s  (min ${Math.min(...secs).toFixed(2)}, max ${Math.max(...secs).toFixed(2)}, n=${runs})  peak ${Math.max(...results.map((r) => r.peakMiB)).toFixed(0)} MiB`,
  );
}

async function main(): Promise<void> {
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
  console.log(`node ${process.version}, ${require('node:os').cpus().length} cores`);
  await bench(
    `synth ${env} (all stacks)`,
    synthRuns,
    tsx,
    ['scripts/synth.ts', '-c', `env=${env}`],
    path.join(root, 'packages', 'platform'),
  );
  if (!args.includes('--skip-tests')) {
    await bench('test suite (vitest run)', testRuns, vitest, ['run'], root);
  }
  const scale = option('scale', '1,100,300,1000');
  if (scale !== 'none') await benchScale(tsx, scale.split(',').map(Number));
}

/** One synthesis per registry size, in a fresh process: wall time, peak memory, largest template. */
async function benchScale(tsx: string, counts: readonly number[]): Promise<void> {
  console.log(
    '\nservices  stacks  synth s  peak MiB  most resources (stack)                      largest bytes (stack)',
  );
  for (const count of counts) {
    const run = await measure(
      tsx,
      ['scripts/synth-scale.ts', String(count)],
      path.join(root, 'packages', 'platform'),
    );
    if (run.code !== 0) throw new Error(`synth with ${count} services exited with ${run.code}`);
    const r = JSON.parse(run.stdout.trim().split('\n').pop() as string) as {
      stacks: number;
      mostResources: { stack: string; resources: number };
      largestBytes: { stack: string; bytes: number };
    };
    console.log(
      `${String(count).padStart(8)}  ${String(r.stacks).padStart(6)}  ${run.seconds.toFixed(1).padStart(7)}  ${run.peakMiB.toFixed(0).padStart(8)}  ${`${r.mostResources.resources} (${r.mostResources.stack})`.padEnd(44)}${r.largestBytes.bytes} (${r.largestBytes.stack})`,
    );
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
