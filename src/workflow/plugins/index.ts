/**
 * The task types that run inside the workflow, by Kestra package (`core/flow/if.ts` is
 * `io.kestra.plugin.core.flow.If`). Adding one = its module + one line here; the task registry
 * (src/plugins/registry.ts) includes this list, and the interpreter reads it.
 *
 * - flowable: runs child task lists (If, Parallel, ForEach…);
 * - inline: updates the execution or computes outputs, no children (Labels, OutputValues);
 * - runnable but pure (Log, Return, Fail): defined like activity tasks, run by the workflow itself
 *   when they have no retry or timeout (src/workflow/pure-tasks.ts).
 */
import type { TaskDefinition } from './task-definition';
import { allowFailureTask } from './core/flow/allow-failure';
import { dagTask } from './core/flow/dag';
import { forEachTask } from './core/flow/for-each';
import { forEachItemTask } from './core/flow/for-each-item';
import { forEachItemExecutableTask } from './core/flow/for-each-item-executable';
import { ifTask } from './core/flow/if';
import { parallelTask } from './core/flow/parallel';
import { pauseTask } from './core/flow/pause';
import { sequentialTask } from './core/flow/sequential';
import { sleepTask } from './core/flow/sleep';
import { subflowTask } from './core/flow/subflow';
import { switchTask } from './core/flow/switch';
import { waitForTask } from './core/flow/wait-for';
import { workingDirectoryTask } from './core/flow/working-directory';
import { labelsTask } from './core/execution/labels';
import { failTask } from './core/execution/fail';
import { outputValuesTask } from './core/output/output-values';
import { logTask } from './core/log/log';
import { returnTask } from './core/debug/return';
import { echoTask } from './core/debug/echo';

export const IN_WORKFLOW_TASK_TYPES: readonly TaskDefinition[] = [
  failTask,
  logTask,
  returnTask,
  echoTask,
  allowFailureTask,
  dagTask,
  forEachTask,
  forEachItemTask,
  forEachItemExecutableTask,
  ifTask,
  parallelTask,
  pauseTask,
  sequentialTask,
  sleepTask,
  subflowTask,
  switchTask,
  waitForTask,
  workingDirectoryTask,
  labelsTask,
  outputValuesTask,
];
