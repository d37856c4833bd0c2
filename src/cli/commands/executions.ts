import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { type ExecutionSummary, flowFilter, listExecutions } from '../../client/execution-list';
import { executionHandle } from '../../client/execution-handle';
import { connectClient, currentExecution } from '../../client/executions';
import { loadConfig } from '../../config';
import { EXECUTION_STATES, type Execution, type State } from '../../workflow/interpreter/execution';
import { printExecutionSummary, printTable, toStdout, UsageError } from '../output';
import {
  DEFAULT_TASK_RUN_PAGE_SIZE,
  knownTaskRunCount,
  MAX_EMBEDDED_TASK_RUNS,
  MAX_TASK_RUN_PAGE_SIZE,
  type TaskRunPage,
  taskRunPage,
} from '../../client/task-run-pages';

const STATES = EXECUTION_STATES;
/** How many executions `--json` reads at once (each is a query or a result fetch). */
const PARALLEL_READS = 4;

interface ListOptions {
  flow?: string;
  state?: string;
  limit: number;
  json?: boolean;
}

export function configureExecutionsCommand(program: Command): void {
  const executions = program.command('executions').description('executions: list, get');

  executions
    .command('list')
    .description('list executions from Temporal visibility: running ones first, then the latest ended')
    .option('--flow <flow>', "only this flow's (namespace.flowId or namespace/flowId)")
    .option('--state <state>', `only executions in this state (${STATES.join(', ')})`)
    .option('--limit <n>', 'at most n executions', positiveInteger('--limit'), 50)
    .option('--json', 'print the executions as a JSON array, each as `tflow run --json` prints one')
    .action(async (options: ListOptions) => {
      const state = options.state?.toUpperCase() as State | undefined;
      if (state && !STATES.includes(state)) throw new UsageError(`--state: unknown state '${options.state}' (one of ${STATES.join(', ')})`);
      if (options.flow && !/^[A-Za-z0-9._-]+[./][A-Za-z0-9._-]+$/.test(options.flow))
        throw new UsageError(`--flow expects namespace.flowId, got '${options.flow}'`);
      await withClient(async (client) => {
        const summaries = await listExecutions(
          client,
          { ...(options.flow ? flowFilter(options.flow) : {}), ...(state ? { states: [state] } : {}) },
          options.limit,
        );
        if (options.json) return toStdout(JSON.stringify(await readAll(client, summaries), null, 2));
        if (summaries.length === 0) return toStdout('No executions.');
        printTable(
          ['ID', 'FLOW', 'STATE', 'STARTED', 'DURATION'],
          summaries.map((s) => [s.id, `${s.namespace}.${s.flowId}`, s.state, s.startDate.slice(0, 19).replace('T', ' '), duration(s)]),
        );
      });
    });

  executions
    .command('get')
    .description('show an execution: its state, task runs and outputs (live while it runs)')
    .argument('<executionId>', 'the execution id (as `tflow run` or `tflow executions list` printed it)')
    .option('--json', 'print the execution as JSON, as `tflow run --json` does')
    .option('--page <n>', "show this page (from 1) of the task runs, a large ForEach's iterations included", positiveInteger('--page'))
    .option('--size <n>', `task runs per page (default ${DEFAULT_TASK_RUN_PAGE_SIZE}, at most ${MAX_TASK_RUN_PAGE_SIZE})`, positiveInteger('--size'))
    .action(async (executionId: string, options: { json?: boolean; page?: number; size?: number }) => {
      const size = options.size ?? DEFAULT_TASK_RUN_PAGE_SIZE;
      if (size > MAX_TASK_RUN_PAGE_SIZE) throw new UsageError(`--size: at most ${MAX_TASK_RUN_PAGE_SIZE}`);
      await withClient(async (client) => {
        const execution = await readExecution(client, executionId);
        // Too many task runs to show at once (or iterations in batches): one page of them.
        const paged =
          options.page !== undefined ||
          execution.taskRuns.length > MAX_EMBEDDED_TASK_RUNS ||
          knownTaskRunCount(execution) > execution.taskRuns.length;
        const page = options.page ?? 1;
        if (!paged) {
          if (options.json) return toStdout(JSON.stringify(execution, null, 2));
          return printExecution(execution);
        }
        const taskRuns = await taskRunPage(client, execution, page, size);
        if (options.json)
          return toStdout(
            JSON.stringify({ ...execution, taskRuns: taskRuns.taskRuns, taskRunsPage: { page, size, total: taskRuns.total } }, null, 2),
          );
        printExecution(execution, taskRuns);
        toStdout(pageLine(taskRuns, page, size));
      });
    });
}

async function withClient(work: (client: Client) => Promise<void>): Promise<void> {
  const client = await connectClient(loadConfig());
  try {
    await work(client);
  } finally {
    await client.connection.close();
  }
}

/** The execution, or a one-line error when there is none by that id. */
async function readExecution(client: Client, executionId: string): Promise<Execution> {
  try {
    return await currentExecution(executionHandle(client, executionId));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no execution '${executionId}'`);
    throw error;
  }
}

async function readAll(client: Client, summaries: ExecutionSummary[]): Promise<Execution[]> {
  const executions: Execution[] = new Array(summaries.length);
  let next = 0;
  const reader = async () => {
    while (next < summaries.length) {
      const index = next++;
      executions[index] = await readExecution(client, summaries[index].id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, summaries.length) }, reader));
  return executions;
}

/** Which task runs a page showed, and how to see the next. */
function pageLine({ taskRuns, total }: TaskRunPage, page: number, size: number): string {
  const first = (page - 1) * size;
  const shown =
    taskRuns.length > 0 ? `task runs ${first + 1}–${first + taskRuns.length} of ${total}` : `no task runs on page ${page} (${total} in all)`;
  return first + taskRuns.length < total ? `${shown}: --page ${page + 1} for the next ${size}` : shown;
}

function printExecution(execution: Execution, page?: TaskRunPage): void {
  toStdout(`Flow:    ${execution.namespace}.${execution.flowId} (revision ${execution.revision})`);
  toStdout(`Started: ${execution.startDate}${execution.endDate ? `, ended ${execution.endDate}` : ''}`);
  if (execution.attemptNumber)
    toStdout(
      `Attempt: ${execution.attemptNumber}${execution.originalId ? ` (retry of the chain started by ${execution.originalId})` : ' (restarted)'}`,
    );
  const inputs = Object.entries(execution.inputs);
  if (inputs.length > 0) toStdout(`Inputs:  ${inputs.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`);
  const labels = Object.entries(execution.labels);
  if (labels.length > 0) toStdout(`Labels:  ${labels.map(([k, v]) => `${k}:${v}`).join(', ')}`);
  printExecutionSummary(execution, toStdout, page?.taskRuns);
}

function duration(summary: ExecutionSummary): string {
  const end = summary.endDate ? Date.parse(summary.endDate) : Date.now();
  const seconds = Math.max(0, (end - Date.parse(summary.startDate)) / 1000);
  const text =
    seconds < 60
      ? `${seconds.toFixed(1)} s`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
        : `${(seconds / 3600).toFixed(1)} h`;
  return summary.endDate ? text : `${text}…`;
}

function positiveInteger(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} expects a positive integer, got '${value}'`);
    return n;
  };
}
