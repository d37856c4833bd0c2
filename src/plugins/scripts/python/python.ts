/**
 * What the two Python task types share: `python3` on the worker (Process runner), unbuffered
 * output, and the Python-only properties Kestra accepts.
 */
import { z } from 'zod';
import type { TaskContext } from '../../../workflow/plugins/task-definition';

export const PYTHON_ENV = { PYTHONUNBUFFERED: 'true' };

export const pythonProperties = {
  /** Kestra 1.x installs these with uv; tflow expects them on the worker already. */
  dependencies: z.array(z.string()).optional(),
  pythonVersion: z.string().optional(),
  dependencyCacheEnabled: z.boolean().optional(),
};

export function warnAboutDependencies(dependencies: string[] | undefined, context: TaskContext): void {
  if (dependencies && dependencies.length > 0) {
    context.log(
      'WARN',
      `dependencies are not installed by tflow's Process runner; they must already be importable on the worker: ${dependencies.join(', ')}`,
    );
  }
}
