/**
 * Scheduled runs, workflow side: turns a Schedule's ScheduledExecutionRequest into the run's
 * ExecutionRequest, from what Temporal tells this run about itself (nominal time, ids, start time).
 * The logic is pure, in src/workflow/schedules/scheduled-request.ts; this file only reads workflowInfo().
 *
 * Sandbox code: deterministic, no Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ApplicationFailure, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ExecutionRequest } from '../interpreter/interpreter-port';
import { executionRequestForRun, isScheduledExecutionRequest, nominalTimeFromWorkflowId, type ScheduledExecutionRequest } from './scheduled-request';
import { FlowStateKey, labelsAttribute, LabelsKey } from '../search-attributes';
import { FLOW_FAILED } from '../definitions';
import { INPUT_RANGE_RULES_PATCH, SCHEDULED_CHECKS_PATCH } from '../patches';

/** Set by the Schedule on every run it starts: the nominal time of the slot (also when backfilled). */
const TemporalScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The ExecutionRequest to run: the input itself for `tflow run` and the API, or the one derived for
 * this scheduled run. A scheduled run whose inputs are invalid, or that a BLOCK_EXECUTION check refuses,
 * ends here, FAILED, with the reason (its tasks never run).
 */
export function executionRequestFor(input: ExecutionRequest | ScheduledExecutionRequest): ExecutionRequest {
  if (!isScheduledExecutionRequest(input)) return input;
  const info = workflowInfo();
  const resolution = executionRequestForRun(
    input,
    {
      workflowId: info.workflowId,
      runId: info.runId,
      nominalTime: scheduledStartTime(),
      startTime: info.runStartTime,
    },
    () => patched(SCHEDULED_CHECKS_PATCH),
    () => patched(INPUT_RANGE_RULES_PATCH),
  );
  if (resolution.problems) {
    upsertSearchAttributes([{ key: FlowStateKey, value: 'FAILED' }]);
    throw ApplicationFailure.create({
      type: FLOW_FAILED,
      message: resolution.execution.error ?? 'Invalid inputs',
      nonRetryable: true,
      details: [resolution.execution],
    });
  }
  // The Schedule set the flow's and trigger's labels when it started the run; a backfill adds its own.
  const labels = labelsAttribute({ ...input.flow.labels, ...resolution.request.labels });
  const current = info.typedSearchAttributes.get(LabelsKey) ?? [];
  if (labels.join('\n') !== current.join('\n')) upsertSearchAttributes([{ key: LabelsKey, value: labels }]);
  return resolution.request;
}

/** The run's nominal time: the typed search attribute, the deprecated map, then the workflow id's suffix. */
function scheduledStartTime(): Date | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  if (typed) return typed;
  const legacy = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (legacy instanceof Date) return legacy;
  if (typeof legacy === 'string' && !Number.isNaN(Date.parse(legacy))) return new Date(legacy);
  return nominalTimeFromWorkflowId(info.workflowId);
}
