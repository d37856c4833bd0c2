import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { TFLOW_BIN } from '../helpers/paths';

const tflow = (...args: string[]) => spawnSync(process.execPath, [TFLOW_BIN, ...args], { encoding: 'utf8' });

describe('tflow schema and tflow expr', () => {
  it('`tflow schema` prints the draft-07 JSON Schema on stdout', () => {
    const result = tflow('schema');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).$schema, 'http://json-schema.org/draft-07/schema#');
  });

  it('`tflow expr` renders a template against an inline JSON context', () => {
    const result = tflow(
      'expr',
      "{{ inputs.taxi }}_{{ trigger.date | date('yyyy-MM') }}",
      '--context',
      '{"inputs": {"taxi": "green"}, "trigger": {"date": "2019-03-01T09:00:00Z"}}',
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'green_2019-03\n');
  });

  it('`tflow expr` reports an undefined variable as a usage error (exit 2)', () => {
    const result = tflow('expr', '{{ nope }}');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /nope/);
  });
});
