import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { runScript, scriptProperties } from '../script-task';

/** `io.kestra.plugin.scripts.shell.Commands`: shell commands, run with `/bin/sh -c` and `set -e`. */
export const shellCommandsTask = defineRunnableTask({
  type: 'io.kestra.plugin.scripts.shell.Commands',
  title: 'Run shell commands (Process task runner) and collect output files.',
  properties: z.strictObject({
    ...scriptProperties,
    commands: z.array(z.string()).min(1),
  }),
  run: (props, context) => runScript(props, props.commands, context),
});
