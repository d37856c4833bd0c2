/**
 * What every script task shares (Kestra's AbstractExecScript): the working directory with its
 * `namespaceFiles` and `inputFiles`, the task runner, `env`, `beforeCommands`, `set -e`,
 * `outputFiles` uploaded to internal storage, the outputs `exitCode`, `vars`, `outputFiles`, and
 * the final state: FAILED on a non-zero exit, WARNING after stderr output (`warningOnStdErr`).
 *
 * Scripts get a clean environment, not the worker's (./script-environment.ts).
 *
 * Task runners: tflow runs scripts with the Process runner (on the worker host). A Docker runner
 * (`taskRunner.type: io.kestra.plugin.scripts.runner.docker.Docker`, Kestra's default for scripts)
 * or a `containerImage` is accepted but not used: the task logs a WARN saying it ran on the host.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { glob } from 'tinyglobby';
import { z } from 'zod';
import { flowRegex } from '../../workflow/expression';
import { isStorageUri, listNamespaceFiles, namespaceFileFilter, namespaceFilesPrefix, relativeFilePath } from '../../storage';
import type { TaskContext } from '../../workflow/plugins/task-definition';
import { runProcess } from './process-runner';
import { scriptEnvironment } from './script-environment';

export const PROCESS_RUNNER = 'io.kestra.plugin.core.runner.Process';
export const DOCKER_RUNNER = 'io.kestra.plugin.scripts.runner.docker.Docker';
const DOCKER_RUNNER_ALIASES = [DOCKER_RUNNER, 'io.kestra.plugin.core.runner.Docker'];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Properties common to shell/python Script and Commands. */
export const scriptProperties = {
  taskRunner: z.looseObject({ type: z.string() }).optional(),
  containerImage: z.string().optional(),
  /** Legacy (Kestra < 0.16) runner selection. */
  runner: z.enum(['PROCESS', 'DOCKER']).optional(),
  docker: z.looseObject({}).optional(),
  env: z.record(z.string(), scalar.nullable()).optional(),
  beforeCommands: z.array(z.string()).optional(),
  interpreter: z.array(z.string()).min(1).optional(),
  /** `set -e` before the commands (Kestra's default). */
  failFast: z.boolean().default(true),
  /** Kestra's default: a successful run that wrote anything on stderr ends WARNING. */
  warningOnStdErr: z.boolean().default(true),
  inputFiles: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  outputFiles: z.array(z.string()).optional(),
  /** Copies the flow namespace's files (src/storage/namespace-files.ts) into the working directory. */
  namespaceFiles: z
    .strictObject({
      enabled: z.boolean().default(true),
      include: z.array(z.string()).optional(),
      exclude: z.array(z.string()).optional(),
    })
    .optional(),
  targetOS: z.enum(['LINUX', 'WINDOWS', 'AUTO']).optional(),
};

export type ScriptProperties = z.output<z.ZodObject<typeof scriptProperties>>;

export interface ScriptOutputs extends Record<string, unknown> {
  exitCode: number;
  vars: Record<string, unknown>;
  outputFiles: Record<string, string>;
}

/**
 * Runs `commands` (shell lines, joined by newlines after `beforeCommands`) in a fresh working
 * directory; `prepare` may add files (a Python script) before the run.
 */
export async function runScript(
  props: ScriptProperties,
  commands: string[],
  context: TaskContext,
  options: {
    extraEnv?: Record<string, string>;
    prepare?: (workingDir: string) => Promise<void>;
    /** Last changes to the script's environment (Python: its virtual environment, the kestra module). */
    completeEnv?: (env: NodeJS.ProcessEnv) => Promise<NodeJS.ProcessEnv>;
  } = {},
): Promise<ScriptOutputs> {
  checkTaskRunner(props, context);
  const workingDir = await context.workingDirectory();
  // Namespace files first: inputFiles of the same name replace them, as in Kestra.
  if (props.namespaceFiles?.enabled) await copyNamespaceFiles(props.namespaceFiles, workingDir, context);
  await writeInputFiles(props.inputFiles, workingDir, context);
  await options.prepare?.(workingDir);

  const lines = [...(props.failFast ? ['set -e'] : []), ...(props.beforeCommands ?? []), ...commands];
  const interpreter = props.interpreter ?? ['/bin/sh', '-c'];
  const baseEnv = scriptEnvironment({
    worker: process.env,
    passThrough: context.config.scriptEnv,
    tflow: { WORKING_DIR: workingDir, ...options.extraEnv },
    task: props.env,
  });
  const env = options.completeEnv ? await options.completeEnv(baseEnv) : baseEnv;

  const result = await runProcess({ command: [...interpreter, lines.join('\n')], cwd: workingDir, env }, context);
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal} (exit code ${result.exitCode})` : `failed with exit code ${result.exitCode}`;
    const stderr = result.lastStderrLines.length > 0 ? `; last lines of stderr:\n${result.lastStderrLines.join('\n')}` : ' (nothing on stderr)';
    throw new Error(`Command ${how}${stderr}`);
  }
  const outputFiles = await uploadOutputFiles(props.outputFiles ?? [], workingDir, context);
  if (props.warningOnStdErr && result.stderrLineCount > 0) {
    context.endInWarning(
      `The command wrote ${result.stderrLineCount} line(s) on stderr, so the task ends WARNING (warningOnStdErr: false ignores stderr)`,
    );
  }
  return { exitCode: result.exitCode, vars: result.vars, outputFiles };
}

async function copyNamespaceFiles(options: { include?: string[]; exclude?: string[] }, workingDir: string, context: TaskContext): Promise<void> {
  const keep = namespaceFileFilter(options.include, options.exclude);
  const files = (await listNamespaceFiles(context.storage, context.namespace)).filter((file) => keep(file.path));
  for (const file of files) {
    const path = join(workingDir, ...relativeFilePath(file.path).split('/'));
    await mkdir(dirname(path), { recursive: true });
    await pipeline(await context.storage.get(file.uri), createWriteStream(path));
  }
  const where = namespaceFilesPrefix(context.namespace);
  if (files.length > 0) context.log('DEBUG', `Copied ${files.length} namespace file(s) from ${where}: ${files.map((f) => f.path).join(', ')}`);
  else context.log('WARN', `namespaceFiles is enabled but no file of ${where} matches: nothing copied`);
}

function checkTaskRunner(props: ScriptProperties, context: TaskContext): void {
  const runner = props.taskRunner?.type ?? (props.runner === 'DOCKER' || props.docker ? DOCKER_RUNNER : undefined);
  if (runner === undefined || runner === PROCESS_RUNNER) {
    if (runner === undefined && props.containerImage) {
      context.log('WARN', `containerImage ${props.containerImage} is not used: tflow runs scripts with the Process runner, on the worker host`);
    }
    return;
  }
  if (DOCKER_RUNNER_ALIASES.includes(runner)) {
    const image = props.containerImage ? ` (image ${props.containerImage} not used)` : '';
    context.log('WARN', `tflow has no Docker task runner: running with the Process runner on the worker host instead${image}`);
    return;
  }
  throw new Error(`taskRunner ${runner} is not supported by tflow: use ${PROCESS_RUNNER}`);
}

/** `inputFiles`: a `kestra://` value is copied from internal storage, any other value is the content. */
export async function writeInputFiles(
  inputFiles: ScriptProperties['inputFiles'],
  workingDir: string,
  context: Pick<TaskContext, 'storage'>,
): Promise<void> {
  if (inputFiles === undefined) return;
  let files: Record<string, unknown>;
  if (typeof inputFiles === 'string') {
    try {
      files = JSON.parse(inputFiles) as Record<string, unknown>;
    } catch {
      throw new Error('inputFiles: expected a map of file name to content or kestra:// URI (or that map as a JSON string)');
    }
  } else {
    files = inputFiles;
  }
  for (const [name, value] of Object.entries(files)) {
    const path = join(workingDir, ...relativeFilePath(name).split('/'));
    await mkdir(dirname(path), { recursive: true });
    if (isStorageUri(value)) {
      await pipeline(await context.storage.get(value), createWriteStream(path));
    } else {
      await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
}

/**
 * `outputFiles`: globs anchored at the working directory (`*.csv` = top level only), or
 * `glob:`/`regex:` prefixed patterns as in Kestra. Keys are paths relative to the working dir.
 * With `putLocalFile` the files leave the directory (moved into storage): only for a directory
 * deleted afterwards, not one a WorkingDirectory's next task restores.
 */
export async function uploadOutputFiles(
  patterns: string[],
  workingDir: string,
  context: Pick<TaskContext, 'putFile'> & Partial<Pick<TaskContext, 'putLocalFile'>>,
): Promise<Record<string, string>> {
  if (patterns.length === 0) return {};
  const regexes = patterns.filter((p) => p.startsWith('regex:')).map((p) => flowRegex(`^(?:${p.slice('regex:'.length)})$`));
  const globs = patterns.filter((p) => !p.startsWith('regex:')).map((p) => p.replace(/^glob:/, ''));
  const matched = new Set<string>(
    globs.length > 0 ? await glob(globs, { cwd: workingDir, onlyFiles: true, dot: true, expandDirectories: false }) : [],
  );
  if (regexes.length > 0) {
    for (const path of await listFiles(workingDir)) if (regexes.some((r) => r.test(path))) matched.add(path);
  }
  const outputFiles: Record<string, string> = {};
  for (const path of [...matched].sort()) {
    const local = join(workingDir, ...path.split('/'));
    // A task's directory is deleted when it ends: its files can be moved, not copied (putLocalFile).
    const stored = context.putLocalFile ? await context.putLocalFile(path, local) : await context.putFile(path, createReadStream(local));
    outputFiles[path] = stored.uri;
  }
  return outputFiles;
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
}
