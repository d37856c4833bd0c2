/**
 * The workflow sandbox's boundary: every file the bundler pulls into dist/workflow-bundle.js must be
 * listed in tsconfig.workflow.json's `include` (which eslint.config.mjs reads too), so the lint rules
 * and the no-Node type check cover all of the workflow code. A new import that drags a file into
 * the bundle fails here until that file is listed (and so checked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { PROJECT_ROOT } from '../helpers/paths';

const WORKFLOW_BUNDLE = join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/** The project's own modules in the bundle, as source paths (webpack ids are `./dist/src/….js`). */
function bundledSourceFiles(): string[] {
  const ids = readFileSync(WORKFLOW_BUNDLE, 'utf8').match(/"\.\/dist\/src\/[^"]+\.js"/g) ?? [];
  return [...new Set(ids.map((id) => id.slice('"./dist/'.length, -'.js"'.length) + '.ts'))].sort();
}

function sandboxList(): string[] {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'tsconfig.workflow.json'), 'utf8')) as { include: string[] }).include;
}

describe('workflow sandbox boundary', () => {
  it('lists every file of the workflow bundle in tsconfig.workflow.json (and so in the lint rules)', () => {
    const bundled = bundledSourceFiles();
    assert.ok(bundled.includes('src/workflow/index.ts'), `no project modules found in ${WORKFLOW_BUNDLE}: run npm run build`);
    const covered = picomatch(sandboxList());
    const uncovered = bundled.filter((file) => !covered(file));
    assert.deepEqual(
      uncovered,
      [],
      `bundled into the workflow but not checked as workflow code; add to tsconfig.workflow.json "include": ${uncovered.join(', ')}`,
    );
  });

  it('lists no single file that the bundle no longer holds', () => {
    const bundled = new Set(bundledSourceFiles());
    const stale = sandboxList().filter((entry) => !entry.includes('*') && !bundled.has(entry));
    assert.deepEqual(stale, [], `listed in tsconfig.workflow.json but not bundled any more; remove: ${stale.join(', ')}`);
  });
});
