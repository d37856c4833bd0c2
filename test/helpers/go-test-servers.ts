/**
 * The emulators the integration tests run against, built from their Go modules (no Docker here):
 * fake-gcs-server (Cloud Storage) and gofakes3 (S3). Each is built once with `go install` into
 * tflow's cache (like the Temporal CLI, see src/temporal/dev-server.ts) and reused. `.ci/run` builds
 * them before `npm test` (`node dist/test/helpers/go-test-servers.js install`); a test that needs one
 * builds it when it is missing and fails when it cannot: these tests never skip.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tflowCacheDir } from '../../src/temporal/dev-server';
import { freePort } from './worker-process';

export interface GoTestServer {
  name: string;
  version: string;
  /** `go install` target without the version. */
  goPackage: string;
  /** Arguments to listen on 127.0.0.1:<port>, keeping data in memory. */
  args(port: number): string[];
  /** A path that answers 2xx once the server is ready. */
  readyPath: string;
}

export const FAKE_GCS_SERVER: GoTestServer = {
  name: 'fake-gcs-server',
  version: '1.56.1',
  goPackage: 'github.com/fsouza/fake-gcs-server',
  args: (port) => [
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
  readyPath: '/storage/v1/b',
};

export const GOFAKES3: GoTestServer = {
  name: 'gofakes3',
  version: '1.2.0',
  goPackage: 'github.com/johannesboyne/gofakes3/cmd/gofakes3',
  // -autobucket: a bucket exists as soon as something is written to it.
  args: (port) => ['-backend', 'memory', '-autobucket', '-host', `127.0.0.1:${port}`],
  readyPath: '/',
};

export function goTestServerPath(server: GoTestServer): string {
  return join(tflowCacheDir(), `${server.name}-${server.version}`, server.goPackage.split('/').at(-1) as string);
}

/** The binary, built into the cache when missing (about a minute on 2 cores, once). */
export function ensureGoTestServer(server: GoTestServer, report: (line: string) => void = (line) => console.error(line)): string {
  const target = goTestServerPath(server);
  if (existsSync(target)) return target;
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const installTarget = `${server.goPackage}@v${server.version}`;
  report(`Building ${server.name} v${server.version} with Go into ${dir} (about a minute, once)…`);
  const started = Date.now();
  const result = spawnSync('go', ['install', installTarget], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error || result.status !== 0 || !existsSync(target)) {
    throw new Error(
      `Could not build ${server.name} (\`go install ${installTarget}\` ${result.error ? `failed: ${result.error.message}` : `exited ${result.status}`}). ` +
        'The tests need it: install Go 1.22+ and run `node dist/test/helpers/go-test-servers.js install`.',
    );
  }
  report(`Built ${server.name} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return target;
}

export interface RunningTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

/** Starts the server on a free port, in memory (nothing left behind when it stops). */
export async function startGoTestServer(server: GoTestServer): Promise<RunningTestServer> {
  const binary = ensureGoTestServer(server);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, server.args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${server.name} exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}${server.readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${server.name} did not answer on ${url} within 15 s: ${stderr}`);
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

// `node dist/test/helpers/go-test-servers.js install`: builds them all (CI, before npm test).
if (require.main === module && process.argv[2] === 'install') {
  for (const server of [FAKE_GCS_SERVER, GOFAKES3]) {
    const started = Date.now();
    const binary = ensureGoTestServer(server, (line) => console.log(line));
    console.log(`${server.name} ready in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  }
}
