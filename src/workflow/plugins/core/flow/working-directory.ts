import { z } from 'zod';
import { defineFlowableTask } from '../../task-definition';
import { TaskError } from '../../../interpreter/in-workflow-task';
import { nonEmptyTaskListSchema } from './common';

/**
 * `WorkingDirectory`: runnable children one after another in one shared directory: files one task
 * writes are there for the next. `inputFiles` are written before the first task; `outputFiles`
 * (globs) are stored after the last one and become this task's `outputFiles` output.
 *
 * Each child is its own activity, and activities may land on different workers, so the directory
 * travels with the execution: after each child the activity archives it to internal storage and the
 * next child (on whichever worker) restores it (src/activities/working-directory.ts). Chosen over
 * pinning the group to one worker's own task queue because it needs no routing and survives losing
 * that worker without restarting the group; the price is copying the directory between children, so
 * keep big data in internal storage (task `outputFiles`, `kestra://` URIs) rather than in the directory.
 */
export const workingDirectoryTask = defineFlowableTask({
  type: 'io.kestra.plugin.core.flow.WorkingDirectory',
  aliases: ['io.kestra.core.tasks.flows.WorkingDirectory', 'io.kestra.core.tasks.flows.Worker'],
  title: 'Run tasks one after another in one shared working directory.',
  properties: () =>
    z.strictObject({
      tasks: nonEmptyTaskListSchema(),
      inputFiles: z
        .union([z.record(z.string(), z.unknown()), z.string()])
        .optional()
        .describe('Files written before the first task: name → content or kestra:// URI.'),
      outputFiles: z.array(z.string()).optional().describe('Globs of files stored after the last task (its `outputFiles` output).'),
      namespaceFiles: z.looseObject({ enabled: z.boolean().optional() }).optional(),
      cache: z.looseObject({}).optional().describe('Accepted; tflow does not cache working directories.'),
    }),
  childLists: ['tasks'],
  onlyRunnableChildren: true,
  async execute(context) {
    const { inputFiles, outputFiles, namespaceFiles } = context.task.properties as {
      inputFiles?: unknown;
      outputFiles?: string[];
      namespaceFiles?: { enabled?: boolean };
    };
    if (namespaceFiles && namespaceFiles.enabled !== false) throw new TaskError('namespaceFiles on a WorkingDirectory is not supported by tflow yet');
    const rendered = inputFiles === undefined ? undefined : context.renderProperties(inputFiles);
    const ended = await context.runInSharedDirectory(context.children('tasks'), { inputFiles: rendered, outputFiles });
    return { state: ended.state, ...(outputFiles ? { outputs: { outputFiles: ended.outputFiles ?? {} } } : {}) };
  },
});

/**
 * What `{{ workingDir }}` renders to in the workflow, which cannot know the directory: the activity
 * replaces it with the real path before the task runs.
 */
export const WORKING_DIR_PLACEHOLDER = '{tflow:workingDir}';
