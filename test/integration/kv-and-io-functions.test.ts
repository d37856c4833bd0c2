/**
 * The KV store (kv.Set/Get/Delete/GetKeys, in tflow's own Postgres schema) and the I/O functions of
 * expressions (`kv()`, `secret()`, `read()`), which the workflow hands to the task's activity so
 * that secrets never reach the Temporal history.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileFlowFile } from '../../src/compiler/compile';
import type { FlowSpec } from '../../src/workflow/flow/spec';
import { KvStore } from '../../src/kv/kv-store';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { flow } from '../helpers/fake-port';
import { PROJECT_ROOT } from '../helpers/paths';
import { createTestDatabase, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, type TestDatabase } from '../helpers/postgres';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const SECRET_VALUE = 'pa55-Wörd_7f3c91';
const SECRET_BASE64 = Buffer.from(SECRET_VALUE, 'utf8').toString('base64');
/** The flow checks the value the process got by its hash: the flow itself (in the history) must not hold it. */
const SECRET_MD5 = createHash('md5').update(SECRET_VALUE, 'utf8').digest('hex');

describe('KV store and the kv()/secret()/read() functions', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let db: TestDatabase;
  let store: KvStore;
  let tempStorage: TemporaryStorage;

  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-kv-storage-');
    db = await createTestDatabase('tflow_kv');
    // The in-process worker reads these when its first task runs.
    process.env.TFLOW_DATABASE_URL = `postgres://${POSTGRES_USER}@${POSTGRES_HOST}:${POSTGRES_PORT}/${db.name}`;
    process.env.SECRET_DB_PASSWORD = SECRET_BASE64;
    store = KvStore.connect(process.env.TFLOW_DATABASE_URL);
    fixture = await startTemporalFixture();
  });
  after(async () => {
    await fixture?.close();
    await store?.close();
    await db?.drop();
    await tempStorage?.remove();
  });

  const run = (spec: FlowSpec) => runWithLogs(fixture, spec);

  it("runs the course's 06_gcp_kv flow unmodified (flows/03_kv.yaml)", async () => {
    const compiled = compileFlowFile(join(PROJECT_ROOT, 'flows', '03_kv.yaml'));
    assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
    const { execution } = await run(compiled.spec);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(
      execution.taskRuns.map((r) => [r.taskId, r.state]),
      [
        ['gcp_project_id', 'SUCCESS'],
        ['gcp_location', 'SUCCESS'],
        ['gcp_bucket_name', 'SUCCESS'],
        ['gcp_dataset', 'SUCCESS'],
      ],
    );
    assert.ok(execution.taskRuns.every((r) => Object.keys(r.outputs).length === 0));
    assert.deepEqual(await store.keys('zoomcamp'), ['GCP_BUCKET_NAME', 'GCP_DATASET', 'GCP_LOCATION', 'GCP_PROJECT_ID']);
    const dataset = await store.get('zoomcamp', 'GCP_DATASET');
    assert.deepEqual({ type: dataset?.type, value: dataset?.value }, { type: 'STRING', value: 'zoomcamp' });
  });

  it('sets typed values, reads them with kv.Get and kv(), lists, deletes, honours ttl and overwrite', async () => {
    const { execution, output, taskRun } = await run(
      flow(`
id: kv_tasks
namespace: tests.kv
variables:
  bucket: "gs://{{ kv('bucket') }}/data"
tasks:
  - id: set_bucket
    type: io.kestra.plugin.core.kv.Set
    key: bucket
    value: my-bucket
  - id: set_count
    type: io.kestra.plugin.core.kv.Set
    key: count
    value: "{{ 40 + 2 }}"
  - id: set_list
    type: io.kestra.plugin.core.kv.Set
    key: list
    value: "{{ ['a', 'b'] }}"
  - id: set_json
    type: io.kestra.plugin.core.kv.Set
    key: json
    kvType: JSON
    value: '{"n": 1}'
  - id: set_elsewhere
    type: io.kestra.plugin.core.kv.Set
    namespace: tests.other
    key: bucket
    value: other-bucket
  - id: set_short
    type: io.kestra.plugin.core.kv.Set
    key: short
    value: gone soon
    ttl: PT1S
  - id: get_count
    type: io.kestra.plugin.core.kv.Get
    key: count
  - id: get_missing
    type: io.kestra.plugin.core.kv.Get
    key: nothing
  - id: keys
    type: io.kestra.plugin.core.kv.GetKeys
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('bucket') }} {{ kv('count') + 1 }} {{ kv('list') | join('+') }} {{ kv('json').n }} {{ kv('bucket', 'tests.other') }} {{ render(vars.bucket) }} {{ kv('nothing', errorOnMissing=false) ?? 'none' }}"
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT1.5S
  - id: expired
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('short', errorOnMissing=false) ?? 'expired' }}"
  - id: no_overwrite
    type: io.kestra.plugin.core.kv.Set
    key: bucket
    value: again
    overwrite: false
    allowFailure: true
  - id: delete
    type: io.kestra.plugin.core.kv.Delete
    key: bucket
  - id: delete_again
    type: io.kestra.plugin.core.kv.Delete
    key: bucket
  - id: missing
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    env:
      BUCKET: "{{ kv('bucket') }}"
    commands: [echo "$BUCKET"]
    allowFailure: true
`),
    );
    assert.equal(execution.state, 'WARNING', execution.error);
    assert.deepEqual(output('get_count'), { value: 42 });
    assert.deepEqual(output('get_missing'), { value: null });
    assert.deepEqual(output('keys'), { keys: ['bucket', 'count', 'json', 'list', 'short'] });
    assert.deepEqual(output('use'), { value: 'my-bucket 43 a+b 1 other-bucket gs://my-bucket/data none' });
    assert.deepEqual(output('expired'), { value: 'expired' });
    assert.match(taskRun('no_overwrite')?.error ?? '', /Cannot set value for key 'bucket'. Key already exists and `overwrite` is set to `false`/);
    assert.deepEqual(output('delete'), { deleted: true });
    assert.deepEqual(output('delete_again'), { deleted: false });
    assert.match(taskRun('missing')?.error ?? '', /The key 'bucket' does not exist in the namespace 'tests.kv'/);
    assert.equal(taskRun('missing')?.attempts, 1, 'a render error is not retried');
    assert.deepEqual((await store.get('tests.kv', 'list'))?.value, ['a', 'b']);
  });

  it('resolves secret() in the activity only: the process gets it, history, logs and outputs never hold it', async () => {
    const { handle, execution, logs, output, taskRun } = await run(
      flow(`
id: secrets
namespace: tests.kv
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    env:
      PASSWORD: "{{ secret('DB_PASSWORD') }}"
      USER_NAME: "user-{{ flow.id }}"
    commands:
      - test "$(printf %s "$PASSWORD" | md5sum | cut -d' ' -f1)" = '${SECRET_MD5}'
      - echo "password is $PASSWORD for $USER_NAME"
      - echo '::{"outputs":{"pw":"'"$PASSWORD"'"}}::'
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "logged {{ secret('db_password') }} with a lower-case key"
  - id: leak_in_error
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    allowFailure: true
    env:
      PASSWORD: "{{ secret('DB_PASSWORD') }}"
    commands:
      - echo "bad $PASSWORD" >&2
      - exit 3
  - id: missing_secret
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    env:
      TOKEN: "{{ secret('NOPE') }}"
    commands: [echo "$TOKEN"]
    allowFailure: true
`),
    );
    assert.equal(execution.state, 'WARNING', execution.error);
    assert.equal(taskRun('shell')?.state, 'SUCCESS', taskRun('shell')?.error);
    assert.deepEqual((output('shell') as { vars: unknown }).vars, { pw: '********' });
    const messages = logs.map((l) => l.message);
    assert.ok(messages.includes('password is ******** for user-secrets'), messages.join('\n'));
    assert.ok(messages.includes('logged ******** with a lower-case key'), messages.join('\n'));
    assert.match(taskRun('leak_in_error')?.error ?? '', /bad \*\*\*\*\*\*\*\*/);
    assert.match(taskRun('missing_secret')?.error ?? '', /Cannot find secret for key 'NOPE'/);

    const temporal = findTemporalCli();
    assert.ok(temporal, 'the Temporal CLI is installed');
    const history = execFileSync(temporal, ['workflow', 'show', '-w', handle.workflowId, '-o', 'json', '--address', fixture.config.temporalAddress], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    // Payloads may be base64-encoded JSON in the CLI's output: decode every one before searching.
    const decoded = `${history}\n${decodePayloads(history)}`;
    assert.ok(decoded.includes("secret('DB_PASSWORD')"), 'the history holds the templates');
    for (const text of [history, decoded]) {
      assert.ok(!text.includes(SECRET_VALUE), 'the secret value is in the history');
      assert.ok(!text.includes(SECRET_BASE64), 'the encoded secret is in the history');
    }
    assert.ok(decoded.includes('password is ******** for user-secrets'), 'the decoded history holds the masked logs');
    assert.ok(!JSON.stringify(execution).includes(SECRET_VALUE));
  });

  it('read() returns the content of an internal-storage file written by an earlier task', async () => {
    const { execution, output } = await run(
      flow(`
id: read_file
namespace: tests.kv
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles: ["*.txt"]
    commands:
      - printf 'hello from a file' > greeting.txt
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.write.outputFiles['greeting.txt']) | upper }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(output('use'), { value: 'HELLO FROM A FILE' });
  });
});

/** Every `"data": "<base64>"` payload of a `temporal workflow show -o json` output, decoded. */
function decodePayloads(history: string): string {
  const decoded: string[] = [];
  for (const match of history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)) decoded.push(Buffer.from(match[1], 'base64').toString('utf8'));
  return decoded.join('\n');
}
