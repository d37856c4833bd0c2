/**
 * The workflow code a worker loads. `npm run build` bundles src/workflows once (webpack) into
 * dist/workflow-bundle.js; workers load that file instead of bundling at every start, which saves
 * seconds of startup and a few hundred MB of worker memory. A bundle older than the compiled
 * workflow code is ignored, so a stale bundle can never run.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';

const COMPILED_SOURCES = join(__dirname, '..');
export const WORKFLOW_BUNDLE = join(__dirname, '..', '..', 'workflow-bundle.js');

/** `workflowBundle` when a fresh prebuilt bundle exists, else `workflowsPath` (bundled at start). */
export function workflowCodeOptions(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (existsSync(WORKFLOW_BUNDLE) && statSync(WORKFLOW_BUNDLE).mtimeMs >= newestModification(COMPILED_SOURCES)) {
    return { workflowBundle: { codePath: WORKFLOW_BUNDLE } };
  }
  return { workflowsPath: require.resolve('../workflows') };
}

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
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: silent });
  writeFileSync(WORKFLOW_BUNDLE, code);
}

if (require.main === module) {
  writeWorkflowBundle().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
