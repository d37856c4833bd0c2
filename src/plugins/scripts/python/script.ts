import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { PYTHON_ENV, pythonEnvironment, pythonProperties } from './python';
import { runScript, scriptProperties } from '../script-task';

/**
 * `io.kestra.plugin.scripts.python.Script`: the script is written to a `.py` file in the working
 * directory (as Kestra does) and run with `python3`, after `beforeCommands`.
 */
export const pythonScriptTask = defineRunnableTask({
  type: 'io.kestra.plugin.scripts.python.Script',
  title: 'Run a Python script with python3 (Process task runner).',
  properties: z.strictObject({
    ...scriptProperties,
    ...pythonProperties,
    script: z.string(),
  }),
  async run(props, context) {
    const fileName = `script_${randomBytes(4).toString('hex')}.py`;
    return runScript(props, [`python3 ${fileName}`], context, {
      extraEnv: PYTHON_ENV,
      completeEnv: (env) => pythonEnvironment(props.dependencies, env, context),
      prepare: (workingDir) => writeFile(join(workingDir, fileName), props.script),
    });
  },
});
