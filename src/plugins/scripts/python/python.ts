/**
 * What the two Python task types share: `python3` on the worker (Process runner), unbuffered
 * output, the `kestra` module on PYTHONPATH (./kestra-library.ts), `dependencies` installed into a
 * cached virtual environment (./dependencies.ts), and the Python-only properties Kestra accepts.
 */
import { delimiter } from 'node:path';
import { z } from 'zod';
import type { TaskContext } from '../../../workflow/plugins/task-definition';
import { activate, pythonEnvironmentFor } from './dependencies';
import { kestraLibraryPath } from './kestra-library';

export const PYTHON_ENV = { PYTHONUNBUFFERED: 'true' };

export const pythonProperties = {
  /** pip requirements, installed into a virtual environment cached per set (`kestra` is built in). */
  dependencies: z.array(z.string()).optional(),
  /** Accepted for compatibility: tflow uses the worker's python3. */
  pythonVersion: z.string().optional(),
  /** Accepted for compatibility: environments are always cached. */
  dependencyCacheEnabled: z.boolean().optional(),
};

/** The script environment, completed for Python: the dependencies' environment activated, then `kestra` importable. */
export async function pythonEnvironment(
  dependencies: string[] | undefined,
  env: NodeJS.ProcessEnv,
  context: TaskContext,
): Promise<NodeJS.ProcessEnv> {
  const venv = await pythonEnvironmentFor(dependencies ?? [], env, context);
  const activated = venv ? activate(env, venv) : env;
  const library = await kestraLibraryPath(context.config.stateDir);
  return { ...activated, PYTHONPATH: [library, activated.PYTHONPATH].filter(Boolean).join(delimiter) };
}
