import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { connectClient, resumeExecution, ResumeRefusedError } from '../../client/executions';
import { executionHandle } from '../../client/execution-handle';
import { sealResumeSecrets, waitingResumeInputs } from '../../client/resume-inputs';
import { loadConfig, type TflowConfig } from '../../config';
import { storageFromConfig, uploadLocalFileInputs } from '../../storage';
import { collect, parsePairs, toStderr, toStdout } from '../output';

export function configureResumeCommand(program: Command): void {
  program
    .command('resume')
    .description("resume a PAUSED execution, giving its Pause tasks' onResume inputs")
    .argument('<executionId>', 'the execution id (as `tflow run` printed it)')
    .option(
      '-i, --input <key=value>',
      'an onResume input value (repeatable); for a FILE input, a local path (`key=./data.csv` or `key=@data.csv`) uploads the file',
      collect,
      [],
    )
    .action(async (executionId: string, options: { input: string[] }) => {
      const config = loadConfig();
      const client = await connectClient(config);
      try {
        const handle = executionHandle(client, executionId);
        const resumed = await resumeExecution(handle, await resumeInputs(config, handle, executionId, parsePairs(options.input, '--input')));
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

/**
 * The `-i` values as the waiting Pauses declare them: `-i data=./local.csv` (or `@local.csv`) for a FILE
 * `onResume` input uploads the local file into the execution's internal storage first, as `tflow run`
 * does for flow inputs; a SECRET value is sealed.
 */
async function resumeInputs(
  config: TflowConfig,
  handle: WorkflowHandle,
  executionId: string,
  values: Record<string, string>,
): Promise<Record<string, unknown>> {
  if (Object.keys(values).length === 0) return values;
  const { location, declared } = await waitingResumeInputs(handle, executionId);
  const uploaded = await uploadLocalFileInputs(storageFromConfig(config), location, declared, values);
  return sealResumeSecrets(declared, uploaded, config);
}
