/**
 * The cold-start baseline (bench/cold-start.ts): the least a Node program can do to run a flow, i.e.
 * load the Temporal client, connect, start the workflow tflow would start (same type, arguments and
 * search attributes, read from the JSON file named by its only argument) and wait for its result.
 * It loads nothing else: keep it that way.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type WorkflowStartOptions } from '@temporalio/client';

interface BaselineStart {
  address: string;
  namespace: string;
  workflowType: string;
  options: WorkflowStartOptions;
}

async function main(): Promise<void> {
  const start = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BaselineStart;
  const connection = await Connection.connect({ address: start.address });
  const client = new Client({ connection, namespace: start.namespace });
  await client.workflow.execute(start.workflowType, start.options);
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
