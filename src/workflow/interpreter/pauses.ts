/**
 * Pause tasks waiting for a resume, and the resume requests that release them (the workflow's
 * `tflow.resume` update calls `validateResume`, then `resume`). The execution is PAUSED while any
 * Pause waits; a resume's `onResume` inputs are validated against every waiting Pause first.
 */
import type { InputSpec, LogLevel, TaskSpec } from '../flow/spec';
import type { Context } from '../expression';
import type { Execution, TaskRun } from './execution';
import type { PauseOutcome } from './in-workflow-task';
import { type InputOptions, resolveInputs } from '../flow/inputs';
import type { StorageScope } from '../storage/storage-scope';
import type { ExecutionRequest, InterpreterPort } from './interpreter-port';
import { parentExecution } from './variables';
import { INPUT_RANGE_RULES_PATCH } from '../patches';

/** A resume request that cannot be applied: the execution is not paused, or an `onResume` input is invalid. */
export class ResumeRefused extends Error {
  override name = 'ResumeRefused';
}

/** What pauses see of the running execution (FlowRun provides it). */
export interface PauseHost {
  readonly port: InterpreterPort;
  readonly request: ExecutionRequest;
  readonly execution: Execution;
  log(level: LogLevel, message: string, task?: TaskSpec, taskRun?: TaskRun): void;
  changed(): void;
  /** The variables `onResume` inputs are resolved against. */
  variables(): Context;
}

interface WaitingPause {
  onResume: InputSpec[];
  /** Set by a resume request: the validated onResume inputs. */
  resumedWith?: Record<string, unknown>;
}

export class Pauses {
  /** Pause task runs waiting for a resume, by task run id. */
  private readonly waiting = new Map<string, WaitingPause>();

  constructor(private readonly host: PauseHost) {}

  /**
   * Throws ResumeRefused, with the reason, when `resume(inputs)` would be refused. Changes nothing.
   * A FILE value must be a file this execution may read (its own, its namespace's, its parent's),
   * as for a Subflow's FILE inputs (src/workflow/storage/storage-scope.ts).
   */
  validateResume(inputs: Record<string, unknown>): void {
    // An update validator cannot ask patched(): on the validator's side (never replayed), rules apply.
    this.resolveResume(inputs, { fileScope: this.fileScope(), rangeRulesApply: () => true });
  }

  /** Resumes every waiting Pause with the given `onResume` inputs; returns the resumed task ids. */
  resume(inputs: Record<string, unknown>): string[] {
    // FILE values were held to the file scope by validateResume, the resume update's validator,
    // which Temporal runs before every new resume and never on replay. Not checking them again here
    // keeps executions that accepted an out-of-scope file before that check replaying as they ran.
    // Executions recorded before DATE/TIME/DURATION ranges were enforced resume as they did then.
    const resolved = this.resolveResume(inputs, { rangeRulesApply: () => this.host.port.patched?.(INPUT_RANGE_RULES_PATCH) ?? true });
    for (const [taskRunId, values] of resolved) this.waiting.get(taskRunId)!.resumedWith = values;
    return this.host.execution.taskRuns.filter((r) => resolved.has(r.id)).map((r) => r.taskId);
  }

  private resolveResume(inputs: Record<string, unknown>, options: InputOptions = {}): Map<string, Record<string, unknown>> {
    const { execution } = this.host;
    if (this.waiting.size === 0) throw new ResumeRefused(`Execution ${execution.id} is not paused (state ${execution.state})`);
    const resolved = new Map<string, Record<string, unknown>>();
    for (const [taskRunId, waiting] of this.waiting) {
      const { inputs: values, problems } = resolveInputs(waiting.onResume, inputs, this.host.variables(), options);
      if (problems.length > 0) throw new ResumeRefused(problems.map((p) => p.message).join('\n'));
      resolved.set(taskRunId, values);
    }
    return resolved;
  }

  /** A Pause task run waits until resumed or `timeoutMs` elapses. */
  async pause(task: TaskSpec, taskRun: TaskRun, options: { timeoutMs?: number; onResume: InputSpec[] }): Promise<PauseOutcome> {
    const waiting: WaitingPause = { onResume: options.onResume };
    this.waiting.set(taskRun.id, waiting);
    taskRun.state = 'PAUSED';
    this.host.log('INFO', `Paused: resume with \`tflow resume ${this.host.execution.id}\``, task, taskRun);
    this.updatePausedState();
    let resumed: boolean;
    try {
      resumed = await this.host.port.waitUntil(() => waiting.resumedWith !== undefined, options.timeoutMs, task.id);
    } finally {
      this.waiting.delete(taskRun.id);
    }
    taskRun.state = 'RUNNING';
    this.updatePausedState();
    return resumed ? { resumed: true, inputs: waiting.resumedWith ?? {} } : { resumed: false };
  }

  /** The files this execution may read. */
  private fileScope(): StorageScope {
    const { execution, request } = this.host;
    const parent = parentExecution(request);
    return { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, ...(parent ? { parent } : {}) };
  }

  /** The execution is PAUSED while any Pause waits. */
  private updatePausedState(): void {
    const state = this.waiting.size > 0 ? 'PAUSED' : 'RUNNING';
    const { execution } = this.host;
    if (execution.state !== state) {
      execution.state = state;
      this.host.port.stateChanged?.(state);
    }
    this.host.changed();
  }
}
