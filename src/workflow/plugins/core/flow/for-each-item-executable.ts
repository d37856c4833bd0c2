import { z } from 'zod';
import { resolveState, type State } from '../../../interpreter/execution';
import { defineFlowableTask } from '../../task-definition';
import { type SubflowOptions, TaskError } from '../../../interpreter/in-workflow-task';
import { childExecutionProperties, childInputs, loadEnabledFlow, renderLabels, taskState } from './subflow';
import { FOR_EACH_ITEM_EXECUTABLE_TYPE, stepOutputs } from './for-each-item';

/** What the `_split` step reports: the batch files are `<batchesFolder><iteration><extension>`. */
interface SplitOutputs {
  numberOfBatches: number;
  batchesFolder: string;
  extension: string;
}

/**
 * ForEachItem's `<id>_items` step (./for-each-item.ts runs it): one subflow execution per batch the
 * `<id>_split` step wrote, all started at once, as Kestra does. Every batch's inputs are rendered and
 * validated before any child starts, so an invalid one starts nothing. The children's ids are
 * `<this task run's child id>.<iteration>`. With `wait`, the step ends once every child has ended:
 * FAILED when one failed or was killed and `transmitFailed` (default true), WARNING when one ended
 * WARNING. `iterations` counts the children by state while they run (RUNNING, then their final
 * state); without `wait` they count as SUCCESS once started, as in Kestra.
 */
export const forEachItemExecutableTask = defineFlowableTask({
  type: FOR_EACH_ITEM_EXECUTABLE_TYPE,
  internal: true,
  title: 'ForEachItem: run a subflow execution for each batch.',
  properties: () => z.strictObject(childExecutionProperties()),
  childLists: [],
  async execute(context) {
    const props = context.task.properties as z.output<z.ZodObject<ReturnType<typeof childExecutionProperties>>>;
    const splitId = context.task.id.replace(/_items$/, '_split');
    const split = stepOutputs(context, splitId) as SplitOutputs | undefined;
    if (!split) throw new TaskError(`No outputs of ${splitId}: the items were not split`);
    const numberOfBatches = Number(split.numberOfBatches);
    if (numberOfBatches === 0) {
      context.log('INFO', 'The items file is empty: no subflow execution');
      return { state: 'SUCCESS', outputs: { numberOfBatches, iterations: {} } };
    }
    const wait = props.wait ?? true;
    const transmitFailed = props.transmitFailed ?? true;
    const flow = await loadEnabledFlow(context, context.render(props.namespace), context.render(props.flowId), props.revision);
    const labels = renderLabels(props.labels, context.renderProperties);

    const batches: SubflowOptions[] = [];
    for (let iteration = 0; iteration < numberOfBatches; iteration++) {
      const taskrun = { items: `${split.batchesFolder}${iteration}${split.extension}`, iteration };
      const given = (context.renderProperties(props.inputs ?? {}, taskrun) ?? {}) as Record<string, unknown>;
      const { inputs, checks } = childInputs(context, flow, given);
      const failedChecks = checks.length > 0 ? { failedChecks: checks } : {};
      batches.push({ flow, inputs, labels, inheritLabels: props.inheritLabels ?? false, wait, batch: iteration, ...failedChecks });
    }

    const iterations: Partial<Record<State, number>> = wait ? { CREATED: 0, RUNNING: numberOfBatches } : { RUNNING: 0 };
    let executionIdPrefix = '';
    const publish = () =>
      context.setOutputs({ numberOfBatches, iterations: { ...iterations }, ...(wait && flow.outputs.length > 0 ? { executionIdPrefix } : {}) });
    const failures: string[] = [];
    const states = await Promise.all(
      batches.map(async (options) => {
        const { executionId, end } = await context.startSubflow(options);
        if (options.batch === 0) executionIdPrefix = executionId.slice(0, -1);
        const childState: State = end?.state ?? 'SUCCESS';
        if (end) iterations.RUNNING = (iterations.RUNNING ?? 0) - 1;
        iterations[childState] = (iterations[childState] ?? 0) + 1;
        if (end?.error && (childState === 'FAILED' || childState === 'KILLED')) failures.push(`${executionId} ended ${childState}: ${end.error}`);
        publish();
        return taskState(childState, transmitFailed);
      }),
    );
    publish();
    context.log('INFO', `${numberOfBatches} subflow executions of ${flow.namespace}.${flow.id}: ${JSON.stringify(iterations)}`);
    const state = resolveState(states);
    if (failures.length > 0) {
      const summary = `${failures.length} of ${numberOfBatches} subflow executions failed; the first: ${failures[0]}`;
      if (state === 'FAILED') context.taskRun.error = summary;
      context.log('WARN', summary);
    }
    return { state };
  },
});
