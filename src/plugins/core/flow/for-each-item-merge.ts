/**
 * The last step of ForEachItem (src/workflow/plugins/core/flow/for-each-item.ts), Kestra's
 * `<id>_merge` task run: gathers the flow outputs of the subflow executions, in batch order, into
 * one ION file (`outputs.ion`, a struct a line, as Kestra writes it); children that ended without
 * outputs (failed ones) have no line. Output `subflowOutputs`, the file's URI; none when no child
 * had outputs (or the step did not wait for them).
 *
 * The children's results are read from Temporal (their workflow results), a few at a time, and
 * streamed to the file: the parent's history never carries them twice.
 */
import { Readable } from 'node:stream';
import { getClient } from '@temporalio/activity';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { FOR_EACH_ITEM_MERGE_TYPE, MAX_FOR_EACH_ITEM_BATCHES } from '../../../workflow/plugins/core/flow/for-each-item';
import type { Execution } from '../../../workflow/interpreter/execution';
import { toIonText } from '../../jdbc/ion-text';

/** Children whose results are fetched at once. */
const FETCH_CONCURRENCY = 8;

/** The flow outputs of the children `<prefix>0` … `<prefix><count - 1>`, in that order (undefined: none). */
export async function* childOutputs(
  count: number,
  prefix: string,
  result: (executionId: string) => Promise<Execution | undefined>,
): AsyncIterable<Record<string, unknown> | undefined> {
  for (let first = 0; first < count; first += FETCH_CONCURRENCY) {
    const ids = Array.from({ length: Math.min(FETCH_CONCURRENCY, count - first) }, (_, i) => `${prefix}${first + i}`);
    for (const execution of await Promise.all(ids.map(result))) yield execution?.outputs;
  }
}

/** A child's final execution; undefined when it failed (its flow outputs were never rendered). */
async function childResult(executionId: string): Promise<Execution | undefined> {
  try {
    return (await getClient().workflow.getHandle(executionId).result()) as Execution;
  } catch (error) {
    // The client's classes are loaded here, in the worker: the compiler loads this module for its properties alone.
    if (error instanceof (await import('@temporalio/client')).WorkflowFailedError) return undefined;
    throw error;
  }
}

export const forEachItemMergeTask = defineRunnableTask({
  type: FOR_EACH_ITEM_MERGE_TYPE,
  internal: true,
  title: 'ForEachItem: merge the subflow executions’ outputs into one file.',
  properties: z.strictObject({
    executionIdPrefix: z.string(),
    numberOfBatches: z.coerce.number<string | number>().int().min(0).max(MAX_FOR_EACH_ITEM_BATCHES),
  }),
  async run({ executionIdPrefix, numberOfBatches }, context) {
    if (executionIdPrefix === '' || numberOfBatches === 0) return {};
    // Only this execution's own children: their ids extend its id.
    if (!executionIdPrefix.startsWith(`${context.executionId}.`)) {
      throw new Error(`Subflow executions ${executionIdPrefix}… are not children of execution ${context.executionId}`);
    }
    // Children without outputs have no line; when none has any, there is no file.
    const outputs = childOutputs(numberOfBatches, executionIdPrefix, childResult)[Symbol.asyncIterator]();
    const nextWithOutputs = async () => {
      for (let next = await outputs.next(); !next.done; next = await outputs.next()) {
        if (next.value && Object.keys(next.value).length > 0) return next.value;
      }
      return undefined;
    };
    let lines = 0;
    let line = await nextWithOutputs();
    if (!line) return {};
    async function* ionLines(): AsyncIterable<string> {
      for (; line; line = await nextWithOutputs()) {
        lines += 1;
        context.heartbeat({ merged: lines });
        yield `${toIonText(line)}\n`;
      }
    }
    const { uri } = await context.putFile('outputs.ion', Readable.from(ionLines()));
    context.log('INFO', `Outputs of ${lines} subflow executions merged into ${uri}`);
    return { subflowOutputs: uri };
  },
});
