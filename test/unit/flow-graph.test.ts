import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileFlow } from '../../src/compiler/compile';
import { type FlowGraph, flowGraph } from '../../src/server/flow-graph';
import { PROJECT_ROOT } from '../helpers/paths';

function graphOf(source: string): FlowGraph {
  const { spec, diagnostics } = compileFlow(source, 'test');
  assert.deepEqual(diagnostics, []);
  return flowGraph(spec!, source);
}

/** `source → target` (with `:value` for a labelled edge) for every edge leaving `uid`. */
function edgesFrom(graph: FlowGraph, uid: string): string[] {
  return graph.edges
    .filter((e) => e.source === uid)
    .map((e) => `${e.relation.relationType}${e.relation.value ? `:${e.relation.value}` : ''} → ${e.target}`);
}

function node(graph: FlowGraph, uid: string) {
  const found = graph.nodes.find((n) => n.uid === uid);
  assert.ok(found, `no node ${uid} among ${graph.nodes.map((n) => n.uid).join(', ')}`);
  return found;
}

describe('flow graph: the course taxi flow', () => {
  const source = readFileSync(join(PROJECT_ROOT, 'flows', '02_postgres_taxi.yaml'), 'utf8');
  const graph = graphOf(source);

  it('chains the top-level tasks from root.root to root.end', () => {
    assert.deepEqual(edgesFrom(graph, 'root.root'), ['SEQUENTIAL → root.set_label']);
    assert.deepEqual(edgesFrom(graph, 'root.set_label'), ['SEQUENTIAL → root.extract']);
    assert.deepEqual(edgesFrom(graph, 'root.extract'), ['SEQUENTIAL → root.if_yellow_taxi']);
    assert.deepEqual(edgesFrom(graph, 'root.if_yellow_taxi.end'), ['SEQUENTIAL → root.if_green_taxi']);
    assert.deepEqual(edgesFrom(graph, 'root.if_green_taxi.end'), ['SEQUENTIAL → root.purge_files']);
    assert.deepEqual(edgesFrom(graph, 'root.purge_files'), ['SEQUENTIAL → root.end']);
  });

  it("puts the If's nested tasks on its `then` branch, in order, inside its cluster", () => {
    assert.deepEqual(edgesFrom(graph, 'root.if_yellow_taxi'), ['CHOICE:then → root.if_yellow_taxi.yellow_create_table']);
    assert.deepEqual(edgesFrom(graph, 'root.if_yellow_taxi.yellow_create_table'), ['SEQUENTIAL → root.if_yellow_taxi.yellow_create_staging_table']);
    assert.deepEqual(edgesFrom(graph, 'root.if_yellow_taxi.yellow_merge_data'), ['SEQUENTIAL → root.if_yellow_taxi.end']);
    const cluster = graph.clusters.find((c) => c.cluster.taskId === 'if_green_taxi');
    assert.ok(cluster);
    assert.equal(cluster.start, 'root.if_green_taxi');
    assert.equal(cluster.end, 'root.if_green_taxi.end');
    assert.deepEqual(cluster.nodes, [
      'root.if_green_taxi',
      'root.if_green_taxi.end',
      'root.if_green_taxi.green_create_table',
      'root.if_green_taxi.green_create_staging_table',
      'root.if_green_taxi.green_truncate_staging_table',
      'root.if_green_taxi.green_copy_in_to_staging_table',
      'root.if_green_taxi.green_add_unique_id_and_filename',
      'root.if_green_taxi.green_merge_data',
    ]);
    assert.deepEqual(graph.flowables, ['if_yellow_taxi', 'if_green_taxi']);
  });

  it('gives each task node its id, type and YAML with its source lines', () => {
    const copy = node(graph, 'root.if_yellow_taxi.yellow_copy_in_to_staging_table');
    assert.equal(copy.type, 'io.kestra.core.models.hierarchies.GraphTask');
    assert.deepEqual(copy.task, { id: 'yellow_copy_in_to_staging_table', type: 'io.kestra.plugin.jdbc.postgresql.CopyIn' });
    const lines = source.split('\n');
    assert.ok(copy.sourceLines);
    assert.match(lines[copy.sourceLines.start - 1], /- id: yellow_copy_in_to_staging_table$/);
    const nextLine = lines.slice(copy.sourceLines.end).find((line) => line.trim() !== '');
    assert.match(nextLine ?? '', /- id: yellow_add_unique_id_and_filename$/);
    assert.match(copy.yaml ?? '', /^id: yellow_copy_in_to_staging_table\ntype: io\.kestra\.plugin\.jdbc\.postgresql\.CopyIn\n/);
    // The If's snippet holds its nested tasks; the last task's stops before the next top-level key.
    assert.match(node(graph, 'root.if_yellow_taxi').yaml ?? '', /then:\n {2}- id: yellow_create_table\n/);
    assert.doesNotMatch(node(graph, 'root.purge_files').yaml ?? '', /pluginDefaults|triggers/);
  });
});

describe('flow graph: every kind of branch', () => {
  const graph = graphOf(`id: branches
namespace: test.graph
tasks:
  - id: choose
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.x }}"
    cases:
      A:
        - id: case_a
          type: io.kestra.plugin.core.log.Log
          message: a
    defaults:
      - id: other
        type: io.kestra.plugin.core.log.Log
        message: other
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: yes
        type: io.kestra.plugin.core.debug.Return
        format: y
    else:
      - id: no
        type: io.kestra.plugin.core.debug.Return
        format: n
  - id: fan_out
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: left
        type: io.kestra.plugin.core.log.Log
        message: l
      - id: right
        type: io.kestra.plugin.core.log.Log
        message: r
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: per_value
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
    errors:
      - id: each_failed
        type: io.kestra.plugin.core.log.Log
        message: failed
  - id: graph
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: first
          type: io.kestra.plugin.core.log.Log
          message: "1"
      - task:
          id: second
          type: io.kestra.plugin.core.log.Log
          message: "2"
        dependsOn: [first]
      - task:
          id: third
          type: io.kestra.plugin.core.log.Log
          message: "3"
        dependsOn: [first]
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.graph
    flowId: other
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: failed
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: done
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
`);

  it('labels Switch cases and If branches', () => {
    assert.deepEqual(edgesFrom(graph, 'root.choose'), ['CHOICE:A → root.choose.case_a', 'CHOICE:defaults → root.choose.other']);
    assert.deepEqual(edgesFrom(graph, 'root.check'), ['CHOICE:then → root.check.yes', 'CHOICE:else → root.check.no']);
    assert.deepEqual(edgesFrom(graph, 'root.check.no'), ['SEQUENTIAL → root.check.end']);
  });

  it('fans out a Parallel, loops a ForEach with its errors branch, and follows Dag dependencies', () => {
    assert.deepEqual(edgesFrom(graph, 'root.fan_out'), ['PARALLEL → root.fan_out.left', 'PARALLEL → root.fan_out.right']);
    assert.deepEqual(edgesFrom(graph, 'root.each'), ['DYNAMIC → root.each.per_value', 'ERROR → root.each.each_failed']);
    assert.equal(node(graph, 'root.each.each_failed').branchType, 'ERROR');
    assert.deepEqual(edgesFrom(graph, 'root.graph'), ['PARALLEL → root.graph.first']);
    assert.deepEqual(edgesFrom(graph, 'root.graph.first'), ['SEQUENTIAL → root.graph.second', 'SEQUENTIAL → root.graph.third']);
    assert.deepEqual(edgesFrom(graph, 'root.graph.third'), ['SEQUENTIAL → root.graph.end']);
  });

  it('marks a Subflow, the errors and finally branches and the triggers', () => {
    assert.equal(node(graph, 'root.child').type, 'io.kestra.core.models.hierarchies.SubflowGraphTask');
    assert.deepEqual(edgesFrom(graph, 'root.root'), ['SEQUENTIAL → root.choose', 'ERROR → root.alert', 'FINALLY → root.cleanup']);
    assert.equal(node(graph, 'root.cleanup').branchType, 'FINALLY');
    const trigger = node(graph, 'root.Triggers.nightly');
    assert.equal(trigger.type, 'io.kestra.core.models.hierarchies.GraphTrigger');
    assert.match(trigger.yaml ?? '', /^id: nightly\ntype: io\.kestra\.plugin\.core\.trigger\.Schedule\ncron: "0 2 \* \* \*"$/);
    assert.deepEqual(edgesFrom(graph, 'root.Triggers.end'), ['SEQUENTIAL → root.root']);
  });
});
