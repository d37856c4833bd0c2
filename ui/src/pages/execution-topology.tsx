/** An execution's Topology tab: its flow revision's graph, each task coloured by its task runs' state. */
import { useMemo } from 'react';
import type { Execution, TaskRun } from '../api';
import { ErrorMessage, Loading } from '../components';
import { FlowGraphView } from '../graph/flow-graph';
import type { FlowGraph } from '../graph/flow-graph-types';
import { isEnded } from '../states';
import { useApi } from '../use-api';

/**
 * One state per task id: a task that runs many times (ForEach iterations, attempts after a restart)
 * shows what needs attention first — still running, then failed — else its latest run's state.
 */
export function taskStates(taskRuns: TaskRun[]): Record<string, string> {
  const states: Record<string, string> = {};
  for (const run of taskRuns) {
    const state = run.state.current;
    const shown = states[run.taskId];
    if (shown === undefined || (isEnded(shown) && (!isEnded(state) || shown !== 'FAILED'))) states[run.taskId] = state;
  }
  return states;
}

export function ExecutionTopology({ execution }: { execution: Execution }) {
  const graph = useApi<FlowGraph>(`/flows/${execution.namespace}/${execution.flowId}/graph?revision=${execution.flowRevision}`);
  const states = useMemo(() => taskStates(execution.taskRunList), [execution]);
  return (
    <div className="topology">
      <ErrorMessage error={graph.error} />
      <Loading when={graph.loading && !graph.data} />
      {graph.data ? <FlowGraphView graph={graph.data} states={states} /> : null}
    </div>
  );
}
