import { join } from 'node:path';
import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { loadConfig } from '../../config';
import { compileFlowFile } from '../../flow/compile';
import { FlowValidationError } from '../../flow/diagnostics';
import { startDevServer } from '../../temporal/dev-server';
import { startWorker } from '../../worker/worker';
import { toStderr, toStdout } from '../output';
import { followFlow, startFlow } from './run';

const DEMO_FLOW = join(__dirname, '..', '..', '..', '..', 'flows', '01_hello_world.yaml');

export function configureDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the hello-world flow end to end on the local defaults (starts Temporal and a worker)')
    .action(async () => {
      const config = loadConfig();
      const server = await startDevServer({ stateDir: config.stateDir, address: config.temporalAddress, report: toStderr });
      const worker = await startWorker(config);
      try {
        const { spec, diagnostics } = compileFlowFile(DEMO_FLOW);
        if (!spec) throw new FlowValidationError(diagnostics);
        const client = await connectClient(config);
        const started = await startFlow(client, config, spec, { input: [], label: [] });
        const execution = await followFlow(client, config, started.id, toStdout);
        toStdout('');
        toStdout(`Open the Web UI at ${server.webUi} to see the run (workflow type ${spec.namespace}.${spec.id}).`);
        toStdout(`The Temporal dev server keeps running for that; stop it with: npx tflow temporal stop`);
        process.exitCode = execution.state === 'SUCCESS' || execution.state === 'WARNING' ? 0 : 1;
      } finally {
        await worker.shutdown();
      }
    });
}
