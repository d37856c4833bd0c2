/**
 * `npm run bench [name…]`: every benchmark (or the named ones), printed as one Markdown table; their
 * rows replace the same rows in bench/results.md, whose other rows stay.
 * Each figure comes with a baseline measured in the same run.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { devServerOwnership } from '../src/temporal/dev-server';
import { benchActivityLatency } from './activity-latency';
import { benchActivityLoop } from './activity-loop';
import { benchApiThroughput } from './api-throughput';
import { benchColdStart } from './cold-start';
import { benchBurst } from './burst';
import { benchCopyIn } from './copy-in';
import { benchCopyInS3 } from './copy-in-s3';
import { benchExpressions } from './expressions';
import { benchFanOut } from './fan-out';
import { benchForEachItem } from './for-each-item';
import { benchMemory } from './memory';
import { benchOrchestration } from './orchestration';
import { benchPipeline } from './pipeline';
import { benchTaxiYear } from './taxi-year';
import { type BenchRow, renderTable, writeResults } from './results';
import { benchUiFirstLoad } from './ui-first-load';
import { benchValidation } from './validation';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // Benchmarks start the dev server when none answers; that one is stopped at the end, another is left running.
  const { stateDir, temporalAddress } = loadConfig();
  const devServer = await devServerOwnership(stateDir, temporalAddress);
  try {
    await runBenchmarks();
  } finally {
    if (await devServer.stopIfStarted()) console.error(`stopped the Temporal dev server the benchmarks started on ${temporalAddress}`);
  }
}

async function runBenchmarks(): Promise<void> {
  const only = process.argv.slice(2);
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  const rows: BenchRow[] = [];
  if (wanted('expressions')) rows.push(benchExpressions());
  if (wanted('validation')) rows.push(benchValidation());
  if (wanted('orchestration')) rows.push(...(await benchOrchestration()));
  if (wanted('activity-latency')) rows.push(...(await benchActivityLatency()));
  if (wanted('cold-start')) rows.push(...(await benchColdStart()));
  if (wanted('fan-out')) rows.push(...(await benchFanOut()));
  if (wanted('for-each-item')) rows.push(...(await benchForEachItem()));
  if (wanted('activity-loop')) rows.push(...(await benchActivityLoop()));
  if (wanted('copy-in')) rows.push(...(await benchCopyIn()));
  if (wanted('copy-in-s3')) rows.push(...(await benchCopyInS3()));
  if (wanted('pipeline')) rows.push(...(await benchPipeline()));
  if (wanted('taxi-year')) rows.push(...(await benchTaxiYear()));
  if (wanted('memory')) rows.push(...(await benchMemory()));
  if (wanted('api-throughput')) rows.push(...(await benchApiThroughput()));
  if (wanted('burst')) rows.push(...(await benchBurst()));
  if (wanted('ui-first-load')) rows.push(...(await benchUiFirstLoad()));
  console.log(renderTable(rows));
  console.error(`written to ${writeResults(rows)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
