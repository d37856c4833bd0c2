import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  benchmark: string;
  tflow: string;
  baseline: string;
  /** e.g. "1.08× (time)" — whether the ratio is of times or of rates is always said. */
  ratio: string;
  target: string;
  met?: boolean;
}

/** The Markdown table `npm run bench` prints and writes to bench/results.md. */
export function renderTable(rows: readonly BenchRow[]): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; medians of several runs (min, max).`,
    '',
    '| benchmark | tflow | baseline | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.benchmark} | ${r.tflow} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === undefined ? '–' : r.met ? 'yes' : 'no'} |`,
    ),
  ];
  return lines.join('\n');
}

export function writeResults(markdown: string): string {
  const file = join(__dirname, '..', '..', 'bench', 'results.md');
  writeFileSync(file, `# tflow benchmarks\n\n${markdown}\n`);
  return file;
}
