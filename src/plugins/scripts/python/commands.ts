import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { PYTHON_ENV, pythonEnvironment, pythonProperties } from './python';
import { runScript, scriptProperties } from '../script-task';

/** `io.kestra.plugin.scripts.python.Commands`: shell commands that call Python (`python3 main.py`). */
export const pythonCommandsTask = defineRunnableTask({
  type: 'io.kestra.plugin.scripts.python.Commands',
  title: 'Run commands that call python3 (Process task runner).',
  properties: z.strictObject({
    ...scriptProperties,
    ...pythonProperties,
    commands: z.array(z.string()).min(1),
  }),
  async run(props, context) {
    return runScript(props, props.commands, context, {
      extraEnv: PYTHON_ENV,
      completeEnv: (env) => pythonEnvironment(props.dependencies, env, context),
    });
  },
});
