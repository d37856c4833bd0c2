/**
 * DuckDB for the `io.kestra.plugin.jdbc.duckdb.*` tasks, embedded in the worker
 * (`@duckdb/node-api`): the task's working directory holds its `inputFiles`, `{{ workingDir }}`
 * renders to it, and `outputFiles` are taken from it afterwards.
 *
 * Confined by default, because flow authors' SQL runs inside the worker process:
 * - SQL reaches only the working directory: file access elsewhere (`read_csv('/etc/passwd')`,
 *   `COPY … TO '/tmp/x'`, `ATTACH`), and network access, are refused by DuckDB's own settings
 *   (`allowed_directories`, `enable_external_access = false`), locked so SQL cannot undo them.
 * - `url: jdbc:duckdb:` (Kestra's default) is an in-memory database; `jdbc:duckdb:<relative path>`
 *   is a file in the working directory (it lasts as long as the task, or its WorkingDirectory);
 *   `jdbc:duckdb:/abs/path.db` is a file that persists across executions, kept under the worker's
 *   state dir in a folder per namespace (`$TFLOW_STATE_DIR/duckdb/<namespace>/abs/path.db`), never at
 *   that absolute path on the host: a flow cannot open another namespace's database or a host file.
 * - `INSTALL x` of an extension compiled into DuckDB (json, parquet, icu…) succeeds without a
 *   download (DuckDB itself would try the network); other extensions cannot be installed offline.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { z } from 'zod';
import type { TaskContext } from '../../../workflow/plugins/task-definition';
import { uploadOutputFiles, writeInputFiles } from '../../scripts/script-task';
import { RowCollector, type FetchType, type StatementResult } from '../fetch';
import { withoutTrailingSemicolon } from '../sql-splitter';

/** Properties shared by DuckDB Query and Queries (Kestra's names). */
export const duckdbProperties = {
  url: z.string().default('jdbc:duckdb:'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Files written into the working directory before the SQL runs (name → content or kestra:// URI). */
  inputFiles: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  /** Files (globs) of the working directory stored after the SQL ran: the `outputFiles` output. */
  outputFiles: z.array(z.string()).optional(),
  /** Accepted for compatibility; timestamps are returned in UTC. */
  timeZoneId: z.string().optional(),
  autoCommit: z.boolean().optional(),
};

const QUERY_RESULT = 3;
const CHANGED_ROWS = 1;

export interface OpenDuckDb {
  connection: DuckDBConnection;
  /** Runs one statement (with `$n` values) and collects its rows as `fetchType` asks. */
  run(sql: { text: string; values?: unknown[] }, fetchType: FetchType, storeName: string): Promise<StatementResult>;
  close(): void;
}

/** Opens the database `url` names, confined to `workingDir`. */
export async function openDuckDb(url: string, workingDir: string, context: TaskContext): Promise<OpenDuckDb> {
  const path = databasePath(url, workingDir, context);
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  // Loaded on first use: the compiler and the CLI load this module (for its properties) but never open a database.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const connection = await instance.connect();
  const interrupt = () => connection.interrupt();
  context.signal.addEventListener('abort', interrupt, { once: true });
  const close = () => {
    context.signal.removeEventListener('abort', interrupt);
    connection.closeSync();
    instance.closeSync();
  };
  let builtIn: Set<string>;
  try {
    // Read before the lock: listing extensions looks at DuckDB's extension folder, outside the working directory.
    const extensions = await connection.runAndReadAll("SELECT extension_name FROM duckdb_extensions() WHERE install_mode = 'STATICALLY_LINKED'");
    builtIn = new Set(extensions.getRowObjectsJS().map((row) => String(row.extension_name)));
    const directory = `${workingDir}${sep}`;
    for (const setting of [
      `SET temp_directory = ${sqlString(join(workingDir, '.duckdb-tmp'))}`,
      `SET allowed_directories = [${sqlString(directory)}]`,
      'SET enable_external_access = false',
      'SET lock_configuration = true',
    ]) {
      await connection.run(setting);
    }
  } catch (error) {
    close();
    throw error;
  }
  return { connection, run: (sql, fetchType, storeName) => runDuckDbStatement(connection, builtIn, sql, fetchType, storeName, context), close };
}

async function runDuckDbStatement(
  connection: DuckDBConnection,
  builtInExtensions: ReadonlySet<string>,
  sql: { text: string; values?: unknown[] },
  fetchType: FetchType,
  storeName: string,
  context: TaskContext,
): Promise<StatementResult> {
  if (installsBuiltInExtension(sql.text, builtInExtensions)) {
    context.log('DEBUG', `${sql.text.trim()}: the extension is built into DuckDB, nothing to install`);
    return { hasResultSet: false, rowCount: 0, outputs: {} };
  }
  const values = sql.values?.map(toDuckDbValue);
  const result = await connection.stream(sql.text, values && values.length > 0 ? values : undefined);
  const hasResultSet = result.returnType === QUERY_RESULT;
  const collector = await RowCollector.open(hasResultSet ? fetchType : 'NONE', storeName);
  try {
    if (hasResultSet && fetchType !== 'NONE') {
      for await (const rows of result.yieldRowObjectJs()) {
        for (const row of rows) if (!collector.add(row)) await collector.drained();
        if (collector.fetchType === 'FETCH_ONE' && collector.count > 0) break;
      }
    }
    const outputs = await collector.outputs(hasResultSet, context);
    return { hasResultSet, rowCount: result.returnType === CHANGED_ROWS ? Number(result.rowsChanged) : collector.count, outputs };
  } finally {
    await collector.close();
  }
}

/** `INSTALL json`, `FORCE INSTALL 'parquet' FROM core`: true when the extension is compiled into this DuckDB. */
export function installsBuiltInExtension(sql: string, builtInExtensions: ReadonlySet<string>): boolean {
  // No `\s*` next to another whitespace match: the pattern stays linear in the statement's length.
  const name = /^(?:FORCE\s+)?INSTALL\s+['"]?([A-Za-z0-9_]+)['"]?(?:\s+FROM\s+\S+)?$/i.exec(withoutTrailingSemicolon(sql))?.[1];
  return name !== undefined && builtInExtensions.has(name.toLowerCase());
}

/**
 * The database file `url` names (module comment: in-memory, relative to the working directory, or
 * an absolute path confined under the state dir per namespace).
 */
export function databasePath(url: string, workingDir: string, context: Pick<TaskContext, 'namespace' | 'config'>): string {
  const match = /^jdbc:duckdb:(.*)$/i.exec(url.trim());
  if (!match) throw new Error(`Invalid DuckDB url "${url}": expected jdbc:duckdb: (in memory) or jdbc:duckdb:<database file>`);
  const target = match[1].split('?')[0];
  if (target === '' || target === ':memory:' || target.startsWith(':memory:')) return ':memory:';
  if (/^md:|^motherduck:/i.test(target)) throw new Error(`DuckDB url "${url}": MotherDuck is not supported by tflow`);
  if (isAbsolute(target)) {
    const root = join(context.config.stateDir, 'duckdb', ...context.namespace.split('.'));
    return inside(root, join(root, target), url);
  }
  return inside(workingDir, resolve(workingDir, target), url);
}

function inside(root: string, path: string, url: string): string {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`DuckDB url "${url}": the database file must stay inside ${root}`);
  return path;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Parameter values DuckDB binds: scalars as they are, anything else as JSON text. */
function toDuckDbValue(value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  return JSON.stringify(value);
}

/**
 * What both DuckDB tasks do around their SQL: `inputFiles` into the working directory, the database
 * opened there, `outputFiles` stored afterwards (added to the outputs when asked for).
 */
export async function runWithDuckDb(
  props: { url: string; inputFiles?: Record<string, unknown> | string; outputFiles?: string[] },
  context: TaskContext,
  work: (db: OpenDuckDb) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const workingDir = await context.workingDirectory();
  await writeInputFiles(props.inputFiles, workingDir, context);
  const db = await openDuckDb(props.url, workingDir, context);
  let outputs: Record<string, unknown>;
  try {
    outputs = await work(db);
  } finally {
    db.close();
  }
  if (!props.outputFiles) return outputs;
  return { ...outputs, outputFiles: await uploadOutputFiles(props.outputFiles, workingDir, context) };
}
