/**
 * The workflow thread's CPU per execution (issue 20, docs/performance.md "Bursts"): replays one
 * recorded history many times in this process, each copy as a new execution (so, as on a busy
 * worker, each loads its own instance of the bundle's modules), and divides the process's CPU time
 * by the copies. Five copies run first, untimed, to warm the worker.
 *
 * `node dist/bench/replay-cpu.js [bundle] [history] [copies]` — defaults: dist/workflow-bundle.js,
 * test/histories/hello_world_v2.json (one small execution), 100. Give another build's bundle to
 * compare two versions on the same machine, one after the other. bench/burst-history.json is one
 * execution of `npm run bench burst`'s flow as it runs today (Flow-trigger lookup included):
 * `node dist/bench/replay-cpu.js "" bench/burst-history.json 200`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const ROOT = join(__dirname, '..', '..');

async function replayCopies(bundle: string, historyFile: string, copies: number, tag: string): Promise<void> {
  const history = historyFromJSON(JSON.parse(readFileSync(historyFile, 'utf8')));
  const items = Array.from({ length: copies }, (_, index) => ({ workflowId: `${tag}-${index}`, history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundle } }, items)) {
    if (result.error) throw result.error;
  }
}

async function main(): Promise<void> {
  // An empty argument takes the default too (`"" 200`: the default bundle and history, 200 copies).
  const [bundleArg, historyArg, count] = process.argv.slice(2);
  const bundle = bundleArg || join(ROOT, 'dist', 'workflow-bundle.js');
  const historyFile = historyArg || join(ROOT, 'test', 'histories', 'hello_world_v2.json');
  const copies = Number(count || 100);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  await replayCopies(bundle, historyFile, 5, 'warm-up');
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  await replayCopies(bundle, historyFile, copies, 'copy');
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      bundle,
      copies,
      cpuMsPerExecution: Number(((cpu.user + cpu.system) / 1000 / copies).toFixed(1)),
      wallMsPerExecution: Number(((Date.now() - started) / copies).toFixed(1)),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
