/**
 * Per-activity latency on the local dev server: a flow of 10 sequential tasks that run as activities
 * against a hand-written workflow scheduling 10 no-op activities, whole execution; and where the
 * time goes, from the histories' event times (docs/performance.md explains the figures).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startEagerlyThrough } from '../src/client/eager-start';
import type { BenchRow } from './results';
import { flowOf, runBaseline, runTflow, setUp, timed } from './orchestration';
import { formatStats, stats } from './stats';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Median milliseconds per activity of one execution, from its history. */
export interface ActivityTimeline {
  /** ActivityTaskScheduled → ActivityTaskStarted: the server handing the task to a worker. */
  dispatch: number;
  /** ActivityTaskStarted → ActivityTaskCompleted: the activity itself, and its result's trip back. */
  run: number;
  /** ActivityTaskCompleted → the next ActivityTaskScheduled: a whole workflow task (queue, worker, answer). */
  workflowTask: number;
  /** WorkflowTaskScheduled → WorkflowTaskStarted, within `workflowTask`: the server handing the workflow task over. */
  workflowTaskDispatch: number;
  /** WorkflowTaskStarted → WorkflowTaskCompleted, within `workflowTask`: the worker running the workflow code. */
  workflowTaskRun: number;
  /** WorkflowExecutionStarted → first ActivityTaskScheduled. */
  firstSchedule: number;
  /** Last ActivityTaskCompleted → WorkflowExecutionCompleted. */
  close: number;
}

const millis = (event: HistoryEvent): number => {
  const time = event.eventTime!;
  return Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6;
};

function median(values: readonly number[]): number {
  return values.length === 0 ? NaN : stats(values).median;
}

/** Where one execution's time went, activity by activity (medians), from its event history. */
export async function activityTimeline(client: Client, workflowId: string): Promise<ActivityTimeline> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const first = (type: number, from = 0) => events.findIndex((event, index) => index >= from && event.eventType === type);
  const dispatch: number[] = [];
  const run: number[] = [];
  const workflowTask: number[] = [];
  const workflowTaskDispatch: number[] = [];
  const workflowTaskRun: number[] = [];
  events.forEach((event, index) => {
    if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) return;
    const started = first(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, index);
    const completed = first(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, index);
    if (started < 0 || completed < 0) return;
    dispatch.push(millis(events[started]) - millis(event));
    run.push(millis(events[completed]) - millis(events[started]));
    const next = first(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, completed);
    if (next < 0) return;
    workflowTask.push(millis(events[next]) - millis(events[completed]));
    const taskScheduled = first(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, completed);
    const taskStarted = first(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, completed);
    const taskCompleted = first(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, completed);
    if (taskScheduled < 0 || taskStarted < 0 || taskCompleted < 0) return;
    workflowTaskDispatch.push(millis(events[taskStarted]) - millis(events[taskScheduled]));
    workflowTaskRun.push(millis(events[taskCompleted]) - millis(events[taskStarted]));
  });
  const completions = events.flatMap((event, index) => (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED ? [index] : []));
  const lastCompleted = completions.length > 0 ? completions[completions.length - 1] : -1;
  const closed = first(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  const firstScheduled = first(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  return {
    dispatch: median(dispatch),
    run: median(run),
    workflowTask: median(workflowTask),
    workflowTaskDispatch: median(workflowTaskDispatch),
    workflowTaskRun: median(workflowTaskRun),
    firstSchedule: firstScheduled < 0 ? NaN : millis(events[firstScheduled]) - millis(events[0]),
    close: lastCompleted < 0 || closed < 0 ? NaN : millis(events[closed]) - millis(events[lastCompleted]),
  };
}

/** One line of a timeline, for the table: `per activity: dispatch 2 ms, run 3 ms, workflow task 40 ms (…)`. */
export function formatTimeline(t: ActivityTimeline): string {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return (
    `per activity: dispatch ${ms(t.dispatch)}, run ${ms(t.run)}, workflow task ${ms(t.workflowTask)} ` +
    `(its dispatch ${ms(t.workflowTaskDispatch)}, the worker ${ms(t.workflowTaskRun)}); start to first activity ${ms(t.firstSchedule)}, last to close ${ms(t.close)}`
  );
}

/** Ten tasks that run as activities: Return with a `timeout` keeps its activity (src/workflow/pure-tasks.ts). */
function sequentialActivityFlow(count: number) {
  const tasks = Array.from(
    { length: count },
    (_, i) => `  - id: step_${i}\n    type: io.kestra.plugin.core.debug.Return\n    timeout: PT1M\n    format: "${i}"`,
  );
  return flowOf(`id: activities_${count}\nnamespace: bench\ntasks:\n${tasks.join('\n')}\n`);
}

export async function benchActivityLatency(runs = 25): Promise<BenchRow[]> {
  const setup = await setUp();
  // tflow executions start as `tflow server` starts them, its worker in the same process: eagerly,
  // the first workflow task handed back in the start call's answer (src/client/eager-start.ts).
  // The hand-written workflow starts through the task queue (runBaseline uses the client directly).
  startEagerlyThrough(setup.client, setup.tflowWorker.connection);
  try {
    const count = 10;
    const flow = sequentialActivityFlow(count);
    // Warm-up: worker caches, sticky queues.
    await runTflow(setup, flow);
    await runBaseline(setup, 'sequentialActivities', count);
    // Alternated, so that both see the same load on a shared machine.
    const tflowMs: number[] = [];
    const baseMs: number[] = [];
    let tflowId = '';
    let baseId = '';
    for (let i = 0; i < runs; i++) {
      tflowMs.push(await timed(async () => (tflowId = await runTflow(setup, flow))));
      baseMs.push(await timed(async () => (baseId = await runBaseline(setup, 'sequentialActivities', count))));
    }
    const tflow = stats(tflowMs);
    const base = stats(baseMs);
    const ratio = tflow.median / base.median;
    return [
      {
        benchmark: `latency: ${count} sequential activity tasks (Return with a timeout, which runs as an activity), whole execution, started as \`tflow server\` starts it (eagerly, its worker in-process)`,
        tflow: `${formatStats(tflow, 'ms', 0)}; last run ${formatTimeline(await activityTimeline(setup.client, tflowId))}`,
        baseline: `hand-written workflow, ${count} no-op activities: ${formatStats(base, 'ms', 0)}; last run ${formatTimeline(await activityTimeline(setup.client, baseId))}`,
        ratio: `${ratio.toFixed(2)}× (time)`,
        target: '≤ 1.0× the hand-written workflow',
        met: ratio <= 1.0,
      },
    ];
  } finally {
    await setup.close();
  }
}
