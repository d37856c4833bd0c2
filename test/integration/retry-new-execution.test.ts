/**
 * Flow-level `retry` with `behavior: CREATE_NEW_EXECUTION` on the real dev server and worker: a flow
 * that always fails, with `maxAttempts: 3`, gives three executions: the first two RETRIED, each
 * creating the next (a new execution id, the same inputs, Kestra's `system.replay` label, the attempt
 * number and the chain's `originalId`), the last FAILED. Temporal links each to the one it replaces
 * (parent workflow), `tflow executions list --state RETRIED` and the REST API show the RETRIED state.
 *
 * With TFLOW_RECORD_HISTORIES=1 it also saves the first execution's history to the replay corpus
 * (test/histories/retry_new_execution.json): `npm run build && TFLOW_RECORD_HISTORIES=1 node
 * scripts/run-tests.js retry-new-execution`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { executionResult, startExecution } from '../../src/client/executions';
import type { Execution } from '../../src/workflow/interpreter/execution';
import { logsQuery } from '../../src/workflow/definitions';
import { runTflow } from '../helpers/cli';
import { flow } from '../helpers/fake-port';
import { recordHistoryIfAsked } from '../helpers/histories';
import { startApiFixture, type ApiFixture } from '../helpers/api-fixture';

describe('retry behavior CREATE_NEW_EXECUTION: RETRIED executions and their successors', { timeout: 180_000 }, () => {
  let fixture: ApiFixture;
  const flowId = `always_fails_${randomBytes(3).toString('hex')}`;
  const spec = flow(`
id: ${flowId}
namespace: tflow.test.retry
labels:
  team: data
inputs:
  - id: day
    type: STRING
retry:
  type: constant
  behavior: CREATE_NEW_EXECUTION
  maxAttempts: 3
  interval: PT1S
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "attempt {{ execution.id }} of {{ execution.originalId }} for {{ inputs.day }}"
  - id: load
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo loading {{ inputs.day }}
      - exit 3
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: alert after {{ execution.id }}
`);

  before(async () => {
    fixture = await startApiFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  const summary = (execution: Execution) => execution.taskRuns.map((r) => `${r.taskId}:${r.state}:${r.attempts}`);
  const logsOf = async (id: string) => (await fixture.client.workflow.getHandle(id).query(logsQuery, 0)).logs.map((l) => `${l.level} ${l.message}`);
  /** The execution the RETRIED one created, from its error message. */
  const successorOf = (execution: Execution) => /retried as execution (\S+)\)$/.exec(execution.error ?? '')?.[1];

  it('maxAttempts 3 on an always-failing flow: RETRIED, RETRIED, FAILED, linked', async () => {
    const first = await executionResult(await startExecution(fixture.client, fixture.config, spec, { inputs: { day: 'monday' } }));
    assert.equal(first.state, 'RETRIED', first.error);
    assert.deepEqual(summary(first), ['hello:SUCCESS:1', 'load:RETRIED:1'], 'no retry of the task run, no errors branch');
    const secondId = successorOf(first);
    assert.ok(secondId?.startsWith(`tflow.test.retry.${flowId}-`), first.error);
    assert.match(first.error ?? '', /^Task load failed: .*exit.* 3/s);
    const firstLogs = await logsOf(first.id);
    assert.ok(
      firstLogs.includes(
        `WARN Execution RETRIED: task load failed and its retry creates a new execution (behavior CREATE_NEW_EXECUTION): ${secondId}, attempt 2 of 3, in PT1S`,
      ),
      firstLogs.join('\n'),
    );
    assert.ok(firstLogs.includes(`INFO Created execution ${secondId} (attempt 2)`), firstLogs.join('\n'));

    const second = await executionResult(fixture.client.workflow.getHandle(secondId!));
    assert.equal(second.state, 'RETRIED');
    assert.deepEqual(second.inputs, { day: 'monday' });
    assert.equal(second.attemptNumber, 2);
    assert.equal(second.originalId, first.id);
    assert.equal(second.labels['system.replay'], 'true');
    assert.equal(second.labels.team, 'data');
    assert.equal(second.labels['system.correlationId'], first.id);
    assert.ok(
      (await logsOf(secondId!)).includes(`INFO attempt ${secondId} of ${first.id} for monday`),
      'the new execution sees the same inputs and execution.originalId',
    );
    const thirdId = successorOf(second)!;

    const third = await executionResult(fixture.client.workflow.getHandle(thirdId));
    assert.equal(third.state, 'FAILED', 'the attempts are spent: FAILED as without retry');
    assert.equal(third.attemptNumber, 3);
    assert.equal(third.originalId, first.id);
    assert.deepEqual(summary(third), ['hello:SUCCESS:1', 'load:FAILED:1', 'alert:SUCCESS:1']);
    assert.equal(successorOf(third), undefined);

    // Temporal links each execution to the one it replaces.
    assert.equal((await fixture.client.workflow.getHandle(secondId!).describe()).parentExecution?.workflowId, first.id);
    assert.equal((await fixture.client.workflow.getHandle(thirdId).describe()).parentExecution?.workflowId, secondId);

    // The CLI lists the RETRIED ones by state.
    const env = { TEMPORAL_ADDRESS: fixture.config.temporalAddress, TFLOW_TASK_QUEUE: fixture.config.taskQueue };
    const listed = await runTflow(['executions', 'list', '--flow', `tflow.test.retry.${flowId}`, '--state', 'RETRIED', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Execution[]).map((e) => `${e.id}:${e.state}`).sort(),
      [`${first.id}:RETRIED`, `${secondId}:RETRIED`].sort(),
    );
    // The REST API: Kestra's state, originalId and attempt number.
    const { body: got } = await fixture.getJson<{ state: { current: string }; originalId: string; metadata: { attemptNumber: number } }>(
      `/executions/${encodeURIComponent(thirdId)}`,
    );
    assert.equal(got.state.current, 'FAILED');
    assert.equal(got.originalId, first.id);
    assert.equal(got.metadata.attemptNumber, 3);
    const { body: retried } = await fixture.getJson<{ state: { current: string } }>(`/executions/${encodeURIComponent(first.id)}`);
    assert.equal(retried.state.current, 'RETRIED');

    recordHistoryIfAsked(fixture.config.temporalAddress, first.id, 'retry_new_execution.json');
  });
});
