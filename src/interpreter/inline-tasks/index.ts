/**
 * Tasks that run inside the workflow without children or activity (Kestra's execution-updating
 * tasks). Adding one = its module + one line here.
 */
import type { InlineTaskDefinition } from '../../tasks/task-definition';
import { labelsTask } from './labels';
import { outputValuesTask } from './output-values';

export const INLINE_TASKS: readonly InlineTaskDefinition[] = [labelsTask, outputValuesTask];
