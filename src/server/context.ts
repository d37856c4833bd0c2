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
