import { z } from 'zod';
import { isTruthy } from '../../../expression';
import { isoDuration } from '../../../flow/iso-duration';
import { parseDuration } from '../../../interpreter/duration';
import { TaskError } from '../../../interpreter/in-workflow-task';
import { defineFlowableTask } from '../../task-definition';
import { nonEmptyTaskListSchema } from './common';

/**
 * Each iteration adds events to the execution's Temporal history (its timer, and about six per
 * activity it runs), which holds at most 51,200 events and cannot be continued as new in the middle
 * of a flow: tflow refuses a larger `maxIterations` rather than let a WaitFor fill the history.
 */
export const MAX_WAIT_FOR_ITERATIONS = 1000;

const positiveDuration = () => isoDuration.refine((text) => (parseDuration(text) ?? 0) > 0, 'must be a positive duration');

const checkFrequencySchema = () =>
  z.strictObject({
    maxIterations: z.number().int().min(1).optional(),
    maxDuration: positiveDuration().optional(),
    interval: positiveDuration().optional(),
  });

/** Kestra's defaults (0.x WaitFor; 1.x's LoopUntil has none for the maximums and PT1M). */
const DEFAULTS = { maxIterations: 100, maxDuration: 'PT1H', interval: 'PT1S' };

/**
 * `WaitFor`: runs `tasks` (one after another), then renders `condition`, again and again until it
 * is truthy, waiting `checkFrequency.interval` (a durable timer) between iterations. As in Kestra:
 * `outputs.<id>.iterationCount` is the iteration (1, 2…) while it runs, and one more once it ended
 * (the condition sees that value); each iteration's task runs replace the previous one's and carry
 * its number (`taskrun.iteration`); a FAILED child ends the loop FAILED; once `maxIterations`
 * iterations ran or `maxDuration` passed since the task started, it logs "Max iterations reached" /
 * "Max duration reached" and ends FAILED with `failOnMaxReached`, with the last iteration's state otherwise.
 * The type was refused before this module existed: no running execution has one, no patch needed.
 */
export const waitForTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.WaitFor',
  title: 'Run tasks again and again until a condition is true.',
  properties: () =>
    z.strictObject({
      condition: z.string(),
      tasks: nonEmptyTaskListSchema(),
      checkFrequency: checkFrequencySchema().optional(),
      failOnMaxReached: z.boolean().optional(),
    }),
  childLists: ['tasks'],
  validate(task) {
    const maxIterations = (task.checkFrequency as { maxIterations?: unknown } | undefined)?.maxIterations;
    if (typeof maxIterations !== 'number' || maxIterations <= MAX_WAIT_FOR_ITERATIONS) return [];
    return [
      {
        path: ['checkFrequency', 'maxIterations'],
        message: `\`checkFrequency.maxIterations\` is at most ${MAX_WAIT_FOR_ITERATIONS} in tflow: every iteration adds to the execution's Temporal history, which is bounded`,
        hint: 'poll less often (a longer `interval`, a `maxDuration`), or loop in a Subflow',
      },
    ];
  },
  async execute(context) {
    const props = context.task.properties as {
      condition: string;
      checkFrequency?: z.output<ReturnType<typeof checkFrequencySchema>>;
      failOnMaxReached?: boolean;
    };
    const { maxIterations, maxDuration, interval } = { ...DEFAULTS, ...props.checkFrequency };
    const deadline = context.now() + (parseDuration(maxDuration) ?? 0);
    const intervalMs = parseDuration(interval) ?? 0;
    const tasks = context.children('tasks');
    for (let iteration = 1; ; iteration++) {
      context.setOutputs({ iterationCount: iteration });
      const state = await context.runIteration(tasks, iteration);
      if (state === 'FAILED' || state === 'KILLED') return { state };
      const iterationCount = iteration + 1;
      context.setOutputs({ iterationCount });
      // Kestra looks at the maximums first: reached, the condition is not evaluated.
      const reached = iteration >= maxIterations ? 'Max iterations reached' : context.now() > deadline ? 'Max duration reached' : undefined;
      if (reached) {
        context.log('WARN', reached);
        if (props.failOnMaxReached) throw new TaskError(reached);
        return { state, outputs: { iterationCount } };
      }
      if (isTruthy(context.renderTyped(props.condition))) return { state, outputs: { iterationCount } };
      await context.sleep(intervalMs);
    }
  },
});
