/**
 * The local Temporal server: finds or installs the Temporal CLI and runs `temporal server start-dev`
 * with a persistent database, the Web UI and tflow's search attributes.
 *
 * Where the CLI comes from, in order: $TEMPORAL_CLI, `temporal` on PATH, a cached binary, a
 * `go install` of v1.5.1 into the cache (later releases cannot be `go install`ed), or the official
 * release downloaded for this platform.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES } from '../workflow/search-attributes';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

export interface DevServerOptions {
  /** Folder for the database file, log and pid file. */
  stateDir: string;
  /** host:port of the gRPC frontend. */
  address: string;
  uiPort?: number;
  /** No Web UI (a throwaway server in a test). */
  headless?: boolean;
  /** Where progress goes (install, start). */
  report?: (line: string) => void;
}

/** Where tflow keeps the binaries it builds or downloads (the Temporal CLI, test servers). */
export function tflowCacheDir(): string {
  return process.env.TFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tflow');
}

export function temporalCacheDir(): string {
  return join(tflowCacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`);
}

/** The Temporal CLI to use, if one is already on this machine. */
export function findTemporalCli(): string | undefined {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const cached = join(temporalCacheDir(), 'temporal');
  return existsSync(cached) ? cached : undefined;
}

/** Finds the Temporal CLI, building or downloading it into the cache when it is missing. */
export async function ensureTemporalCli(report: (line: string) => void = () => {}): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const dir = temporalCacheDir();
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'temporal');
  // Each way that did not work, for the one message a machine without any of them gets.
  const tried: string[] = ['no `temporal` on PATH, TEMPORAL_CLI not set'];
  if (hasCommand('go')) {
    report(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go into ${dir} (a few minutes, once)…`);
    const started = Date.now();
    const result = spawnSync('go', ['install', GO_PACKAGE], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status === 0 && existsSync(target)) {
      report(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
      return target;
    }
    tried.push(`\`go install ${GO_PACKAGE}\` failed (exit ${result.status})`);
    report('The Go build failed; trying the official release download instead…');
  } else {
    tried.push('no Go toolchain to build it');
  }
  report(`Downloading the Temporal CLI v${TEMPORAL_CLI_VERSION} into ${dir}…`);
  try {
    await downloadRelease(dir);
  } catch (error) {
    tried.push(`the download of the official release failed: ${describeFetchError(error)}`);
    throw new TemporalCliMissingError(
      [
        `The Temporal CLI is missing and could not be installed:`,
        ...tried.map((line) => `  - ${line}`),
        'Install one of these, then run the command again:',
        '  - the Temporal CLI (https://docs.temporal.io/cli; e.g. `brew install temporal`), on PATH or named by TEMPORAL_CLI',
        `  - Go 1.22+ (https://go.dev/dl/): tflow then builds the CLI v${TEMPORAL_CLI_VERSION} itself, once (a few minutes)`,
        `  - or give this machine internet access once: tflow downloads the official release into ${dir}`,
      ].join('\n'),
    );
  }
  return target;
}

/** No Temporal CLI and no way to get one: the message says what to install. */
export class TemporalCliMissingError extends Error {
  override name = 'TemporalCliMissingError';
}

/** fetch() says only "fetch failed"; the cause says why (DNS, refused, timeout). */
function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

async function downloadRelease(dir: string): Promise<void> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  // TEMPORAL_CLI_DOWNLOAD_URL: a mirror of the release archive (.tar.gz holding `temporal`), for closed networks.
  const url =
    process.env.TEMPORAL_CLI_DOWNLOAD_URL ??
    `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${process.platform}&arch=${arch}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new Error(`${describeFetchError(error)} from ${url}`);
  }
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  const archive = join(dir, 'temporal.tar.gz');
  writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
  const untar = spawnSync('tar', ['-xzf', archive, '-C', dir, 'temporal'], { stdio: 'inherit' });
  rmSync(archive, { force: true });
  if (untar.status !== 0) throw new Error('could not unpack the release archive');
  chmodSync(join(dir, 'temporal'), 0o755);
  const check = spawnSync(join(dir, 'temporal'), ['--version'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the downloaded CLI does not run: ${check.stderr}`);
}

function hasCommand(name: string): boolean {
  return spawnSync(name, ['version'], { stdio: 'ignore' }).status === 0;
}

function splitAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index) || 'localhost', port: Number(address.slice(index + 1)) };
}

/** True when something accepts connections on the frontend's port. */
export function isListening(address: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when the Temporal frontend answers a real request (not only accepts TCP). */
export async function isTemporalUp(address: string): Promise<boolean> {
  if (!(await isListening(address))) return false;
  const { Connection } = await import('@temporalio/client');
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

export interface DevServerStatus {
  started: boolean;
  pid?: number;
  webUi: string;
  logFile: string;
}

/**
 * Starts the dev server in the background unless one already answers at `address` (then it is a
 * no-op). It keeps running after this process exits; `stopDevServer` stops it.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServerStatus> {
  const { host, port } = splitAddress(options.address);
  const uiPort = options.uiPort ?? port + 1000;
  const webUi = `http://${host === '127.0.0.1' ? 'localhost' : host}:${uiPort}`;
  const logFile = join(options.stateDir, 'temporal.log');
  if (await isTemporalUp(options.address)) return { started: false, webUi, logFile };

  const cli = await ensureTemporalCli(options.report);
  mkdirSync(options.stateDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    host === 'localhost' ? '127.0.0.1' : host,
    '--port',
    String(port),
    ...(options.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
    '--db-filename',
    join(options.stateDir, 'temporal.sqlite'),
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]),
  ];
  const log = openSync(logFile, 'a');
  const child = spawn(cli, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  writeFileSync(pidFile(options.stateDir), String(child.pid));
  options.report?.(`Starting the Temporal dev server (${cli}) on ${options.address}${options.headless ? ' (no Web UI)' : `, Web UI ${webUi}`}…`);

  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`the Temporal dev server exited with code ${exited}:\n${tail(logFile)}`);
    if (await isTemporalUp(options.address)) return { started: true, pid: child.pid, webUi, logFile };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Temporal dev server did not answer on ${options.address} within 90 s:\n${tail(logFile)}`);
}

/** Stops a dev server that `startDevServer` started (found by its pid file). */
export async function stopDevServer(stateDir: string): Promise<boolean> {
  const file = pidFile(stateDir);
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

/**
 * For a command that may start the dev server along the way (`npm test`, `npm run bench`): call it
 * first, and `stopIfStarted()` at the end stops the server only if none answered at `address`
 * before and one was started in `stateDir` since (its pid file is new). A server that was already
 * running (another shell's, CI's `tflow temporal start`) is left alone.
 */
export async function devServerOwnership(stateDir: string, address: string): Promise<{ wasRunning: boolean; stopIfStarted(): Promise<boolean> }> {
  const wasRunning = await isTemporalUp(address);
  const pidBefore = readPid(stateDir);
  return {
    wasRunning,
    async stopIfStarted() {
      const pidNow = readPid(stateDir);
      if (wasRunning || pidNow === undefined || pidNow === pidBefore) return false;
      return stopDevServer(stateDir);
    },
  };
}

function readPid(stateDir: string): string | undefined {
  try {
    return readFileSync(pidFile(stateDir), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function pidFile(stateDir: string): string {
  return join(stateDir, 'temporal.pid');
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
