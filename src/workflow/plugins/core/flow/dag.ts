import { z } from 'zod';
import { cycleMessage, findCycle } from '../../../flow/graph';
import type { ChildrenLayout } from '../../task-definition';
import { defineFlowableTask } from '../../task-definition';
import { resolveState, type State } from '../../../interpreter/execution';
import { TaskError } from '../../../interpreter/in-workflow-task';
import { concurrencySchema, stopsSiblings } from './common';

/**
 * `Dag`: each task starts once every task it `dependsOn` has ended (at most `concurrent` at a time,
 * 0 = no limit). After a failure no new task starts.
 */
export const dagTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Dag',
  aliases: ['io.kestra.core.tasks.flows.Dag'],
  title: 'Run tasks as a graph of dependencies.',
  properties: () =>
    z.strictObject({
      tasks: z.array(z.strictObject({ task: z.record(z.string(), z.unknown()), dependsOn: z.array(z.string()).optional() })).min(1),
      concurrent: concurrencySchema().optional(),
    }),
  childLists: ['tasks'],
  validate(declared) {
    const { taskIds, dependsOn } = dagGraph(declared);
    return graphProblems(taskIds, dependsOn).map((message) => ({ path: ['tasks'], message }));
  },
  locateChildren: dagLayout,
  async execute(context) {
    const tasks = context.children('tasks');
    const dependsOn = (context.task.properties.dependsOn ?? {}) as Record<string, string[]>;
    const problems = graphProblems(
      tasks.map((t) => t.id),
      dependsOn,
    );
    if (problems.length > 0) throw new TaskError(problems.join('; '));
    const limit = Number(context.task.properties.concurrent ?? 0);

    const ended = new Map<string, State>();
    const started = new Set<string>();
    let running = 0;
    let stopped = false;
    let thrown: { error: unknown } | undefined;
    return new Promise((resolve, reject) => {
      const settle = () => (thrown ? reject(thrown.error) : resolve({ state: resolveState([...ended.values()]) }));
      // Starts, in declaration order, every task whose dependencies have all ended; called again each time one ends.
      const startReady = () => {
        for (const task of tasks) {
          if (stopped || (limit > 0 && running >= limit)) break;
          if (started.has(task.id) || !(dependsOn[task.id] ?? []).every((id) => ended.has(id))) continue;
          started.add(task.id);
          running++;
          context
            .runTasks([task])
            .then(
              (state) => {
                ended.set(task.id, state);
                if (stopsSiblings(state)) stopped = true;
              },
              (error: unknown) => {
                thrown ??= { error };
                stopped = true;
              },
            )
            .finally(() => {
              running--;
              startReady();
              if (running === 0) settle();
            });
        }
      };
      startReady();
      if (running === 0) settle();
    });
  },
});

/** Each item wraps its task as `{task, dependsOn}`: the tasks form the child list `tasks`, the dependencies the property `dependsOn: {taskId: [ids]}`. */
function dagLayout(declared: Record<string, unknown>): ChildrenLayout {
  const items = Array.isArray(declared.tasks) ? declared.tasks : [];
  return {
    children: items.map((_, i) => ({ list: 'tasks', path: ['tasks', i, 'task'] })),
    properties: { dependsOn: dagGraph(declared).dependsOn },
  };
}

function dagGraph(declared: Record<string, unknown>): { taskIds: string[]; dependsOn: Record<string, string[]> } {
  const taskIds: string[] = [];
  const dependsOn: Record<string, string[]> = {};
  for (const item of Array.isArray(declared.tasks) ? declared.tasks : []) {
    const { task, dependsOn: deps } = (item ?? {}) as { task?: { id?: unknown }; dependsOn?: unknown };
    if (typeof task?.id !== 'string') continue;
    taskIds.push(task.id);
    if (Array.isArray(deps)) dependsOn[task.id] = deps.map(String);
  }
  return { taskIds, dependsOn };
}

/** Dependencies on tasks that are not in the Dag, and cycles (which would never start). */
function graphProblems(taskIds: readonly string[], dependsOn: Record<string, string[]>): string[] {
  const ids = new Set(taskIds);
  const problems: string[] = [];
  for (const [id, deps] of Object.entries(dependsOn)) {
    for (const dep of deps) if (!ids.has(dep)) problems.push(`Task '${id}' depends on '${dep}', which is not a task of this Dag`);
  }
  const cycle = findCycle(new Map(taskIds.map((id) => [id, dependsOn[id] ?? []])));
  if (cycle) problems.push(cycleMessage(cycle));
  return problems;
}
