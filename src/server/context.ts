import type { Client } from '@temporalio/client';
import type { TflowConfig } from '../config';
import type { KvStore } from '../kv/kv-store';
import type { FlowStore } from '../flow-store/flow-store';

/** What the routes need: the configuration, a Temporal client, the flow store and the KV store. */
export interface ApiContext {
  config: TflowConfig;
  client: Client;
  flowStore: FlowStore;
  kv: KvStore;
}

/** Bounds on what a request may make the server do (src/server/app.ts applies them). */
export interface ApiLimits {
  /** Largest non-multipart body (YAML, JSON), in bytes: flow sources among them. */
  bodyBytes: number;
  /** Largest uploaded file part (FILE inputs), in bytes. */
  fileBytes: number;
  /** Largest flow file of `/flows/import`, in bytes. */
  flowFileBytes: number;
  /** Most flow files in one `/flows/import`. */
  importFiles: number;
  /** All flow files of one `/flows/import` together: each is compiled before the answer (~1 s per MiB, ~70 MB of memory). */
  importBytes: number;
  /** How long a `wait: true` webhook holds its caller before answering with the running execution's id. */
  webhookWaitMs: number;
  /**
   * How long `POST /executions/{namespace}/{id}?wait=true` holds its caller before answering with the
   * execution as it stands (`tflow server --max-wait`): an open request per caller is bounded.
   */
  executionWaitMs: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  bodyBytes: 1024 * 1024,
  fileBytes: 10 * 1024 * 1024,
  flowFileBytes: 1024 * 1024,
  importFiles: 10,
  importBytes: 2 * 1024 * 1024,
  webhookWaitMs: 30_000,
  executionWaitMs: 5 * 60_000,
};
