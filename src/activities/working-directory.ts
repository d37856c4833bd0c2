/**
 * WorkingDirectory, worker side: a child task restores the directory its previous sibling saved
 * (an archive in internal storage), runs in it, then saves it for the next one, which may run on
 * another worker (why: src/workflow/plugins/core/flow/working-directory.ts). Archives are plain tar
 * files, made and read by the system `tar`, so modes, empty folders and symlinks survive.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TaskInvocation, TaskResult } from '../workflow/interpreter/task-invocation';
import { WORKING_DIR_PLACEHOLDER } from '../workflow/plugins/core/flow/working-directory';
import { type InternalStorage, taskRunFileUri } from '../storage';
import { type ScriptProperties, uploadOutputFiles, writeInputFiles } from '../plugins/scripts/script-task';

export type SharedInvocation = TaskInvocation & { workingDirectory: NonNullable<TaskInvocation['workingDirectory']> };

/** The archive a child task run leaves, in the WorkingDirectory task run's folder. */
function archiveUri(invocation: SharedInvocation, childTaskRunId: string): string {
  const { taskId, taskRunId } = invocation.workingDirectory;
  return taskRunFileUri({ ...invocation, taskId, taskRunId }, `working-directory/${childTaskRunId}.tar`);
}

/** A fresh local directory holding what the previous child left (or the group's `inputFiles` for the first). */
export async function openSharedDirectory(invocation: SharedInvocation, storage: InternalStorage): Promise<string> {
  const parent = join(tmpdir(), 'tflow-work');
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${invocation.workingDirectory.taskId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}-`));
  const { restoreFrom, inputFiles } = invocation.workingDirectory;
  if (restoreFrom) await runTar(['-xf', '-', '-C', dir], { input: await storage.get(archiveUri(invocation, restoreFrom)) });
  else if (inputFiles !== undefined) await writeInputFiles(inputFiles as ScriptProperties['inputFiles'], dir, { storage });
  return dir;
}

/** Saves the directory for the next child; the last child also stores the group's `outputFiles`. */
export async function saveSharedDirectory(
  invocation: SharedInvocation,
  dir: string,
  storage: InternalStorage,
): Promise<NonNullable<TaskResult['workingDirectory']>> {
  const { taskId, taskRunId, outputFiles } = invocation.workingDirectory;
  await runTar(['-cf', '-', '-C', dir, '.'], { output: (archive) => storage.put(archiveUri(invocation, invocation.taskRunId), archive) });
  if (!outputFiles) return { saved: true };
  // Stored in the WorkingDirectory task run's folder, as its own outputs.
  const putFile = (fileName: string, content: Readable) => storage.put(taskRunFileUri({ ...invocation, taskId, taskRunId }, fileName), content);
  return { saved: true, outputFiles: await uploadOutputFiles(outputFiles, dir, { putFile }) };
}

/** True when a rendered value mentions `{{ workingDir }}`. */
export function mentionsWorkingDir(value: unknown): boolean {
  return JSON.stringify(value)?.includes(WORKING_DIR_PLACEHOLDER) ?? false;
}

/** Puts the directory's real path where `{{ workingDir }}` was rendered, in every string of a value. */
export function withWorkingDir<T>(value: T, dir: string): T {
  if (typeof value === 'string') return value.split(WORKING_DIR_PLACEHOLDER).join(dir) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withWorkingDir(item, dir)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withWorkingDir(item, dir)])) as T;
  }
  return value;
}

/** Runs `tar`, feeding `input` to its stdin or handing its stdout to `output`; fails with its stderr. */
async function runTar(args: string[], io: { input?: Readable; output?: (stdout: Readable) => Promise<unknown> }): Promise<void> {
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  // tar stops reading at the archive's end marker and may exit before the record padding after it
  // has been written to its stdin: a stdin closed early is judged by tar's exit code, not as an error.
  let inputError: unknown;
  const feeding = io.input
    ? pipeline(io.input, child.stdin).catch((error: unknown) => void (inputError = error))
    : (child.stdin.end(), Promise.resolve());
  // Consumed at once: Node drains (and drops) a child's unread stdout when it exits.
  const draining = io.output ? io.output(child.stdout.pipe(new PassThrough())) : (child.stdout.resume(), Promise.resolve());
  const [code] = await Promise.all([exited, feeding, draining]);
  if (code !== 0)
    throw new Error(
      `The shared working directory could not be ${io.input ? 'restored' : 'saved'}: tar ${args[0]} exited with ${code}: ${stderr.trim()}`,
    );
  if (inputError !== undefined && !closedEarly(inputError)) throw inputError;
}

function closedEarly(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE';
}
