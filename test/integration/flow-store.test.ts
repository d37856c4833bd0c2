import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { FlowNotFoundError, FlowStore } from '../../src/flow-store/flow-store';
import { purgeNamespace } from '../helpers/flow-store';

const source = (namespace: string, id: string, message: string) => `# a comment the flow store keeps
id: ${id}
namespace: ${namespace}

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "${message}"   # trailing comment
`;

describe('the flow store (real Postgres, schema tflow)', () => {
  let flowStore: FlowStore;
  const namespace = `tflow.test.flowstore${randomBytes(3).toString('hex')}`;
  before(() => (flowStore = FlowStore.connect(loadConfig().databaseUrl)));
  after(async () => {
    await flowStore?.close();
    await purgeNamespace(namespace);
  });

  it('creates revision 1, keeps the source verbatim, and adds a revision only when the source changes', async () => {
    const first = source(namespace, 'flow_a', 'hello');
    assert.deepEqual(await flowStore.save(namespace, 'flow_a', first), { status: 'created', revision: 1 });
    assert.deepEqual(await flowStore.save(namespace, 'flow_a', first), { status: 'unchanged', revision: 1 });
    assert.equal((await flowStore.get(namespace, 'flow_a')).source, first);

    const second = source(namespace, 'flow_a', 'hello again');
    assert.deepEqual(await flowStore.save(namespace, 'flow_a', second), { status: 'updated', revision: 2 });
    assert.equal((await flowStore.get(namespace, 'flow_a')).source, second);
    assert.equal((await flowStore.get(namespace, 'flow_a', 1)).source, first);
    assert.deepEqual(
      (await flowStore.revisions(namespace, 'flow_a')).map((r) => r.revision),
      [1, 2],
    );
  });

  it("refuses to change a flow's namespace or id on update", async () => {
    await flowStore.save(namespace, 'flow_b', source(namespace, 'flow_b', 'b'));
    await assert.rejects(
      flowStore.update(namespace, 'flow_b', { namespace, id: 'other' }, source(namespace, 'other', 'b')),
      /Illegal flow id update/,
    );
    await assert.rejects(
      flowStore.update(namespace, 'flow_b', { namespace: 'elsewhere', id: 'flow_b' }, source('elsewhere', 'flow_b', 'b')),
      /Illegal namespace update/,
    );
    assert.deepEqual(await flowStore.update(namespace, 'flow_b', { namespace, id: 'flow_b' }, source(namespace, 'flow_b', 'b2')), {
      status: 'updated',
      revision: 2,
    });
  });

  it('deletes softly: the flow disappears, its revisions stay, and deploying it again continues the numbering', async () => {
    await flowStore.save(namespace, 'flow_c', source(namespace, 'flow_c', 'c'));
    await flowStore.delete(namespace, 'flow_c');
    await assert.rejects(flowStore.get(namespace, 'flow_c'), FlowNotFoundError);
    assert.ok(!(await flowStore.list({ namespace })).some((f) => f.flowId === 'flow_c'));
    assert.equal((await flowStore.revisions(namespace, 'flow_c')).length, 1);
    await assert.rejects(flowStore.delete(namespace, 'flow_c'), FlowNotFoundError);
    assert.deepEqual(await flowStore.save(namespace, 'flow_c', source(namespace, 'flow_c', 'c')), { status: 'created', revision: 2 });
  });

  it('resolves namespace.flowId references, though both may contain dots', async () => {
    await flowStore.save(namespace, 'dotted.id', source(namespace, 'dotted.id', 'd'));
    assert.equal((await flowStore.resolve(`${namespace}.dotted.id`)).flowId, 'dotted.id');
    assert.equal((await flowStore.resolve(`${namespace}/dotted.id`)).namespace, namespace);
    await assert.rejects(flowStore.resolve(`${namespace}.missing`), /Flow .*missing not found/);
  });

  it('survives two first deploys of the same flow at once', async () => {
    const text = source(namespace, 'flow_d', 'd');
    const results = await Promise.all([flowStore.save(namespace, 'flow_d', text), flowStore.save(namespace, 'flow_d', text)]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['created', 'unchanged']);
    assert.equal((await flowStore.get(namespace, 'flow_d')).revision, 1);
  });
});
