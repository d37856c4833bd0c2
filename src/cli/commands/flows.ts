import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { loadConfig } from '../../config';
import { deleteDeployedFlow } from '../../flow-store/deploy';
import { FlowStore } from '../../flow-store/flow-store';
import { printTable, toStdout } from '../output';
import { formatScheduleChange } from './deploy';

export function configureFlowsCommand(program: Command): void {
  const flows = program.command('flows').description('deployed flows: list, get, delete');

  flows
    .command('list')
    .description('list deployed flows with their latest revision and Schedules')
    .option('--namespace <namespace>', 'only this namespace')
    .option('--json', 'print the list as JSON')
    .action(async (options: { namespace?: string; json?: boolean }) => {
      await withFlowStore(async (flowStore) => {
        const entries = await flowStore.list({ namespace: options.namespace });
        if (options.json) {
          const list = entries.map((e) => ({
            namespace: e.namespace,
            id: e.flowId,
            revision: e.revision,
            schedules: e.scheduleIds,
            updated: e.updatedAt.toISOString(),
          }));
          return toStdout(JSON.stringify(list, null, 2));
        }
        if (entries.length === 0) return toStdout('No flows deployed (tflow deploy <file or folder>).');
        const rows = entries.map((e) => [
          `${e.namespace}.${e.flowId}`,
          String(e.revision),
          e.updatedAt.toISOString().slice(0, 19) + 'Z',
          e.scheduleIds.join(', '),
        ]);
        printTable(['FLOW', 'REVISION', 'UPDATED', 'SCHEDULES'], rows);
      });
    });

  flows
    .command('get')
    .description("print a deployed flow's source, verbatim")
    .argument('<flow>', 'namespace.flowId (or namespace/flowId)')
    .option('--revision <n>', 'an earlier revision', (v) => Number(v))
    .option('--json', 'print {namespace, id, revision, source, schedules} as JSON')
    .action(async (reference: string, options: { revision?: number; json?: boolean }) => {
      await withFlowStore(async (flowStore) => {
        const entry = await flowStore.resolve(reference);
        const stored = await flowStore.get(entry.namespace, entry.flowId, options.revision);
        if (options.json) {
          const flow = {
            namespace: entry.namespace,
            id: entry.flowId,
            revision: stored.revision,
            latestRevision: entry.revision,
            source: stored.source,
            schedules: entry.scheduleIds,
          };
          return toStdout(JSON.stringify(flow, null, 2));
        }
        process.stdout.write(stored.source.endsWith('\n') ? stored.source : `${stored.source}\n`);
      });
    });

  flows
    .command('delete')
    .description('delete a deployed flow and its Schedules (its revisions are kept; running executions are left alone)')
    .argument('<flow>', 'namespace.flowId (or namespace/flowId)')
    .action(async (reference: string) => {
      const config = loadConfig();
      const client = await connectClient(config);
      try {
        await withFlowStore(async (flowStore) => {
          const deleted = await deleteDeployedFlow({ flowStore, client }, reference);
          toStdout(`${deleted.namespace}.${deleted.flowId}: deleted`);
          for (const schedule of deleted.schedules) toStdout(`  schedule ${formatScheduleChange(schedule)}`);
        });
      } finally {
        await client.connection.close();
      }
    });
}

async function withFlowStore<T>(work: (flowStore: FlowStore) => Promise<T>): Promise<T> {
  const flowStore = FlowStore.connect(loadConfig().databaseUrl);
  try {
    return await work(flowStore);
  } finally {
    await flowStore.close();
  }
}
