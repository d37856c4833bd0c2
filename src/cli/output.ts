/**
 * How the CLI prints: diagnostics, progress lines and the final execution.
 * With `--json`, stdout carries only JSON and everything else goes to stderr.
 */
import { type Diagnostic, formatDiagnostic } from '../compiler/diagnostics';
import type { Execution, LogEntry, TaskRun } from '../workflow/interpreter/execution';

export type Print = (line: string) => void;

export const toStdout: Print = (line) => process.stdout.write(`${line}\n`);
export const toStderr: Print = (line) => process.stderr.write(`${line}\n`);

export function printDiagnostics(diagnostics: readonly Diagnostic[], print: Print = toStderr): void {
  for (const d of diagnostics) print(formatDiagnostic(d));
}

const LEVEL_WIDTH = 5;

export function formatLog(entry: LogEntry): string {
  const time = entry.timestamp.slice(11, 23);
  return `${time} ${entry.level.padEnd(LEVEL_WIDTH)} ${entry.taskId ?? '-'}  ${entry.message}`;
}

export function formatTaskRun(taskRun: TaskRun): string {
  const value = taskRun.value !== undefined ? ` [${taskRun.value}]` : '';
  const attempts = taskRun.attempts > 1 ? ` after ${taskRun.attempts} attempts` : '';
  const error = taskRun.error ? `: ${taskRun.error}` : '';
  return `  ${taskRun.taskId}${value} ${taskRun.state}${attempts}${error}`;
}

/**
 * The human summary of a finished execution: state, task runs and their outputs, flow outputs.
 * `taskRuns` is a page of them when there are too many to print (`tflow executions get --page`).
 */
export function printExecutionSummary(execution: Execution, print: Print, taskRuns: readonly TaskRun[] = execution.taskRuns): void {
  const seconds = execution.endDate ? ` in ${((Date.parse(execution.endDate) - Date.parse(execution.startDate)) / 1000).toFixed(1)} s` : '';
  print(`Execution ${execution.id}: ${execution.state}${seconds}`);
  // A RETRIED execution's error names the execution that took over.
  if (execution.error && (execution.state === 'FAILED' || execution.state === 'RETRIED')) print(`  error: ${execution.error}`);
  print('Task runs:');
  for (const taskRun of taskRuns) {
    print(formatTaskRun(taskRun));
    for (const [key, value] of Object.entries(taskRun.outputs ?? {})) print(`      ${key} = ${JSON.stringify(value)}`);
  }
  if (Object.keys(execution.outputs).length > 0) {
    print('Outputs:');
    for (const [key, value] of Object.entries(execution.outputs)) print(`  ${key} = ${JSON.stringify(value)}`);
  }
}

/** A compact table: a header row, columns padded to their widest cell. */
export function printTable(header: string[], rows: string[][], print: Print = toStdout): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows])
    print(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}

/** `key=value` pairs from repeatable options. */
export function parsePairs(pairs: readonly string[], option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    if (index <= 0) throw new UsageError(`${option} expects key=value, got '${pair}'`);
    result[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return result;
}

/** A mistake in how a command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
