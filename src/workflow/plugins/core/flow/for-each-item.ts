import { z } from 'zod';
import type { TaskKind, TaskSpec } from '../../../flow/spec';
import { defineFlowableTask } from '../../task-definition';
import type { InWorkflowTaskContext } from '../../../interpreter/in-workflow-task';
import { childExecutionProperties } from './subflow';

/** Kestra's names of ForEachItem's three steps (internal task types: no flow names them). */
export const FOR_EACH_ITEM_SPLIT_TYPE = 'io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit';
export const FOR_EACH_ITEM_EXECUTABLE_TYPE = 'io.kestra.plugin.core.flow.ForEachItem$ForEachItemExecutable';
export const FOR_EACH_ITEM_MERGE_TYPE = 'io.kestra.plugin.core.flow.ForEachItem$ForEachItemMergeOutputs';

/**
 * The most batches (so subflow executions) one ForEachItem runs. Each child adds a few events and
 * its result to this execution's history, which Temporal caps at 51,200 events and 50 MB: a
 * thousand stay far below both. A file that makes more fails the split, saying to make batches larger.
 */
export const MAX_FOR_EACH_ITEM_BATCHES = 1000;

const count = () => z.union([z.number().int().min(1), z.string()]);

const batchSchema = () =>
  z
    .strictObject({
      rows: count().optional().describe('Lines per batch (default 1).'),
      bytes: z.string().optional().describe('Bytes per batch, e.g. 10MB: a batch ends after the line that reaches it.'),
      partitions: count().optional().describe('Number of batches: the lines are dealt out to them in turn.'),
      separator: z.string().optional().describe('Written after each line (default a newline).'),
    })
    .refine((batch) => [batch.rows, batch.bytes, batch.partitions].filter((value) => value !== undefined).length <= 1, {
      message: 'set only one of batch.rows, batch.bytes, batch.partitions',
    });

/**
 * `ForEachItem`: splits the `items` file (kestra://, one item a line) into batches and runs the flow
 * `namespace.flowId` once per batch, its `inputs` rendered with `taskrun.items` (the batch file's
 * URI) and `taskrun.iteration` (0, 1…). As in Kestra, it runs three steps as its child task runs:
 * `<id>_split` (an activity writing the batch files: outputs `splits`, `numberOfBatches`),
 * `<id>_items` (the subflow executions, all started at once: outputs `numberOfBatches`, `iterations`
 * = count per state) and `<id>_merge` (an activity gathering the children's flow outputs into one
 * ION file, a line per child: output `subflowOutputs`). This task run gets `numberOfBatches`,
 * `iterations` and `uri` (the merged file) too.
 */
export const forEachItemTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.ForEachItem',
  aliases: ['io.kestra.core.tasks.flows.ForEachItem'],
  title: 'Split a file into batches of lines and run a subflow execution for each batch.',
  properties: () =>
    z.strictObject({
      items: z.string().describe('The kestra:// URI of the file to split, one item a line.'),
      batch: batchSchema().optional(),
      ...childExecutionProperties(),
    }),
  childLists: [],
  async execute(context) {
    const { items, batch, ...subflow } = context.task.properties;
    const split = step(context.task, '_split', FOR_EACH_ITEM_SPLIT_TYPE, 'runnable', { items, ...(batch !== undefined ? { batch } : {}) });
    const run = step(context.task, '_items', FOR_EACH_ITEM_EXECUTABLE_TYPE, 'flowable', subflow);
    const ran = outputsExpression(context, run.id);
    const merge = step(context.task, '_merge', FOR_EACH_ITEM_MERGE_TYPE, 'runnable', {
      executionIdPrefix: `{{ ${ran}.executionIdPrefix ?? '' }}`,
      numberOfBatches: `{{ ${ran}.numberOfBatches }}`,
    });
    // One after another, stopping at the first that fails, as Kestra's steps.
    const state = await context.runTasks([split, run, merge]);
    const ranOutputs = stepOutputs(context, run.id);
    const merged = stepOutputs(context, merge.id)?.subflowOutputs;
    if (!ranOutputs) return { state };
    const { numberOfBatches, iterations } = ranOutputs;
    return { state, outputs: { numberOfBatches, iterations, ...(merged ? { uri: merged } : {}) } };
  },
});

/** A step of ForEachItem `parent`: a task run under it, with its log level. */
function step(parent: TaskSpec, suffix: string, type: string, kind: TaskKind, properties: Record<string, unknown>): TaskSpec {
  return { id: `${parent.id}${suffix}`, type, kind, properties, ...(parent.logLevel ? { logLevel: parent.logLevel } : {}) };
}

/** The expression for a sibling step's outputs: keyed by the loop values inside a ForEach, as Kestra keeps them. */
export function outputsExpression(context: InWorkflowTaskContext, taskId: string): string {
  return context.taskRun.value !== undefined ? `currentEachOutput(outputs['${taskId}'])` : `outputs['${taskId}']`;
}

/** A sibling step's outputs, or undefined when it did not run (or set none). */
export function stepOutputs(context: InWorkflowTaskContext, taskId: string): Record<string, unknown> | undefined {
  try {
    const outputs = context.renderTyped(`{{ ${outputsExpression(context, taskId)} }}`);
    return outputs && typeof outputs === 'object' ? (outputs as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
