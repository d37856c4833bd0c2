import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { connectClient, queryExecution, resumeExecution, ResumeRefusedError } from '../../client/executions';
import { executionHandle, startedRequest } from '../../client/execution-handle';
import { loadConfig, type TflowConfig } from '../../config';
import { storageFromConfig, uploadLocalFileInputs } from '../../storage';
import { FlowTasks } from '../../workflow/interpreter/flow-tasks';
import { onResumeInputs } from '../../workflow/plugins/core/flow/pause';
import { splitExecutionId } from '../../workflow/schedules/scheduled-request';
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
        const inputs = await uploadResumeFiles(config, handle, executionId, parsePairs(options.input, '--input'));
        const resumed = await resumeExecution(handle, inputs);
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
 * `-i data=./local.csv` (or `@local.csv`) for a FILE `onResume` input of a waiting Pause: the local file is uploaded
 * into the execution's internal storage first, as `tflow run` does for flow inputs.
 */
async function uploadResumeFiles(
  config: TflowConfig,
  handle: WorkflowHandle,
  executionId: string,
  values: Record<string, string>,
): Promise<Record<string, string>> {
  if (Object.keys(values).length === 0) return values;
  const [execution, request] = await Promise.all([queryExecution(handle), startedRequest(handle, splitExecutionId(executionId).runId)]);
  if (!request?.flow) return values;
  const tasks = new FlowTasks(request.flow, () => true);
  const waitingInputs = execution.taskRuns
    .filter((taskRun) => taskRun.state === 'PAUSED')
    .flatMap((taskRun) => onResumeInputs(tasks.find(taskRun.taskId)?.properties.onResume));
  const location = { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id };
  return uploadLocalFileInputs(storageFromConfig(config), location, waitingInputs, values);
}
