import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { executionHandle } from '../../client/execution-handle';
import { executionLogs, followLogs } from '../../client/execution-logs';
import { connectClient, withTimeout, workerPolls } from '../../client/executions';
import { loadConfig } from '../../config';
import type { LogEntry } from '../../workflow/interpreter/execution';
import { formatLog, toStderr, toStdout } from '../output';

/** A worker answers a query in milliseconds; past this, something is wrong (a worker that just died). */
const ANSWER_WITHIN_MS = 30_000;

export function configureLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("print an execution's logs; --follow keeps printing new lines until it ends")
    .argument('<executionId>', 'the execution id (as `tflow run` printed it)')
    .option('-f, --follow', 'keep printing new lines until the execution ends')
    .action(async (executionId: string, options: { follow?: boolean }) => {
      const client = await connectClient(loadConfig());
      try {
        const handle = executionHandle(client, executionId);
        // A clear error for an unknown id, before any query (which would only time out).
        const description = await handle.describe().catch((error: unknown) => {
          throw error instanceof WorkflowNotFoundError ? new Error(`no execution '${executionId}'`) : error;
        });
        const running = description.status.name === 'RUNNING';
        if (!(await workerPolls(handle, description.taskQueue))) {
          const queue = description.taskQueue;
          const hint = `the logs come from the execution's workflow: start a worker on task queue '${queue}' (TFLOW_TASK_QUEUE=${queue} npx tflow worker)`;
          if (!(options.follow && running)) throw new Error(`no worker answers for ${executionId}: ${hint}`);
          toStderr(`note: no worker has the execution yet; waiting for one (${hint})`);
        }
        const print = (entry: LogEntry) => toStdout(formatLog(entry));
        if (options.follow) await followLogs(handle, print);
        else (await withTimeout(executionLogs(handle), ANSWER_WITHIN_MS)).logs.forEach(print);
      } finally {
        await client.connection.close();
      }
    });
}
