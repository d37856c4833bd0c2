/**
 * Security: internal-storage scoping and payload sizes (SECURITY.md: scoped storage, payload sizes), against the
 * real Temporal dev server, a real worker, and a real `tflow server` process for the API.
 *
 * An execution reads its own files, its namespace's files and its parent execution's; never another
 * namespace's, never outside the storage folder (`..`, `%2e%2e`, symbolic links). Payloads are
 * measured in UTF-8 bytes: outputs too large for Temporal fail the task that produced them, named,
 * instead of Temporal terminating the workflow (which showed as KILLED).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { executionResult, queryExecution, resumeExecution, ResumeRefusedError, startExecution } from '../../src/client/executions';
import { FlowValidationError } from '../../src/compiler/diagnostics';
import { executionPrefix, namespaceFilesPrefix } from '../../src/storage';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { purgeNamespace } from '../helpers/flow-store';
import { ServerProcess } from '../helpers/server-process';
import { useTemporaryStorage, type TemporaryStorage } from '../helpers/storage';
import { runWithLogs, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

interface ApiExecution {
  id: string;
  state: { current: string };
  inputs?: Record<string, unknown>;
  taskRunList: { taskId: string; state: { current: string } }[];
}

/** What another namespace keeps in its files: it must show up nowhere in this namespace's executions. */
const FOREIGN_CONTENT = `foreign-secret-${randomBytes(6).toString('hex')}`;

describe('security: storage scoping and payload sizes', { timeout: 600_000 }, () => {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `tflow.test.secstorage${suffix}`;
  const otherNamespace = `tflow.test.secother${suffix}`;
  /** A file of an execution of another namespace. */
  const foreignUri = `${executionPrefix({ namespace: otherNamespace, flowId: 'private', executionId: 'someone-else' })}tasks/t/r/secret.txt`;
  let tempStorage: TemporaryStorage;
  let fixture: TemporalFixture;
  let server: ServerProcess;

  before(async () => {
    tempStorage = await useTemporaryStorage('tflow-sec-storage-');
    await tempStorage.storage.put(foreignUri, Readable.from([FOREIGN_CONTENT]));
    fixture = await startTemporalFixture();
    // The API in its own process; the executions it starts run on this file's worker.
    server = await ServerProcess.start({
      args: ['server', '--host', '127.0.0.1', '--no-worker'],
      env: { TFLOW_TASK_QUEUE: fixture.config.taskQueue, TFLOW_STORAGE: tempStorage.root, TFLOW_BASIC_AUTH: '' },
    });
    for (const source of [uploadFlow, childFlow]) {
      const response = await api('/flows', { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: source });
      assert.equal(response.status, 200, await response.text());
    }
  });
  after(async () => {
    await server?.stop();
    await fixture?.close();
    await purgeNamespace(namespace);
    await tempStorage?.remove();
  });

  const uploadFlow = `id: upload
namespace: ${namespace}
inputs:
  - id: data
    type: FILE
tasks:
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.data) }}"
`;
  const childFlow = `id: child
namespace: ${namespace}
inputs:
  - id: file
    type: FILE
tasks:
  - id: content
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.file) }}"
outputs:
  - id: content
    type: STRING
    value: "{{ outputs.content.value }}"
`;

  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${path}`, init);
  const createExecution = (flowId: string, fields: Record<string, string | { blob: Blob; fileName: string }>, query = 'wait=true') => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (typeof value === 'string') body.append(name, value);
      else body.append(name, value.blob, value.fileName);
    }
    return api(`/executions/${namespace}/${flowId}?${query}`, { method: 'POST', body });
  };
  /** Every payload of the execution's history, decoded, with the history itself (`temporal workflow show`). */
  const historyText = (workflowId: string): string => {
    const temporal = findTemporalCli();
    assert.ok(temporal, 'the Temporal CLI is installed');
    const history = execFileSync(temporal, ['workflow', 'show', '-w', workflowId, '-o', 'json', '--address', fixture.config.temporalAddress], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const decoded = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
    return `${history}\n${decoded.join('\n')}`;
  };

  /** Starts a flow whose Pause waits for a FILE `onResume` input `data` (then `show` reads it) and waits until it is PAUSED. */
  const startPausedForFile = async (flowId: string) => {
    const handle = await startExecution(
      fixture.client,
      fixture.config,
      flow(`id: ${flowId}
namespace: ${namespace}
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: data
        type: FILE
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.approve.onResume.data) }}"
`),
    );
    for (let i = 0; i < 200 && (await queryExecution(handle).catch(() => undefined))?.state !== 'PAUSED'; i++) await sleep(100);
    return handle;
  };

  it('8: a FILE input given as file:///etc/hostname is refused (API 422, CLI/client refused), nothing starts', async () => {
    const response = await createExecution('upload', { data: 'file:///etc/hostname' });
    const text = await response.text();
    assert.equal(response.status, 422, text);
    assert.match(
      text,
      /Invalid input for `data`, expected a file uploaded with the execution \(multipart\) or a kestra:\/\/ URI it may read, but received `file:\/\/\/etc\/hostname`/,
    );
    // What `tflow run -i data=file:///etc/hostname` calls.
    await assert.rejects(
      startExecution(fixture.client, fixture.config, flow(uploadFlow), { inputs: { data: 'file:///etc/hostname' } }),
      (error: unknown) => {
        assert.ok(error instanceof FlowValidationError);
        assert.match(error.message, /Invalid input for `data`, expected a file uploaded with the execution/);
        return true;
      },
    );
    console.log(`8: API ${response.status}: ${text.slice(0, 300)}`);
  });

  it("8 (CLI): `-i data=file:///etc/hostname` is refused; `-i data=@local-file` uploads the user's own file", async (t) => {
    const cliDir = await mkdtemp(join(tmpdir(), 'tflow-sec-cli-'));
    t.after(() => rm(cliDir, { recursive: true, force: true }));
    const flowFile = join(cliDir, 'upload.yaml');
    await writeFile(flowFile, uploadFlow);
    const env = { TFLOW_TASK_QUEUE: fixture.config.taskQueue, TFLOW_STORAGE: tempStorage.root };
    const refused = await runTflow(['run', flowFile, '-i', 'data=file:///etc/hostname'], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Invalid input for `data`, expected a file uploaded with the execution/);
    const local = join(cliDir, `tflow-local-${suffix}.txt`);
    await writeFile(local, 'my own local file');
    const uploaded = await runTflow(['run', flowFile, '-i', `data=@${local}`, '--wait', '--json'], env);
    assert.equal(uploaded.code, 0, uploaded.stderr);
    const execution = JSON.parse(uploaded.stdout) as { id: string; state: string; inputs: { data: string }; taskRuns: { outputs: unknown }[] };
    assert.equal(
      execution.inputs.data,
      `${executionPrefix({ namespace, flowId: 'upload', executionId: execution.id })}inputs/data/tflow-local-${suffix}.txt`,
    );
    assert.deepEqual(execution.taskRuns[0].outputs, { value: 'my own local file' });
    console.log(`8 (CLI): refused: ${refused.stderr.trim().split('\n').pop()}; @file → ${execution.state}`);
  });

  it("8 (CLI resume): `tflow resume -i data=@local-file` uploads the user's own file for a FILE onResume input", async (t) => {
    const cliDir = await mkdtemp(join(tmpdir(), 'tflow-sec-resume-'));
    t.after(() => rm(cliDir, { recursive: true, force: true }));
    const local = join(cliDir, 'approval.txt');
    await writeFile(local, 'approved from a local file');
    const handle = await startPausedForFile('approve_with_file');
    const env = { TFLOW_TASK_QUEUE: fixture.config.taskQueue, TFLOW_STORAGE: tempStorage.root };
    const resumed = await runTflow(['resume', handle.workflowId, '-i', `data=@${local}`], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const prefix = executionPrefix({ namespace, flowId: 'approve_with_file', executionId: execution.id });
    assert.deepEqual(execution.taskRuns[0].outputs, { onResume: { data: `${prefix}inputs/data/approval.txt` } });
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'approved from a local file' });
  });

  it("9 (resume): a FILE onResume value naming another namespace's file is refused and the execution stays PAUSED; a multipart upload resumes it", async () => {
    const handle = await startPausedForFile('approve_with_upload');
    const executionId = handle.workflowId;
    const denied = `Invalid input for \`data\`, Access denied to file ${foreignUri}: execution ${executionId} may only read its own files, its namespace's files`;
    // What `tflow resume -i data=<uri>` calls.
    await assert.rejects(resumeExecution(handle, { data: foreignUri }), (error: unknown) => {
      assert.ok(error instanceof ResumeRefusedError);
      assert.ok(error.message.includes(denied), error.message);
      return true;
    });
    const resume = (body: FormData) => api(`/executions/${encodeURIComponent(executionId)}/resume`, { method: 'POST', body });
    const foreign = new FormData();
    foreign.append('data', foreignUri);
    const refused = await resume(foreign);
    const text = await refused.text();
    assert.equal(refused.status, 422, text);
    assert.ok(text.includes(denied), text);
    assert.ok(!text.includes(FOREIGN_CONTENT));
    // Nothing was lost: still paused, waiting at the same Pause.
    const paused = await queryExecution(handle);
    assert.equal(paused.state, 'PAUSED');
    assert.deepEqual(
      paused.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['approve:PAUSED'],
    );

    const upload = new FormData();
    upload.append('data', new Blob(['approved by upload']), 'approval.txt');
    const resumed = await resume(upload);
    assert.equal(resumed.status, 204, await resumed.text());
    const execution = await executionResult(handle);
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const prefix = executionPrefix({ namespace, flowId: 'approve_with_upload', executionId: execution.id });
    assert.deepEqual(execution.taskRuns[0].outputs, { onResume: { data: `${prefix}inputs/data/approval.txt` } });
    assert.deepEqual(execution.taskRuns[1].outputs, { value: 'approved by upload' });
    console.log(`9 (resume): API ${refused.status}: ${text.slice(0, 300)}`);
  });

  it("9: a FILE input naming another namespace's kestra:// file is refused, naming the URI", async () => {
    const response = await createExecution('upload', { data: foreignUri });
    const text = await response.text();
    assert.equal(response.status, 422, text);
    assert.ok(text.includes(`Access denied to file ${foreignUri}`), text);
    assert.match(text, /may only read its own files, its namespace's files/);
    assert.ok(!text.includes(FOREIGN_CONTENT));
    console.log(`9: API ${response.status}: ${text.slice(0, 400)}`);
  });

  it("10: read() of another namespace's execution file fails the task; the content is nowhere (logs, outputs, history)", async () => {
    assert.ok((await stat(join(tempStorage.root, ...foreignUri.slice('kestra:///'.length).split('/')))).isFile(), 'the foreign file exists');
    const { execution, logs, handle, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: snoop
namespace: ${namespace}
tasks:
  - id: steal
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('${foreignUri}') }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.equal(taskRun('steal')?.state, 'FAILED');
    assert.ok(
      taskRun('steal')?.error?.includes(`Access denied to file ${foreignUri}: execution ${execution.id} may only read its own files`),
      taskRun('steal')?.error,
    );
    assert.ok(!JSON.stringify(execution).includes(FOREIGN_CONTENT), 'not in the execution');
    assert.ok(!JSON.stringify(logs).includes(FOREIGN_CONTENT), 'not in the logs');
    assert.ok(!historyText(handle.workflowId).includes(FOREIGN_CONTENT), 'not in the history');
    console.log(`10: ${taskRun('steal')?.error}`);
  });

  it('11: inputFiles from kestra:///../../etc/passwd or a %2e%2e form fail the task', async () => {
    const { execution, logs, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: climb
namespace: ${namespace}
tasks:
  - id: dots
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      passwd: "kestra:///../../etc/passwd"
    commands: [cat passwd]
    allowFailure: true
  - id: encoded
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      passwd: "kestra:///${namespace.replace(/\./g, '/')}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"
    commands: [cat passwd]
    allowFailure: true
`),
    );
    for (const id of ['dots', 'encoded']) {
      assert.equal(taskRun(id)?.state, 'WARNING', `${id}: allowFailure turns FAILED into WARNING`);
      assert.match(taskRun(id)?.error ?? '', /^Invalid internal-storage URI: kestra:\/\/\/.*etc\/passwd: it must name a file below the storage root/);
    }
    assert.ok(!JSON.stringify({ execution, logs }).includes('root:x:0:0'), 'no line of /etc/passwd anywhere');
    console.log(`11: ${taskRun('dots')?.error} | ${taskRun('encoded')?.error}`);
  });

  it('12: multipart: a part named .. is 422; a file name ../../x stays in the inputs folder; an undeclared file part stores nothing', async () => {
    const dotted = await createExecution('upload', { '..': { blob: new Blob(['x']), fileName: 'a.txt' } });
    assert.equal(dotted.status, 422, await dotted.text());

    const response = await createExecution('upload', {
      data: { blob: new Blob(['inside']), fileName: '../../x' },
      undeclared: { blob: new Blob(['stray']), fileName: 'stray.txt' },
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const execution = JSON.parse(text) as ApiExecution;
    assert.equal(execution.state.current, 'SUCCESS', text);
    const prefix = executionPrefix({ namespace, flowId: 'upload', executionId: execution.id });
    assert.equal(execution.inputs?.data, `${prefix}inputs/data/x`);
    assert.deepEqual(
      (await tempStorage.storage.list(prefix)).map((f) => f.uri),
      [`${prefix}inputs/data/x`],
    );
    // Nothing landed two folders up from the inputs folder, nor anywhere else named `x` or `stray.txt`.
    await assert.rejects(stat(join(tempStorage.root, ...`${prefix}x`.slice('kestra:///'.length).split('/'))), /ENOENT/);
    // The storage folder's parent is the test's own fresh folder: it holds the storage folder and nothing else.
    assert.deepEqual(await readdir(join(tempStorage.root, '..')), [basename(tempStorage.root)]);
    console.log(`12: '..' part → ${dotted.status}; ../../x stored as ${String(execution.inputs?.data)}`);
  });

  it('a symbolic link inside the storage folder pointing outside it is refused', async () => {
    const linkFolder = join(tempStorage.root, ...namespaceFilesPrefix(namespace).slice('kestra:///'.length).split('/'));
    await mkdir(linkFolder, { recursive: true });
    await symlink('/etc/passwd', join(linkFolder, 'passwd.txt'));
    const { execution, logs, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: symlinked
namespace: ${namespace}
tasks:
  - id: follow
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read('passwd.txt') }}"
`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.match(
      taskRun('follow')?.error ?? '',
      /Access denied to kestra:\/\/\/.*\/_files\/passwd.txt: it leads out of the internal storage folder \(through a symbolic link\)/,
    );
    assert.ok(!JSON.stringify({ execution, logs }).includes('root:x:0:0'));
    console.log(`symlink: ${taskRun('follow')?.error}`);
  });

  it("a Subflow passes its own file to its child's FILE input (the child reads it); another namespace's file fails the Subflow task", async () => {
    const parent = flow(`
id: parent
namespace: ${namespace}
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles: ["note.txt"]
    commands: [printf 'from the parent' > note.txt]
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: child
    inputs:
      file: "{{ outputs.write.outputFiles['note.txt'] }}"
  - id: foreign
    type: io.kestra.plugin.core.flow.Subflow
    namespace: ${namespace}
    flowId: child
    inputs:
      file: "${foreignUri}"
`);
    const { execution, taskRun, handle } = await runWithLogs(fixture, parent);
    assert.equal(taskRun('call')?.state, 'SUCCESS', taskRun('call')?.error);
    assert.deepEqual((taskRun('call')?.outputs as { outputs?: unknown }).outputs, { content: 'from the parent' });
    assert.equal(taskRun('foreign')?.state, 'FAILED');
    assert.ok(taskRun('foreign')?.error?.includes(`Invalid input for \`file\`, Access denied to file ${foreignUri}`), taskRun('foreign')?.error);
    assert.equal(execution.state, 'FAILED');
    // The new check is behind a patch (tflow-subflow-file-inputs-scope): the history records it and replays.
    const history = await handle.fetchHistory();
    assert.ok(historyText(handle.workflowId).includes('"id":"tflow-subflow-file-inputs-scope"'), 'the patch marker is in the history');
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflow') }, history, handle.workflowId);
    console.log(`subflow: call ${taskRun('call')?.state}; foreign: ${taskRun('foreign')?.error?.slice(0, 200)}`);
  });

  it('20: three tasks of 450k CJK characters each: the execution ends FAILED by tflow, with its task runs and a message naming the task, never KILLED', async () => {
    const printer = (id: string) => `  - id: ${id}
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - |
        "${process.execPath}" -e "process.stdout.write('::' + JSON.stringify({ outputs: { text: '漢'.repeat(450000) } }) + '::\\n')"`;
    const { execution, handle, taskRun } = await runWithLogs(
      fixture,
      flow(`id: cjk\nnamespace: ${namespace}\ntasks:\n${['one', 'two', 'three'].map(printer).join('\n')}\n`),
    );
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['one:SUCCESS', 'two:FAILED'],
    );
    assert.match(
      taskRun('two')?.error ?? '',
      /^The outputs of task two \(\d+ bytes\) would bring the outputs of this execution to \d+ bytes, more than an execution may hold \(limit 1500000/,
    );
    assert.match(execution.error ?? '', /^Task two failed: The outputs of task two/);
    assert.equal((await handle.describe()).status.name, 'FAILED', 'the workflow failed by tflow, not terminated by Temporal');
    console.log(
      `20: ${execution.state}, task runs ${execution.taskRuns.map((r) => `${r.taskId}:${r.state}`).join(', ')}; ${execution.error?.slice(0, 220)}`,
    );
  });

  it('a deferred property (kv()) carries only the variables it mentions in its activity input, not earlier outputs', async () => {
    const big = 'B'.repeat(200_000);
    const { execution, handle, taskRun } = await runWithLogs(
      fixture,
      flow(`
id: deferred
namespace: ${namespace}
tasks:
  - id: large
    type: io.kestra.plugin.core.output.OutputValues
    values:
      blob: "{% for i in range(1, 2000) %}BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB{% endfor %}"
  - id: small
    type: io.kestra.plugin.core.debug.Return
    format: tiny-value
  - id: uses_kv
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('absent', errorOnMissing=false) }}-{{ outputs.small.value }}"
`),
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    assert.deepEqual(taskRun('uses_kv')?.outputs, { value: '-tiny-value' });
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityId === 'uses_kv');
    assert.equal(scheduled.length, 1);
    const input = (scheduled[0].activityTaskScheduledEventAttributes?.input?.payloads ?? [])
      .map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8'))
      .join('');
    const invocation = JSON.parse(input) as { deferred: { context: Record<string, unknown> } };
    assert.deepEqual(Object.keys(invocation.deferred.context).sort(), ['execution', 'flow', 'outputs', 'task', 'taskrun', 'workingDir']);
    assert.deepEqual(invocation.deferred.context.outputs, { small: { value: 'tiny-value' } });
    assert.ok(!input.includes(big.slice(0, 1000)), 'the large output is not in the activity input');
    console.log(
      `deferred: activity input ${Buffer.byteLength(input)} bytes, context roots ${Object.keys(invocation.deferred.context).sort().join(', ')}`,
    );
  });

  it('the storage folder itself is untouched outside: /etc/passwd was never copied into it', async () => {
    const listed = await tempStorage.storage.list(`kestra:///${namespace.replace(/\./g, '/')}/`);
    for (const file of listed) {
      if (file.uri.includes('/_files/')) continue;
      const content = await readFile(join(tempStorage.root, ...file.uri.slice('kestra:///'.length).split('/')), 'utf8').catch(() => '');
      assert.ok(!content.includes('root:x:0:0'), file.uri);
    }
  });
});
