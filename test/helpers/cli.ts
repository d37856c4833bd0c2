/**
 * Running the real `tflow` binary from tests, with extra environment (a test's task queue…).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DeployedFlow } from '../../src/flow-store/deploy';
import { PROJECT_ROOT, TFLOW_BIN } from './paths';

const exec = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(command, [...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

export function runTflow(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(process.execPath, [TFLOW_BIN, ...args], env);
}

/** `tflow deploy <files> --json`, which must succeed: what it deployed. */
export async function deployWithCli(files: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<DeployedFlow[]> {
  const result = await runTflow(['deploy', ...files, '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as DeployedFlow[];
}
