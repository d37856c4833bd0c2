/**
 * Worker side of Flow triggers, run as a local activity when an execution ends: find the deployed
 * flows whose Flow triggers listen to it (one indexed query), check their states, conditions and
 * preconditions, and start them.
 *
 * Safe to retry: a started execution's id is derived from the ended execution and the trigger, and
 * Temporal refuses a second workflow with that id (even after the first one ended).
 */
import { createHash } from 'node:crypto';
import { activityInfo, getClient, log } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { FlowSpec, FlowTriggerSpec } from '../workflow/flow/spec';
import { blockedMessage, checkRequest } from '../workflow/interpreter/checks';
import type { Execution } from '../workflow/interpreter/execution';
import { render, renderProperties } from '../workflow/expression';
import { resolveInputs } from '../workflow/flow/inputs';
import { staticSummary } from '../client/executions';
import { loadDeployedFlow } from '../flow-store/deploy';
import { FlowNotFoundError, FlowStore } from '../flow-store/flow-store';
import { executionSearchAttributes } from '../workflow/search-attributes';
import {
  evaluateFlowTrigger,
  type FlowTriggerVerdict,
  flowTriggersOf,
  preconditionWindow,
  resetsOnSuccess,
  triggerContext,
  flowTriggerVariables,
} from '../flow-triggers/flow-conditions';
import { FIRE_FLOW_TRIGGERS_ACTIVITY, type FiredFlowTriggers } from '../workflow/flow-triggers/messages';
import { messageOf } from '../workflow/error-message';
import type { TflowConfig } from '../config';
import { type KeyConfig, sealSecretInputs } from '../secret-inputs/secret-inputs';

export interface FlowTriggerActivities {
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
  close(): Promise<void>;
}

/**
 * The execution id of the run `trigger` starts for `source`: the flow's usual `<namespace>.<flowId>-<suffix>`
 * shape, the suffix derived from the source execution and the trigger, so a retry finds the same id.
 */
export function flowTriggeredExecutionId(target: Pick<FlowSpec, 'namespace' | 'id'>, triggerId: string, sourceExecutionId: string): string {
  const digest = createHash('sha256').update(`${sourceExecutionId}\n${target.namespace}\n${target.id}\n${triggerId}`).digest();
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  const suffix = [...digest.subarray(0, 16)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${target.namespace}.${target.id}-${suffix}`;
}

export function createFlowTriggerActivities(config: Pick<TflowConfig, 'databaseUrl'> & KeyConfig): FlowTriggerActivities {
  const { databaseUrl } = config;
  let flowStore: FlowStore | undefined;

  async function fireFlowTriggers(execution: Execution): Promise<FiredFlowTriggers> {
    const flows = (flowStore ??= FlowStore.connect(databaseUrl));
    const fired: FiredFlowTriggers = { started: [], refused: [] };
    for (const listener of await flows.flowTriggerListeners(execution.namespace, execution.flowId)) {
      // A flow never triggers itself: a catch-all trigger would otherwise loop forever.
      if (listener.namespace === execution.namespace && listener.flowId === execution.flowId) continue;
      const flow = await deployedFlow(flows, listener);
      if (!flow || flow.disabled) continue;
      for (const trigger of flowTriggersOf(flow)) {
        const refusal = await fireOne(flows, flow, trigger, execution, fired);
        if (refusal) {
          fired.refused.push({ namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id, reason: refusal });
          log.warn(`Flow trigger ${flow.namespace}.${flow.id}.${trigger.id} did not start an execution after ${execution.id}: ${refusal}`);
        }
      }
    }
    return fired;
  }

  /** Compiled listening flows by `namespace/flowId@revision`: a revision never changes, so it is compiled once. */
  const compiled = new Map<string, FlowSpec>();
  async function deployedFlow(flows: FlowStore, listener: { namespace: string; flowId: string; revision: number }): Promise<FlowSpec | undefined> {
    const key = `${listener.namespace}/${listener.flowId}@${listener.revision}`;
    let flow = compiled.get(key);
    if (!flow) {
      try {
        flow = await loadDeployedFlow(flows, `${listener.namespace}/${listener.flowId}`, listener.revision);
      } catch (error) {
        if (error instanceof FlowNotFoundError) return undefined; // deleted meanwhile
        throw error;
      }
      if (compiled.size >= 500) compiled.delete(compiled.keys().next().value as string);
      compiled.set(key, flow);
    }
    return flow;
  }

  /** Evaluates one trigger and starts its flow when it fires; returns why not, when it should have but could not. */
  async function fireOne(
    flows: FlowStore,
    flow: FlowSpec,
    trigger: FlowTriggerSpec,
    execution: Execution,
    fired: FiredFlowTriggers,
  ): Promise<string | undefined> {
    const context = triggerContext(flow, execution);
    let verdict: FlowTriggerVerdict;
    try {
      verdict = evaluateFlowTrigger(trigger, execution, context);
    } catch (error) {
      return `a condition could not be evaluated: ${messageOf(error)}`;
    }
    if (verdict.kind === 'no') return undefined;
    const start = async () => {
      const started = await startTriggered(flow, trigger, execution);
      if (typeof started === 'string') throw new RefusedStart(started);
      fired.started.push({ executionId: started.executionId, namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id });
    };
    try {
      if (verdict.kind === 'fire') {
        await start();
        return undefined;
      }
      const metAt = new Date(execution.endDate ?? Date.now());
      const window = preconditionWindow(trigger, metAt);
      if (!window) return undefined;
      await flows.meetPreconditions(
        { namespace: flow.namespace, flowId: flow.id, triggerId: trigger.id },
        { satisfied: verdict.satisfied, all: verdict.all, executionId: execution.id, metAt, window, reset: resetsOnSuccess(trigger) },
        start,
      );
      return undefined;
    } catch (error) {
      if (error instanceof RefusedStart) return error.message;
      throw error;
    }
  }

  /** Starts the flow for this trigger, or says why it cannot (inputs or labels that do not render or validate, a blocking check). */
  async function startTriggered(flow: FlowSpec, trigger: FlowTriggerSpec, source: Execution): Promise<{ executionId: string } | string> {
    const executionId = flowTriggeredExecutionId(flow, trigger.id, source.id);
    const context = { ...triggerContext(flow, source), execution: { id: executionId } };
    let given: Record<string, unknown>;
    const labels: Record<string, string> = {};
    try {
      given = renderProperties(trigger.inputs, context) as Record<string, unknown>;
      for (const [key, value] of Object.entries(trigger.labels)) labels[key] = value.includes('{{') ? render(value, context) : value;
    } catch (error) {
      return `Unable to render the inputs or labels of trigger ${trigger.id}: ${messageOf(error)}`;
    }
    // FILE inputs: this execution's files, or those of the execution that triggered it (src/workflow/storage/storage-scope.ts).
    const fileScope = {
      namespace: flow.namespace,
      flowId: flow.id,
      executionId,
      parent: { namespace: source.namespace, flowId: source.flowId, executionId: source.id },
    };
    const resolved = resolveInputs(flow.inputs, given, context, { fileScope });
    if (resolved.problems.length > 0) return resolved.problems.map((p) => p.message).join('; ');
    // The flow's checks, as for a manual run: a BLOCK_EXECUTION one starts nothing.
    const { request, blocking } = checkRequest({ executionId, flow, inputs: resolved.inputs, labels, trigger: flowTriggerVariables(source) });
    if (blocking.length > 0) return blocking.map(blockedMessage).join('; ');
    // SECRET values go to Temporal sealed, as `tflow run` sends them (src/secret-inputs/).
    const inputs = sealSecretInputs(flow.inputs, request.inputs, config);
    try {
      await getClient().workflow.start(`${flow.namespace}.${flow.id}`, {
        workflowId: executionId,
        taskQueue: activityInfo().taskQueue,
        args: [{ ...request, inputs }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [...executionSearchAttributes(flow, { ...flow.labels, ...labels })],
        staticSummary: staticSummary(flow, inputs),
        staticDetails: `**Flow** \`${flow.namespace}.${flow.id}\`, revision ${flow.revision}, started by trigger \`${trigger.id}\` after \`${source.id}\` (${source.namespace}.${source.flowId}) ended ${source.state}`,
      });
    } catch (error) {
      // A retried activity: it was started the first time.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return { executionId };
  }

  return {
    activities: { [FIRE_FLOW_TRIGGERS_ACTIVITY]: fireFlowTriggers },
    close: async () => {
      await flowStore?.close();
    },
  };
}

class RefusedStart extends Error {}
