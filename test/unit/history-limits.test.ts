import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedChecks } from '../../src/workflow/interpreter/checks';
import { type Execution, fitForResult } from '../../src/workflow/interpreter/execution';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from '../../src/workflow/interpreter/payload-size';
import { flow, runWithFakePort } from '../helpers/fake-port';

describe('history and payload limits', () => {
  it('an oversize task output fails the task, saying how to store it instead', async () => {
    const spec = flow(`
id: big
namespace: tests.limits
tasks:
  - id: huge
    type: io.kestra.plugin.core.output.OutputValues
    values:
      blob: "{{ range(1, 300000) }}"
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: x
`);
    const { execution } = await runWithFakePort(spec);
    assert.equal(execution.state, 'FAILED');
    assert.deepEqual(
      execution.taskRuns.map((r) => `${r.taskId}:${r.state}`),
      ['huge:FAILED'],
    );
    assert.match(
      execution.taskRuns[0].error ?? '',
      /^The outputs of task huge are \d+ bytes, too large to keep in the execution \(limit 1500000\): store large results in internal storage instead \(scripts: `outputFiles`/,
    );
  });

  it('a result too big for Temporal leaves out outputs, then the oldest task runs, and says so', () => {
    const taskRuns = Array.from({ length: 3000 }, (_, i) => ({
      id: `r${i}`,
      taskId: 't',
      value: String(i),
      state: 'SUCCESS' as const,
      attempts: 1,
      outputs: { value: 'x'.repeat(1000) },
    }));
    const execution: Execution = {
      id: 'e',
      namespace: 'n',
      flowId: 'f',
      revision: 1,
      state: 'SUCCESS',
      inputs: {},
      outputs: {},
      labels: {},
      taskRuns,
      startDate: '2026-01-01T00:00:00Z',
    };
    const fitted = fitForResult(execution);
    assert.ok(jsonBytes(fitted) <= MAX_PAYLOAD_DATA_BYTES);
    assert.equal(fitted.taskRuns.length, 3000);
    assert.deepEqual(fitted.taskRuns[0].outputs, {});
    assert.match(fitted.truncated ?? '', /^outputs of task t left out to fit in the workflow result/);
    assert.equal(fitForResult({ ...execution, taskRuns: taskRuns.slice(0, 10) }).truncated, undefined);
  });

  it('counts UTF-8 bytes: CJK outputs under the limit in characters but over it in bytes are left out, naming their tasks', () => {
    const cjk = '漢'.repeat(450_000);
    const taskRuns = ['one', 'two', 'three'].map((taskId) => ({
      id: taskId,
      taskId,
      state: 'SUCCESS' as const,
      attempts: 1,
      outputs: { text: cjk },
    }));
    const execution: Execution = {
      id: 'e',
      namespace: 'n',
      flowId: 'f',
      revision: 1,
      state: 'SUCCESS',
      inputs: { big: 'é'.repeat(400_000) },
      outputs: { o: '漢'.repeat(400_000) },
      labels: {},
      taskRuns,
      startDate: '2026-01-01T00:00:00Z',
    };
    const fitted = fitForResult(execution);
    assert.ok(jsonBytes(fitted) <= MAX_PAYLOAD_DATA_BYTES, `${jsonBytes(fitted)} bytes`);
    assert.deepEqual(
      fitted.taskRuns.map((r) => r.taskId),
      ['one', 'two', 'three'],
    );
    assert.equal(
      fitted.truncated,
      "outputs of task one, two, three, the execution's outputs left out to fit in the workflow result: query the execution for them",
    );
    assert.deepEqual(fitted.inputs, execution.inputs);
  });

  it('checks: a false condition or one that cannot be rendered fails, with the message rendered', () => {
    const spec = flow(`
id: checked
namespace: tests.limits
inputs:
  - id: n
    type: INT
checks:
  - condition: "{{ inputs.n > 0 }}"
    message: "n is {{ inputs.n }}"
    behavior: FAIL_EXECUTION
  - condition: "{{ inputs.missing > 0 }}"
    message: broken
    style: WARNING
    behavior: CREATE_EXECUTION
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: x
`);
    const failed = failedChecks(spec, { n: -1 });
    assert.deepEqual(
      failed.map((c) => [c.message.split(' (')[0], c.style, c.behavior]),
      [
        ['n is -1', 'INFO', 'FAIL_EXECUTION'],
        ['broken', 'WARNING', 'CREATE_EXECUTION'],
      ],
    );
    assert.match(failed[1].message, /the condition could not be evaluated/);
    assert.equal(failedChecks(spec, { n: 1 }).length, 1);
  });
});
