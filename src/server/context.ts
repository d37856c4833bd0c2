import type { Client } from '@temporalio/client';
import type { TflowConfig } from '../config';
import type { FlowRegistry } from '../registry/flow-registry';

/** What the routes need: the configuration, a Temporal client and the flow registry. */
export interface ApiContext {
  config: TflowConfig;
  client: Client;
  registry: FlowRegistry;
}
