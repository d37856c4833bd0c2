/**
 * What a Subflow task asks the port to start: the child execution's request (Kestra's `trigger`
 * variables, the correlation label, inherited labels) under a deterministic id, so that a replay
 * asks for the same child.
 */
import type { TaskSpec } from '../flow/spec';
import type { Execution } from './execution';
import type { SubflowOptions } from './in-workflow-task';
import type { ExecutionRequest, SubflowStart } from './interpreter-port';
import type { Scope } from './task-scope';

/**
 * The child of `task` (run in `scope`): id `<execution id>.<task id>` plus the loop values, `-i<n>`
 * in iteration n of a WaitFor, `-a<attempt>` on a retry, and `.<batch>` for a ForEachItem's batch.
 */
export function subflowRequest(parent: Execution, task: TaskSpec, scope: Pick<Scope, 'loops' | 'parents'>, options: SubflowOptions): SubflowStart {
  // Each WaitFor iteration's child gets its own id (a `wait: false` one may still run); WaitFor is newer than the ids without it.
  const iteration = scope.parents.find((p) => p.iteration !== undefined)?.iteration;
  const iterationSuffix = iteration !== undefined ? `-i${iteration}` : '';
  // A retry's child gets its own id (`-a<attempt>`): the failed attempt's stays in the history.
  const retrySuffix = options.attempt && options.attempt > 1 ? `-a${options.attempt}` : '';
  // A ForEachItem's children: one per batch, the batch last (the merge step finds them by it).
  const batchSuffix = options.batch !== undefined ? `.${options.batch}` : '';
  const executionId = [parent.id, task.id, ...scope.loops.map((loop) => loop.value)].join('.') + iterationSuffix + retrySuffix + batchSuffix;
  const labels: Record<string, string> = {
    ...(options.inheritLabels ? parent.labels : {}),
    ...options.labels,
    'system.correlationId': parent.labels['system.correlationId'] ?? parent.id,
  };
  const { flow } = options;
  const request: ExecutionRequest = {
    executionId,
    flow,
    inputs: options.inputs,
    labels,
    trigger: { executionId: parent.id, namespace: parent.namespace, flowId: parent.flowId, flowRevision: parent.revision },
    ...(options.failedChecks?.length ? { failedChecks: options.failedChecks } : {}),
    ...(options.extractOutputs ? { extractOutputs: options.extractOutputs } : {}),
  };
  const summary = `${flow.namespace}.${flow.id} rev ${flow.revision}, subflow of ${parent.namespace}.${parent.flowId} (task ${task.id})`.slice(
    0,
    190,
  );
  return { request, summary, wait: options.wait };
}
