/**
 * Preloaded with `node -r` by tests that check what a command loads: at exit, writes the path of
 * every module the process required (the CommonJS cache; tsc compiles `import()` to `require`) to
 * the JSON file named by TFLOW_TEST_LOADED_MODULES.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.TFLOW_TEST_LOADED_MODULES;
if (target) process.on('exit', () => writeFileSync(target, JSON.stringify(Object.keys(require.cache))));

/** The npm packages among loaded module paths (`@scope/name` or `name`, from the innermost node_modules). */
export function packagesOf(modulePaths: readonly string[]): Set<string> {
  const packages = new Set<string>();
  for (const path of modulePaths) {
    const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (match) packages.add(match[1]);
  }
  return packages;
}
