/**
 * TFLOW_WORKER_* settings as src/config.ts reads them, and the task-run metrics the ops endpoint
 * serves, in Prometheus' text format.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadWorkerSettings } from '../../src/config';
import { TaskMetrics } from '../../src/activities/task-metrics';

describe('worker settings', () => {
  it('defaults: SDK concurrency, a 30 s grace, no endpoints', () => {
    assert.deepEqual(loadWorkerSettings({}), {
      maxActivities: undefined,
      maxWorkflowTasks: undefined,
      maxCachedWorkflows: undefined,
      shutdownGraceMs: 30_000,
      httpPort: undefined,
      httpHost: '127.0.0.1',
      sdkMetricsAddress: undefined,
    });
  });

  it('reads each variable', () => {
    const settings = loadWorkerSettings({
      TFLOW_WORKER_MAX_ACTIVITIES: '8',
      TFLOW_WORKER_MAX_WORKFLOW_TASKS: '20',
      TFLOW_WORKER_MAX_CACHED_WORKFLOWS: '300',
      TFLOW_WORKER_SHUTDOWN_GRACE: '2m',
      TFLOW_WORKER_HTTP_PORT: '9400',
      TFLOW_WORKER_HTTP_HOST: '0.0.0.0',
      TFLOW_WORKER_SDK_METRICS_ADDRESS: '[::1]:9464',
    });
    assert.deepEqual(settings, {
      maxActivities: 8,
      maxWorkflowTasks: 20,
      maxCachedWorkflows: 300,
      shutdownGraceMs: 120_000,
      httpPort: 9400,
      httpHost: '0.0.0.0',
      sdkMetricsAddress: '[::1]:9464',
    });
  });

  it('takes the grace as 500ms, 45 (seconds), PT1M30S or 0', () => {
    const grace = (text: string) => loadWorkerSettings({ TFLOW_WORKER_SHUTDOWN_GRACE: text }).shutdownGraceMs;
    assert.equal(grace('500ms'), 500);
    assert.equal(grace('45'), 45_000);
    assert.equal(grace('PT1M30S'), 90_000);
    assert.equal(grace('0'), 0);
  });

  it('refuses bad values, naming the variable', () => {
    const refused = (env: NodeJS.ProcessEnv, message: RegExp) => assert.throws(() => loadWorkerSettings(env), message);
    refused({ TFLOW_WORKER_MAX_ACTIVITIES: '0' }, /^Error: TFLOW_WORKER_MAX_ACTIVITIES: expected a positive whole number \(1 or more\), got "0"$/);
    refused({ TFLOW_WORKER_MAX_ACTIVITIES: '-3' }, /TFLOW_WORKER_MAX_ACTIVITIES: expected a positive whole number/);
    refused({ TFLOW_WORKER_MAX_CACHED_WORKFLOWS: '1e3' }, /TFLOW_WORKER_MAX_CACHED_WORKFLOWS: expected a positive whole number/);
    refused({ TFLOW_WORKER_MAX_WORKFLOW_TASKS: '1' }, /TFLOW_WORKER_MAX_WORKFLOW_TASKS: expected a positive whole number \(2 or more\), got "1"/);
    refused({ TFLOW_WORKER_SHUTDOWN_GRACE: 'soon' }, /TFLOW_WORKER_SHUTDOWN_GRACE: expected a duration such as 30s/);
    refused({ TFLOW_WORKER_SHUTDOWN_GRACE: '-PT5S' }, /TFLOW_WORKER_SHUTDOWN_GRACE: expected a duration/);
    refused({ TFLOW_WORKER_HTTP_PORT: '70000' }, /TFLOW_WORKER_HTTP_PORT: expected a port number \(1-65535\), got "70000"/);
    refused({ TFLOW_WORKER_SDK_METRICS_ADDRESS: 'localhost:9464' }, /TFLOW_WORKER_SDK_METRICS_ADDRESS: expected ip:port/);
    refused({ TFLOW_WORKER_SDK_METRICS_ADDRESS: '127.0.0.1' }, /TFLOW_WORKER_SDK_METRICS_ADDRESS: expected ip:port/);
  });
});

describe('task metrics exposition', () => {
  it('counts runs by type and state, with a cumulative duration histogram', () => {
    const metrics = new TaskMetrics();
    metrics.record('io.kestra.plugin.scripts.shell.Commands', 'SUCCESS', 0.2);
    metrics.record('io.kestra.plugin.scripts.shell.Commands', 'FAILED', 3);
    metrics.record('io.kestra.plugin.core.http.Download', 'SUCCESS', 20);
    const lines = metrics.exposition().split('\n');
    const shell = 'type="io.kestra.plugin.scripts.shell.Commands"';
    for (const expected of [
      '# TYPE tflow_task_runs_total counter',
      `tflow_task_runs_total{${shell},state="FAILED"} 1`,
      `tflow_task_runs_total{${shell},state="SUCCESS"} 1`,
      'tflow_task_runs_total{type="io.kestra.plugin.core.http.Download",state="SUCCESS"} 1',
      '# TYPE tflow_task_run_duration_seconds histogram',
      `tflow_task_run_duration_seconds_bucket{${shell},le="0.05"} 0`,
      `tflow_task_run_duration_seconds_bucket{${shell},le="0.25"} 1`,
      `tflow_task_run_duration_seconds_bucket{${shell},le="5"} 2`,
      `tflow_task_run_duration_seconds_bucket{${shell},le="+Inf"} 2`,
      `tflow_task_run_duration_seconds_sum{${shell}} 3.2`,
      `tflow_task_run_duration_seconds_count{${shell}} 2`,
    ]) {
      assert.ok(lines.includes(expected), `missing: ${expected}\n${lines.join('\n')}`);
    }
    assert.equal(lines.at(-1), '', 'ends with a line feed');
  });

  it('escapes label values', () => {
    const metrics = new TaskMetrics();
    metrics.record('odd"type\\with\nbreaks', 'KILLED', 1);
    assert.match(metrics.exposition(), /^tflow_task_runs_total\{type="odd\\"type\\\\with\\nbreaks",state="KILLED"\} 1$/m);
  });
});
