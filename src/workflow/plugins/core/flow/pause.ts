import { z } from 'zod';
import type { InputSpec } from '../../../flow/spec';
import { type InputDocument, inputSchema, inputSpecOf, resolveInputs } from '../../../flow/inputs';
import { defineFlowableTask } from '../../task-definition';
import type { State } from '../../../interpreter/execution';
import { type FlowableOutcome, TaskError } from '../../../interpreter/in-workflow-task';
import { durationProperty, taskListSchema } from './common';

/** What happens when `pauseDuration` (or `delay`) elapses without a resume. */
const EXPIRY_STATES = { RESUME: 'SUCCESS', WARN: 'WARNING', FAIL: 'FAILED', CANCEL: 'KILLED' } as const;

/**
 * `Pause`: the execution waits (PAUSED) until `tflow resume` (or the API) resumes it, with `onResume`
 * inputs validated like flow inputs and given as `outputs.<id>.onResume.<input>`.
 * `pauseDuration`/`delay` resume it automatically after a while (`behavior` says how it ends);
 * `timeout` (Kestra 0.21) fails it instead.
 *
 * Kestra's older form, `tasks` (deprecated: `tflow validate` warns), runs those tasks one after
 * another once the pause ends by a resume or by RESUME/WARN expiry; the Pause ends in their state
 * (WARN turning SUCCESS into WARNING). No patch: `tasks` was refused before, so no running
 * execution holds a Pause with children, and one without runs exactly as before.
 */
export const pauseTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.Pause',
  aliases: ['io.kestra.core.tasks.flows.Pause'],
  title: 'Pause the execution until it is resumed or a duration elapses.',
  properties: () =>
    z.strictObject({
      pauseDuration: z.string().optional(),
      delay: z.string().optional(),
      timeout: z.string().optional(),
      behavior: z.enum(['RESUME', 'WARN', 'FAIL', 'CANCEL']).optional(),
      onResume: z.array(inputSchema()).optional(),
      tasks: taskListSchema().optional().describe('Deprecated: tasks run after the pause ends; put them after the Pause instead.'),
    }),
  childLists: ['tasks'],
  async execute(context) {
    const { pauseDuration, delay, behavior } = context.task.properties as Record<string, string | undefined>;
    // `timeout` is a common task property, so the compiler moves it out of the Pause's own properties.
    const timeout = (context.task.properties.timeout as string | undefined) ?? context.task.timeout;
    const onResume = onResumeInputs(context.task.properties.onResume);
    const autoResume = pauseDuration ?? delay;
    const autoResumeMs =
      autoResume === undefined ? undefined : durationProperty(pauseDuration ? 'pauseDuration' : 'delay', context.render(autoResume));
    const timeoutMs = timeout === undefined ? undefined : durationProperty('timeout', context.render(timeout));

    const outcome = await context.pause({ timeoutMs: autoResumeMs ?? timeoutMs, onResume });
    const children = context.children('tasks');
    const ended = async (state: State, inputs: Record<string, unknown>): Promise<FlowableOutcome> => {
      const outputs = onResume.length > 0 ? { onResume: inputs } : {};
      if (children.length === 0 || (state !== 'SUCCESS' && state !== 'WARNING')) return { state, outputs };
      // The older form: the children run once the pause is over (seeing its onResume outputs); their state is the Pause's.
      context.publishOutputs(outputs);
      const childrenState = await context.runTasks(children);
      return { state: state === 'WARNING' && childrenState === 'SUCCESS' ? 'WARNING' : childrenState };
    };
    if (outcome.resumed) return ended('SUCCESS', outcome.inputs);
    if (autoResumeMs === undefined) throw new TaskError(`The pause timed out after ${timeout} without being resumed`);
    context.log('INFO', `Resumed automatically after ${autoResume}`);
    // Resumed by time: the onResume inputs take their defaults.
    return ended(EXPIRY_STATES[(behavior as keyof typeof EXPIRY_STATES) ?? 'RESUME'], resolveInputs(onResume, {}).inputs);
  },
});

/** `onResume` input declarations (checked by the compiler against the input schemas), as flow inputs compile. */
export function onResumeInputs(declared: unknown): InputSpec[] {
  return Array.isArray(declared) ? declared.map((input: InputDocument) => inputSpecOf(input)) : [];
}
