/** The flow's topology tab: its graph (a lazily loaded chunk with dagre); a task's YAML on click. */
import { useState } from 'react';
import { ErrorMessage, Loading } from '../components';
import { FlowGraphView } from '../graph/flow-graph';
import type { FlowGraph, GraphNode } from '../graph/flow-graph-types';
import { useApi } from '../use-api';
import type { FlowTabProps } from './flow-tab';

export function FlowTopology({ flow }: FlowTabProps) {
  const graph = useApi<FlowGraph>(`/flows/${flow.namespace}/${flow.id}/graph?revision=${flow.revision}`);
  const [selected, setSelected] = useState<GraphNode>();
  const item = selected?.task ?? selected?.trigger;
  return (
    <div className="topology">
      <ErrorMessage error={graph.error} />
      <Loading when={graph.loading && !graph.data} />
      {graph.data ? <FlowGraphView graph={graph.data} selected={selected?.uid} onSelect={setSelected} /> : null}
      {item ? (
        <aside className="node-detail" aria-label="Task source">
          <h2>
            {item.id} <span className="muted">{item.type}</span>
          </h2>
          {selected?.sourceLines ? (
            <p className="muted">
              Lines {selected.sourceLines.start}–{selected.sourceLines.end}
            </p>
          ) : null}
          <pre>{selected?.yaml}</pre>
        </aside>
      ) : null}
    </div>
  );
}
