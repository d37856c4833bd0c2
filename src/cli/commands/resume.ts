import type { Command } from 'commander';
import { connectClient, resumeExecution, ResumeRefusedError } from '../../client/executions';
import { executionHandle } from '../../client/execution-handle';
import { loadConfig } from '../../config';
import { collect, parsePairs, toStderr, toStdout } from '../output';

export function configureResumeCommand(program: Command): void {
  program
    .command('resume')
    .description("resume a PAUSED execution, giving its Pause tasks' onResume inputs")
    .argument('<executionId>', 'the execution id (as `tflow run` printed it)')
    .option('-i, --input <key=value>', 'an onResume input value (repeatable)', collect, [])
    .action(async (executionId: string, options: { input: string[] }) => {
      const client = await connectClient(loadConfig());
      try {
        const resumed = await resumeExecution(executionHandle(client, executionId), parsePairs(options.input, '--input'));
        toStdout(`Execution ${executionId} resumed (${resumed.join(', ')})`);
      } catch (error) {
        if (!(error instanceof ResumeRefusedError)) throw error;
        toStderr(`tflow: cannot resume ${executionId}: ${error.message}`);
        process.exitCode = 1;
      } finally {
        await client.connection.close();
      }
    });
}
