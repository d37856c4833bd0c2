/**
 * `tflow demo` on a machine where no Postgres answers (README, "Quick start"). The demo gets a port
 * where nothing listens (TFLOW_DATABASE_URL), its own state folder and its own Temporal dev server
 * (TEMPORAL_ADDRESS on a free port, so the shared one on :7233 is never touched); it must start an
 * embedded Postgres, load the generated month with the exact row count through the course's flow,
 * and leave no process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmbeddedPostgres } from '../../src/postgres/embedded';
import { isListening, stopDevServer } from '../../src/temporal/dev-server';
import { PROJECT_ROOT } from '../helpers/paths';

const TFLOW = join(PROJECT_ROOT, 'bin', 'tflow.js');
const ROWS = 2_500;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; with `interruptOn`, sends Ctrl-C (SIGINT) once stderr matches it. */
function runTflow(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000, interruptOn?: RegExp): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // stdin is not a terminal: the demo stops everything as soon as it has printed its summary.
    const child = spawn(process.execPath, [TFLOW, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (interruptOn && !interrupted && interruptOn.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`tflow ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on (and, for Temporal, its Web UI port +1000 free too). */
async function freePort(alsoFree: (port: number) => number[] = () => []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const others = alsoFree(port);
    if (others.every((p) => p < 65536) && !(await Promise.all(others.map((p) => isListening(`127.0.0.1:${p}`, 300)))).some(Boolean)) return port;
  }
}

/** Processes whose command line mentions `text` (a state folder: postgres -D …, temporal --db-filename …). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('tflow demo on a machine without Postgres', { timeout: 600_000 }, () => {
  let workDir: string;
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let pgPort: number;
  let temporalAddress: string;

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'tflow-demo-'));
    // As root, the embedded server runs as the postgres user, who must pass through this folder.
    await chmod(workDir, 0o755);
    stateDir = join(workDir, 'state');
    pgPort = await freePort();
    temporalAddress = `127.0.0.1:${await freePort((port) => [port + 1000])}`;
    env = {
      ...process.env,
      TFLOW_STATE_DIR: stateDir,
      TFLOW_DATABASE_URL: `postgres://root@127.0.0.1:${pgPort}/root`,
      TEMPORAL_ADDRESS: temporalAddress,
    };
    delete env.TFLOW_STORAGE;
    delete env.TFLOW_JDBC_URL_ALIASES;
    delete env.TFLOW_HOST_ALIASES;
  });
  after(async () => {
    // Only matters when a test failed half-way: stop what may be left, then delete the folder.
    await stopDevServer(stateDir);
    try {
      new EmbeddedPostgres({ dataDir: join(stateDir, 'postgres'), port: pgPort, superuser: 'root' }).stop();
    } catch {
      // nothing to stop
    }
    await rm(workDir, { recursive: true, force: true });
  });

  function assertNothingLeft(): void {
    assert.deepEqual(processesMentioning(stateDir), [], 'no process of the demo (postgres, temporal) survives it');
    assert.equal(existsSync(join(stateDir, 'postgres', 'postmaster.pid')), false, 'the embedded Postgres shut down cleanly');
    assert.equal(existsSync(join(stateDir, 'temporal.pid')), false, 'the demo stopped the dev server it started');
  }

  it('starts an embedded Postgres, loads the generated month with the exact row count, and stops everything', async () => {
    assert.equal(await isListening(`127.0.0.1:${pgPort}`), false);
    const result = await runTflow(['demo', '--rows', String(ROWS), '--exit'], env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, new RegExp(`nothing answered at 127\\.0\\.0\\.1:${pgPort}, so tflow started an embedded PostgreSQL 17`));
    assert.match(result.stderr, /Temporal: started the dev server/);
    assert.match(result.stdout, /Execution: zoomcamp\.02_postgres_taxi-\S+ \(SUCCESS/);
    assert.match(result.stdout, /Web UI: +http:\/\/\S+\/namespaces\/default\/workflows\/zoomcamp\.02_postgres_taxi-/);
    assert.match(
      result.stdout,
      new RegExp(
        `Table: +public\\.green_tripdata in database ny_taxi on 127\\.0\\.0\\.1:${pgPort} \\(embedded Postgres\\): ${ROWS} rows, ${ROWS} from green_tripdata_2019-01\\.csv \\(generated: ${ROWS}\\)`,
      ),
    );
    assert.match(result.stdout, new RegExp(`psql postgresql://root:root@127\\.0\\.0\\.1:${pgPort}/ny_taxi`));
    assert.ok(existsSync(join(stateDir, 'postgres', 'PG_VERSION')), 'the data directory is under the state folder');
    assert.ok(existsSync(join(stateDir, 'temporal.sqlite')), "Temporal's database is under the state folder");
    assertNothingLeft();
    assert.equal(await isListening(`127.0.0.1:${pgPort}`), false);
    assert.equal(await isListening(temporalAddress), false);
  });

  it('a second run reuses the data (the course MERGE adds nothing) and stops everything again', async () => {
    const result = await runTflow(['demo', '--rows', String(ROWS), '--exit'], env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /Initialising an embedded Postgres/);
    assert.match(result.stdout, new RegExp(`: ${ROWS} rows, ${ROWS} from green_tripdata_2019-01\\.csv`));
    assertNothingLeft();
  });

  it('`tflow dev --reset` clears the state folder, then runs the stack on an embedded Postgres until Ctrl-C', async () => {
    const result = await runTflow(['dev', '--reset'], env, 120_000, /Ctrl-C stops/);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Cleared ${stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // Cleared: the data directory was initialised anew (so the old one, and its table, are gone).
    assert.match(result.stderr, /Initialising an embedded Postgres/);
    assert.match(result.stderr, /started an embedded PostgreSQL 17/);
    assertNothingLeft();
    assert.equal(await isListening(`127.0.0.1:${pgPort}`), false);
  });
});

describe('a machine with no Temporal CLI, no Go and no internet', () => {
  it('gets one message saying what to install', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'tflow-nocli-'));
    try {
      const path = (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir && !existsSync(join(dir, 'go')) && !existsSync(join(dir, 'temporal')))
        .join(delimiter);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: path,
        TFLOW_CACHE_DIR: cacheDir,
        // No internet: a download address where nothing answers.
        TEMPORAL_CLI_DOWNLOAD_URL: `http://127.0.0.1:${await freePort()}/temporal.tar.gz`,
      };
      delete env.TEMPORAL_CLI;
      const result = await runTflow(['temporal', 'install'], env, 60_000);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /The Temporal CLI is missing and could not be installed:/);
      assert.match(result.stderr, /no Go toolchain to build it/);
      assert.match(result.stderr, /the download of the official release failed: fetch failed \(ECONNREFUSED\)/);
      assert.match(result.stderr, /Install one of these, then run the command again:\n {2}- the Temporal CLI .*\n {2}- Go 1\.22\+/);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
