import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { runScript, scriptProperties } from '../script-task';

/** `io.kestra.plugin.scripts.shell.Script`: a multi-line shell script, run as Commands runs its lines. */
export const shellScriptTask = defineRunnableTask({
  type: 'io.kestra.plugin.scripts.shell.Script',
  title: 'Run a shell script (Process task runner) and collect output files.',
  properties: z.strictObject({
    ...scriptProperties,
    script: z.string(),
  }),
  run: (props, context) => runScript(props, [props.script], context),
});
