/**
 * Records test/histories/restart.json, the history of a restarted execution (the replay corpus's
 * fixtures run once; a restart needs a failed run first): a ForEach iteration fails until a gate file
 * exists, then the execution is restarted and reuses what succeeded. Run it with
 * `npm run build && node dist/test/tools/record-restart-history.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executionResult, startExecution } from '../../src/client/executions';
import { restartExecution } from '../../src/client/restart';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { flow } from '../helpers/fake-port';
import { HISTORIES } from '../helpers/histories';
import { startTemporalFixture } from '../helpers/temporal';

async function main(): Promise<void> {
  const temporalCli = findTemporalCli();
  if (!temporalCli) throw new Error('no Temporal CLI found');
  const gate = join(mkdtempSync(join(tmpdir(), 'tflow-restart-history-')), 'gate');
  const fixture = await startTemporalFixture();
  try {
    const spec = flow(`
id: restart
namespace: tests.replay
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "started {{ execution.startDate }}"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: gated
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - test "{{ taskrun.value }}" = a || test -f ${gate}
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.first.value }}"
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: failed
finally:
  - id: cleanup
    type: io.kestra.plugin.core.log.Log
    message: cleanup
`);
    const handle = await startExecution(fixture.client, fixture.config, spec);
    const failed = await executionResult(handle);
    if (failed.state !== 'FAILED') throw new Error(`the first attempt ended ${failed.state}, expected FAILED`);
    writeFileSync(gate, '');
    const restarted = await restartExecution(fixture.client, fixture.config, handle.workflowId);
    const done = await executionResult(restarted.handle);
    const json = execFileSync(
      temporalCli,
      ['workflow', 'show', '-w', handle.workflowId, '--output', 'json', '--address', fixture.config.temporalAddress],
      { encoding: 'utf8' },
    );
    writeFileSync(join(HISTORIES, 'restart.json'), json);
    console.log(`restart.json: ${done.state}, ${JSON.parse(json).events.length} events`);
  } finally {
    await fixture.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
