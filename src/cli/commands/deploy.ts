import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { loadConfig } from '../../config';
import { FlowValidationError } from '../../compiler/diagnostics';
import { deployFlows, validateForDeploy } from '../../flow-store/deploy';
import { FlowStore } from '../../flow-store/flow-store';
import type { ScheduleChange } from '../../schedules/schedule-sync';
import { flowFilesIn } from '../flow-files';
import { printDiagnostics, toStdout, UsageError } from '../output';

export function configureDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description(
      'register flows (a new revision only when the source changed) and sync their Schedule triggers with Temporal Schedules; deploys nothing if any flow is invalid',
    )
    .argument('<paths...>', 'flow files or folders')
    .option('--json', 'print what was deployed as JSON')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const files = flowFilesIn(paths);
      if (files.length === 0) throw new UsageError(`no flow files (*.yml, *.yaml) in ${paths.join(', ')}`);
      const sources = files.map((file) => {
        try {
          return { file, source: readFileSync(file, 'utf8') };
        } catch (error) {
          throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
        }
      });
      const { flows, diagnostics, warnings } = validateForDeploy(sources);
      // Deprecated types and forms deploy; stderr keeps --json output clean.
      printDiagnostics(warnings);
      if (diagnostics.length > 0) throw new FlowValidationError(diagnostics);

      const config = loadConfig();
      // Temporal first: when it is down, nothing is registered either.
      const client = await connectClient(config);
      const flowStore = FlowStore.connect(config.databaseUrl);
      try {
        const deployed = await deployFlows({ flowStore, client, config }, flows);
        if (options.json) return toStdout(JSON.stringify(deployed, null, 2));
        for (const flow of deployed) {
          toStdout(`${flow.namespace}.${flow.flowId}: ${flow.status}, revision ${flow.revision} (${flow.file})`);
          for (const schedule of flow.schedules) toStdout(`  schedule ${formatScheduleChange(schedule)}`);
        }
      } finally {
        await flowStore.close();
        await client.connection.close();
      }
    });
}

export function formatScheduleChange(change: ScheduleChange): string {
  const details = change.cron !== undefined ? ` (cron "${change.cron}", ${change.timezone})` : '';
  return `${change.scheduleId}: ${change.status}${change.paused ? ', paused' : ''}${details}`;
}
