/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server), the Cloud Storage emulator the GCS tests run
 * against. Built once with `go install` into tflow's cache (like the Temporal CLI, see
 * src/temporal/dev-server.ts) and reused; `.ci/run` builds it before `npm test`
 * (`node dist/test/helpers/fake-gcs-server.js install`). A test that needs it builds it when it is
 * missing and fails when it cannot: a GCS test never skips.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tflowCacheDir } from '../../src/temporal/dev-server';
import { freePort } from './worker-process';

export const FAKE_GCS_SERVER_VERSION = '1.56.1';
const GO_PACKAGE = `github.com/fsouza/fake-gcs-server@v${FAKE_GCS_SERVER_VERSION}`;

export function fakeGcsServerPath(): string {
  return join(tflowCacheDir(), `fake-gcs-server-${FAKE_GCS_SERVER_VERSION}`, 'fake-gcs-server');
}

/** The binary, built into the cache when missing (about a minute on 2 cores, once). */
export function ensureFakeGcsServer(report: (line: string) => void = (line) => console.error(line)): string {
  const target = fakeGcsServerPath();
  if (existsSync(target)) return target;
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  report(`Building fake-gcs-server v${FAKE_GCS_SERVER_VERSION} with Go into ${dir} (about a minute, once)…`);
  const started = Date.now();
  const result = spawnSync('go', ['install', GO_PACKAGE], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error || result.status !== 0 || !existsSync(target)) {
    throw new Error(
      `Could not build fake-gcs-server (\`go install ${GO_PACKAGE}\` ${result.error ? `failed: ${result.error.message}` : `exited ${result.status}`}). ` +
        'The GCS tests need it: install Go 1.22+ and run `node dist/test/helpers/fake-gcs-server.js install`.',
    );
  }
  report(`Built fake-gcs-server in ${Math.round((Date.now() - started) / 1000)} s.`);
  return target;
}

export interface FakeGcsServer {
  /** `http://127.0.0.1:<port>`: the value for STORAGE_EMULATOR_HOST. */
  url: string;
  stop(): Promise<void>;
}

/** Starts fake-gcs-server on a free port, in memory (nothing left behind when it stops). */
export async function startFakeGcsServer(): Promise<FakeGcsServer> {
  const binary = ensureFakeGcsServer();
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'memory',
      '-log-level',
      'warn',
      '-external-url',
      `http://127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fake-gcs-server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/storage/v1/b`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`fake-gcs-server did not answer on ${url} within 15 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

// `node dist/test/helpers/fake-gcs-server.js install`: builds it (CI, before npm test).
if (require.main === module && process.argv[2] === 'install') {
  const started = Date.now();
  const binary = ensureFakeGcsServer((line) => console.log(line));
  console.log(`fake-gcs-server ready in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
}
