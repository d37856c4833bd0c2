/**
 * Kestra's rules for flowable types that a properties schema cannot state (Switch cases), with Kestra's messages. The compiler applies them to a task whose type module has no
 * `validate` hook of its own; a type's module is their natural home, and a hook there takes precedence.
 */
import type { PropertyProblem } from './diagnostics';

type Rule = (task: Record<string, unknown>) => PropertyProblem[];

/** Switch: some case or the defaults hold tasks. */
const switchRules: Rule = (task) => {
  const cases = isMap(task.cases) ? Object.values(task.cases) : [];
  const hasTasks = cases.some((list) => Array.isArray(list) && list.length > 0) || (Array.isArray(task.defaults) && task.defaults.length > 0);
  return hasTasks
    ? []
    : [{ path: [], message: 'No task defined, neither cases or default have any tasks', hint: 'add `cases` (value → tasks) or `defaults`' }];
};

export const FLOWABLE_RULES: Readonly<Record<string, Rule>> = {
  'io.kestra.plugin.core.flow.Switch': switchRules,
};

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
