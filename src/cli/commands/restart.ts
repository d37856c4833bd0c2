import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { RestartRefusedError, restartExecution } from '../../client/restart';
import { loadConfig } from '../../config';
import { loadDeployedFlow } from '../../flow-store/deploy';
import { FlowStore } from '../../flow-store/flow-store';
import { type Print, toStderr, toStdout, UsageError } from '../output';
import { followFlow } from './run';

interface RestartOptions {
  wait?: boolean;
  json?: boolean;
  revision?: string;
}

export function configureRestartCommand(program: Command): void {
  program
    .command('restart')
    .description('restart a FAILED or KILLED execution under the same id: task runs that succeeded keep their outputs, the others run again')
    .argument('<executionId>', 'the execution id (as `tflow run` printed it)')
    .option('--revision <n>', 'run this revision of the deployed flow (default: the flow the execution ran)')
    .option('--wait', 'follow the execution and exit 0 on SUCCESS or WARNING, 1 otherwise')
    .option('--json', 'with --wait, print the execution as JSON on stdout (progress goes to stderr)')
    .action(async (executionId: string, options: RestartOptions) => {
      const revision = options.revision === undefined ? undefined : Number(options.revision);
      if (revision !== undefined && !Number.isInteger(revision)) throw new UsageError(`--revision: expected an integer, got ${options.revision}`);
      const config = loadConfig();
      const client = await connectClient(config);
      let flowStore: FlowStore | undefined;
      try {
        const restarted = await restartExecution(client, config, executionId, {
          revision,
          loadDeployedFlow: (namespace, flowId, rev) =>
            loadDeployedFlow((flowStore ??= FlowStore.connect(config.databaseUrl)), `${namespace}/${flowId}`, rev),
        });
        const id = restarted.handle.workflowId;
        if (!options.wait) {
          toStdout(`Execution ${id} restarted (attempt ${restarted.attempt})`);
          return;
        }
        const print: Print = options.json ? toStderr : toStdout;
        print(`Execution ${id} restarted (attempt ${restarted.attempt})`);
        const execution = await followFlow(client, config, id, print);
        if (options.json) toStdout(JSON.stringify(execution, null, 2));
        process.exitCode = execution.state === 'SUCCESS' || execution.state === 'WARNING' ? 0 : 1;
      } catch (error) {
        if (!(error instanceof RestartRefusedError)) throw error;
        toStderr(`tflow: cannot restart ${executionId}: ${error.message}`);
        process.exitCode = 1;
      } finally {
        await flowStore?.close();
        await client.connection.close();
      }
    });
}
