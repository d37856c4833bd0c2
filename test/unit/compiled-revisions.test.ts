/**
 * compileDeployed keeps compiled revisions (every execution created over the API compiles its flow):
 * the same revision is compiled once, and a revision number that names other text (a flow store
 * reset, then deployed again) runs that text, never the kept one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDeployed } from '../../src/flow-store/deploy';

const flow = (taskId: string) =>
  `id: kept\nnamespace: tflow.test.kept\ntasks:\n  - id: ${taskId}\n    type: io.kestra.plugin.core.debug.Return\n    format: x\n`;

describe('compiled revisions', () => {
  it('the same revision and text give the same compiled flow; other text under the same revision is compiled anew', () => {
    const first = compileDeployed(flow('first'), 'tflow.test.kept', 'kept', 1);
    assert.equal(compileDeployed(flow('first'), 'tflow.test.kept', 'kept', 1), first);
    const reset = compileDeployed(flow('second'), 'tflow.test.kept', 'kept', 1);
    assert.deepEqual(
      reset.tasks.map((task) => task.id),
      ['second'],
    );
    assert.equal(reset.revision, 1);
    assert.equal(compileDeployed(flow('first'), 'tflow.test.kept', 'kept', 2).revision, 2);
  });
});
