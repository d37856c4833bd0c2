/**
 * The servers the integration tests run against, built from their Go modules (no Docker here):
 * fake-gcs-server (Cloud Storage), gofakes3 (S3), and the Temporal server with its SQL tool (a
 * production-style Temporal: ./temporal-server.ts). Each is built once with `go install` into
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

/** A program built with `go install <goPackage>@v<version>` into `<cache>/<name>-<version>/`. */
export interface GoBinary {
  name: string;
  version: string;
  /** `go install` target without the version; the binary is named after its last element. */
  goPackage: string;
}

/** An emulator that listens on one port and keeps its data in memory. */
export interface GoTestServer extends GoBinary {
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

/**
 * The Temporal server (v1.30.0 is the last release this machine's Go builds; later ones ask for a
 * newer Go): about 2 minutes to build on 2 cores, 130 MB. Its SQL tool sets up the PostgreSQL
 * schemas; both go into the same folder of the cache.
 */
export const TEMPORAL_SERVER: GoBinary = { name: 'temporal-server', version: '1.30.0', goPackage: 'go.temporal.io/server/cmd/server' };
export const TEMPORAL_SQL_TOOL: GoBinary = { ...TEMPORAL_SERVER, goPackage: 'go.temporal.io/server/cmd/tools/sql' };

export function goBinaryPath(binary: GoBinary): string {
  return join(tflowCacheDir(), `${binary.name}-${binary.version}`, binary.goPackage.split('/').at(-1) as string);
}

/** The binary, built into the cache when missing (a minute or two on 2 cores, once). */
export function ensureGoBinary(binary: GoBinary, report: (line: string) => void = (line) => console.error(line)): string {
  const target = goBinaryPath(binary);
  if (existsSync(target)) return target;
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const installTarget = `${binary.goPackage}@v${binary.version}`;
  report(`Building ${installTarget} with Go into ${dir} (a minute or two, once)…`);
  const started = Date.now();
  const result = spawnSync('go', ['install', installTarget], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error || result.status !== 0 || !existsSync(target)) {
    throw new Error(
      `Could not build ${binary.name} (\`go install ${installTarget}\` ${result.error ? `failed: ${result.error.message}` : `exited ${result.status}`}). ` +
        'The tests need it: install Go 1.25.5 or later and run `node dist/test/helpers/go-test-servers.js install`.',
    );
  }
  report(`Built ${installTarget} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return target;
}

export interface RunningTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

/** Starts the server on a free port, in memory (nothing left behind when it stops). */
export async function startGoTestServer(server: GoTestServer): Promise<RunningTestServer> {
  const binary = ensureGoBinary(server);
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

/** The object keys under `prefix` in a bucket of gofakes3, as the S3 API lists them. */
export async function s3Keys(server: RunningTestServer, bucket: string, prefix: string): Promise<string[]> {
  const listing = await (await fetch(`${server.url}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...listing.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);
}

// `node dist/test/helpers/go-test-servers.js install`: builds them all (CI, before npm test).
if (require.main === module && process.argv[2] === 'install') {
  for (const binary of [FAKE_GCS_SERVER, GOFAKES3, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL]) {
    const started = Date.now();
    const path = ensureGoBinary(binary, (line) => console.log(line));
    console.log(`${binary.goPackage} v${binary.version} ready in ${Math.round((Date.now() - started) / 1000)} s: ${path}`);
  }
}
