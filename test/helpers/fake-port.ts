import { compileFlow } from '../../src/flow/compile';
import type { FlowSpec } from '../../src/flow/spec';
import type { Execution } from '../../src/interpreter/execution';
import { FlowRun, type InterpreterPort, type TaskInvocation, type TaskInvocationOptions, type TaskResult, TaskFailure } from '../../src/interpreter/flow-run';
import { resolveInputs } from '../../src/interpreter/inputs';

/** Compiles inline YAML, failing loudly on any diagnostic. */
export function flow(yaml: string): FlowSpec {
  const { spec, diagnostics } = compileFlow(yaml, 'inline.yaml');
  if (!spec) throw new Error(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return spec;
}

type Behaviour = (invocation: TaskInvocation) => Record<string, unknown> | Error;

/**
 * Runs a flow through the interpreter with runnable tasks simulated in memory: Return gives its
 * format, Log logs, Fail fails; `behaviours` overrides by task id.
 */
export async function runWithFakePort(
  spec: FlowSpec,
  inputs: Record<string, unknown> = {},
  behaviours: Record<string, Behaviour> = {},
): Promise<{ execution: Execution; calls: { invocation: TaskInvocation; options: TaskInvocationOptions }[]; run: FlowRun }> {
  const calls: { invocation: TaskInvocation; options: TaskInvocationOptions }[] = [];
  let ids = 0;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const port: InterpreterPort = {
    async runTask(invocation, options): Promise<TaskResult> {
      calls.push({ invocation, options });
      const behaviour = behaviours[invocation.taskId];
      const outcome = behaviour ? behaviour(invocation) : defaultBehaviour(invocation);
      if (outcome instanceof Error) throw new TaskFailure(outcome.message, 1);
      const logs = invocation.type.endsWith('.Log')
        ? [{ timestamp: new Date(clock).toISOString(), level: 'INFO' as const, message: String(invocation.properties.message) }]
        : [];
      return { outputs: outcome, logs, attempts: 1 };
    },
    newId: () => `tr${++ids}`,
    now: () => new Date((clock += 10)),
  };
  const resolved = resolveInputs(spec.inputs, inputs);
  if (resolved.problems.length > 0) throw new Error(resolved.problems.map((p) => p.message).join('\n'));
  const run = new FlowRun({ executionId: 'exec-1', flow: spec, inputs: resolved.inputs, labels: {} }, port);
  const execution = await run.run();
  return { execution, calls, run };
}

function defaultBehaviour(invocation: TaskInvocation): Record<string, unknown> | Error {
  if (invocation.type.endsWith('.Return')) return { value: invocation.properties.format ?? null };
  if (invocation.type.endsWith('.Fail')) return new Error(String(invocation.properties.errorMessage ?? 'Task failure'));
  return {};
}
