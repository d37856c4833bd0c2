/**
 * A flow's topology drawn as SVG, laid out by dagre (left to right): a box per task or trigger
 * (its id and short type), a dot where a branch starts or ends, a labelled box around each
 * flowable task's cluster (If, Switch, Parallel, ForEach, Dag, errors, finally), labelled edges
 * (then/else, Switch cases). Shared by the flow's and the execution's topology tabs: `states`
 * (task id → state) colours the tasks.
 */
import dagre from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { FlowGraph, GraphNode } from './flow-graph-types';

const NODE = { width: 190, height: 46 };
const DOT = { width: 14, height: 14 };

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Layout {
  width: number;
  height: number;
  nodes: { node: GraphNode; box: Box }[];
  edges: { key: string; points: { x: number; y: number }[]; label?: string; relation: string }[];
  clusters: { uid: string; label: string; box: Box; relation: string }[];
}

const isBox = (node: GraphNode) => Boolean(node.task ?? node.trigger);
const shortType = (type: string) => type.split('.').pop() ?? type;

/** A cluster's caption: its flowable task and that task's short type (`if_yellow_taxi · If`). */
function clusterLabel({ cluster, start }: FlowGraph['clusters'][number], nodes: Map<string, GraphNode>): string {
  if (cluster.uid === 'cluster_root.Triggers') return 'Triggers';
  const type = nodes.get(start)?.task?.type;
  return [cluster.taskId, type ? shortType(type) : cluster.relationType.toLowerCase()].filter(Boolean).join(' · ');
}

function layoutGraph(graph: FlowGraph): Layout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 44, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const byUid = new Map(graph.nodes.map((node) => [node.uid, node]));
  for (const node of graph.nodes) g.setNode(node.uid, { ...(isBox(node) ? NODE : DOT) });
  for (const { cluster, nodes, parents } of graph.clusters) {
    g.setNode(cluster.uid, { paddingTop: 26 });
    const parent = parents.at(-1);
    if (parent) g.setParent(cluster.uid, parent);
    for (const uid of nodes) if (g.hasNode(uid)) g.setParent(uid, cluster.uid);
  }
  graph.edges.forEach((edge, index) => {
    const label = edge.relation.value;
    g.setEdge(edge.source, edge.target, label ? { label, width: label.length * 7, height: 14 } : {}, String(index));
  });
  dagre.layout(g);

  const boxOf = (uid: string): Box => {
    const { x, y, width, height } = g.node(uid);
    return { x: x - width / 2, y: y - height / 2, width, height };
  };
  const clusterIds = new Set(graph.clusters.map((c) => c.cluster.uid));
  return {
    width: g.graph().width ?? 0,
    height: g.graph().height ?? 0,
    nodes: graph.nodes.filter((node) => !clusterIds.has(node.uid)).map((node) => ({ node, box: boxOf(node.uid) })),
    edges: graph.edges.map((edge, index) => ({
      key: String(index),
      points: g.edge(edge.source, edge.target, String(index)).points ?? [],
      label: edge.relation.value,
      relation: edge.relation.relationType.toLowerCase(),
    })),
    clusters: graph.clusters.map((entry) => ({
      uid: entry.cluster.uid,
      label: clusterLabel(entry, byUid),
      box: boxOf(entry.cluster.uid),
      relation: entry.cluster.relationType.toLowerCase(),
    })),
  };
}

function edgePath(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ');
}

interface FlowGraphViewProps {
  graph: FlowGraph;
  /** Task id → state (RUNNING, SUCCESS, FAILED, …): colours the task's box. */
  states?: Record<string, string>;
  selected?: string;
  onSelect?(node: GraphNode): void;
}

export function FlowGraphView({ graph, states, selected, onSelect }: FlowGraphViewProps) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  return (
    <div className="flow-graph">
      <svg width={layout.width} height={layout.height} role="img" aria-label="Flow topology">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
        </defs>
        {layout.clusters.map((cluster) => (
          <g key={cluster.uid} className={`graph-cluster relation-${cluster.relation}`}>
            <rect x={cluster.box.x} y={cluster.box.y} width={cluster.box.width} height={cluster.box.height} rx={6} />
            <text x={cluster.box.x + 8} y={cluster.box.y + 16}>
              {cluster.label}
            </text>
          </g>
        ))}
        {layout.edges.map((edge) => (
          <g key={edge.key} className={`graph-edge relation-${edge.relation}`}>
            <path d={edgePath(edge.points)} markerEnd="url(#arrow)" />
            {edge.label && edge.points.length > 0 ? (
              <text x={edge.points[Math.floor(edge.points.length / 2)].x} y={edge.points[Math.floor(edge.points.length / 2)].y - 4}>
                {edge.label}
              </text>
            ) : null}
          </g>
        ))}
        {layout.nodes.map(({ node, box }) => {
          const item = node.task ?? node.trigger;
          if (!item) return <circle key={node.uid} className="graph-dot" cx={box.x + box.width / 2} cy={box.y + box.height / 2} r={5} />;
          const state = node.task ? states?.[node.task.id] : undefined;
          const classes = [
            'graph-node',
            state ? `state-${state.toLowerCase()}` : '',
            node.uid === selected ? 'selected' : '',
            item.disabled ? 'disabled' : '',
          ];
          const select = () => onSelect?.(node);
          return (
            <g
              key={node.uid}
              className={classes.join(' ')}
              role="button"
              tabIndex={0}
              aria-label={item.id}
              aria-pressed={node.uid === selected}
              onClick={select}
              onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && select()}
            >
              <title>{`${item.id}: ${item.type}${state ? ` (${state})` : ''}`}</title>
              <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={4} />
              <text x={box.x + 10} y={box.y + 19} className="graph-node-id">
                {item.id}
              </text>
              <text x={box.x + 10} y={box.y + 36} className="graph-node-type">
                {shortType(item.type)}
                {state ? ` · ${state}` : ''}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
