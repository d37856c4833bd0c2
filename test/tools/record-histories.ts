/**
 * Records the replay corpus: runs every flow in test/flows/replay on the dev server and saves each
 * execution's history to test/histories/<flow file>.json. Run it with `npm run record-histories`
 * before a change to the interpreter, so the replay test checks the new code against old runs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executionResult, startExecution } from '../../src/client/executions';
import { compileFlowFile } from '../../src/flow/compile';
import { findTemporalCli } from '../../src/temporal/dev-server';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';
import { startTemporalFixture } from '../helpers/temporal';

async function main(): Promise<void> {
  const fixture = await startTemporalFixture();
  const temporalCli = findTemporalCli();
  if (!temporalCli) throw new Error('no Temporal CLI found');
  try {
    const dir = join(FIXTURES, 'replay');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const { spec, diagnostics } = compileFlowFile(join(dir, file));
      if (!spec) throw new Error(`${file}: ${diagnostics.map((d) => d.message).join('; ')}`);
      const handle = await startExecution(fixture.client, fixture.config, spec);
      const execution = await executionResult(handle);
      // The same JSON a user gets from `temporal workflow show --output json` or the Web UI's download.
      const json = execFileSync(temporalCli, ['workflow', 'show', '-w', handle.workflowId, '--output', 'json', '--address', fixture.config.temporalAddress], { encoding: 'utf8' });
      const target = join(PROJECT_ROOT, 'test', 'histories', file.replace(/\.yaml$/, '.json'));
      writeFileSync(target, json);
      console.log(`${file}: ${execution.state}, ${JSON.parse(json).events.length} events → ${target}`);
    }
  } finally {
    await fixture.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
