import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stage } from 'aws-cdk-lib';
import { DEV_STACKS, type ServiceStack } from '../service-stack';
import type { Template } from './describe';
import { DevInputError } from './values';

/** Options of {@link loadServiceStack}. */
export interface LoadAppOptions {
  /** The service repository (where `cdk.json` is). */
  readonly root: string;
  /** The platform environment, passed as the `env` context value (`cdk synth -c env=…`). */
  readonly env: string;
  /**
   * The app's entry file, relative to `root`.
   * @default - the file in `cdk.json`'s `app` command
   */
  readonly app?: string;
  /**
   * The construct id or stack name of the stack to serve, when the app has several.
   * @default - the app's only ServiceStack
   */
  readonly stack?: string;
}

/** The service stack of an app and its synthesized template. */
export interface LoadedStack {
  readonly stack: ServiceStack;
  readonly template: Template;
  /**
   * The service's own source files the app loaded (the entry and what it imports, outside
   * node_modules): a change to one of them changes the stack.
   */
  readonly sources: readonly string[];
}

/**
 * Runs the service's CDK app in this process, as `cdk synth -c env=…` would but without bundling
 * (the dev server bundles each function itself) and without CDK's built-in CloudFormation
 * validation (`cdk synth` still runs it), and returns its ServiceStack synthesized. Called again,
 * it loads the service's own files afresh, so a changed stack file is read again.
 */
export function loadServiceStack(options: LoadAppOptions): LoadedStack {
  const cdkJson = readCdkJson(options.root);
  const entry = path.resolve(options.root, options.app ?? appEntry(cdkJson, options.root));
  if (!fs.existsSync(entry))
    throw new DevInputError(`the app entry ${entry} does not exist; pass --app <file>`);
  process.env.CDK_CONTEXT_JSON = JSON.stringify({
    ...(cdkJson.context ?? {}),
    env: options.env,
    // The dev server bundles with esbuild in watch mode; synthesis need not bundle at all.
    'aws:cdk:bundling-stacks': [],
  });
  const ownFile = serviceFileTest(options.root);
  // Node caches modules: without this, a second load would run the stack file as first read.
  for (const file of Object.keys(require.cache)) if (ownFile(file)) delete require.cache[file];
  const registry = globalThis as { [DEV_STACKS]?: ServiceStack[] };
  registry[DEV_STACKS] = [];
  const validation = process.env.CDK_VALIDATION;
  // The built-in validation (a WebAssembly rule engine) took 8 of the 10 s of a start; the dev
  // server reads routes and environments, which it does not check. Set before the app runs, for
  // an app that calls app.synth() itself.
  process.env.CDK_VALIDATION = 'false';
  try {
    // tsx compiles the app's TypeScript on the fly (as `npx tsx bin/app.ts` in cdk.json does).
    const tsx = require('tsx/cjs/api') as { register(): () => void };
    const unregister = tsx.register();
    try {
      require(entry);
    } finally {
      unregister();
    }
    const stacks = registry[DEV_STACKS];
    const stack = chooseStack(stacks, options);
    const app = stack.node.root;
    if (!Stage.isStage(app)) throw new Error(`the root of ${stack.node.path} is not a CDK App`);
    const assembly = app.synth();
    return {
      stack,
      template: assembly.getStackByName(stack.stackName).template as Template,
      sources: Object.keys(require.cache).filter(ownFile),
    };
  } finally {
    delete registry[DEV_STACKS];
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  }
}

/** Whether a loaded module is one of the service's own files (under `root`, not in node_modules). */
function serviceFileTest(root: string): (file: string) => boolean {
  const dirs = [...new Set([path.resolve(root), fs.realpathSync(root)])].map((d) => d + path.sep);
  return (file) => dirs.some((d) => file.startsWith(d)) && !file.split(path.sep).includes('node_modules');
}

/**
 * Calls `onChange` (once per burst of writes) when one of `files` is written, created or replaced.
 * Watches their directories rather than the files, so an editor that saves by renaming a new file
 * over the old one is still seen. Returns the function that stops watching.
 */
export function watchFiles(files: readonly string[], onChange: (changed: string[]) => void): () => void {
  const wanted = new Set(files);
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watchers = [...new Set(files.map((f) => path.dirname(f)))].map((dir) =>
    fs.watch(dir, (_event, name) => {
      const file = name ? path.join(dir, name.toString()) : undefined;
      if (!file || !wanted.has(file)) return;
      changed.add(file);
      clearTimeout(timer);
      // Editors write a file in several steps; one reload for all of them.
      timer = setTimeout(() => {
        const batch = [...changed];
        changed.clear();
        onChange(batch);
      }, 100);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

function readCdkJson(root: string): { app?: string; context?: Record<string, unknown> } {
  const file = path.join(root, 'cdk.json');
  if (!fs.existsSync(file)) {
    throw new DevInputError(
      `${root} has no cdk.json: run shared-lambda dev in the service repository, or pass --app <file>`,
    );
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DevInputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The entry file in an `app` command like `npx tsx bin/app.ts` or `npx ts-node --prefer-ts-exts bin/app.ts`. */
function appEntry(cdkJson: { app?: string }, root: string): string {
  const file = cdkJson.app?.split(/\s+/).find((part) => /\.(m|c)?(t|j)s$/.test(part));
  if (!file) {
    throw new DevInputError(
      `${path.join(root, 'cdk.json')} "app" is ${JSON.stringify(cdkJson.app)}: no .ts or .js entry file in it; pass --app <file>`,
    );
  }
  return file;
}

function chooseStack(stacks: ServiceStack[], options: LoadAppOptions): ServiceStack {
  if (stacks.length === 0) {
    throw new DevInputError(
      'the app creates no ServiceStack: shared-lambda dev serves the routes of a ServiceStack',
    );
  }
  if (options.stack) {
    const found = stacks.find((s) => s.node.id === options.stack || s.stackName === options.stack);
    if (found) return found;
  } else if (stacks.length === 1) {
    return stacks[0] as ServiceStack;
  }
  const names = stacks.map((s) => `${s.node.id} (${s.stackName})`).join(', ');
  throw new DevInputError(
    options.stack
      ? `--stack ${options.stack}: the app has no such ServiceStack; it has ${names}`
      : `the app has ${stacks.length} ServiceStacks (${names}); choose one with --stack <id>`,
  );
}
