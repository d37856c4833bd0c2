/**
 * The benchmark table: printed by `npm run bench` for the rows it ran, and kept in bench/results.md
 * for every row. A run of some benchmarks (`npm run bench copy-in`) replaces their rows, by
 * benchmark name, and keeps the others with the date and machine they were measured on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

const COLUMNS = ['benchmark', 'tflow', 'baseline', 'ratio', 'target', 'met', 'measured'] as const;
const TITLE = '# tflow benchmarks';
const PREAMBLE =
  'Medians of several runs (min, max). Each row says when and on what machine it was measured: ' +
  '`npm run bench <name>…` measures some benchmarks again and keeps the other rows.';

export const RESULTS_FILE = join(__dirname, '..', '..', 'bench', 'results.md');

/** This run's date and machine: `2026-12-07, 2 × AMD EPYC, 24 GiB, Node v20.20.2`. */
export function measuredHere(): string {
  return `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** The Markdown table of this run's rows, as `npm run bench` prints it. */
export function renderTable(rows: readonly BenchRow[], measured = measuredHere()): string {
  return tableLines(rows.map((row) => cellsOf(row, measured))).join('\n');
}

/**
 * Puts this run's rows into the results file: a row whose benchmark is already there is replaced
 * in place, a new one is added at the end; the other rows, and the notes after the table, stay.
 */
export function writeResults(rows: readonly BenchRow[], file = RESULTS_FILE, measured = measuredHere()): string {
  const { table, notes } = existsSync(file) ? parseResults(readFileSync(file, 'utf8')) : { table: [], notes: '' };
  for (const row of rows) {
    const cells = cellsOf(row, measured);
    const index = table.findIndex((kept) => kept[0] === cells[0]);
    if (index >= 0) table[index] = cells;
    else table.push(cells);
  }
  writeFileSync(file, [TITLE, '', PREAMBLE, '', ...tableLines(table), ...(notes ? ['', notes] : []), ''].join('\n'));
  return file;
}

function cellsOf(row: BenchRow, measured: string): string[] {
  const met = row.met === undefined ? '–' : row.met ? 'yes' : 'no';
  return [row.benchmark, row.tflow, row.baseline, row.ratio, row.target, met, measured];
}

function tableLines(table: readonly string[][]): string[] {
  // A `|` inside a cell (`curl | gunzip`) would split it: Markdown wants it escaped.
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...table.map(line)];
}

/** The table's rows (cells as written, padding trimmed) and whatever text follows the table. */
function parseResults(markdown: string): { table: string[][]; notes: string } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start < 0) return { table: [], notes: '' };
  const header = splitRow(lines[start]);
  if (header.join() !== COLUMNS.join()) {
    throw new Error(`bench/results.md: expected the columns ${COLUMNS.join(', ')}, found ${header.join(', ')}; fix the file by hand`);
  }
  let end = start + 1;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const table = lines.slice(start + 2, end).map(splitRow);
  return { table, notes: lines.slice(end).join('\n').trim() };
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}
