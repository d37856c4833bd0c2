/**
 * Deploying flows: validate every flow first (nothing is written if one is invalid), register the
 * revisions, then bring each flow's Temporal Schedules in line. Also loading a deployed flow (to run
 * it) and deleting one (with its Schedules). Shared by the CLI and the API.
 */
import type { Client } from '@temporalio/client';
import type { TflowConfig } from '../config';
import { compileFlow } from '../compiler/compile';
import { type Diagnostic, FlowValidationError } from '../compiler/diagnostics';
import type { FlowSpec, ScheduleTriggerSpec } from '../workflow/flow/spec';
import { checkTimeZone, CronSyntaxError, parseKestraCron } from '../workflow/schedules/kestra-cron';
import {
  deleteSchedule,
  desiredSchedules,
  type ScheduleChange,
  scheduleIdOf,
  scheduleTriggersOf,
  syncFlowSchedules,
} from '../schedules/schedule-sync';
import { executionRequestForRun } from '../workflow/schedules/scheduled-request';
import { flowTriggerSubscriptions } from '../flow-triggers/flow-conditions';
import type { FlowStore, SaveStatus } from './flow-store';

export interface FlowSource {
  /** Where the source came from (a path, `api`), for diagnostics. */
  file: string;
  source: string;
}

export interface ValidFlow extends FlowSource {
  spec: FlowSpec;
}

export interface DeployedFlow {
  file: string;
  namespace: string;
  flowId: string;
  revision: number;
  status: SaveStatus;
  schedules: ScheduleChange[];
}

export interface DeployDependencies {
  flowStore: FlowStore;
  client: Client;
  config: Pick<TflowConfig, 'taskQueue'>;
}

/**
 * Compiles every flow and checks what only deploying needs (Schedule triggers as Temporal will read
 * them, trigger inputs against the flow's inputs, one file per flow). Returns all problems at once.
 */
export function validateForDeploy(sources: readonly FlowSource[]): { flows: ValidFlow[]; diagnostics: Diagnostic[]; warnings: Diagnostic[] } {
  const flows: ValidFlow[] = [];
  const diagnostics: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const seen = new Map<string, string>();
  for (const { file, source } of sources) {
    const result = compileFlow(source, file);
    warnings.push(...(result.warnings ?? []));
    if (!result.spec) {
      diagnostics.push(...result.diagnostics);
      continue;
    }
    const spec = result.spec;
    const key = `${spec.namespace}.${spec.id}`;
    const other = seen.get(key);
    if (other)
      diagnostics.push({
        file,
        line: 1,
        col: 1,
        path: 'id',
        message: `Flow ${key} is also defined in ${other}`,
        hint: 'deploy each flow from one file',
      });
    seen.set(key, file);
    const problems = scheduleProblems(spec, file);
    diagnostics.push(...problems);
    if (problems.length === 0) flows.push({ file, source, spec });
  }
  return { flows, diagnostics, warnings };
}

function scheduleProblems(spec: FlowSpec, file: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  scheduleTriggersOf(spec).forEach((trigger) => {
    const index = (spec.triggers ?? []).indexOf(trigger);
    const at = (property: string, message: string, hint?: string): Diagnostic => ({
      file,
      ...(trigger.position ?? { line: 1, col: 1 }),
      path: `triggers[${index}].${property}`,
      message,
      hint,
    });
    try {
      parseKestraCron(trigger.cron, trigger.withSeconds);
    } catch (error) {
      if (!(error instanceof CronSyntaxError)) throw error;
      diagnostics.push(at('cron', `invalid cron expression '${trigger.cron}': ${error.message}`));
    }
    try {
      if (trigger.timezone) checkTimeZone(trigger.timezone);
    } catch {
      diagnostics.push(at('timezone', `Invalid time zone: ${trigger.timezone}`));
    }
    if (diagnostics.length > 0) return;
    for (const message of triggerInputProblems(withoutMissingInputs(spec, trigger), trigger)) diagnostics.push(at('inputs', message));
  });
  return diagnostics;
}

/**
 * The flow as deploy checks a Schedule trigger's inputs: a value the trigger gives must be valid,
 * but a required input it gives no value for (nor a default) is not refused: Kestra accepts such a
 * flow, and each run fails, FAILED and naming the input, unless a backfill gives the value.
 */
function withoutMissingInputs(spec: FlowSpec, trigger: ScheduleTriggerSpec): FlowSpec {
  const missing = (input: FlowSpec['inputs'][number]) => input.defaults === undefined && !(input.id in trigger.inputs);
  return { ...spec, inputs: spec.inputs.map((input) => (missing(input) ? { ...input, required: false } : input)) };
}

/** Would a run of this trigger (with these extra inputs) have valid inputs? Checked as of now. */
export function triggerInputProblems(
  spec: FlowSpec,
  trigger: ScheduleTriggerSpec,
  extraInputs: Record<string, unknown> = {},
  extraLabels: Record<string, string> = {},
): string[] {
  const [schedule] = desiredSchedules({ ...spec, triggers: [trigger] }, { taskQueue: 'check' });
  const request = schedule.options.action.args![0] as Parameters<typeof executionRequestForRun>[0];
  const now = new Date();
  const resolution = executionRequestForRun(
    { ...request, inputs: { ...request.inputs, ...extraInputs }, labels: { ...request.labels, ...extraLabels } },
    { workflowId: `${schedule.scheduleId}-check`, runId: 'check', nominalTime: now, startTime: now },
    () => false, // inputs only: the flow's checks are for each run (they may read trigger.date)
  );
  return resolution.problems ?? [];
}

/** Registers the flows and syncs their Schedules, in order. Validate first with validateForDeploy. */
export async function deployFlows(deps: DeployDependencies, flows: readonly ValidFlow[]): Promise<DeployedFlow[]> {
  const deployed: DeployedFlow[] = [];
  for (const flow of flows) {
    const { namespace, id: flowId } = flow.spec;
    const previous = await deps.flowStore.find(namespace, flowId);
    const saved = await deps.flowStore.save(namespace, flowId, flow.source);
    const spec = compileDeployed(flow.source, namespace, flowId, saved.revision);
    const schedules = await syncFlowSchedules(deps.client, deps.config, spec, previous?.scheduleIds ?? []);
    await deps.flowStore.setScheduleIds(
      namespace,
      flowId,
      scheduleTriggersOf(spec).map((t) => scheduleIdOf(spec, t.id)),
    );
    await deps.flowStore.setFlowTriggerSubscriptions(namespace, flowId, flowTriggerSubscriptions(spec));
    deployed.push({ file: flow.file, namespace, flowId, revision: saved.revision, status: saved.status, schedules });
  }
  return deployed;
}

/** A deployed flow, ready to run: `reference` is `namespace.flowId` (or `namespace/flowId`). */
export async function loadDeployedFlow(flowStore: FlowStore, reference: string, revision?: number): Promise<FlowSpec> {
  // `namespace/flowId` names one flow: `get` alone finds it (one query), where a dotted reference is resolved first.
  const slash = reference.indexOf('/');
  const { namespace, flowId } =
    slash >= 0 ? { namespace: reference.slice(0, slash), flowId: reference.slice(slash + 1) } : await flowStore.resolve(reference);
  const stored = await flowStore.get(namespace, flowId, revision);
  return compileDeployed(stored.source, namespace, flowId, stored.revision);
}

/** Soft-deletes a flow and deletes its Schedules (runs they started are left alone). */
export async function deleteDeployedFlow(
  deps: Omit<DeployDependencies, 'config'>,
  reference: string,
): Promise<{ namespace: string; flowId: string; schedules: ScheduleChange[] }> {
  const entry = await deps.flowStore.resolve(reference);
  const schedules: ScheduleChange[] = [];
  for (const scheduleId of entry.scheduleIds) {
    if (await deleteSchedule(deps.client, scheduleId)) schedules.push({ scheduleId, status: 'deleted' });
  }
  await deps.flowStore.delete(entry.namespace, entry.flowId);
  return { namespace: entry.namespace, flowId: entry.flowId, schedules };
}

/**
 * The FlowSpec of a registered source: named `<namespace>.<flowId>` in messages, with the
 * flow store's revision (what executions record as the revision they ran).
 */
export function compileDeployed(source: string, namespace: string, flowId: string, revision: number): FlowSpec {
  const key = `${namespace}/${flowId}@${revision}`;
  const cached = compiledRevisions.get(key);
  // The source is compared too: a revision number names other text after the database is reset.
  if (cached?.source === source) {
    compiledRevisions.delete(key);
    compiledRevisions.set(key, cached); // most recently used last
    return cached.spec;
  }
  const result = compileFlow(source, `${namespace}.${flowId}`);
  if (!result.spec) throw new FlowValidationError(result.diagnostics);
  const spec = { ...result.spec, revision };
  compiledRevisions.set(key, { source, spec });
  if (compiledRevisions.size > COMPILED_REVISIONS_KEPT) compiledRevisions.delete(compiledRevisions.keys().next().value!);
  return spec;
}

/**
 * Compiled revisions, least recently used first. Every execution created over the API or a webhook
 * compiles its flow's revision; a burst of them compiles the same text thousands of times (a 500-task
 * flow takes ~45 ms), so each revision is compiled once per process. The FlowSpec is shared by every
 * caller: read-only.
 */
const compiledRevisions = new Map<string, { source: string; spec: FlowSpec }>();
const COMPILED_REVISIONS_KEPT = 200;
