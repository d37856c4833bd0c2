import { basename } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { fetchExecutionHistory, readHistoryFile, replayHistory } from '../../client/replay';
import { loadConfig } from '../../config';
import { toStderr, toStdout, UsageError } from '../output';

export function configureReplayCommand(program: Command): void {
  program
    .command('replay')
    .description("replay an execution's history against today's workflow code: exit 0 when deterministic, else exit 1 with the divergence")
    .argument('[executionId]', 'an execution on the Temporal server (running or ended)')
    .option('--history <file.json>', "a history file instead (`temporal workflow show --output json`, or the Web UI's download)")
    .action(async (executionId: string | undefined, options: { history?: string }) => {
      if (Boolean(executionId) === Boolean(options.history))
        throw new UsageError('replay expects an execution id or --history <file.json> (one of them)');
      let history;
      let name: string;
      if (options.history) {
        history = readHistoryFile(options.history);
        name = basename(options.history);
      } else {
        name = executionId as string;
        const client = await connectClient(loadConfig());
        try {
          history = await fetchExecutionHistory(client, name);
        } catch (error) {
          throw error instanceof WorkflowNotFoundError ? new Error(`no execution '${name}'`) : error;
        } finally {
          await client.connection.close();
        }
      }
      const outcome = await replayHistory(history, name);
      if (outcome.divergence === undefined) {
        toStdout(`replayed ${outcome.events} events: deterministic`);
        return;
      }
      toStderr(`${name}: replay of ${outcome.events} events diverged from today's workflow code:`);
      toStderr(outcome.divergence);
      process.exitCode = 1;
    });
}
