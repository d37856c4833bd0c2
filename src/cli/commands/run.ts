import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient, followExecution, newExecutionId, startExecution } from '../../client/executions';
import { storageFromConfig, uploadLocalFileInputs } from '../../storage';
import { loadConfig, type TflowConfig } from '../../config';
import { compileFlowFile } from '../../compiler/compile';
import { FlowValidationError } from '../../compiler/diagnostics';
import type { FlowSpec } from '../../workflow/flow/spec';
import type { Execution } from '../../workflow/interpreter/execution';
import { loadDeployedFlow } from '../../flow-store/deploy';
import { FlowStore } from '../../flow-store/flow-store';
import { temporal } from '@temporalio/proto';
import { collect, formatLog, formatTaskRun, parsePairs, type Print, printExecutionSummary, toStderr, toStdout } from '../output';

interface RunOptions {
  input: string[];
  label: string[];
  wait?: boolean;
  json?: boolean;
}

export function configureRunCommand(program: Command): void {
  program
    .command('run')
    .description('start an execution of a flow and print its id; --wait follows it to the end')
    .argument('<flow>', 'a flow file, or namespace.flowId of a deployed flow')
    .option(
      '-i, --input <key=value>',
      'an input value (repeatable); for a FILE input, a local path (`key=./data.csv` or `key=@data.csv`) uploads the file',
      collect,
      [],
    )
    .option('--label <key=value>', 'a label for this execution (repeatable)', collect, [])
    .option('--wait', 'follow the execution and exit 0 on SUCCESS or WARNING, 1 otherwise')
    .option('--json', 'print the execution as JSON on stdout (progress goes to stderr)')
    .action(async (flowRef: string, options: RunOptions) => {
      const config = loadConfig();
      const flow = await loadFlow(flowRef, config);
      const client = await connectClient(config);
      const print: Print = options.json ? toStderr : toStdout;
      const started = await startFlow(client, config, flow, options);
      if (!options.wait) {
        toStdout(options.json ? JSON.stringify(started, null, 2) : started.id);
        return;
      }
      const execution = await followFlow(client, config, started.id, print);
      if (options.json) toStdout(JSON.stringify(execution, null, 2));
      process.exitCode = execution.state === 'SUCCESS' || execution.state === 'WARNING' ? 0 : 1;
    });
}

/** A flow file, or a deployed flow (`namespace.flowId`, latest revision) from the flow store. */
async function loadFlow(flowRef: string, config: TflowConfig): Promise<FlowSpec> {
  if (/\.ya?ml$/i.test(flowRef)) {
    const { spec, diagnostics } = compileFlowFile(flowRef);
    if (!spec) throw new FlowValidationError(diagnostics);
    return spec;
  }
  const flowStore = FlowStore.connect(config.databaseUrl);
  try {
    return await loadDeployedFlow(flowStore, flowRef);
  } finally {
    await flowStore.close();
  }
}

/** Starts an execution; returns what is known of it at once. */
export async function startFlow(
  client: Client,
  config: TflowConfig,
  flow: FlowSpec,
  options: RunOptions,
): Promise<Pick<Execution, 'id' | 'namespace' | 'flowId' | 'revision' | 'state'>> {
  const executionId = newExecutionId(flow);
  const handle = await startExecution(client, config, flow, {
    executionId,
    // `-i data=./local.csv` (or `@local.csv`): the user's own file, uploaded as the API's multipart upload does.
    inputs: await uploadLocalFileInputs(
      storageFromConfig(config),
      { namespace: flow.namespace, flowId: flow.id, executionId },
      flow.inputs,
      parsePairs(options.input, '--input'),
    ),
    labels: parsePairs(options.label, '--label'),
  });
  return { id: handle.workflowId, namespace: flow.namespace, flowId: flow.id, revision: flow.revision, state: 'CREATED' };
}

/** Follows an execution to its end, printing its logs and task runs; returns the final execution. */
export async function followFlow(client: Client, config: TflowConfig, id: string, print: Print): Promise<Execution> {
  const handle = client.workflow.getHandle(id);
  print(`Execution ${id} started`);
  print(`  Web UI: ${config.webUiUrl}/namespaces/${config.temporalNamespace}/workflows/${encodeURIComponent(id)}`);
  await warnWhenNoWorker(client, config, print);
  const execution = await followExecution(handle, {
    onLog: (entry) => print(formatLog(entry)),
    onTaskRun: (taskRun) => print(formatTaskRun(taskRun)),
  });
  printExecutionSummary(execution, print);
  return execution;
}

async function warnWhenNoWorker(client: Client, config: TflowConfig, print: Print): Promise<void> {
  try {
    const response = await client.workflowService.describeTaskQueue({
      namespace: config.temporalNamespace,
      taskQueue: { name: config.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((response.pollers ?? []).length === 0) {
      print(
        `  note: no worker is polling task queue '${config.taskQueue}' yet; the execution waits until one does (start one with \`npx tflow worker\` or \`npx tflow dev\`)`,
      );
    }
  } catch {
    // Only a hint: never fail a run because of it.
  }
}
