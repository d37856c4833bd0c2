import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { FIXTURES, PROJECT_ROOT, TFLOW_BIN } from '../helpers/paths';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const exec = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the tflow CLI', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  async function tflow(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [TFLOW_BIN, ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, TFLOW_TASK_QUEUE: fixture.config.taskQueue },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('runs a flow with --wait --json: the final execution as JSON, exit 0, findable with `temporal workflow describe`', async () => {
    const result = await tflow('run', 'flows/01_hello_world.yaml', '-i', 'name=Ada', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr);
    const execution = JSON.parse(result.stdout);
    assert.equal(execution.state, 'SUCCESS');
    assert.equal(execution.namespace, 'zoomcamp');
    assert.equal(execution.flowId, '01_hello_world');
    assert.deepEqual(execution.inputs, { name: 'Ada' });
    // Kestra's correlation label: a new execution's own id.
    assert.deepEqual(execution.labels, { 'system.correlationId': execution.id, course: 'zoomcamp' });
    assert.deepEqual(
      execution.taskRuns.map((r: { taskId: string; state: string; attempts: number }) => [r.taskId, r.state, r.attempts]),
      [
        ['hello_message', 'SUCCESS', 1],
        ['generate_output', 'SUCCESS', 1],
        ['log_output', 'SUCCESS', 1],
        ['goodbye_message', 'SUCCESS', 1],
      ],
    );
    assert.equal(execution.taskRuns[1].outputs.value, 'I was generated during this workflow.');
    // Progress and logs go to stderr, so stdout stays pure JSON.
    assert.match(result.stderr, /Hello, Ada!/);

    const temporal = findTemporalCli();
    assert.ok(temporal);
    const { stdout } = await exec(temporal, ['workflow', 'describe', '-w', execution.id, '--address', fixture.config.temporalAddress]);
    assert.match(stdout, /Type\s+zoomcamp\.01_hello_world/);
    assert.match(stdout, /Status\s+COMPLETED/);
  });

  it('prints logs and outputs without --json, and exits 1 when the flow fails', async () => {
    const ok = await tflow('run', 'flows/01_hello_world.yaml', '--wait');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /INFO\s+hello_message\s+Hello, Will!/);
    assert.match(ok.stdout, /value = "I was generated during this workflow."/);
    assert.match(ok.stdout, /: SUCCESS in /);

    const failed = await tflow('run', join(FIXTURES, 'valid', 'failing.yaml'), '--wait');
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /broken FAILED: the download returned 404/);
    assert.match(failed.stdout, /: FAILED in /);
  });

  it('validates files and folders: exit 0 when valid, else one file:line:col line per problem and exit 1', async () => {
    const valid = await tflow('validate', 'flows');
    assert.equal(valid.code, 0);
    assert.match(valid.stdout, /01_hello_world\.yaml/);

    const invalid = await tflow('validate', join(FIXTURES, 'invalid', 'unknown_type.yaml'), join(FIXTURES, 'invalid', 'unknown_property.yaml'));
    assert.equal(invalid.code, 1);
    const lines = invalid.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0],
      /unknown_type\.yaml:6:11: Invalid type: io\.kestra\.plugin\.core\.log\.Lgo .*did you mean io\.kestra\.plugin\.core\.log\.Log\?/,
    );
  });

  describe('refuses a bad flow before anything starts', () => {
    const refused = async (file: string, pattern: RegExp, ...extra: string[]) => {
      const result = await tflow('run', file, '--wait', ...extra);
      assert.equal(result.code, 1);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stdout + result.stderr, /started/);
    };

    it('an unknown task type', () =>
      refused(join(FIXTURES, 'invalid', 'unknown_type.yaml'), /unknown_type\.yaml:6:11: Invalid type: io\.kestra\.plugin\.core\.log\.Lgo/));

    it('a YAML syntax error', () => refused(join(FIXTURES, 'invalid', 'yaml_syntax.yaml'), /yaml_syntax\.yaml:7:1: Unexpected flow-seq-end/));

    it('a missing required input', async () => {
      await refused(
        join(FIXTURES, 'valid', 'required_input.yaml'),
        /required_input\.yaml:4:5: Invalid input for `who`, missing required input, but received `null`/,
      );
      const count = await fixture.client.workflow.count(`FlowId = 'required_input' AND FlowNamespace = 'tests'`);
      assert.equal(count.count, 0);
    });

    it('an input value that is not allowed', async () => {
      const result = await tflow('run', join(FIXTURES, 'valid', 'select_input.yaml'), '-i', 'taxi=blue');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Invalid input for `taxi`, it must match the values `\[yellow, green\]`, but received `blue`/);
    });
  });
});
