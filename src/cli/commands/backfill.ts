import { LocalDate, LocalDateTime, ZoneId } from '@js-joda/core';
import '@js-joda/timezone';
import type { Command } from 'commander';
import { connectClient } from '../../client/executions';
import { loadConfig } from '../../config';
import { FlowValidationError } from '../../compiler/diagnostics';
import { loadDeployedFlow, triggerInputProblems } from '../../flow-store/deploy';
import { FlowStore } from '../../flow-store/flow-store';
import { backfillTrigger, startBackfill } from '../../schedules/backfill';
import { collect, parsePairs, toStdout, UsageError } from '../output';

interface BackfillCommandOptions {
  start: string;
  end?: string;
  trigger?: string;
  input: string[];
  label: string[];
  json?: boolean;
}

export function configureBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      "run a deployed flow's Schedule for past times, through the Temporal Schedule's backfill: one execution per cron tick in [start, end), each with its own trigger.date, labelled backfill:true",
    )
    .argument('<flow>', 'namespace.flowId (or namespace/flowId) of a deployed flow')
    .requiredOption(
      '--start <time>',
      "first time covered (inclusive): 2019-01-01, 2019-01-01T09:00 or with an offset; without one, in the trigger's time zone",
    )
    .option('--end <time>', 'end (exclusive), same forms; default now')
    .option('--trigger <id>', 'the Schedule trigger, when the flow has several')
    .option('-i, --input <key=value>', "an input for these runs, over the trigger's inputs (repeatable)", collect, [])
    .option('--label <key=value>', 'a label for these runs (repeatable)', collect, [])
    .option('--json', 'print the backfill as JSON')
    .action(async (reference: string, options: BackfillCommandOptions) => {
      const config = loadConfig();
      const flowStore = FlowStore.connect(config.databaseUrl);
      let flow;
      try {
        flow = await loadDeployedFlow(flowStore, reference);
      } finally {
        await flowStore.close();
      }
      const trigger = backfillTrigger(flow, options.trigger);
      const timezone = trigger.timezone ?? 'UTC';
      const start = parseTime(options.start, timezone, '--start');
      const end = options.end === undefined ? new Date() : parseTime(options.end, timezone, '--end');
      const inputs = parsePairs(options.input, '--input');
      const labels = parsePairs(options.label, '--label');
      const problems = triggerInputProblems(flow, trigger, inputs, labels);
      if (problems.length > 0) {
        throw new FlowValidationError(
          problems.map((message) => ({ file: `${flow.namespace}.${flow.id}`, line: 1, col: 1, path: `triggers.${trigger.id}.inputs`, message })),
        );
      }
      const client = await connectClient(config);
      try {
        const result = await startBackfill(client, flow, { start, end, triggerId: trigger.id, inputs, labels });
        if (options.json) return toStdout(JSON.stringify(result, null, 2));
        toStdout(
          `Backfill ${result.backfillId} of schedule ${result.scheduleId}: ${result.runs.length} run${result.runs.length === 1 ? '' : 's'} ` +
            `in [${result.start.toISOString()}, ${result.end.toISOString()}), overlap policy ${result.overlap}`,
        );
        for (const run of result.runs) toStdout(`  ${run.nominalTime}  ${run.workflowId}`);
        toStdout(`Follow them with: temporal workflow list -q "TemporalScheduledById = '${result.scheduleId}'"`);
        // Temporal's end is inclusive and its CLI's default overlap policy is Skip, which drops months while one runs.
        const lastSecond = new Date(result.end.getTime() - 1000).toISOString().replace('.000Z', 'Z');
        toStdout(
          `The same runs with the Temporal CLI (without inputs/labels): temporal schedule backfill -s ${result.scheduleId} ` +
            `--start-time ${result.start.toISOString().replace('.000Z', 'Z')} --end-time ${lastSecond} --overlap-policy ${cliOverlapName(result.overlap)}`,
        );
      } finally {
        await client.connection.close();
      }
    });
}

/** An ISO date or date-time; without an offset it is read in the trigger's time zone. */
function parseTime(text: string, timezone: string, option: string): Date {
  const value = text.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(LocalDate.parse(value).atStartOfDay(ZoneId.of(timezone)).toInstant().toEpochMilli());
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) return new Date(LocalDateTime.parse(value).atZone(ZoneId.of(timezone)).toInstant().toEpochMilli());
  } catch {
    // Reported below.
  }
  const parsed = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) throw new UsageError(`${option} expects an ISO date or date-time (2019-01-01, 2019-01-01T09:00:00Z), got '${text}'`);
  return new Date(parsed);
}

/** The Temporal CLI's spelling of an overlap policy (BUFFER_ALL → BufferAll). */
function cliOverlapName(policy: string | undefined): string {
  if (!policy) return 'AllowAll';
  return policy
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}
