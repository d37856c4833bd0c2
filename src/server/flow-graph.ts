/**
 * The flow's topology for the UI: `GET /api/v1/flows/{namespace}/{id}/graph[?revision=N]`, built
 * from the compiled FlowSpec (never from the YAML's shape) and laid out by the client. Kestra's
 * FlowGraph shape, with each task node also carrying its YAML snippet and source lines:
 *
 * ```
 * {
 *   nodes: [{
 *     uid: 'root.if_yellow_taxi.yellow_create_table',   // unique: the task ids from the root down
 *     type: 'io.kestra.core.models.hierarchies.GraphTask'  // a task; SubflowGraphTask for a Subflow;
 *         | '…GraphClusterRoot' | '…GraphClusterEnd'      // a cluster's entry and exit points;
 *         | '…GraphTrigger',                              // a trigger (in the `root.Triggers` cluster)
 *     task?: { id, type, description?, disabled? },       // task nodes
 *     trigger?: { id, type, disabled },                   // trigger nodes
 *     relationType?: 'SEQUENTIAL'|'CHOICE'|'PARALLEL'|'DYNAMIC'|'ERROR'|'FINALLY'|'AFTER_EXECUTION', // how it is reached
 *     branchType?: 'ERROR'|'FINALLY'|'AFTER_EXECUTION',  // set on the tasks of those branches (and nested ones)
 *     yaml?: string,                                      // the task's (or trigger's) YAML, dedented
 *     sourceLines?: { start: number, end: number },      // 1-based, inclusive, in the revision's source
 *   }],
 *   edges: [{ source: uid, target: uid, relation: { relationType, value? } }],
 *     // value: 'then'/'else' (If), the case key or 'defaults' (Switch)
 *   clusters: [{
 *     cluster: { uid: 'cluster_root.if_yellow_taxi', type: '…GraphCluster', relationType, taskId? },
 *     nodes: [uid],      // the nodes directly inside it (nested clusters list their own)
 *     parents: [uid],    // the enclosing clusters, outermost first
 *     start: uid,        // where the cluster is entered: the flowable task's node
 *     end: uid,          // where its branches meet again: a GraphClusterEnd
 *   }],
 *   flowables: [taskId],  // the flowable tasks (If, Switch, Parallel, ForEach, Dag, …)
 * }
 * ```
 *
 * The flow starts at `root.root` and ends at `root.end`. `tasks` is the main sequence between them;
 * `errors`, `finally` and `afterExecution` are branches from `root.root` to `root.end` (errors branch
 * of a flowable: from its node to its end). A flowable task is a cluster: its node, then its children
 * (If: `then`/`else` CHOICE edges; Switch: one CHOICE edge per case; Parallel: a PARALLEL edge per
 * task; ForEach: DYNAMIC; Dag: its `dependsOn` edges), then its GraphClusterEnd.
 */
import type { FastifyInstance } from 'fastify';
import { compileDeployed } from '../flow-store/deploy';
import type { FlowSpec, SourcePosition, TaskSpec } from '../workflow/flow/spec';
import type { ApiContext } from './context';
import { HttpError } from './errors';

const HIERARCHY = 'io.kestra.core.models.hierarchies.';
const SUBFLOW_TYPE = 'io.kestra.plugin.core.flow.Subflow';
const FALLBACK_LISTS = ['else', 'defaults'];

export type RelationType = 'SEQUENTIAL' | 'CHOICE' | 'PARALLEL' | 'DYNAMIC' | 'ERROR' | 'FINALLY' | 'AFTER_EXECUTION';
type BranchType = 'ERROR' | 'FINALLY' | 'AFTER_EXECUTION';

export interface GraphNode {
  uid: string;
  type: string;
  task?: { id: string; type: string; description?: string; disabled?: boolean };
  trigger?: { id: string; type: string; disabled: boolean };
  relationType?: RelationType;
  branchType?: BranchType;
  yaml?: string;
  sourceLines?: { start: number; end: number };
}

export interface GraphEdge {
  source: string;
  target: string;
  relation: { relationType: RelationType; value?: string };
}

export interface GraphCluster {
  cluster: { uid: string; type: string; relationType: RelationType; taskId?: string };
  nodes: string[];
  parents: string[];
  start: string;
  end: string;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
  flowables: string[];
}

interface Relation {
  relationType: RelationType;
  value?: string;
}

/** Where new nodes go: the enclosing cluster uids (outermost first) and the branch they belong to. */
interface Place {
  prefix: string;
  clusters: GraphCluster[];
  branchType?: BranchType;
}

/** Builds the graph of a compiled flow; `source` (its YAML) gives each node its snippet and lines. */
export function flowGraph(flow: FlowSpec, source?: string): FlowGraph {
  return new GraphBuilder(source).build(flow);
}

class GraphBuilder {
  private readonly graph: FlowGraph = { nodes: [], edges: [], clusters: [], flowables: [] };
  private readonly lines: string[];

  constructor(source?: string) {
    this.lines = source === undefined ? [] : source.split(/\r?\n/);
  }

  build(flow: FlowSpec): FlowGraph {
    const root: Place = { prefix: 'root', clusters: [] };
    this.addNode(root, { uid: 'root.root', type: `${HIERARCHY}GraphClusterRoot` });
    this.addNode(root, { uid: 'root.end', type: `${HIERARCHY}GraphClusterEnd` });
    this.addTriggers(flow);
    this.chain(flow.tasks, root, 'root.root', 'root.end', { relationType: 'SEQUENTIAL' });
    this.chain(flow.errors, { ...root, branchType: 'ERROR' }, 'root.root', 'root.end', { relationType: 'ERROR' });
    this.chain(flow.finally, { ...root, branchType: 'FINALLY' }, 'root.root', 'root.end', { relationType: 'FINALLY' });
    const afterExecution = flow.afterExecution ?? [];
    this.chain(afterExecution, { ...root, branchType: 'AFTER_EXECUTION' }, 'root.root', 'root.end', { relationType: 'AFTER_EXECUTION' });
    return this.graph;
  }

  private addTriggers(flow: FlowSpec): void {
    const triggers = flow.triggers ?? [];
    if (triggers.length === 0) return;
    const cluster: GraphCluster = {
      cluster: { uid: 'cluster_root.Triggers', type: `${HIERARCHY}GraphCluster`, relationType: 'PARALLEL' },
      nodes: [],
      parents: [],
      start: 'root.Triggers.root',
      end: 'root.Triggers.end',
    };
    this.graph.clusters.push(cluster);
    const place: Place = { prefix: 'root.Triggers', clusters: [cluster] };
    this.addNode(place, { uid: cluster.start, type: `${HIERARCHY}GraphClusterRoot` });
    this.addNode(place, { uid: cluster.end, type: `${HIERARCHY}GraphClusterEnd` });
    for (const trigger of triggers) {
      const uid = `root.Triggers.${trigger.id}`;
      this.addNode(place, {
        uid,
        type: `${HIERARCHY}GraphTrigger`,
        trigger: { id: trigger.id, type: trigger.type, disabled: trigger.disabled },
        ...this.snippet(trigger.position),
      });
      this.edge(cluster.start, uid, { relationType: 'PARALLEL' });
      this.edge(uid, cluster.end, { relationType: 'SEQUENTIAL' });
    }
    this.edge(cluster.end, 'root.root', { relationType: 'SEQUENTIAL' });
  }

  /** `tasks` one after another from `from` to `to`; the first edge carries `first`. Nothing for an empty list. */
  private chain(tasks: readonly TaskSpec[], place: Place, from: string, to: string, first: Relation): void {
    if (tasks.length === 0) return;
    let previous = from;
    let relation = first;
    for (const task of tasks) {
      const { entry, exit } = this.addTask(task, place, relation);
      this.edge(previous, entry, relation);
      previous = exit;
      relation = { relationType: 'SEQUENTIAL' };
    }
    this.edge(previous, to, { relationType: 'SEQUENTIAL' });
  }

  /** A task's node (and, for a flowable with children, its cluster): where edges enter and leave it. */
  private addTask(task: TaskSpec, place: Place, reachedBy: Relation): { entry: string; exit: string } {
    const uid = `${place.prefix}.${task.id}`;
    this.addNode(place, {
      uid,
      type: `${HIERARCHY}${task.type === SUBFLOW_TYPE ? 'SubflowGraphTask' : 'GraphTask'}`,
      task: {
        id: task.id,
        type: task.type,
        ...(task.description ? { description: task.description } : {}),
        ...(task.disabled ? { disabled: true } : {}),
      },
      relationType: reachedBy.relationType,
      ...this.snippet(task.position),
    });
    if (task.kind !== 'flowable') return { entry: uid, exit: uid };
    this.graph.flowables.push(task.id);
    // The fallback branches (`else`, Switch `defaults`) drawn after the others.
    const lists = Object.entries(task.children ?? {})
      .filter(([, children]) => children.length > 0)
      .sort(([a], [b]) => Number(FALLBACK_LISTS.includes(a)) - Number(FALLBACK_LISTS.includes(b)));
    if (lists.length === 0 && !task.errors?.length) return { entry: uid, exit: uid };

    const cluster: GraphCluster = {
      cluster: { uid: `cluster_${uid}`, type: `${HIERARCHY}GraphCluster`, relationType: reachedBy.relationType, taskId: task.id },
      nodes: [],
      parents: place.clusters.map((c) => c.cluster.uid),
      start: uid,
      end: `${uid}.end`,
    };
    this.graph.clusters.push(cluster);
    const inside: Place = { prefix: uid, clusters: [...place.clusters, cluster], branchType: place.branchType };
    // The flowable's own node belongs to its cluster (it is the cluster's entry).
    this.moveIntoCluster(uid, place, cluster);
    this.addNode(inside, { uid: cluster.end, type: `${HIERARCHY}GraphClusterEnd` });
    if (task.type.endsWith('.Dag')) this.dag(task, inside, uid, cluster.end);
    else {
      for (const [list, children] of lists) this.childList(task.type, list, children, inside, uid, cluster.end);
    }
    this.chain(task.errors ?? [], { ...inside, branchType: 'ERROR' }, uid, cluster.end, { relationType: 'ERROR' });
    return { entry: uid, exit: cluster.end };
  }

  private childList(type: string, list: string, children: TaskSpec[], place: Place, from: string, to: string): void {
    if (list === 'then' || list === 'else' || list === 'defaults')
      return this.chain(children, place, from, to, { relationType: 'CHOICE', value: list });
    if (list.startsWith('cases.')) return this.chain(children, place, from, to, { relationType: 'CHOICE', value: list.slice('cases.'.length) });
    if (type.endsWith('.Parallel')) {
      // Each task is a branch of its own.
      for (const child of children) this.chain([child], place, from, to, { relationType: 'PARALLEL' });
      return;
    }
    const dynamic = type.endsWith('.ForEach') || type.endsWith('.EachSequential') || type.endsWith('.EachParallel');
    this.chain(children, place, from, to, { relationType: dynamic ? 'DYNAMIC' : 'SEQUENTIAL' });
  }

  /** Dag: an edge per `dependsOn`; tasks depending on nothing start from the Dag, tasks nothing depends on lead to its end. */
  private dag(task: TaskSpec, place: Place, from: string, to: string): void {
    const children = task.children?.tasks ?? [];
    const dependsOn = (task.properties.dependsOn ?? {}) as Record<string, string[]>;
    const ends = new Map<string, { entry: string; exit: string }>();
    for (const child of children) {
      const relation: Relation = { relationType: (dependsOn[child.id] ?? []).length > 0 ? 'SEQUENTIAL' : 'PARALLEL' };
      ends.set(child.id, this.addTask(child, place, relation));
    }
    const depended = new Set(Object.values(dependsOn).flat());
    for (const child of children) {
      const { entry, exit } = ends.get(child.id)!;
      const dependencies = (dependsOn[child.id] ?? []).filter((id) => ends.has(id));
      if (dependencies.length === 0) this.edge(from, entry, { relationType: 'PARALLEL' });
      for (const dependency of dependencies) this.edge(ends.get(dependency)!.exit, entry, { relationType: 'SEQUENTIAL' });
      if (!depended.has(child.id)) this.edge(exit, to, { relationType: 'SEQUENTIAL' });
    }
  }

  private addNode(place: Place, node: GraphNode): void {
    this.graph.nodes.push(place.branchType && node.task ? { ...node, branchType: place.branchType } : node);
    place.clusters[place.clusters.length - 1]?.nodes.push(node.uid);
  }

  private moveIntoCluster(uid: string, place: Place, cluster: GraphCluster): void {
    const outer = place.clusters[place.clusters.length - 1];
    if (outer) outer.nodes = outer.nodes.filter((n) => n !== uid);
    cluster.nodes.push(uid);
  }

  private edge(source: string, target: string, relation: Relation): void {
    this.graph.edges.push({ source, target, relation: relation.value === undefined ? { relationType: relation.relationType } : relation });
  }

  private snippet(position: SourcePosition | undefined): Pick<GraphNode, 'yaml' | 'sourceLines'> {
    const range = position ? yamlItemLines(this.lines, position) : undefined;
    if (!range || !position) return {};
    const indent = position.col - 1;
    const yaml = this.lines
      .slice(range.start - 1, range.end)
      .map((line, index) => (index === 0 ? line.slice(indent) : line.slice(Math.min(indent, leadingSpaces(line)))))
      .join('\n');
    return { yaml, sourceLines: range };
  }
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The lines of the YAML mapping that starts at `position` (a task in a list: `- id: …` with its
 * properties below, indented at least as far as its first key). Trailing blank and comment-only
 * lines are left out.
 */
export function yamlItemLines(lines: readonly string[], position: SourcePosition): { start: number; end: number } | undefined {
  if (position.line < 1 || position.line > lines.length) return undefined;
  const indent = position.col - 1;
  let end = position.line;
  for (let index = position.line; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (leadingSpaces(line) < indent) break;
    end = index + 1;
  }
  return { start: position.line, end };
}

/** `GET /flows/{namespace}/{id}/graph`: the graph of the latest revision, or of `revision`. */
export function registerFlowGraphRoute(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Params: { namespace: string; id: string }; Querystring: { revision?: string } }>(
    '/flows/:namespace/:id/graph',
    {
      schema: {
        summary: "The flow's task graph (Kestra's FlowGraph: nodes, edges, clusters), each task node with its YAML",
        description: 'The shape is documented at the top of src/server/flow-graph.ts.',
        tags: ['Flows'],
        params: {
          type: 'object',
          properties: { namespace: { type: 'string' }, id: { type: 'string', description: 'The flow id' } },
          required: ['namespace', 'id'],
        },
        querystring: { type: 'object', properties: { revision: { type: 'string', description: 'A revision (default: the latest)' } } },
      },
    },
    async (request) => {
      const { namespace, id } = request.params;
      const revision = request.query.revision === undefined ? undefined : Number(request.query.revision);
      if (revision !== undefined && (!Number.isInteger(revision) || revision < 1)) throw new HttpError(422, 'revision: expected an integer from 1');
      // Answers FlowNotFoundError (404) for an unknown flow or revision.
      const stored = await context.flowStore.get(namespace, id, revision);
      return flowGraph(compileDeployed(stored.source, namespace, id, stored.revision), stored.source);
    },
  );
}
