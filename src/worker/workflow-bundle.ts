/**
 * The workflow code a worker loads. `npm run build` bundles src/workflow once (webpack) into
 * dist/workflow-bundle.js; workers load that file instead of bundling at every start, which saves
 * seconds of startup and a few hundred MB of worker memory. A bundle older than the compiled
 * workflow code is ignored, so a stale bundle can never run.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type BundleOptions, type WorkerOptions } from '@temporalio/worker';

const COMPILED_SOURCES = join(__dirname, '..');
const WORKFLOW_BUNDLE = join(__dirname, '..', '..', 'workflow-bundle.js');

/** `workflowBundle` when a fresh prebuilt bundle exists, else `workflowsPath` (bundled at start, same options). */
export function workflowCodeOptions(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (existsSync(WORKFLOW_BUNDLE) && statSync(WORKFLOW_BUNDLE).mtimeMs >= newestModification(COMPILED_SOURCES)) {
    return { workflowBundle: { codePath: WORKFLOW_BUNDLE } };
  }
  return { workflowsPath: require.resolve('../workflow'), bundlerOptions: BUNDLER_OPTIONS };
}

const BUNDLER_OPTIONS = {
  /**
   * Each workflow gets its own instance of every module of the bundle, so every execution would
   * unpack js-joda's whole time-zone database again (~60 ms of the workflow thread, most of an
   * execution's own CPU). These two are stateless once loaded (zone data and immutable date
   * classes), so they are loaded once per worker and shared; @js-joda/timezone patches
   * @js-joda/core as it loads, so both go together. zod is shared the same way through
   * src/workflow/shared-zod.ts, which settles zod's lazily set global state before the SDK freezes
   * it (a bare 'zod' here would not do: the package declares itself free of side effects, so webpack
   * drops an import whose value is unused).
   */
  preloadModules: ['@js-joda/core', '@js-joda/timezone', require.resolve('../workflow/shared-zod')],
  /**
   * The SDK bundles with a full inline source map (every column, every source file's text: 6 MB of
   * the 9.6 MB bundle). Every worker parses it on the main thread and again in its workflow thread,
   * which costs ~65 MB of RSS at start and ~50 MB for good. A line-level map without the sources'
   * text (0.4 MB) still turns workflow stack traces into file:line of the TypeScript.
   */
  webpackConfigHook: (config) => ({ ...config, devtool: 'inline-nosources-cheap-module-source-map' }),
} satisfies Pick<BundleOptions, 'preloadModules' | 'webpackConfigHook'>;

function newestModification(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestModification(path));
    else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Writes dist/workflow-bundle.js (run by `npm run build`). */
export async function writeWorkflowBundle(): Promise<void> {
  const silent = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflow'), logger: silent, ...BUNDLER_OPTIONS });
  writeFileSync(WORKFLOW_BUNDLE, code);
}

if (require.main === module) {
  writeWorkflowBundle().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
