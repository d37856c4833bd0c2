/**
 * The register of workflow patches: every id passed to Temporal's `patched()` is defined here, once,
 * with what it changed, the recorded histories (test/histories/) that replay each side of it, and
 * when its old path can go. test/replay/patches.test.ts holds the register to the code and to the
 * histories: a `patched()` call with an id missing here fails it. See docs/architecture.md,
 * "Changing what a running execution does".
 *
 * Adding a patch: define its id below, add its entry to WORKFLOW_PATCHES, record a history of the
 * new path (`npm run record-histories -- <fixture>`, or TFLOW_RECORD_HISTORIES=1 in an integration
 * test) and list it in `newPath`. Removing one: delete the old branch, the entry and the id.
 */

export const NAMED_UNTIMED_WAIT_PATCH = 'tflow-named-untimed-wait';
export const CONCURRENCY_PATCH = 'tflow-flow-concurrency';
export const PURE_TASKS_IN_WORKFLOW_PATCH = 'tflow-pure-tasks-in-workflow';
export const ANCESTOR_RETRY_PATCH = 'tflow-ancestor-retry';
export const PAYLOAD_BYTES_PATCH = 'tflow-payload-bytes';
export const SLA_PATCH = 'tflow-flow-sla';
export const FLOW_TRIGGERS_PATCH = 'tflow-flow-triggers';
export const DURABLE_FLOW_TRIGGERS_PATCH = 'tflow-flow-triggers-durable';
export const SCHEDULED_CHECKS_PATCH = 'tflow-scheduled-checks';
export const SUBFLOW_CHECKS_PATCH = 'tflow-subflow-checks';
export const SUBFLOW_RETRY_PATCH = 'tflow-subflow-retry';
export const SUBFLOW_FILE_INPUTS_PATCH = 'tflow-subflow-file-inputs-scope';
export const LARGE_FOREACH_PATCH = 'tflow-large-foreach-batches';
export const NESTED_FOREACH_BATCHES_PATCH = 'tflow-nested-foreach-batches';
export const RENDER_RETRY_PATCH = 'tflow-render-retry';
export const INPUT_RANGE_RULES_PATCH = 'tflow-input-range-rules';
export const NEW_EXECUTION_RETRY_PATCH = 'tflow-retry-create-new-execution';
export const RESTART_FLOWABLE_ATTEMPT_PATCH = 'tflow-restart-flowable-attempt';

export interface WorkflowPatch {
  id: string;
  /** Where `patched(id)` is asked. */
  guards: string;
  /** What the new path does that executions recorded before it did not. */
  changed: string;
  /** Histories (file names in test/histories/) recorded before the patch that reach the guard: they replay the old path. */
  oldPath: readonly string[];
  /** Histories that recorded the patch marker: they replay the new path. */
  newPath: readonly string[];
  /** Why a side has no recorded history (a gap to fill, not a state to keep). */
  notRecorded?: string;
  /** When the old path (and then this entry) can be removed. */
  removableWhen: string;
}

/** The usual condition: the old branch serves only executions started before the patch. */
const WHEN_OLD_EXECUTIONS_CLOSED =
  'once no execution started on code without this patch can still be running (check open executions in Temporal before deploying the removal)';

export const WORKFLOW_PATCHES: readonly WorkflowPatch[] = [
  {
    id: PURE_TASKS_IN_WORKFLOW_PATCH,
    guards: 'src/workflow/pure-tasks-patch.ts (Log, Return, Fail)',
    changed: 'Pure tasks (Log, Return, Fail) run inside the workflow instead of as activities.',
    oldPath: ['hello_world.json', 'failure_paths.json', 'flowables.json'],
    newPath: ['hello_world_v2.json', 'failure_paths_v2.json', 'flowables_v2.json'],
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: FLOW_TRIGGERS_PATCH,
    guards: 'src/workflow/flow-triggers/flow-triggers.ts',
    changed: 'An ending execution runs a local activity that starts the flows whose Flow trigger listens to it.',
    oldPath: ['hello_world.json', 'hello_world_v2.json', 'failure_paths.json', 'flowables.json'],
    newPath: ['flow_trigger_source.json', 'flow_trigger_listener.json', 'checks_fail.json'],
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: DURABLE_FLOW_TRIGGERS_PATCH,
    guards: 'src/workflow/flow-triggers/flow-triggers.ts (only when firing the Flow triggers failed)',
    changed:
      'When firing the Flow triggers fails (database down), a `…-flow-triggers` workflow retries it for a week; before, the failure was logged (or failed the execution).',
    oldPath: [],
    newPath: ['flow_trigger_durable_source.json'],
    notRecorded: 'old path: no history was recorded with the database down before the patch (the guard is asked only on that failure).',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: ANCESTOR_RETRY_PATCH,
    guards: 'src/workflow/interpreter/flow-run.ts (retry lookup)',
    changed: "A task without `retry` uses its enclosing flowables' `retry` before the flow's.",
    oldPath: [],
    newPath: ['ancestor_retry.json'],
    notRecorded: 'old path: no history with a retried task inside a flowable with `retry` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: PAYLOAD_BYTES_PATCH,
    guards: 'src/workflow/interpreter/flow-run.ts (payload size checks, asked only over the limit)',
    changed:
      "Payload sizes are counted in UTF-8 bytes for a task's input, the execution's outputs and flow outputs; before, only one task's outputs, in UTF-16 characters.",
    oldPath: [],
    newPath: ['payload_bytes.json'],
    notRecorded: 'old path: no history with an oversized payload was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: SLA_PATCH,
    guards: 'src/workflow/interpreter/flow-run.ts (flow start)',
    changed: 'Flow `sla` is applied (timers that fail or cancel the execution); before, it was accepted and ignored.',
    oldPath: [],
    newPath: ['sla_working_directory.json'],
    notRecorded: 'old path: no history of a flow with `sla` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: SCHEDULED_CHECKS_PATCH,
    guards: 'src/workflow/schedules/execution-request.ts (runs started by a Schedule)',
    changed: "A scheduled run is held to the flow's `checks`; before, it ran its tasks whatever the checks said.",
    oldPath: [],
    newPath: ['scheduled_checks.json'],
    notRecorded: 'old path: no scheduled run of a flow with `checks` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: NEW_EXECUTION_RETRY_PATCH,
    guards: 'src/workflow/interpreter/new-execution-retry.ts (a task failed under a retry with behavior CREATE_NEW_EXECUTION)',
    changed:
      'The execution ends RETRIED and a new execution of the flow is created after the retry delay; before, the behavior was ignored (the task was retried in the execution).',
    oldPath: [],
    newPath: ['retry_new_execution.json'],
    notRecorded:
      'old path: FlowSpecs compiled before the patch never carry the behavior (the compiler dropped it), so no recorded history reaches the guard.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: RESTART_FLOWABLE_ATTEMPT_PATCH,
    guards: 'src/workflow/interpreter/restart.ts (a restart reaching a flowable with children that had failed)',
    changed: 'The restarted flowable continues its attempt (attempts stay 1, as in Kestra); before, it counted a new attempt.',
    oldPath: ['restart.json'],
    newPath: ['restart_flowable_attempt.json'],
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: LARGE_FOREACH_PATCH,
    guards: 'src/workflow/plugins/core/flow/for-each.ts (over 1,000 values)',
    changed: 'A ForEach over more than 1,000 values runs its iterations in child workflows, in batches.',
    oldPath: [],
    newPath: ['large_foreach.json'],
    notRecorded: 'old path: no ForEach over 1,000 values was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: NESTED_FOREACH_BATCHES_PATCH,
    guards: 'src/workflow/plugins/core/flow/for-each.ts (over 1,000 values, inside another ForEach)',
    changed: 'A ForEach over more than 1,000 values inside another ForEach runs its iterations in batches too; before, they ran in the execution.',
    oldPath: ['nested_foreach_inline.json'],
    newPath: ['nested_foreach.json'],
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: SUBFLOW_CHECKS_PATCH,
    guards: 'src/workflow/plugins/core/flow/subflow.ts (child flow with `checks`)',
    changed: "The child flow's `checks` apply to a Subflow's child execution; before, they were ignored.",
    oldPath: [],
    newPath: ['subflow_retry.json'],
    notRecorded: 'old path: no Subflow to a flow with `checks` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: SUBFLOW_RETRY_PATCH,
    guards: 'src/workflow/plugins/core/flow/subflow.ts (failed child)',
    changed: "A failed waited-for child is retried under the Subflow task's `retry` (a new child execution per attempt); before, never.",
    oldPath: [],
    newPath: ['subflow_retry.json'],
    notRecorded: 'old path: no failed Subflow with `retry` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: SUBFLOW_FILE_INPUTS_PATCH,
    guards: 'src/workflow/plugins/core/flow/subflow.ts (child flow with FILE inputs)',
    changed:
      "A child's FILE inputs must be files of the parent execution or of the child's namespace (src/workflow/storage/storage-scope.ts); before, any URI passed.",
    oldPath: [],
    newPath: ['subflow_retry.json'],
    notRecorded: 'old path: no Subflow to a flow with FILE inputs was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: INPUT_RANGE_RULES_PATCH,
    guards:
      'src/workflow/plugins/core/flow/subflow.ts (child inputs), src/workflow/interpreter/pauses.ts (onResume inputs), src/workflow/schedules/execution-request.ts (scheduled runs); asked only when a value is out of range',
    changed:
      'DATE/DATETIME/TIME `after`/`before` and DURATION `min`/`max` are enforced on input values resolved in the workflow; before, out-of-range values passed.',
    oldPath: [],
    newPath: ['input_range_rules.json'],
    notRecorded: 'old path: no history with an out-of-range input resolved in the workflow was recorded before the patch.',
    removableWhen: `${WHEN_OLD_EXECUTIONS_CLOSED}; a Pause without duration may wait for months, so look for paused executions first`,
  },
  {
    id: CONCURRENCY_PATCH,
    guards: 'src/workflow/concurrency/concurrency-slot.ts (flow with `concurrency`)',
    changed: 'A flow with `concurrency` asks its semaphore workflow for a slot before running; before, it ran without.',
    oldPath: [],
    newPath: ['subflow_retry.json'],
    notRecorded: 'old path: no flow with `concurrency` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: RENDER_RETRY_PATCH,
    guards: 'src/workflow/interpreter/render-retries.ts (a property that failed to render in the workflow, on a task with `retry`)',
    changed:
      'A task whose properties fail to render in the workflow (runnable tasks before their activity, inline tasks) is rendered again under its `retry` after a durable timer; before, it failed on its first attempt.',
    oldPath: [],
    newPath: ['render_retry.json'],
    notRecorded: 'old path: no render error on a task with `retry` was recorded before the patch.',
    removableWhen: WHEN_OLD_EXECUTIONS_CLOSED,
  },
  {
    id: NAMED_UNTIMED_WAIT_PATCH,
    guards: 'src/workflow/index.ts (a Pause without duration)',
    changed: 'An untimed wait is a condition with a ten-year named timer, so the Web UI shows it; before, a bare condition.',
    oldPath: [],
    newPath: ['untimed_pause.json'],
    notRecorded: 'old path: no Pause without duration was recorded before the patch.',
    removableWhen: `${WHEN_OLD_EXECUTIONS_CLOSED}; a Pause without duration may wait for months, so look for paused executions first`,
  },
];
