import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { type ExecutionSummary, flowFilter, listExecutions } from '../../client/execution-list';
import { executionHandle } from '../../client/execution-handle';
import { connectClient, currentExecution } from '../../client/executions';
import { loadConfig } from '../../config';
import { EXECUTION_STATES, type Execution, type State } from '../../workflow/interpreter/execution';
import { printExecutionSummary, printTable, toStdout, UsageError } from '../output';

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
    .option('--limit <n>', 'at most n executions', positiveInteger, 50)
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
    .action(async (executionId: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const execution = await readExecution(client, executionId);
        if (options.json) return toStdout(JSON.stringify(execution, null, 2));
        printExecution(execution);
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

function printExecution(execution: Execution): void {
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
  printExecutionSummary(execution, toStdout);
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

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--limit expects a positive integer, got '${value}'`);
  return n;
}
