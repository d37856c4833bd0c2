/**
 * The recorded replay corpus (test/histories), and a history altered so that it no longer matches
 * the workflow code: the flowables fixture with its Sleep `nap` and Labels `tag` swapped, which
 * changes the command order exactly as an unguarded interpreter change would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';

export const HISTORIES = join(PROJECT_ROOT, 'test', 'histories');

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
