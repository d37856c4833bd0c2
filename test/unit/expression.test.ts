/**
 * Table-driven tests of the expression engine: each case is a template, an optional context and
 * the exact text Kestra prints (or the error it raises).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTemplate,
  Context,
  double,
  ExpressionError,
  FILTERS,
  FUNCTIONS,
  inProperty,
  isTruthy,
  render,
  renderingProperty,
  renderProperties,
  renderTyped,
  stringify,
  withExecutionRuntime,
} from '../../src/workflow/expression';

const course: Context = {
  flow: { id: 'taxi', namespace: 'zoomcamp' },
  inputs: { taxi: 'yellow', year: '2019', month: '03', n: 7, price: 42.42, tags: ['a', 'b'], empty: '', nothing: null, flag: true },
  vars: {
    file: '{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv',
    table: 'public.{{inputs.taxi}}_tripdata',
    first: '{{ inputs.n }}',
    second: '{{ vars.first }} > 2',
    data: "{{ outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ inputs.year ~ '-' ~ inputs.month ~ '.csv'] }}",
  },
  trigger: { date: '2019-03-01T09:00:00Z' },
  outputs: {
    extract: { outputFiles: { 'yellow_tripdata_2019-03.csv': 'kestra:///zoomcamp/taxi/yellow_tripdata_2019-03.csv' } },
    'task-with-dash': { value: 'dashed' },
    return: { value: 'flow-with-outputs' },
    loop: { v1: { value: 'one' }, 'a a': { value: 'spaced' } },
  },
  list: [3, 1, 2],
  words: ['banana', 'apple', 'cherry'],
  map: { b: 2, a: 1 },
  nested: { level: { deeper: 'deep' } },
  d: double(2),
  when: new Date('2024-12-20T10:11:12.345Z'),
  epoch: 1700000000,
};

type Case = [template: string, expected: string | { error: string | RegExp }, context?: Context];

/** Every template of every table, to check that each filter and function has a case. */
const tabled: string[] = [];

function runTable(name: string, cases: Case[]): void {
  tabled.push(...cases.map(([template]) => template));
  describe(name, () => {
    for (const [template, expected, context] of cases) {
      test(template, () => {
        const ctx = context ?? course;
        if (typeof expected === 'string') {
          assert.equal(render(template, ctx), expected);
        } else {
          assert.throws(
            () => render(template, ctx),
            (e: unknown) => {
              assert.ok(e instanceof ExpressionError, `expected an ExpressionError, got ${String(e)}`);
              if (typeof expected.error === 'string') assert.equal(e.message, expected.error);
              else assert.match(e.message, expected.error);
              return true;
            },
          );
        }
      });
    }
  });
}

runTable("the course's flows", [
  ['{{ render(vars.file) }}', 'yellow_tripdata_2019-03.csv'],
  ['{{ vars.file }}', '{{inputs.taxi}}_tripdata_{{inputs.year}}-{{inputs.month}}.csv'],
  ['{{ render(vars.table) }}', 'public.yellow_tripdata'],
  ['{{ render(vars.data) }}', 'kestra:///zoomcamp/taxi/yellow_tripdata_2019-03.csv'],
  ["{{ trigger.date | date('yyyy-MM') }}", '2019-03'],
  [
    "{{outputs.extract.outputFiles[inputs.taxi ~ '_tripdata_' ~ inputs.year ~ '-' ~ inputs.month ~ '.csv']}}",
    'kestra:///zoomcamp/taxi/yellow_tripdata_2019-03.csv',
  ],
  ["{{inputs.taxi == 'yellow'}}", 'true'],
  ["{{inputs.taxi == 'green'}}", 'false'],
  ["{{ outputs['task-with-dash'].value }}", 'dashed'],
  ["{{ x ?? 'a' }}", 'a'],
  ["{{ inputs.taxi ~ '_tripdata_' ~ (trigger.date | date('yyyy-MM')) ~ '.csv' }}", 'yellow_tripdata_2019-03.csv'],
  ["{{ inputs.taxi }}_tripdata_{{ trigger.date | date('yyyy-MM') }}.csv", 'yellow_tripdata_2019-03.csv'],
  ['{{ outputs.return }}', '{"value":"flow-with-outputs"}'],
  ['{{ inputs.tags }}', '["a","b"]'],
  ["{{ outputs.loop['v1'].value }}", 'one'],
  ["{{ outputs.loop['a a'].value }}", 'spaced'],
  ['{{ flow.namespace }}.{{ flow.id }}', 'zoomcamp.taxi'],
  ["{% if inputs.taxi == 'yellow' %}tpep{% else %}lpep{% endif %}_pickup_datetime", 'tpep_pickup_datetime'],
  ["{{ inputs.taxi == 'yellow' ? 'tpep' : 'lpep' }}", 'tpep'],
  ['plain text with no braces', 'plain text with no braces'],
  ['a } b', 'a } b'],
  ['{ "json": true }', '{ "json": true }'],
]);

runTable('undefined variables (strict mode)', [
  ['{{inputs.invalid}}', { error: 'Unable to find `invalid` used in the expression `{{inputs.invalid}}` at line 1, column 10' }],
  ['{{inputs.invalid}}', { error: 'Unable to find `inputs` used in the expression `{{inputs.invalid}}` at line 1, column 3' }, {}],
  ['{{ x }}', { error: 'Unable to find `x` used in the expression `{{ x }}` at line 1, column 4' }],
  ['line one\n{{ missing.attr }}', { error: 'Unable to find `missing` used in the expression `line one\n{{ missing.attr }}` at line 2, column 4' }],
  ['{{ nested.level.nope }}', { error: /^Unable to find `nope` used in the expression/ }],
  ['{{ inputs.nothing.x }}', { error: /^Unable to find `x` used/ }],
  ['{{ list[5] }}', { error: /^Unable to find `5` used/ }],
  ['{{ inputs.nothing }}', ''],
  ['{{ x ?? "fallback" }}', 'fallback'],
  ['{{ inputs.nothing ?? "fallback" }}', 'fallback'],
  ['{{ inputs.taxi ?? "fallback" }}', 'yellow'],
  ['{{ x ??? "fallback" }}', 'fallback'],
  ['{{ inputs.nothing ??? "fallback" }}', ''],
  ['{{ x.y.z ?? "deep" }}', 'deep'],
  ['{{ x ?? y ?? "third" }}', 'third'],
  ['{{ x is defined }}', 'false'],
  ['{{ x is not defined }}', 'true'],
  ['{{ inputs.taxi is defined }}', 'true'],
  ['{{ inputs.nothing is defined }}', 'false'],
  ['{{ inputs.x is defined }}', 'false', {}],
  ["{{ x | default('d') }}", 'd'],
  ["{{ x.y | default('d') }}", 'd'],
  ["{{ inputs.empty | default('d') }}", 'd'],
  ["{{ inputs.taxi | default('d') }}", 'yellow'],
  ['{{ trigger.date ?? execution.startDate }}', '2019-03-01T09:00:00Z'],
  ['{{ trigger.date ?? "manual" }}', 'manual', { execution: {} }],
  ['{{ x is null }}', { error: /Unable to find `x`/ }],
  ['{{ inputs.nothing is null }}', 'true'],
]);

runTable('printing values', [
  ['{{ 42 }}', '42'],
  ['{{ 42.42 }}', '42.42'],
  ['{{ 3.14 }}', '3.14'],
  ['{{ 1.0 }}', '1.0'],
  ['{{ d }}', '2.0'],
  ['{{ inputs.price }}', '42.42'],
  ['{{ true }}', 'true'],
  ['{{ null }}', ''],
  ['{{ none }}', ''],
  ['{{ \'single\' }}{{ "double" }}', 'singledouble'],
  ["{{ 'it\\'s' }}", "it's"],
  ['{{ [1, 2, 3] }}', '[1,2,3]'],
  ["{{ ['a', 1, true, null] }}", '["a",1,true,null]'],
  ["{{ {'a': 1, 'b': 'two'} }}", '{"a":1,"b":"two"}'],
  ["{{ {'a': 1, 'b': null} }}", '{"a":1}'],
  ["{{ {'a': [1, {'b': 2.0}]} }}", '{"a":[1,{"b":2.0}]}'],
  ['{{ [] }}{{ {} }}', '[]{}'],
  ['{{ map }}', '{"b":2,"a":1}'],
  ['{{ when }}', '2024-12-20T10:11:12.345Z'],
  ["{{ 'quote \" and \\\\ backslash' | toJson }}", '"quote \\" and \\\\ backslash"'],
  ['{{ "line\nbreak" | toJson }}', '"line\\nbreak"'],
  ['before {{ inputs.nothing }} after', 'before  after'],
]);

runTable('operators', [
  ["{{ 'a' ~ 'b' ~ 1 }}", 'ab1'],
  ["{{ 'a' ~ null ~ 'b' }}", 'ab'],
  ["{{ 'x' ~ [1, 2] }}", 'x[1, 2]'],
  ["{{ 'x' ~ {'a': 1} }}", 'x{a=1}'],
  ['{{ 1 + 2 }}', '3'],
  ['{{ 1 + 2 * 3 }}', '7'],
  ['{{ (1 + 2) * 3 }}', '9'],
  ['{{ 10 / 4 }}', '2'],
  ['{{ 10.0 / 4 }}', '2.5'],
  ['{{ 10 / 4.0 }}', '2.5'],
  ['{{ 2 * 1.5 }}', '3.0'],
  ['{{ 7 % 3 }}', '1'],
  ['{{ -7 % 3 }}', '-1'],
  ['{{ -3 + 1 }}', '-2'],
  ['{{ - inputs.n }}', '-7'],
  ['{{ 1 / 0 }}', { error: /\/ by zero/ }],
  ['{{ 1.0 / 0 }}', 'Infinity'],
  ["{{ 'a' + 1 }}", 'a1'],
  ["{{ 1 + 'a' }}", '1a'],
  ['{{ [1] + 2 }}', '[1,2]'],
  ['{{ [1, 2] + [3] }}', '[1,2,3]'],
  ['{{ [1, 2, 3] - 2 }}', '[1,3]'],
  ['{{ true + 1 }}', { error: /invalid operands for mathematical operation \[ADD\]/ }],
  ['{{ 1 == 1.0 }}', 'true'],
  ["{{ 1 == '1' }}", 'false'],
  ["{{ 'a' != 'b' }}", 'true'],
  ["{{ 'a' equals 'a' }}", 'true'],
  ['{{ [1, 2] == [1, 2] }}', 'true'],
  ["{{ {'a': 1} == {'a': 1} }}", 'true'],
  ['{{ null == null }}', 'true'],
  ['{{ inputs.nothing == null }}', 'true'],
  ['{{ 2 > 1 }}', 'true'],
  ['{{ 2 >= 2.0 }}', 'true'],
  ['{{ 1 < 0.5 }}', 'false'],
  ['{{ 1 <= 1 }}', 'true'],
  ["{{ 'b' > 'a' }}", 'true'],
  ["{{ '2024-01-02' < '2024-01-10' }}", 'true'],
  ['{{ null > 1 }}', 'false'],
  ["{{ 1 > 'a' }}", { error: /Could not perform greater than comparison/ }],
  ['{{ true and false }}', 'false'],
  ['{{ true or false }}', 'true'],
  ['{{ not true }}', 'false'],
  ['{{ not false and false }}', 'false'],
  ['{{ not (1 == 2) }}', 'true'],
  ['{{ false or x }}', { error: /Unable to find `x`/ }],
  ['{{ true or x }}', 'true'],
  ['{{ false and x }}', 'false'],
  ['{{ 1 and 1 }}', 'true'],
  ["{{ '' or 0 }}", 'false'],
  ["{{ true ? 'yes' : 'no' }}", 'yes'],
  ["{{ 1 > 2 ? 'yes' : 'no' }}", 'no'],
  ["{{ inputs.n > 5 ? (inputs.n > 6 ? 'big' : 'mid') : 'small' }}", 'big'],
  ["{{ null ? 'yes' : 'no' }}", 'no'],
  ['{{ [1, 2, 3] contains 2 }}', 'true'],
  ['{{ [1, 2, 3] contains 5 }}', 'false'],
  ['{{ [1, 2, 3] contains [1, 3] }}', 'true'],
  ["{{ 'hello world' contains 'lo w' }}", 'true'],
  ["{{ map contains 'a' }}", 'true'],
  ["{{ map contains 'z' }}", 'false'],
  ["{{ inputs.tags contains 'b' }}", 'true'],
  ['{{ 1..3 }}', '[1,2,3]'],
  ['{{ 3..1 }}', '[]'],
  ["{{ 'a'..'c' }}", '["a","b","c"]'],
  ["{{ (1..3) | join(',') }}", '1,2,3'],
  ["{{ 'a' ~ 'b' | upper }}", 'AB'],
  ["{{ 'a' ~ ('b' | upper) }}", 'aB'],
  ['{{ 1 + 2 | abs }}', '3'],
  ['{{ -1 + 2 | abs }}', '1'],
  ["{{ x ?? 'a' | upper }}", 'A'],
  ["{{ 'n=' ~ inputs.n ?? 0 }}", 'n=7'],
  ['{{ "a#{ 1 + 1 }b" }}', 'a2b'],
  ['{{ "#{inputs.taxi}-#{inputs.year}" }}', 'yellow-2019'],
  ["{{ 'no #{interpolation}' }}", 'no #{interpolation}'],
  ['{{ list[0] }}', '3'],
  ["{{ list['1'] }}", '1'],
  ['{{ list[inputs.n - 6] }}', '1'],
  ["{{ nested['level']['deeper'] }}", 'deep'],
  ["{{ nested['le' ~ 'vel'].deeper }}", 'deep'],
  ['{{ list.size }}', '3'],
  ['{{ inputs.taxi.length() }}', '6'],
  ["{{ inputs.taxi.startsWith('yel') }}", 'true'],
  ['{{ map.keySet() }}', '["b","a"]'],
]);

runTable('tests', [
  ['{{ 2 is even }}', 'true'],
  ['{{ 3 is even }}', 'false'],
  ['{{ 3 is odd }}', 'true'],
  ['{{ 3 is not odd }}', 'false'],
  ['{{ null is even }}', { error: /Can not pass null value to "even" test/ }],
  ['{{ inputs.empty is empty }}', 'true'],
  ["{{ '  ' is empty }}", 'true'],
  ['{{ [] is empty }}', 'true'],
  ['{{ {} is empty }}', 'true'],
  ['{{ list is empty }}', 'false'],
  ['{{ inputs.nothing is empty }}', 'true'],
  ['{{ list is iterable }}', 'true'],
  ['{{ map is iterable }}', 'false'],
  ["{{ 'abc' is iterable }}", 'false'],
  ['{{ map is map }}', 'true'],
  ['{{ list is map }}', 'false'],
  ['{{ \'{"a": 1}\' is json }}', 'true'],
  ["{{ '[1, 2]' is json }}", 'true'],
  ["{{ 'not json' is json }}", 'false'],
  ['{{ 1 is json }}', 'false'],
  ['{{ 1 is nonsense }}', { error: /Test \[nonsense\] does not exist/ }],
  ['{{ inputs.n is odd and inputs.n > 5 }}', 'true'],
]);

runTable('string filters', [
  ["{{ 'hello' | upper }}", 'HELLO'],
  ["{{ 'HeLLo' | lower }}", 'hello'],
  ["{{ '  padded \t' | trim }}", 'padded'],
  ["{{ 'hello world' | capitalize }}", 'Hello world'],
  ["{{ 'hello big world' | title }}", 'Hello Big World'],
  ["{{ 'hELLO wORLD' | title }}", 'HELLO WORLD'],
  ["{{ 'this is a long sentence' | abbreviate(10) }}", 'this is...'],
  ["{{ 'short' | abbreviate(10) }}", 'short'],
  ["{{ 'a,b,c' | split(',') }}", '["a","b","c"]'],
  ["{{ 'a,b,,c,,' | split(',') }}", '["a","b","","c"]'],
  ["{{ 'a,b,c' | split(',', 2) }}", '["a","b,c"]'],
  ["{{ 'a.b.c' | split('\\\\.') | last }}", 'c'],
  ["{{ 'a1b22c' | split('[0-9]+') }}", '["a","b","c"]'],
  ["{{ 'hello' | replace({'l': 'L'}) }}", 'heLLo'],
  ["{{ 'a-b_c' | replace({'-': ' ', '_': ' '}) }}", 'a b c'],
  ["{{ 'a1b22' | replace({'[0-9]+': '#'}, regexp=true) }}", 'a#b#'],
  ["{{ ['x-1', 'y-2'] | replace({'-': ''}) }}", '["x1","y2"]'],
  ["{{ {'k': 'a.b'} | replace({'.': '/'}) }}", '{"k":"a/b"}'],
  ["{{ 'abc' | replace('a') }}", { error: /replace_pairs/ }],
  ["{{ 'Hello World!' | slugify }}", 'hello-world'],
  ["{{ '  Crème Brûlée  recipe_2 ' | slugify }}", 'creme-brulee-recipe-2'],
  ["{{ 'file.tar.gz' | substringBefore('.') }}", 'file'],
  ["{{ 'file.tar.gz' | substringBeforeLast('.') }}", 'file.tar'],
  ["{{ 'file.tar.gz' | substringAfter('.') }}", 'tar.gz'],
  ["{{ 'file.tar.gz' | substringAfterLast('.') }}", 'gz'],
  ["{{ 'file' | substringAfter('.') }}", ''],
  ["{{ 'file' | substringBefore('.') }}", 'file'],
  ["{{ 'yellow_tripdata' | startsWith('yellow') }}", 'true'],
  ["{{ 'yellow_tripdata' | endsWith('csv') }}", 'false'],
  ["{{ 'a b&c=d/é' | urlencode }}", 'a+b%26c%3Dd%2F%C3%A9'],
  ["{{ 'a+b%26c%3Dd%2F%C3%A9' | urldecode }}", 'a b&c=d/é'],
  ["{{ 'hello' | base64encode }}", 'aGVsbG8='],
  ["{{ 'aGVsbG8=' | base64decode }}", 'hello'],
  ["{{ 'héllo wörld ✓' | base64encode | base64decode }}", 'héllo wörld ✓'],
  ["{{ 'abc' | md5 }}", '900150983cd24fb0d6963f7d28e17f72'],
  ["{{ 'abc' | sha1 }}", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ["{{ 'abc' | sha256 }}", 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    "{{ 'abc' | sha512 }}",
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  ],
  ["{{ '' | md5 }}", 'd41d8cd98f00b204e9800998ecf8427e'],
  ["{{ 'é' | sha256 }}", '4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c'],
  ["{{ 'a\\nb' }}", 'a\\nb'],
  ['{{ \'say "hi"\' }}', 'say "hi"'],
  ['{{ "it\'s" }}', "it's"],
  ["{{ 'a\nb' | indent(2) }}", 'a\n  b'],
  ["{{ 'a\nb' | nindent(2) }}", '\n  a\n  b'],
  ["{{ 'a\nb' | indent(1, '-') }}", 'a\n-b'],
  ["{{ 'a\nb' | nl2br }}", 'a<br />b'],
  ['{{ inputs.nothing | upper }}', ''],
]);

runTable('collection filters', [
  ['{{ list | length }}', '3'],
  ["{{ 'abc' | length }}", '3'],
  ['{{ map | length }}', '2'],
  ['{{ inputs.nothing | length }}', '0'],
  ['{{ list | first }}', '3'],
  ['{{ list | last }}', '2'],
  ["{{ 'abc' | first }}", 'a'],
  ["{{ 'abc' | last }}", 'c'],
  ['{{ [] | first }}', ''],
  ["{{ list | join(', ') }}", '3, 1, 2'],
  ['{{ list | join }}', '312'],
  ['{{ list | sort }}', '[1,2,3]'],
  ['{{ list | rsort }}', '[3,2,1]'],
  ['{{ words | sort }}', '["apple","banana","cherry"]'],
  ['{{ list | reverse }}', '[2,1,3]'],
  ['{{ list | slice(1) }}', '[1,2]'],
  ['{{ list | slice(0, 2) }}', '[3,1]'],
  ["{{ 'abcdef' | slice(2, 4) }}", 'cd'],
  ['{{ list | slice(2, 9) }}', { error: /toIndex must be smaller than input size: 3/ }],
  ['{{ [1, 2] | merge([3]) }}', '[1,2,3]'],
  ["{{ {'a': 1} | merge({'b': 2}) }}", '{"a":1,"b":2}'],
  ["{{ {'a': 1} | merge({'a': 3}) }}", '{"a":3}'],
  ['{{ map | keys }}', '["b","a"]'],
  ['{{ map | values }}', '[2,1]'],
  ['{{ words | keys }}', '[0,1,2]'],
  ["{{ 'x' | keys }}", { error: /'keys' filter can only be applied to List, Map, Array/ }],
  ['{{ [1, 2, 3, 4, 5] | chunk(2) }}', '[[1,2],[3,4],[5]]'],
  ['{{ [[1, 2], 3, [4]] | flatten }}', '[1,2,3,4]'],
  ['{{ [1, 2, 1] | distinct }}', '[1,2]'],
  ['{{ (map | keys | sort | first) }}', 'a'],
  ['{{ words | sort | join(",") | upper }}', 'APPLE,BANANA,CHERRY'],
]);

runTable('numbers', [
  ['{{ -5 | abs }}', '5'],
  ['{{ -5.5 | abs }}', '5.5'],
  ["{{ '42' | number }}", '42'],
  ["{{ '42' | number + 1 }}", '43'],
  ["{{ '4.5' | number }}", '4.5'],
  ["{{ '4' | number('FLOAT') }}", '4.0'],
  ["{{ '4' | number('INT') }}", '4'],
  ["{{ 'x' | number }}", { error: /x is not a valid number/ }],
  ['{{ 42 | number }}', { error: /'number' filter can only be applied to String/ }],
  ["{{ 1234567.891 | numberFormat('#,##0.00') }}", '1,234,567.89'],
  ["{{ 3.14159 | numberFormat('0.00') }}", '3.14'],
  ["{{ 2.5 | numberFormat('0') }}", '2'],
  ["{{ 3.5 | numberFormat('0') }}", '4'],
  ["{{ 0.5 | numberFormat('#.##') }}", '.5'],
  ["{{ 42 | numberFormat('000') }}", '042'],
  ["{{ 0.256 | numberFormat('#%') }}", '26%'],
  ['{{ max(1, 5, 3) }}', '5'],
  ['{{ min(4, 2.5, 3) }}', '2.5'],
  ['{{ range(1, 5, 2) }}', '[1,3,5]'],
  ['{{ range(3, 1, -1) }}', '[3,2,1]'],
  ['{{ range(1, 2, 0) }}', { error: /must be different than 0/ }],
]);

runTable('dates', [
  ["{{ trigger.date | date('yyyy-MM-dd') }}", '2019-03-01'],
  ["{{ trigger.date | date('yyyy_MM') }}", '2019_03'],
  ['{{ trigger.date | date("yyyy-MM-dd\'T\'HH:mm:ss") }}', '2019-03-01T09:00:00'],
  ['{{ trigger.date | date }}', '2019-03-01T09:00:00.000000Z'],
  ["{{ trigger.date | date('iso') }}", '2019-03-01T09:00:00.000000Z'],
  ["{{ trigger.date | date('iso_sec') }}", '2019-03-01T09:00:00Z'],
  ["{{ trigger.date | date('sql') }}", '2019-03-01 09:00:00.000000'],
  ["{{ trigger.date | date('sql_seq') }}", '2019-03-01 09:00:00'],
  ["{{ trigger.date | date('iso_date') }}", '2019-03-01Z'],
  ["{{ trigger.date | date('iso_local_date') }}", '2019-03-01'],
  ["{{ trigger.date | date('iso_instant') }}", '2019-03-01T09:00:00Z'],
  ["{{ trigger.date | date('iso_local_date_time') }}", '2019-03-01T09:00:00'],
  ["{{ trigger.date | date('rfc_1123_date_time') }}", 'Fri, 1 Mar 2019 09:00:00 GMT'],
  ["{{ trigger.date | date('yyyy-MM-dd HH:mm', timeZone='Europe/Paris') }}", '2019-03-01 10:00'],
  ["{{ trigger.date | date(format='HH:mm XXX', timeZone='America/New_York') }}", '04:00 -05:00'],
  ["{{ '2019-03-01T09:00:00+02:00' | date('HH:mm') }}", '07:00'],
  ["{{ '2019-03-01T09:00:00+01:00[Europe/Paris]' | date('HH:mm') }}", '08:00'],
  ["{{ '2019-03-01T09:00:00' | date('yyyy-MM-dd HH:mm') }}", '2019-03-01 09:00'],
  ["{{ '2019-03-01' | date('yyyy-MM-dd HH:mm') }}", '2019-03-01 00:00'],
  ["{{ '01/03/2019' | date('yyyy-MM-dd', existingFormat='dd/MM/yyyy') }}", '2019-03-01'],
  ["{{ epoch | date('yyyy-MM-dd HH:mm:ss') }}", '2023-11-14 22:13:20'],
  ["{{ when | date('yyyy-MM-dd HH:mm:ss.SSS') }}", '2024-12-20 10:11:12.345'],
  ["{{ trigger.date | date('EEE, d MMM yyyy') }}", 'Fri, 1 Mar 2019'],
  ["{{ trigger.date | date('EEEE MMMM dd, hh:mm a') }}", 'Friday March 01, 09:00 AM'],
  ["{{ trigger.date | date('D') }}", '60'],
  ['{{ trigger.date | date("\'Q\'Q") }}', 'Q1'],
  ["{{ 'not a date' | date('yyyy') }}", { error: /could not be parsed/ }],
  ["{{ trigger.date | date('yyyy', timeZone='Mars/Base') }}", { error: /Unknown time-zone ID: Mars\/Base/ }],
  ["{{ trigger.date | dateAdd(-1, 'DAYS') }}", '2019-02-28T09:00:00.000000Z'],
  ["{{ trigger.date | dateAdd(1, 'MONTHS', 'yyyy-MM') }}", '2019-04'],
  ["{{ trigger.date | dateAdd(2, 'HOURS', format='HH:mm') }}", '11:00'],
  ["{{ trigger.date | dateAdd(1, 'FORTNIGHTS') }}", { error: /No enum constant java.time.temporal.ChronoUnit.FORTNIGHTS/ }],
  ['{{ trigger.date | timestamp }}', '1551430800'],
  ['{{ trigger.date | timestampMicro }}', '1551430800000000'],
  ['{{ when | timestampNano }}', '1734689472345000000'],
  ['{{ when | timestampMilli }}', '1734689472345'],
  ["{{ now() | date('yyyy') == now('yyyy') }}", 'true'],
  ["{{ now() | dateAdd(-1, 'DAYS') | date('yyyy-MM-dd') is defined }}", 'true'],
]);

runTable('json and yaml', [
  ['{{ fromJson(\'{"a": [1, 2.0, "x"]}\') }}', '{"a":[1,2.0,"x"]}'],
  ['{{ fromJson(\'{"a": {"b": 3}}\').a.b }}', '3'],
  ["{{ json('[1, 2]') | length }}", '2'],
  ["{{ fromJson('nope') }}", { error: /Unable to parse JSON/ }],
  ["{{ {'a': [1, 'b']} | toJson }}", '{"a":[1,"b"]}'],
  ["{{ 'text' | toJson }}", '"text"'],
  ['{{ inputs.nothing | toJson }}', 'null'],
  ['{{ 42 | json }}', '42'],
  ["{{ {'a': null} | toJson(includeNulls=true) }}", '{"a":null}'],
  ['{{ yaml(doc).b }}', '["x","y"]', { doc: 'a: 1\nb: [x, y]' }],
  ["{{ yaml('a: 1').a + 1 }}", '2'],
]);

// Kestra's `jq` filter (jq 1.6 through jackson-jq): always a list of results; a string input is read as JSON.
const api: Context = {
  outputs: {
    request: {
      body: '{"items":[{"id":1,"name":"a","tags":["x"]},{"id":2,"name":"b","tags":[]},{"id":3,"name":"a","tags":["y","z"]}],"total":3,"next":null}',
      headers: { 'content-type': ['application/json'] },
    },
  },
  data: {
    items: [
      { id: 1, price: 2.5 },
      { id: 2, price: double(4) },
    ],
    when: new Date('2024-12-20T10:11:12.345Z'),
    m: { b: 2, a: 1 },
  },
};

runTable('jq', [
  // Kestra's documented uses: a list back, `first` to take the value.
  ["{{ outputs.request.body | jq('.items[].id') }}", '[1,2,3]', api],
  ["{{ outputs.request.body | jq('.total') | first }}", '3', api],
  ["{{ outputs.request.body | jq('.items | length') | first + 1 }}", '4', api],
  ["{{ outputs.request.body | jq('.next') }}", '[null]', api],
  ["{{ outputs.request.body | jq('.next') | first }}", '', api],
  ["{{ outputs.request.body | jq('.missing') | first is null }}", 'true', api],
  ["{{ data | jq('.items[0].price') | first }}", '2.5', api],
  ["{{ data | jq('.items[1].price') | first }}", '4.0', api],
  ["{{ data | jq('.items[1].price + 1') | first }}", '5', api],
  ["{{ data | jq('.when') | first }}", '2024-12-20T10:11:12.345Z', api],
  [`{{ outputs.request.headers | jq('.["content-type"][0]') | first }}`, 'application/json', api],
  [`{{ outputs.request.headers | jq('."content-type"[0]') | first }}`, 'application/json', api],
  ["{{ '[1,2,3]' | jq('.[]') | length }}", '3'],
  ["{{ '42' | jq('. * 2') | first }}", '84'],
  ["{{ null | jq('.') }}", ''],
  ["{{ [3, 1, 2] | jq('sort') | first }}", '[1,2,3]'],
  ["{{ {'a': 1} | jq(expression='.a') }}", '[1]'],
  // Paths, slices, pipes, commas, alternatives.
  [
    "{{ data | jq('.') | first | toJson }}",
    '{"items":[{"id":1,"price":2.5},{"id":2,"price":4.0}],"when":"2024-12-20T10:11:12.345Z","m":{"b":2,"a":1}}',
    api,
  ],
  ["{{ outputs.request.body | jq('.items[-1].id') }}", '[3]', api],
  ["{{ outputs.request.body | jq('.items[1:] | map(.id)') }}", '[[2,3]]', api],
  ["{{ outputs.request.body | jq('.items[:1][0].name') }}", '["a"]', api],
  ["{{ outputs.request.body | jq('.items[] | .id, .name') }}", '[1,"a",2,"b",3,"a"]', api],
  [`{{ outputs.request.body | jq('.next // "none"') }}`, '["none"]', api],
  ["{{ outputs.request.body | jq('.items[5].id?') }}", '[null]', api],
  ["{{ outputs.request.body | jq('[.items[].tags[]]') | first | join(',') }}", 'x,y,z', api],
  ["{{ outputs.request.body | jq('..|numbers') | length }}", '4', api],
  // Functions.
  ["{{ outputs.request.body | jq('[.items[] | select(.id > 1) | .name]') | first }}", '["b","a"]', api],
  ["{{ outputs.request.body | jq('.items | map(.id * 10)') | first }}", '[10,20,30]', api],
  ["{{ outputs.request.body | jq('.items[0] | keys') | first }}", '["id","name","tags"]', api],
  ["{{ data | jq('.m | keys_unsorted') | first }}", '["b","a"]', api],
  [`{{ data | jq('.m | to_entries | map(.key + "=" + (.value | tostring)) | join("&")') | first }}`, 'b=2&a=1', api],
  ["{{ data | jq('.m | with_entries(.value += 1)') | first }}", '{"b":3,"a":2}', api],
  ["{{ outputs.request.body | jq('.items | group_by(.name) | map(length)') | first }}", '[2,1]', api],
  ["{{ outputs.request.body | jq('.items | sort_by(.name) | map(.id)') | first }}", '[1,3,2]', api],
  ["{{ outputs.request.body | jq('.items | map(.id) | add') | first }}", '6', api],
  ["{{ outputs.request.body | jq('[.items[].name] | unique') | first }}", '["a","b"]', api],
  ["{{ outputs.request.body | jq('.items | any(.id == 2)') | first }}", 'true', api],
  ["{{ outputs.request.body | jq('reduce .items[] as $i (0; . + $i.id)') | first }}", '6', api],
  [`{{ outputs.request.body | jq('.items[] | if .id == 2 then "two" else empty end') }}`, '["two"]', api],
  ["{{ outputs.request.body | jq('.items[0] | {id, label: .name}') | first }}", '{"id":1,"label":"a"}', api],
  [`{{ outputs.request.body | jq('.items[0] | "\\(.name)-\\(.id)"') | first }}`, 'a-1', api],
  ["{{ outputs.request.body | jq('.items | del(.[0]) | length') | first }}", '2', api],
  ["{{ outputs.request.body | jq('[.items[].name] | @csv') | first }}", '"a","b","a"', api],
  ["{{ outputs.request.body | jq('.total as $n | $n * 2') | first }}", '6', api],
  [`{{ outputs.request.body | jq('try error("boom") catch .') | first }}`, 'boom', api],
  ["{{ outputs.request.body | jq('.items | first.id, (last | .id)') }}", '[1,3]', api],
  // Errors name the jq expression and the problem, then the template and column.
  [
    "{{ outputs.request.body | jq('.items[') }}",
    {
      error:
        "Invalid jq expression '.items[': expected a filter, found the end of the expression at column 8 in the expression `{{ outputs.request.body | jq('.items[') }}` at line 1, column 27",
    },
    api,
  ],
  ["{{ outputs.request.body | jq('nope') }}", { error: /^Invalid jq expression 'nope': nope\/0 is not defined at column 1 in the expression/ }, api],
  [
    "{{ outputs.request.body | jq('.total.x') }}",
    { error: /^jq expression '\.total\.x' failed: Cannot index number with "x" in the expression/ },
    api,
  ],
  ["{{ outputs.request.body | jq('.next[]') }}", { error: /failed: Cannot iterate over null/ }, api],
  [`{{ outputs.request.body | jq('.total + "a"') }}`, { error: /failed: number \(3\) and string \("a"\) cannot be added/ }, api],
  ["{{ outputs.request.body | jq('def f: 1; f') }}", { error: /'def' is not supported by tflow's jq at column 1/ }, api],
  ["{{ 'not json' | jq('.') }}", { error: /^The input of the 'jq' filter is a string that is not JSON/ }],
  ["{{ {'a': 1} | jq }}", { error: /The 'jq' filter expects an argument 'expression'/ }],
]);

// `currentEachOutput(outputs.t)` inside ForEach: the interpreter supplies the loop values; outside
// an execution they are read from `parents` and `taskrun`, as Kestra does.
const inLoop: Context = {
  outputs: { make: { v1: { value: 'one' }, v2: { value: 'two' } }, nested: { a: { x: { value: 'a-x' } } } },
  taskrun: { value: 'v2' },
  parents: [{ taskrun: { id: 'p' } }],
};
const inNestedLoop: Context = {
  ...inLoop,
  taskrun: { value: 'x' },
  parents: [{ taskrun: { id: 'inner', value: 'a' } }, { taskrun: { id: 'outer' } }],
};

runTable('currentEachOutput and errorLogs', [
  ['{{ currentEachOutput(outputs.make).value }}', 'two', inLoop],
  ['{{ currentEachOutput(outputs.nested).value }}', 'a-x', inNestedLoop],
  // The interpreter's loop values win over `parents` (here they would lead nowhere).
  ['{{ currentEachOutput(outputs.nested).value }}', 'a-x', withExecutionRuntime({ ...inLoop }, { errorLogs: () => [], loopValues: ['a', 'x'] })],
  ['{{ currentEachOutput(outputs.make) }}', '', { outputs: inLoop.outputs }],
  [
    '{{ currentEachOutput(outputs.nested) }}',
    { error: /No execution outputs for the current task runs path/ },
    { ...inNestedLoop, parents: [{ taskrun: { id: 'inner', value: 'zz' } }] },
  ],
  ["{{ currentEachOutput('x') }}", { error: /The 'currentEachOutput' function expects an argument 'outputs' with type map/ }],
  [
    "{{ errorLogs()[0].taskId }}: {{ errorLogs() | length }} {{ errorLogs() | first | jq('.message') | first }}",
    'fail: 1 Command failed',
    withExecutionRuntime({}, { errorLogs: () => [{ taskId: 'fail', level: 'ERROR', message: 'Command failed' }], loopValues: [] }),
  ],
  ['{{ errorLogs() }}', { error: /The 'errorLogs' function reads the logs of a running execution: it cannot be used here/ }],
  ['{{ printContext() | keys }}', '["a"]', withExecutionRuntime({ a: 1 }, { errorLogs: () => [], loopValues: [] })],
]);

runTable('checked against Pebble', [
  // OperatorUtils.add: `+` concatenates as soon as one side is a String (Pebble, so Kestra).
  ["{{ '41' + 1 }}", '411'],
  ["{{ 1 + '41' }}", '141'],
  ["{{ '41' | number + 1 }}", '42'],
  // Kestra 1.x has no `in` operator: `contains` is the way.
  ["{{ 'b' in inputs.tags }}", { error: /Unexpected `in`/ }],
  ["{{ 'b' not in inputs.tags }}", { error: /Unexpected `not`|Unexpected `in`/ }],
  ["{{ not (inputs.tags contains 'z') }}", 'true'],
  // §e examples.
  ["{{ {'value': 'flow-with-outputs'} }}", '{"value":"flow-with-outputs"}'],
  // Pebble's lexer ends a print tag at `}}` only outside brackets.
  ["{{ {'a': {'b': 1}} }}", '{"a":{"b":1}}'],
  ["{% set m = {'k': {'v': 2}}%}{{ m.k.v }}", '2'],
  ['{{ 42.42 }}', '42.42'],
  ['{{ 3.14 }}', '3.14'],
  ["{{ x ??? 'fallback' }}", 'fallback'],
  ["{{ inputs.nothing ??? 'fallback' }}", ''],
  ["{{ inputs.nothing ?? 'fallback' }}", 'fallback'],
  ["{{ trigger.date | date('yyyy_MM') }}", '2019_03'],
  ['{{ [1, 2] + [3] }}', '[1,2,3]'],
  ["{{ 'apple' ~ 'pear' ~ 'banana' }}", 'applepearbanana'],
  ["{{ ['apple', 'pear', 'banana', 'peach'] contains ['apple', 'peach'] }}", 'true'],
  ["{{ {'apple': 'red', 'banana': 'yellow'} contains 'banana' }}", 'true'],
  ['{% if 2 is even and 3 is odd %}yes{% endif %}', 'yes'],
  ['{% if 3 is not even %}odd{% endif %}', 'odd'],
  ["{% if inputs.taxi equals 'yellow' %}y{% endif %}", 'y'],
  // Filters and functions without a case elsewhere.
  ["{{ 'a\nb' | nl2br }}", 'a<br />b'],
  ["{{ 'hello world' | abbreviate(8) }}", 'hello...'],
  ["{{ {'a': 1} | jsonEncode }}", '{"a":1}'],
  ["{{ jsonDecode('[1]') | first }}", '1'],
  ["{{ 1234.5 | numberformat('#,##0.00') }}", '1,234.50'],
  ['{{ fetchContext() | keys }}', '["a"]', { a: 1 }],
  ["{{ {'a': [1, 'x'], 'b': {'c': true}, 'd': null} | yaml }}", 'a:\n  - 1\n  - x\nb:\n  c: true\nd: null\n'],
  ['{{ inputs.nothing | yaml }}', 'null'],
  [
    "{{ 'x' | className }} {{ 1 | className }} {{ 1.5 | className }} {{ [1] | className }} {{ map | className }}",
    'java.lang.String java.lang.Long java.lang.Double java.util.ArrayList java.util.LinkedHashMap',
  ],
  [`{{ "it's" | escapeChar('single') }} {{ 'say "hi"' | escapeChar('double') }} {{ "it's" | escapeChar('shell') }}`, `it\\'s say \\"hi\\" it'\\''s`],
  [`{{ {'a': ["it's"]} | escapeChar('single') }}`, `{"a":["it\\\\'s"]}`],
  ["{{ 'x' | escapeChar('triple') }}", { error: /The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'/ }],
]);

runTable('tags', [
  ['{% if true %}yes{% endif %}', 'yes'],
  ['{% if false %}yes{% endif %}', ''],
  ['{% if false %}a{% elseif true %}b{% else %}c{% endif %}', 'b'],
  ['{% if false %}a{% elseif false %}b{% else %}c{% endif %}', 'c'],
  ['{% if inputs.n > 5 %}{% if inputs.flag %}both{% endif %}{% endif %}', 'both'],
  ['{% if inputs.empty %}x{% else %}empty is falsy{% endif %}', 'empty is falsy'],
  ['{% if x %}x{% endif %}', { error: /Unable to find `x`/ }],
  ['{% for w in words %}{{ w }};{% endfor %}', 'banana;apple;cherry;'],
  ['{% for w in words %}{{ loop.index }}{% endfor %}', '012'],
  ['{% for w in words %}{{ loop.revindex }}{% endfor %}', '210'],
  ['{% for w in words %}{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}', 'true/false/3 false/false/3 false/true/3 '],
  ['{% for x in [] %}x{% else %}none{% endfor %}', 'none'],
  ['{% for e in map %}{{ e.key }}={{ e.value }},{% endfor %}', 'b=2,a=1,'],
  ['{% for i in 1..3 %}{{ i }}{% endfor %}', '123'],
  ['{% for x in inputs.nothing %}x{% else %}else{% endfor %}', ''],
  ['{% set total = 1 + 2 %}{{ total }}', '3'],
  ['{% set name = inputs.taxi | upper %}{{ name }}_{{ name | lower }}', 'YELLOW_yellow'],
  ['{% set n = 0 %}{% for i in [1, 2, 3] %}{% set n = n + i %}{% endfor %}{{ n }}', '6'],
  ['{% for i in [1] %}{% set inner = 5 %}{% endfor %}{{ inner }}', { error: /Unable to find `inner`/ }],
  ['{{ render("{{ greeting }}") }}', 'hi', { greeting: 'hi' }],
  ['{% set greeting = "hey" %}{{ render("{{ greeting }}") }}', 'hey', {}],
  ['{# a comment #}kept', 'kept'],
  ['a {#- trimmed -#} b', 'ab'],
  ['{% raw %}{{ not rendered }}{% endraw %}', '{{ not rendered }}'],
  ['{%raw%}{% if %}{%endraw%} and {{ 1 }}', '{% if %} and 1'],
  ['a {%- raw -%} {{ x }} {%- endraw -%} b', 'a  {{ x }}  b'],
  ['{{ vars.raw }}', '{{ x }}', { vars: { raw: '{% raw %}{{ x }}{% endraw %}' } }],
  ['  {{- 1 -}}  ', '1'],
  ['a\n  {%- if true -%}\n  b\n  {%- endif -%}\n  c', 'abc'],
  ['{{ 1 }}\n{{ 2 }}', '1\n2'],
  ['{% if true %}\nline\n{% endif %}', '\nline\n'],
]);

runTable('render and renderOnce', [
  ['{{ render(vars.second) }}', '7 > 2'],
  ['{{ renderOnce(vars.second) }}', '{{ inputs.n }} > 2'],
  ['{{ render(vars.second, recursive=false) }}', '{{ inputs.n }} > 2'],
  ['{{ render(vars.second, false) }}', '{{ inputs.n }} > 2'],
  ['{{ render("no braces") }}', 'no braces'],
  ['{{ render(inputs.nothing) }}', ''],
  ['{{ render(vars.loop) }}', { error: /Too many rendering attempts/ }, { vars: { loop: '{{ vars.loop }}x' } }],
  ['{{ render(vars.bad) }}', { error: /Unable to find `nope` used in the expression `\{\{ nope \}\}`/ }, { vars: { bad: '{{ nope }}' } }],
  ['{{ printContext() | keys }}', '["a"]', { a: 1 }],
]);

runTable('functions', [
  ['{{ uuid() | length }}', '36'],
  ['{{ randomInt(1, 2) }}', '1'],
  ["{{ kv('KEY') }}", { error: /Function `kv\(\)` is not available here: it needs I\/O/ }],
  ["{{ secret('KEY') }}", { error: /Function `secret\(\)` is not available here/ }],
  ['{{ nope() }}', { error: /Function or Macro \[nope\] does not exist/ }],
  ["{{ 'x' | nope }}", { error: /Filter \[nope\] does not exist/ }],
  ['{{ range(1, 3, 1, 4) }}', { error: /The argument at position 4 is not allowed/ }],
  ["{{ 'x' | date(nope='1') }}", { error: /The argument `nope` is not allowed for filter `date`/ }],
]);

runTable('syntax errors name the position', [
  ['{{ 1 + }}', { error: 'Expected an expression in the expression `{{ 1 + }}` at line 1, column 8' }],
  ['{{ a b }}', { error: 'Unexpected `b` in the expression `{{ a b }}` at line 1, column 6' }],
  ['{{ "unclosed }}', { error: /Unclosed string literal/ }],
  ['{{ 1', { error: /Unclosed tag: expected `\}\}`/ }],
  ['{% if true %}x', { error: /Unclosed `\{% if %\}`/ }],
  ['{% endif %}', { error: /Unexpected `endif`/ }],
  ['{% macro x %}', { error: /Unexpected tag name `macro`/ }],
  ['{{ a in b }}', { error: /Unexpected `in`/ }],
  ["{{ {'a': [1, 2 }}", { error: "Unclosed `[`: expected `]` in the expression `{{ {'a': [1, 2 }}` at line 1, column 10" }],
  ['{{ (1 + 2 }}', { error: /^Unclosed `\(`: expected `\)` in the expression .* column 4$/ }],
  ['{{ }}', { error: /Empty expression/ }],
  ['{{ 1 @ 2 }}', { error: /Unexpected character `@`/ }],
  ['{{ f(a=1, 2) }}', { error: /Positional arguments must be declared before any named arguments/ }],
]);

describe('renderTyped', () => {
  const cases: Array<[string, unknown, Context?]> = [
    ['{{ [1, 2] }}', [1, 2]],
    ["{{ {'a': 1.0} }}", { a: 1 }],
    ['{{ 42 }}', 42],
    ['{{ true }}', true],
    ['{{ inputs.nothing }}', null],
    ['{{ inputs.tags }}', ['a', 'b']],
    [' {{ inputs.n }} ', 7],
    ['{{ 1 }}{{ 2 }}', '12'],
    ['n={{ inputs.n }}', 'n=7'],
    ['plain', 'plain'],
    ['{{ inputs.taxi }}', 'yellow'],
  ];
  for (const [template, expected] of cases) {
    test(template, () => assert.deepEqual(renderTyped(template, course), expected));
  }
});

describe('renderProperties', () => {
  test('renders string leaves and keys, keeps other scalars', () => {
    const rendered = renderProperties(
      { '{{ inputs.taxi }}_key': '{{ inputs.n }}', n: 1, flag: false, list: ['{{ 1 + 1 }}', 3, null], nested: { v: '{{ inputs.tags }}' } },
      course,
    );
    assert.deepEqual(rendered, { yellow_key: '7', n: 1, flag: false, list: ['2', 3, null], nested: { v: '["a","b"]' } });
  });
});

describe('errors name the property they came from', () => {
  const failure = (body: () => unknown): ExpressionError => {
    try {
      body();
    } catch (e) {
      assert.ok(e instanceof ExpressionError);
      return e;
    }
    assert.fail('expected an error');
  };
  test('renderProperties names the leaf: map keys and list positions', () => {
    const e = failure(() => renderProperties({ headers: { Authorization: 'Bearer {{ nope.token }}' } }, course));
    assert.equal(e.property, 'headers.Authorization');
    assert.equal(
      e.message,
      "property 'headers.Authorization': Unable to find `nope` used in the expression `Bearer {{ nope.token }}` at line 1, column 11",
    );
    assert.equal(failure(() => renderProperties({ sql: ['ok', '{{ 1 + }}'] }, course)).property, 'sql[1]');
  });
  test('inProperty adds the outer segments', () => {
    const e = inProperty(
      failure(() => renderProperties({ a: '{{ x }}' }, course)),
      'values',
    );
    assert.equal(e.message, "property 'values.a': Unable to find `x` used in the expression `{{ x }}` at line 1, column 4");
    assert.equal(inProperty(new Error('plain'), 'x').message, 'plain');
  });
  test('renderingProperty finds the property holding the template', () => {
    const properties = { condition: '{{ inputs.taxi | nope }}', inputs: { name: '{{ missing }}' } };
    const condition = failure(() => renderingProperty(properties, properties.condition, () => render(properties.condition, course)));
    assert.match(
      condition.message,
      /^property 'condition': Filter \[nope\] does not exist in the expression `\{\{ inputs.taxi \| nope \}\}` at line 1, column 18$/,
    );
    const inputs = failure(() => renderingProperty(properties, properties.inputs, () => renderProperties(properties.inputs, course)));
    assert.equal(inputs.property, 'inputs.name');
  });
});

describe('the filter and function tables', () => {
  test('every filter and function has a table case', () => {
    const text = tabled.join('\n');
    const untested = [
      ...Object.keys(FILTERS)
        .filter((name) => !new RegExp(`\\|\\s*${name}\\b`).test(text))
        .map((name) => `filter ${name}`),
      ...Object.keys(FUNCTIONS)
        .filter((name) => !new RegExp(`\\b${name}\\(`).test(text))
        .map((name) => `function ${name}`),
    ];
    assert.deepEqual(untested, []);
  });
});

describe('checkTemplate', () => {
  test('valid templates have no problems', () => {
    assert.deepEqual(checkTemplate("{{ inputs.taxi ~ render(vars.file) | date('yyyy') }} {% if x is defined %}{% endif %} {{ kv('k') }}"), []);
    assert.deepEqual(checkTemplate('no template at all'), []);
  });
  test('reports unknown filters, functions and tests with their positions', () => {
    const problems = checkTemplate('{{ a | nofilter }}\n{{ foo() }} {{ x is weird }}');
    assert.deepEqual(
      problems.map((p) => [p.line, p.column, p.message.split(' in the expression')[0]]),
      [
        [1, 8, 'Filter [nofilter] does not exist'],
        [2, 4, 'Function or Macro [foo] does not exist'],
        [2, 21, 'Test [weird] does not exist'],
      ],
    );
  });
  test('compiles literal jq programs', () => {
    const [problem] = checkTemplate("{{ body | jq('.items[] | selct(.id)') | first }}");
    assert.equal(problem.column, 14);
    assert.match(problem.message, /^Invalid jq expression '\.items\[\] \| selct\(\.id\)': selct\/1 is not defined at column 12 in the expression/);
    assert.deepEqual(checkTemplate("{{ body | jq('.items[].id') }} {{ body | jq(vars.program) }}"), []);
  });
  test('reports syntax errors with line and column', () => {
    const [problem] = checkTemplate('ok\n  {{ 1 + }}');
    assert.equal(problem.line, 2);
    assert.equal(problem.column, 10);
    assert.equal(problem.template, 'ok\n  {{ 1 + }}');
  });
});

describe('isTruthy and stringify', () => {
  const truthy: Array<[unknown, boolean]> = [
    ['true', true],
    ['false', false],
    ['0', false],
    ['-0', false],
    ['', false],
    [' false ', false],
    ['yes', true],
    [null, false],
    [1, true],
    [0, false],
    [false, false],
  ];
  for (const [value, expected] of truthy) test(`isTruthy(${JSON.stringify(value)})`, () => assert.equal(isTruthy(value), expected));
  test('stringify', () => {
    assert.equal(stringify({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(stringify(null), '');
    assert.equal(stringify(double(3)), '3.0');
    assert.equal(stringify(1e21), '1.0E21');
  });
});

describe('deterministic clock', () => {
  test('now() uses the supplied clock', () => {
    const fixed = new Date('2024-01-02T03:04:05.678Z');
    assert.equal(render('{{ now() }}', {}, { now: () => fixed }), '2024-01-02T03:04:05.678000Z');
    assert.equal(render("{{ now(timeZone='Asia/Tokyo', format='yyyy-MM-dd HH:mm') }}", {}, { now: () => fixed }), '2024-01-02 12:04');
  });
  test('extra functions can be plugged in', () => {
    const kv = { args: ['key'], call: (a: Record<string, unknown>) => `value-of-${String(a.key)}` };
    assert.equal(render("{{ kv('K') }}", {}, { functions: { kv } }), 'value-of-K');
  });
});
