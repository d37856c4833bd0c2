import { compileFlow } from '../../src/compiler/compile';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { FlowRun } from '../../src/workflow/interpreter/flow-run';
import type { InterpreterPort, RetryOf, SubflowEnd, SubflowStart } from '../../src/workflow/interpreter/interpreter-port';
import { type TaskInvocation, type TaskInvocationOptions, type TaskResult, TaskFailure } from '../../src/workflow/interpreter/task-invocation';
import { resolveInputs } from '../../src/workflow/flow/inputs';
import type { RestartRequest } from '../../src/workflow/interpreter/restart';

/** Compiles inline YAML, failing loudly on any diagnostic. */
export function flow(yaml: string): FlowSpec {
  const { spec, diagnostics } = compileFlow(yaml, 'inline.yaml');
  if (!spec) throw new Error(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return spec;
}

/** What a fake activity throws to simulate a kill (Temporal's cancellation of the workflow). */
export class FakeCancellation extends Error {
  override name = 'FakeCancellation';
}

type Behaviour = (invocation: TaskInvocation) => Record<string, unknown> | Error | Promise<Record<string, unknown> | Error>;

export interface FakeRunOptions {
  /** Called (once per wait) when the execution starts waiting for a resume: resume it here with `run.resume(...)`. */
  onPause?(run: FlowRun): void;
  /**
   * Deployed flows a Subflow task can call, by `namespace.flowId`, with how their executions end
   * (SUCCESS without outputs by default).
   */
  subflows?: Record<string, { flow: FlowSpec; end?: SubflowEnd | ((start: SubflowStart) => SubflowEnd) }>;
  /** Run as a restart of an earlier attempt (src/workflow/interpreter/restart.ts). */
  restart?: RestartRequest;
  /** Run as the execution a CREATE_NEW_EXECUTION retry created (src/workflow/interpreter/new-execution-retry.ts). */
  retryOf?: RetryOf;
}

export interface FakeRunResult {
  execution: Execution;
  calls: { invocation: TaskInvocation; options: TaskInvocationOptions }[];
  run: FlowRun;
  /** Durable timers asked for. */
  sleeps: { ms: number; summary: string }[];
  /** Waits for a resume, with their timeouts. */
  waits: { timeoutMs?: number; summary: string }[];
  /** Each `labelsChanged` / `stateChanged` the port saw, in order. */
  portEvents: string[];
  /** The child executions Subflow tasks started. */
  subflowStarts: SubflowStart[];
}

/**
 * Runs a flow through the interpreter with runnable tasks simulated in memory: Return gives its
 * format, Log logs, Fail fails; `behaviours` overrides by task id (an async behaviour lets tests
 * control how concurrent tasks interleave). Timers advance a fake clock at once; a wait for a
 * resume gives `onPause` a chance to resume, then times out (or fails the test when it has no timeout).
 */
export async function runWithFakePort(
  spec: FlowSpec,
  inputs: Record<string, unknown> = {},
  behaviours: Record<string, Behaviour> = {},
  options: FakeRunOptions = {},
): Promise<FakeRunResult> {
  const calls: FakeRunResult['calls'] = [];
  const sleeps: FakeRunResult['sleeps'] = [];
  const waits: FakeRunResult['waits'] = [];
  const portEvents: string[] = [];
  const subflowStarts: SubflowStart[] = [];
  let ids = 0;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const port: InterpreterPort = {
    async runTask(invocation, taskOptions): Promise<TaskResult> {
      calls.push({ invocation, options: taskOptions });
      const behaviour = behaviours[invocation.taskId];
      const outcome = behaviour ? await behaviour(invocation) : defaultBehaviour(invocation);
      if (outcome instanceof FakeCancellation) throw outcome;
      // One attempt, after those the workflow made before scheduling it (failed renders).
      const attempts = (taskOptions.earlier?.attempts ?? 0) + 1;
      if (outcome instanceof Error) throw new TaskFailure(outcome.message, attempts);
      const logs = invocation.type.endsWith('.Log')
        ? [{ timestamp: new Date(clock).toISOString(), level: 'INFO' as const, message: String(invocation.properties.message) }]
        : [];
      return { outputs: outcome, logs, attempts };
    },
    async sleep(ms, summary) {
      sleeps.push({ ms, summary });
      clock += ms;
    },
    async waitUntil(predicate, timeoutMs, summary) {
      waits.push({ timeoutMs, summary });
      if (options.onPause) setImmediate(() => options.onPause?.(run));
      for (let tick = 0; tick < 50; tick++) {
        if (predicate()) return true;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (timeoutMs === undefined) throw new Error(`nobody resumed the execution waiting at ${summary}`);
      clock += timeoutMs;
      return false;
    },
    isCancellation: (error) => error instanceof FakeCancellation,
    newId: () => `tr${++ids}`,
    now: () => new Date((clock += 10)),
    labelsChanged: (labels) => portEvents.push(`labels ${JSON.stringify(labels)}`),
    stateChanged: (state) => portEvents.push(state),
    async loadFlow(namespace, flowId, revision) {
      const deployed = options.subflows?.[`${namespace}.${flowId}`];
      if (!deployed) throw new Error(`Unable to find flow '${namespace}'.'${flowId}'`);
      return revision === undefined ? deployed.flow : { ...deployed.flow, revision };
    },
    async startSubflow(start) {
      subflowStarts.push(start);
      if (!start.wait) return undefined;
      const end = options.subflows?.[`${start.request.flow.namespace}.${start.request.flow.id}`]?.end ?? { state: 'SUCCESS', outputs: {} };
      return typeof end === 'function' ? end(start) : end;
    },
  };
  const resolved = resolveInputs(spec.inputs, inputs);
  if (resolved.problems.length > 0) throw new Error(resolved.problems.map((p) => p.message).join('\n'));
  const run = new FlowRun(
    {
      executionId: 'exec-1',
      flow: spec,
      inputs: resolved.inputs,
      labels: {},
      ...(options.restart ? { restart: options.restart } : {}),
      ...(options.retryOf ? { retryOf: options.retryOf } : {}),
    },
    port,
  );
  const execution = await run.run();
  return { execution, calls, run, sleeps, waits, portEvents, subflowStarts };
}

function defaultBehaviour(invocation: TaskInvocation): Record<string, unknown> | Error {
  if (invocation.type.endsWith('.Return')) return { value: invocation.properties.format ?? null };
  if (invocation.type.endsWith('.Fail')) return new Error(String(invocation.properties.errorMessage ?? 'Task failure'));
  return {};
}

/** A fake task behaviour that counts how many of its runs overlap: `most()` is the highest count seen at once. */
export function concurrencyProbe(): { work: Behaviour; most(): number } {
  let running = 0;
  let most = 0;
  const work = async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
    return {};
  };
  return { work, most: () => most };
}
