/**
 * The flowable task types: interpreted inside the workflow. Adding one = its module + one line here
 * (the interpreter and the task registry both read this list).
 */
import type { FlowableTaskDefinition } from '../../tasks/task-definition';
import { allowFailureTask } from './allow-failure';
import { dagTask } from './dag';
import { forEachTask } from './for-each';
import { ifTask } from './if';
import { parallelTask } from './parallel';
import { pauseTask } from './pause';
import { sequentialTask } from './sequential';
import { sleepTask } from './sleep';
import { subflowTask } from './subflow';
import { switchTask } from './switch';
import { workingDirectoryTask } from './working-directory';

export const FLOWABLE_TASKS: readonly FlowableTaskDefinition[] = [
  allowFailureTask,
  dagTask,
  forEachTask,
  ifTask,
  parallelTask,
  pauseTask,
  sequentialTask,
  sleepTask,
  subflowTask,
  switchTask,
  workingDirectoryTask,
];
