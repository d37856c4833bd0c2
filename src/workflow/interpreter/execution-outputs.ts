/**
 * Task outputs as the execution keeps them (`outputs.<taskId>`, nested by loop values inside
 * ForEach), and the size limits on what the workflow sends and keeps: a task's input, a task's
 * outputs, all of the execution's outputs together, flow outputs (./payload-size.ts measures them);
 * and the rendering of flow `outputs`.
 */
import type { OutputSpec, TaskSpec } from '../flow/spec';
import { type Context, render, renderProperties } from '../expression';
import { messageOf } from '../error-message';
import { parseInput } from '../flow/inputs';
import type { TaskRun } from './execution';
import type { LoopIteration } from './in-workflow-task';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from './payload-size';
import { PAYLOAD_BYTES_PATCH } from '../patches';

/** Temporal's `patched(id)`, or undefined when the port has none. */
type Patched = (id: string) => boolean | undefined;

export class ExecutionOutputs {
  /** Task outputs as expressions see them: `outputs.<taskId>`, nested by loop values inside ForEach. */
  readonly byTask: Record<string, Record<string, unknown>> = {};
  /** The UTF-8 size of every task run's outputs so far: the execution record carries them all. */
  private bytes = 0;

  constructor(private readonly patched: Patched) {}

  /**
   * Why a task's outputs cannot be kept, if they cannot: they travel in the workflow history and the
   * execution record (the workflow's result) carries every task run's outputs, each a payload
   * Temporal limits to 2 MB. So one task's outputs, and all of the execution's together, must stay
   * under MAX_PAYLOAD_DATA_BYTES (UTF-8 bytes); the task that would go over fails, named.
   */
  tooLarge(task: TaskSpec, outputs: Record<string, unknown>): string | undefined {
    const bytes = jsonBytes(outputs);
    if (this.bytes + bytes <= MAX_PAYLOAD_DATA_BYTES) return undefined;
    // Histories recorded before counted one task's outputs, in UTF-16 characters.
    const refusedBefore = JSON.stringify(outputs).length > MAX_PAYLOAD_DATA_BYTES;
    if (!refusedBefore && this.patched(PAYLOAD_BYTES_PATCH) === false) return undefined;
    const advice =
      'store large results in internal storage instead (scripts: `outputFiles`; JDBC queries: `fetchType: STORE`) and pass their kestra:// URIs';
    if (bytes > MAX_PAYLOAD_DATA_BYTES || refusedBefore) {
      return `The outputs of task ${task.id} are ${bytes} bytes, too large to keep in the execution (limit ${MAX_PAYLOAD_DATA_BYTES}): ${advice}`;
    }
    return (
      `The outputs of task ${task.id} (${bytes} bytes) would bring the outputs of this execution to ${this.bytes + bytes} bytes, ` +
      `more than an execution may hold (limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): ${advice}`
    );
  }

  /** Records a task run's outputs; inside ForEach they are keyed by the loop values: `outputs.<id>.<v1>.<v2>`. */
  set(task: TaskSpec, taskRun: TaskRun, loops: readonly LoopIteration[], outputs: Record<string, unknown>): void {
    // Only a WaitFor sets its outputs more than once (`iterationCount`): the new ones replace the old.
    if (Object.keys(taskRun.outputs).length > 0) this.forget(taskRun);
    taskRun.outputs = outputs;
    this.bytes += jsonBytes(outputs);
    if (loops.length === 0) {
      this.byTask[task.id] = outputs;
      return;
    }
    let node: Record<string, unknown> = (this.byTask[task.id] ??= {});
    for (const loop of loops.slice(0, -1)) node = (node[loop.value] ??= {}) as Record<string, unknown>;
    node[loops[loops.length - 1].value] = outputs;
  }

  /** A task run leaves the execution (a WaitFor's previous iteration): its outputs no longer count. */
  forget(taskRun: TaskRun): void {
    this.bytes -= jsonBytes(taskRun.outputs);
  }

  /** Why a task's input (its invocation) cannot be sent, if it cannot. */
  inputTooLarge(task: TaskSpec, invocation: unknown): string | undefined {
    const inputBytes = jsonBytes(invocation);
    if (inputBytes <= MAX_PAYLOAD_DATA_BYTES || this.patched(PAYLOAD_BYTES_PATCH) === false) return undefined;
    return (
      `The input of task ${task.id} is ${inputBytes} bytes, more than a task may be sent (limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): ` +
      'its properties take large values from earlier outputs; pass large data as files (kestra:// URIs) instead'
    );
  }

  /** Why the flow outputs cannot be returned, if they cannot. */
  flowOutputsTooLarge(outputs: Record<string, unknown>): string | undefined {
    const bytes = jsonBytes(outputs);
    if (bytes <= MAX_PAYLOAD_DATA_BYTES || this.patched(PAYLOAD_BYTES_PATCH) === false) return undefined;
    return (
      `the flow outputs (${Object.keys(outputs).join(', ')}) are ${bytes} bytes, more than an execution may return ` +
      `(limit ${MAX_PAYLOAD_DATA_BYTES}, under Temporal's 2 MB payload limit): return kestra:// URIs of files instead`
    );
  }
}

/**
 * Flow `outputs`, typed as Kestra does: each value rendered, then parsed by its declared type (the
 * rules of inputs). Either all of them, or the error that fails the execution.
 */
export function renderFlowOutputs(
  declared: readonly OutputSpec[],
  context: Context,
  limits: Pick<ExecutionOutputs, 'flowOutputsTooLarge'>,
): { outputs?: Record<string, unknown>; error?: string } {
  const outputs: Record<string, unknown> = {};
  try {
    for (const output of declared) {
      const rendered = typeof output.value === 'string' ? render(output.value, context) : renderProperties(output.value, context);
      outputs[output.id] = parseInput({ id: output.id, type: output.type, required: true }, rendered);
    }
    const tooLarge = limits.flowOutputsTooLarge(outputs);
    if (tooLarge) throw new Error(tooLarge);
    return { outputs };
  } catch (error) {
    return { error: `Failed to render output values: ${messageOf(error)}` };
  }
}
