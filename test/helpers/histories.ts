/**
 * The recorded replay corpus (test/histories), and a history altered so that it no longer matches
 * the workflow code: the flowables fixture with its Sleep `nap` and Labels `tag` swapped, which
 * changes the command order exactly as an unguarded interpreter change would.
 */
import { execFileSync } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { PROJECT_ROOT } from './paths';

export const HISTORIES = join(PROJECT_ROOT, 'test', 'histories');

/**
 * The history of the workflow's latest run as JSON, followed by each of its payloads decoded
 * (payloads are JSON in base64): a clear secret must be in neither spelling.
 */
export async function historyWithPayloads(handle: WorkflowHandle): Promise<string> {
  const history = JSON.stringify(await handle.fetchHistory());
  const decoded = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
  return [history, ...decoded].join('\n');
}

/** With TFLOW_RECORD_HISTORIES set, saves the history of a workflow's latest run to the replay corpus as `file`. */
export function recordHistoryIfAsked(temporalAddress: string, workflowId: string, file: string): void {
  if (!process.env.TFLOW_RECORD_HISTORIES) return;
  const args = ['workflow', 'show', '-w', workflowId, '--output', 'json', '--address', temporalAddress];
  writeFileSync(join(HISTORIES, file), execFileSync(findTemporalCli() ?? 'temporal', args, { encoding: 'utf8' }));
}

/** The flowables history as JSON (`temporal workflow show --output json`), with two tasks swapped. */
export function divergingHistoryJson(): { events: unknown[] } {
  const json = JSON.parse(readFileSync(join(HISTORIES, 'flowables.json'), 'utf8'));
  const input = json.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
  const request = JSON.parse(Buffer.from(input.data, 'base64').toString('utf8'));
  const tasks: { id: string }[] = request.flow.tasks;
  const nap = tasks.findIndex((t) => t.id === 'nap');
  const tag = tasks.findIndex((t) => t.id === 'tag');
  if (nap < 0 || tag < 0) throw new Error('the flowables fixture no longer has a Sleep `nap` and a Labels `tag`');
  [tasks[nap], tasks[tag]] = [tasks[tag], tasks[nap]];
  input.data = Buffer.from(JSON.stringify(request)).toString('base64');
  return json;
}
