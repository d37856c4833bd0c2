/**
 * A real `tflow server` (or `tflow dev`-style API) process, for tests that send hostile requests and
 * must see the process survive them: a crash of the server under test must not take the test
 * runner with it, and `/health` must be asked over a real socket while the server is busy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { TFLOW_BIN } from './paths';
import { freePort } from './worker-process';

export interface ServerProcessOptions {
  /** Arguments after `tflow` (default `['server']`); the port is set through TFLOW_API_PORT. */
  args?: string[];
  /** Environment over this process's (a fresh task queue is set unless given). */
  env?: NodeJS.ProcessEnv;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly taskQueue: string;
  /** Everything the process wrote on stderr so far. */
  stderr = '';
  stdout = '';

  private constructor(child: ChildProcess, port: number, taskQueue: string) {
    this.child = child;
    this.port = port;
    this.taskQueue = taskQueue;
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
  }

  /** Spawns the process without waiting for it (for commands expected to refuse to start). */
  static async spawn(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const port = await freePort();
    const taskQueue = options.env?.TFLOW_TASK_QUEUE ?? `test-${randomBytes(4).toString('hex')}`;
    const args = options.args ?? ['server'];
    const child = spawn(process.execPath, [TFLOW_BIN, ...args], {
      env: { ...process.env, TFLOW_TASK_QUEUE: taskQueue, TFLOW_API_PORT: String(port), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child, port, taskQueue);
  }

  /** Spawns the process and resolves once `/health` answers (rejects if it exits first). */
  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const server = await ServerProcess.spawn(options);
    await server.healthy();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit code once the process has ended (waits for it). */
  async exited(timeoutMs = 30_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const [code] = (await once(this.child, 'exit')) as [number | null];
    clearTimeout(timer);
    return code;
  }

  /** Waits until `/health` answers 200. */
  async healthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`tflow exited with ${this.child.exitCode}: ${this.stderr.slice(-4000)}`);
      if ((await this.health(1_000)) !== undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`tflow did not answer /health within ${timeoutMs} ms: ${this.stderr.slice(-4000)}`);
  }

  /** Milliseconds `/health` took to answer 200, or undefined when it did not within `timeoutMs`. */
  async health(timeoutMs = 1_000): Promise<number | undefined> {
    const started = Date.now();
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok ? Date.now() - started : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sends `signal` unless the process has ended, and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}
