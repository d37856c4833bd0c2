/**
 * Real `tflow worker` processes, for tests that crash or restart them (SIGKILL is a real crash: no
 * shutdown code runs), and free ports for the dev servers such tests start of their own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { TFLOW_BIN } from './paths';

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `tflow worker`, with `env` over this process's environment. The end of its stderr is kept and
 * printed if it exits with an error, so that a test failing for want of a worker says why.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  private stderrTail = '';

  /** `cwd`: the worker's working folder (the test runner's by default). */
  constructor(env: NodeJS.ProcessEnv, options: { cwd?: string } = {}) {
    this.child = spawn(process.execPath, [TFLOW_BIN, 'worker'], {
      env: { ...process.env, ...env },
      cwd: options.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000)));
    this.child.on('exit', (code) => {
      if (code !== null && code !== 0) console.error(`worker exited with ${code}: ${this.stderrTail}`);
    });
  }

  /** Resolves once the worker polls its task queue (it says so on stderr); rejects if it exits first. */
  polling(): Promise<void> {
    let stderr = '';
    return new Promise<void>((resolve, reject) => {
      this.child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Worker polling')) resolve();
      });
      this.child.once('exit', (code) => reject(new Error(`the worker exited with ${code}: ${stderr}`)));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (SIGKILL for a crash) unless the worker has already exited, and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}
