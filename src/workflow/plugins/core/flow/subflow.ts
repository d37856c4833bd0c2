import { z } from 'zod';
import type { State } from '../../../interpreter/execution';
import { blockedMessage, failedChecks } from '../../../interpreter/checks';
import { resolveInputs } from '../../../flow/inputs';
import { mayRetry, retryDelayMs } from '../../../retry-delay';
import { defineFlowableTask } from '../../task-definition';
import { type FlowableContext, TaskError } from '../../../interpreter/in-workflow-task';
import type { FailedCheck } from '../../../interpreter/interpreter-port';
import type { FlowSpec } from '../../../flow/spec';
import { INPUT_RANGE_RULES_PATCH, SUBFLOW_CHECKS_PATCH, SUBFLOW_FILE_INPUTS_PATCH, SUBFLOW_RETRY_PATCH } from '../../../patches';

function isFileInput(input: { type: string; itemType?: string }): boolean {
  return input.type === 'FILE' || input.itemType === 'FILE';
}

const labelsSchema = () => z.union([z.record(z.string(), z.unknown()), z.array(z.strictObject({ key: z.string(), value: z.unknown() }))]);

/** What starts a child execution: the properties Subflow and ForEachItem share. */
export const childExecutionProperties = () => ({
  namespace: z.string(),
  flowId: z.string(),
  revision: z.number().int().min(1).optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  labels: labelsSchema().optional(),
  wait: z.boolean().optional(),
  transmitFailed: z.boolean().optional(),
  inheritLabels: z.boolean().optional(),
});

/**
 * `Subflow`: runs a deployed flow as a child execution (a Temporal child workflow). The child's
 * inputs are resolved and validated here, so invalid ones fail this task with Kestra's message and
 * start nothing. With `wait` (default) the task ends with the child's state — FAILED/KILLED give
 * FAILED, WARNING gives WARNING, unless `transmitFailed: false` (then SUCCESS) — and its outputs are
 * `{executionId, state, outputs}` (`outputs` = the child flow's outputs); without, it ends SUCCESS
 * once the child started, with `{executionId}`. A failed waited-for child is retried under the
 * task's `retry` (lookup as for runnable tasks): each attempt is a new child execution (`…-a<n>`).
 * `outputs` (Kestra's, deprecated since 0.15): name → expression, rendered by the child once it
 * ended, given as `outputs.<id>.outputs.<name>` in place of the child's flow outputs; ignored, as in
 * Kestra, when the child flow declares `outputs` itself. The property was refused before: no patch.
 */
export const subflowTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Subflow',
  aliases: ['io.kestra.core.tasks.flows.Subflow', 'io.kestra.core.tasks.flows.Flow'],
  title: 'Run another flow as a child execution, optionally waiting for it.',
  properties: () => z.strictObject({ ...childExecutionProperties(), outputs: z.record(z.string(), z.unknown()).optional() }),
  childLists: [],
  async execute(context) {
    const props = context.task.properties as {
      namespace: string;
      flowId: string;
      revision?: number;
      inputs?: Record<string, unknown>;
      labels?: z.output<ReturnType<typeof labelsSchema>>;
      wait?: boolean;
      transmitFailed?: boolean;
      inheritLabels?: boolean;
      outputs?: Record<string, unknown>;
    };
    const namespace = context.render(props.namespace);
    const flowId = context.render(props.flowId);
    const wait = props.wait ?? true;
    const transmitFailed = props.transmitFailed ?? true;

    const flow = await loadEnabledFlow(context, namespace, flowId, props.revision);
    const given = (context.renderProperties(props.inputs ?? {}) ?? {}) as Record<string, unknown>;
    const { inputs, checks } = childInputs(context, flow, given);

    const labels = renderLabels(props.labels, context.renderProperties);
    const extractOutputs = wait && props.outputs && flow.outputs.length === 0 ? props.outputs : undefined;
    if (wait && props.outputs && !extractOutputs) {
      context.log('WARN', `\`outputs\` is ignored: the flow ${namespace}.${flowId} declares its own outputs, which this task's outputs hold`);
    }
    const start = (attempt: number) =>
      context.startSubflow({
        flow,
        inputs,
        labels,
        inheritLabels: props.inheritLabels ?? false,
        wait,
        ...(checks.length > 0 ? { failedChecks: checks } : {}),
        ...(attempt > 1 ? { attempt } : {}),
        ...(extractOutputs ? { extractOutputs } : {}),
      });
    const firstStart = context.now();
    let attempt = 1;
    let started = await start(attempt);
    if (!wait || !started.end) return { state: 'SUCCESS', outputs: { executionId: started.executionId } };

    // Retried as a runnable task is (task → enclosing flowable → flow `retry`): each attempt is a new child execution.
    const failed = () => started.end !== undefined && taskState(started.end.state, transmitFailed) === 'FAILED';
    const retry = failed() ? context.retry() : undefined;
    while (retry && failed() && context.patched(SUBFLOW_RETRY_PATCH)) {
      const delay = retryDelayMs(retry, attempt);
      if (!mayRetry(retry, attempt, firstStart, context.now() + delay)) break;
      logFailure(context.log, started);
      await context.sleep(delay);
      attempt += 1;
      context.taskRun.attempts = attempt;
      started = await start(attempt);
    }

    const end = started.end;
    if (!end) throw new TaskError(`Subflow execution ${started.executionId} gave no final state`);
    logFailure(context.log, started);
    const extracted = end.extractedOutputs;
    if (extracted && 'error' in extracted) {
      // Kestra: the task fails (allowFailure applies), its outputs without `outputs`.
      context.taskRun.error = `Failed to extract outputs with the error: '${extracted.error}'`;
      context.log('WARN', context.taskRun.error);
      return { state: 'FAILED', outputs: { executionId: started.executionId, state: end.state } };
    }
    const state = taskState(end.state, transmitFailed);
    const retried = attempt > 1 && state === 'SUCCESS' && retry?.warningOnRetry;
    const outputs = extracted ? extracted.outputs : end.outputs;
    return { state: retried ? 'WARNING' : state, outputs: { executionId: started.executionId, state: end.state, outputs } };
  },
});

/** A deployed flow to start a child execution of; a disabled one fails the task. */
export async function loadEnabledFlow(context: FlowableContext, namespace: string, flowId: string, revision?: number): Promise<FlowSpec> {
  const flow = await context.loadFlow(namespace, flowId, revision);
  if (flow.disabled) throw new TaskError(`Cannot execute the flow ${namespace}.${flowId}: it is disabled`);
  return flow;
}

/**
 * A child execution's inputs, resolved and validated against `flow` (invalid ones fail the task with
 * Kestra's message, and start nothing), and the flow's `checks` that failed (none of them blocking).
 */
export function childInputs(
  context: FlowableContext,
  flow: FlowSpec,
  given: Record<string, unknown>,
): { inputs: Record<string, unknown>; checks: FailedCheck[] } {
  // FILE inputs: the parent's files (or the child namespace's), never another namespace's (not checked in executions recorded before).
  const fileScope =
    flow.inputs.some(isFileInput) && context.patched(SUBFLOW_FILE_INPUTS_PATCH)
      ? { namespace: flow.namespace, flowId: flow.id, parent: context.execution }
      : undefined;
  const resolved = resolveInputs(
    flow.inputs,
    given,
    { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision } },
    // DATE/TIME/DURATION ranges: not enforced in executions recorded before they were (asked only when one is out of range).
    { ...(fileScope ? { fileScope } : {}), rangeRulesApply: () => context.patched(INPUT_RANGE_RULES_PATCH) },
  );
  if (resolved.problems.length > 0) throw new TaskError(resolved.problems.map((p) => p.message).join('\n'));
  // The child flow's `checks`, as for any new execution (executions recorded before they applied replay without).
  const checks = flow.checks?.length && context.patched(SUBFLOW_CHECKS_PATCH) ? failedChecks(flow, resolved.inputs) : [];
  const blocking = checks.find((check) => check.behavior === 'BLOCK_EXECUTION');
  if (blocking) throw new TaskError(blockedMessage(blocking));
  return { inputs: resolved.inputs, checks };
}

function logFailure(
  log: (level: 'WARN', message: string) => void,
  { executionId, end }: { executionId: string; end?: { state: State; error?: string } },
): void {
  if (end?.error && (end.state === 'FAILED' || end.state === 'KILLED'))
    log('WARN', `Subflow execution ${executionId} ended ${end.state}: ${end.error}`);
}

/** Kestra's ExecutableUtils.guessState: the child's failure reaches the task only with `transmitFailed`. */
export function taskState(childState: State, transmitFailed: boolean): State {
  if (!transmitFailed) return 'SUCCESS';
  // A RETRIED child (retry behavior CREATE_NEW_EXECUTION) failed: the parent does not follow the new execution.
  if (childState === 'FAILED' || childState === 'KILLED' || childState === 'CANCELLED' || childState === 'RETRIED') return 'FAILED';
  if (childState === 'WARNING') return 'WARNING';
  return 'SUCCESS';
}

export function renderLabels(
  labels: z.output<ReturnType<typeof labelsSchema>> | undefined,
  renderProperties: (value: unknown) => unknown,
): Record<string, string> {
  if (labels === undefined) return {};
  const entries = Array.isArray(labels) ? labels.map((l) => [l.key, l.value] as const) : Object.entries(labels);
  const rendered: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.startsWith('system.')) throw new TaskError(`System labels can only be set by Kestra itself, offending label: ${key}=${String(value)}`);
    const text = renderProperties(value);
    rendered[key] = typeof text === 'string' ? text : JSON.stringify(text);
  }
  return rendered;
}
