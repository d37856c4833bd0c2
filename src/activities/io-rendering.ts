/**
 * The activity side of I/O functions in expressions (see src/workflow/interpreter/io-functions.ts): renders
 * the properties the workflow deferred, with `kv()`, `secret()` and `read()` backed by the KV store,
 * the environment and internal storage, and `taskrun.attemptsCount` counting this attempt's
 * predecessors. Also collects every secret value it resolved, so the task's
 * logs, outputs and errors can be masked before anything goes back to Temporal.
 *
 * The expression engine is synchronous while the KV store and storage are not: rendering runs in
 * passes. A pass answers I/O calls from a cache and records the ones it could not answer; those
 * are fetched, and the next pass renders again, until a pass needs nothing new.
 */
import { Buffer } from 'node:buffer';
import { CallError, type FunctionDef, type RenderOptions } from '../workflow/expression';
import {
  contextForAttempt,
  type DeferredProperties,
  IO_FUNCTION_ARGS,
  type IoFunctionName,
  renderTaskProperty,
} from '../workflow/interpreter/io-functions';
import { kvStoreFor, missingKeyMessage } from '../kv/kv-store';
import { isStorageUri, namespaceFileUri } from '../storage';
import type { TaskServices } from './task-context';
import { messageOf } from '../workflow/error-message';
import { SECRET_MASK } from '../workflow/flow/sealed-secret';
import { openSealedSecrets } from '../secret-inputs/secret-inputs';

/** Files larger than this are not read into an expression (they belong in `inputFiles`). */
const MAX_READ_BYTES = 10 * 1024 * 1024;
/** Passes are bounded: each one resolves at least one new call, and flows nest calls only a few deep. */
const MAX_PASSES = 20;

export interface IoRenderResult {
  properties: Record<string, unknown>;
  /** Clear-text secret values the properties used: mask them in whatever leaves the activity. */
  secrets: string[];
}

export interface IoRenderTarget {
  type: string;
  namespace: string;
  /** The activity's attempt (1-based): sets `taskrun.attemptsCount`. 1 when left out. */
  attempt?: number;
}

type Cached = { value: unknown } | { error: string };

export async function renderDeferredProperties(
  target: IoRenderTarget,
  deferred: DeferredProperties,
  services: Pick<TaskServices, 'config' | 'storage'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<IoRenderResult> {
  const cache = new Map<string, Cached>();
  const secrets = new Set<string>();
  // SECRET inputs arrive sealed: opened here only, their clear text masked like secret()'s.
  const context = openSealedSecrets(contextForAttempt(deferred.context, target.attempt ?? 1), services.config, secrets);

  const secret = (key: unknown): string => {
    const name = String(key ?? '');
    const encoded = env[`SECRET_${name.toUpperCase()}`];
    if (encoded === undefined) throw new CallError(`Cannot find secret for key '${name}'.`);
    const value = Buffer.from(encoded.trim(), 'base64').toString('utf8');
    if (value !== '') secrets.add(value);
    return value;
  };
  const fetchers: Record<Exclude<IoFunctionName, 'secret'>, (args: Record<string, unknown>) => Promise<unknown>> = {
    kv: async (args) => {
      const namespace = typeof args.namespace === 'string' && args.namespace !== '' ? args.namespace : target.namespace;
      const key = String(args.key ?? '');
      const entry = await kvStoreFor(services.config.databaseUrl).get(namespace, key);
      // Kestra 1.x: a missing key is an error unless errorOnMissing is false.
      if (!entry && args.errorOnMissing !== false) throw new Error(missingKeyMessage(namespace, key));
      return entry ? entry.value : null;
    },
    read: async (args) => {
      const path = String(args.path ?? '');
      // As in Kestra, a path that is not a kestra:// URI names one of the flow namespace's files.
      const uri = isStorageUri(path) ? path : namespaceFileUri(target.namespace, path);
      const size = await services.storage.stat(uri);
      if (size === undefined)
        throw new Error(isStorageUri(path) ? `File not found in internal storage: ${uri}` : `Namespace file not found: '${path}' (${uri})`);
      if (size > MAX_READ_BYTES)
        throw new Error(`read(): ${uri} is ${size} bytes, more than ${MAX_READ_BYTES}: pass large files as inputFiles instead`);
      const chunks: Buffer[] = [];
      for await (const chunk of await services.storage.get(uri)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      return Buffer.concat(chunks).toString('utf8');
    },
  };

  for (let pass = 1; ; pass++) {
    const pending = new Map<string, () => Promise<unknown>>();
    const cached = (name: keyof typeof fetchers): FunctionDef => ({
      args: [...IO_FUNCTION_ARGS[name]],
      call: (args) => {
        const id = `${name}:${JSON.stringify(args)}`;
        const hit = cache.get(id);
        if (hit && 'error' in hit) throw new CallError(hit.error);
        if (hit) return hit.value;
        pending.set(id, () => fetchers[name](args));
        return null; // a stand-in: this pass's result is thrown away
      },
    });
    const options: RenderOptions = {
      functions: { kv: cached('kv'), read: cached('read'), secret: { args: [...IO_FUNCTION_ARGS.secret], call: (args) => secret(args.key) } },
    };
    let properties: Record<string, unknown> | undefined;
    let failure: unknown;
    try {
      properties = {};
      for (const [name, value] of Object.entries(deferred.properties)) {
        properties[name] = renderTaskProperty(target.type, name, value, context, options);
      }
    } catch (error) {
      failure = error;
    }
    if (pending.size === 0) {
      if (failure) throw failure;
      return { properties: properties ?? {}, secrets: [...secrets] };
    }
    if (pass >= MAX_PASSES) throw new Error(`Too many nested kv()/read() calls in the properties of this task (more than ${MAX_PASSES} levels)`);
    await Promise.all(
      [...pending].map(async ([id, fetch]) => {
        try {
          cache.set(id, { value: await fetch() });
        } catch (error) {
          cache.set(id, { error: messageOf(error) });
        }
      }),
    );
  }
}

/** Replaces every secret value in strings, deep inside lists and maps (keys included). */
export function maskSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  // Longest first, so a secret that contains another is masked whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  const maskText = (text: string) => sorted.reduce((out, secret) => out.split(secret).join(SECRET_MASK), text);
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return maskText(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === 'object' && !(item instanceof Date) && !Buffer.isBuffer(item)) {
      return Object.fromEntries(Object.entries(item).map(([k, v]) => [maskText(k), walk(v)]));
    }
    return item;
  };
  return walk(value) as T;
}
