/** The flow graph as `GET /api/v1/flows/{namespace}/{id}/graph` answers it (src/server/flow-graph.ts). */
export interface GraphNode {
  uid: string;
  type: string;
  task?: { id: string; type: string; description?: string; disabled?: boolean };
  trigger?: { id: string; type: string; disabled: boolean };
  relationType?: string;
  branchType?: string;
  yaml?: string;
  sourceLines?: { start: number; end: number };
}

export interface GraphEdge {
  source: string;
  target: string;
  relation: { relationType: string; value?: string };
}

export interface GraphCluster {
  cluster: { uid: string; type: string; relationType: string; taskId?: string };
  nodes: string[];
  parents: string[];
  start: string;
  end: string;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
}
