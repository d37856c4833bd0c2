/**
 * Records the replay corpus: runs every flow in test/flows/replay on the dev server and saves each
 * execution's history to test/histories/<flow file>.json. Run it with `npm run record-histories`
 * before a change to the interpreter, so the replay test checks the new code against old runs;
 * `npm run record-histories -- checks_fail flow_trigger_source flow_trigger_listener` records only
 * those fixtures (existing histories stay as they were recorded).
 *
 * A fixture with Flow triggers is a listener: it is deployed to the flow store while recording (not
 * started), and the run its trigger starts after another fixture's run is the history saved for it.
 * A fixture with Schedule triggers is deployed too, and runs as its first Schedule starts it.
 * A fixture that another fixture's Subflow calls is deployed and not run on its own.
 * A fixture with a Pause without duration is resumed once it is PAUSED.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { executionResult, queryExecution, resumeExecution, startExecution } from '../../src/client/executions';
import type { FlowSpec, TaskSpec } from '../../src/workflow/flow/spec';
import { pauseTask } from '../../src/workflow/plugins/core/flow/pause';
import { subflowTask } from '../../src/workflow/plugins/core/flow/subflow';
import { deleteDeployedFlow, deployFlows, validateForDeploy } from '../../src/flow-store/deploy';
import { FlowStore } from '../../src/flow-store/flow-store';
import { scheduleIdOf, scheduleTriggersOf } from '../../src/schedules/schedule-sync';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { flowTriggeredExecutionId } from '../../src/activities/flow-triggers';
import { flowTriggersOf } from '../../src/flow-triggers/flow-conditions';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';
import { startTemporalFixture } from '../helpers/temporal';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const fixture = await startTemporalFixture();
  const flowStore = FlowStore.connect(fixture.config.databaseUrl);
  const temporalCli = findTemporalCli();
  if (!temporalCli) throw new Error('no Temporal CLI found');
  const dir = join(FIXTURES, 'replay');
  const fixtures = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && (only.length === 0 || only.includes(f.replace(/\.yaml$/, ''))))
    .map((file) => ({ file, source: readFileSync(join(dir, file), 'utf8') }));
  const { flows, diagnostics } = validateForDeploy(fixtures);
  if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
  const listeners = flows.filter((f) => flowTriggersOf(f.spec).length > 0);
  const called = new Set(flows.flatMap((f) => subflowTargetsOf(f.spec.tasks)));
  const children = flows.filter((f) => called.has(`${f.spec.namespace}/${f.spec.id}`));
  const scheduled = flows.filter((f) => !listeners.includes(f) && scheduleTriggersOf(f.spec).length > 0);
  const deps = { flowStore, client: fixture.client, config: fixture.config };
  await deployFlows(deps, [...listeners, ...scheduled, ...children]);
  const save = async (file: string, workflowId: string, state: string) => {
    // The same JSON a user gets from `temporal workflow show --output json` or the Web UI's download.
    const json = execFileSync(temporalCli, ['workflow', 'show', '-w', workflowId, '--output', 'json', '--address', fixture.config.temporalAddress], {
      encoding: 'utf8',
    });
    const target = join(PROJECT_ROOT, 'test', 'histories', file.replace(/\.yaml$/, '.json'));
    writeFileSync(target, json);
    console.log(`${file}: ${state}, ${JSON.parse(json).events.length} events → ${target}`);
  };
  try {
    for (const flow of flows.filter((f) => !listeners.includes(f) && !children.includes(f))) {
      const handle = scheduled.includes(flow)
        ? await triggerFirstSchedule(fixture.client, flow.spec)
        : await startExecution(fixture.client, fixture.config, flow.spec);
      if (hasUntimedPause(flow.spec.tasks)) await resumeOncePaused(handle);
      const execution = await executionResult(handle);
      await save(flow.file, handle.workflowId, execution.state);
      for (const listener of listeners) {
        for (const trigger of flowTriggersOf(listener.spec)) {
          const triggered = fixture.client.workflow.getHandle(flowTriggeredExecutionId(listener.spec, trigger.id, execution.id));
          // Started by the source's last local activity, before the source ended: it exists now or never.
          const started = await triggered.describe().then(
            () => true,
            () => false,
          );
          if (started) await save(listener.file, triggered.workflowId, (await executionResult(triggered)).state);
        }
      }
    }
  } finally {
    for (const { spec } of [...listeners, ...scheduled, ...children]) await deleteDeployedFlow(deps, `${spec.namespace}/${spec.id}`);
    await flowStore.close();
    await fixture.close();
  }
}

/** `namespace/flowId` of every Subflow task in `tasks` (and their children) that names its flow literally. */
function subflowTargetsOf(tasks: readonly TaskSpec[]): string[] {
  return tasks.flatMap((task) => [
    ...(task.type === subflowTask.type ? [`${String(task.properties.namespace)}/${String(task.properties.flowId)}`] : []),
    ...subflowTargetsOf(Object.values(task.children ?? {}).flat()),
  ]);
}

function hasUntimedPause(tasks: readonly TaskSpec[]): boolean {
  return tasks.some(
    (task) =>
      (task.type === pauseTask.type && task.properties.pauseDuration === undefined && task.properties.delay === undefined) ||
      hasUntimedPause(Object.values(task.children ?? {}).flat()),
  );
}

async function resumeOncePaused(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await queryExecution(handle)).state === 'PAUSED') {
      await resumeExecution(handle);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${handle.workflowId} never paused`);
}

/** A fixture with Schedule triggers runs as its first Schedule starts it (`temporal schedule trigger`). */
async function triggerFirstSchedule(client: Client, flow: FlowSpec): Promise<WorkflowHandle> {
  const schedule = client.schedule.getHandle(scheduleIdOf(flow, scheduleTriggersOf(flow)[0].id));
  await schedule.trigger();
  for (let i = 0; i < 300; i++) {
    const [action] = (await schedule.describe()).info.recentActions;
    if (action?.action.type === 'startWorkflow')
      return client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Schedule of ${flow.namespace}.${flow.id} started nothing`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
