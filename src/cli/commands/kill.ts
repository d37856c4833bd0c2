import type { Command } from 'commander';
import { connectClient, executionResult, killExecution } from '../../client/executions';
import { executionHandle } from '../../client/execution-handle';
import { loadConfig } from '../../config';
import { toStdout } from '../output';

/** How long `tflow kill` waits to report the final state; the kill itself does not depend on it. */
const REPORT_WITHIN_MS = 15_000;

export function configureKillCommand(program: Command): void {
  program
    .command('kill')
    .description('kill a running or paused execution: its running tasks are cancelled and it ends KILLED')
    .argument('<executionId>', 'the execution id (as `tflow run` printed it)')
    .action(async (executionId: string) => {
      const client = await connectClient(loadConfig());
      try {
        const handle = executionHandle(client, executionId);
        await killExecution(handle);
        const final = await Promise.race([
          executionResult(handle).then((e) => e.state),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), REPORT_WITHIN_MS).unref()),
        ]);
        toStdout(final ? `Execution ${executionId}: ${final}` : `Execution ${executionId}: kill requested (no worker has confirmed yet)`);
      } finally {
        await client.connection.close();
      }
    });
}
