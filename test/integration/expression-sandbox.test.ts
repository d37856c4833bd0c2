/**
 * The expression engine inside Temporal's workflow sandbox (the worker's webpack bundle, no Node
 * built-ins): a flow renders a table of expressions in an OutputValues task, and each result must
 * equal what the same engine gives in plain Node. Covers the filters most likely to lean on Node
 * (hashes, base64, URL encoding, dates and time zones, number formats, YAML, jq).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { render } from '../../src/workflow/expression';
import { flow } from '../helpers/fake-port';
import { runToEnd, startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const inputs = { body: '{"items":[{"id":1,"name":"Ünïcode café"},{"id":2,"name":"b"}],"next":null}', day: '2024-03-10T01:30:00Z' };

const EXPRESSIONS: Record<string, string> = {
  jq_ids: "{{ inputs.body | jq('.items[].id') }}",
  jq_first: "{{ inputs.body | jq('[.items[] | select(.id > 1) | .name] | first') | first }}",
  jq_build: "{{ inputs.body | jq('.items | map({(.id | tostring): .name}) | add') | first }}",
  jq_paths: "{{ inputs.body | jq('.items | del(.[0]) | .[0] |= (.name |= ascii_upcase)') | first }}",
  jq_formats: "{{ inputs.body | jq('[.items[].name] | @csv, @base64, @uri') }}",
  jq_error: '{{ (inputs.body | jq(\'try (.next[]) catch "caught"\')) | first }}',
  date_zone: '{{ inputs.day | date("yyyy-MM-dd HH:mm XXX VV", timeZone=\'America/New_York\') }}',
  date_add: "{{ inputs.day | dateAdd(1, 'DAYS') | date('EEEE d MMMM yyyy') }}",
  timestamp: '{{ inputs.day | timestamp }}',
  hashes: "{{ 'café' | md5 }} {{ 'café' | sha1 }} {{ 'café' | sha256 }} {{ 'café' | sha512 | slice(0, 16) }}",
  base64: "{{ 'Ünïcode ✓' | base64encode }} {{ 'w5xuw69jb2RlIOKckw==' | base64decode }}",
  url: "{{ 'a b&c=é/ü' | urlencode }} {{ 'a+b%26c' | urldecode }}",
  numbers: "{{ 1234567.891 | numberFormat('#,##0.00') }} {{ 10 / 4 }} {{ 10.0 / 4 }} {{ 10000000 * 1.0 }} {{ '0x1F' | number }}",
  strings: "{{ 'Hello Wörld, ça va?' | slugify }} {{ 'hello world' | title }} {{ 'a,b,,c' | split(',') }}",
  yaml: "{{ yaml('{a: [1, 2.5, x], b: {c: true}}') }} {{ {'a': [1, 'x'], 'b': {'c': 'it\\'s'} } | yaml | escapeChar('shell') }}",
  json: "{{ fromJson(inputs.body).items[0].name }} {{ {'z': 1, 'a': [null, 2.0]} | toJson }}",
  collections: '{{ [3, 1, 2] | sort }} {{ [[1, 2], [3]] | flatten }} {{ [1, 2, 3, 4, 5] | chunk(2) }} {{ range(1, 10, 4) }}',
  render: '{{ render("{{ inputs.day | date(\'yyyy\') }}") }}',
  // Flow regexes run on RE2 (re2js), bundled into the sandbox too.
  regexes:
    "{{ 'a1b22c' | split('[0-9]+') }} {{ 'a1b22' | replace({'([0-9]+)': '<$1>'}, regexp=true) }} {{ inputs.body | jq('[.items[].name | test(\"^ü\"; \"i\")]') | first }}",
  budget: '{{ range(1, 2000) | length }}',
};

describe('the expression engine inside the workflow sandbox', { timeout: 180_000 }, () => {
  let fixture: TemporalFixture;
  before(async () => (fixture = await startTemporalFixture()));
  after(async () => fixture?.close());

  it('renders every expression as plain Node does', async () => {
    const values = Object.entries(EXPRESSIONS)
      .map(([key, template]) => `      ${key}: ${JSON.stringify(template)}`)
      .join('\n');
    const execution = await runToEnd(
      fixture,
      flow(`
id: sandboxed_expressions
namespace: tests.expression_sandbox
inputs:
  - id: body
    type: STRING
  - id: day
    type: STRING
tasks:
  - id: table
    type: io.kestra.plugin.core.output.OutputValues
    values:
${values}
`),
      { inputs },
    );
    assert.equal(execution.state, 'SUCCESS', execution.error);
    const inSandbox = (execution.taskRuns[0].outputs.values ?? {}) as Record<string, string>;
    const inNode = Object.fromEntries(Object.entries(EXPRESSIONS).map(([key, template]) => [key, render(template, { inputs })]));
    assert.deepEqual(inSandbox, inNode);
    // A few spelled out, so that a bug on both sides alike still shows.
    assert.equal(inSandbox.jq_ids, '[1,2]');
    assert.equal(inSandbox.jq_error, 'caught');
    assert.equal(inSandbox.date_zone, '2024-03-09 20:30 -05:00 America/New_York');
    assert.equal(inSandbox.url, 'a+b%26c%3D%C3%A9%2F%C3%BC a b&c');
    assert.equal(inSandbox.regexes, '["a","b","c"] a<1>b<22> [true,false]');
  });
});
