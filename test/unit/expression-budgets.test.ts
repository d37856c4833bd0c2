/**
 * The budget of one evaluation (src/workflow/expression/budget.ts, docs/expressions.md): for
 * each limit, the error a flow author sees, and that what stays just under it still works. Also
 * the flow regexes on RE2: linear time, Java's semantics, and a clear refusal of what RE2 lacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputSpec } from '../../src/workflow/flow/spec';
import { compileFlow } from '../../src/compiler/compile';
import { checkTemplate, type Context, LIMITS, render, renderProperties, renderTyped } from '../../src/workflow/expression';
import { resolveInputs } from '../../src/workflow/flow/inputs';

/** The message of the error `template` raises, or a failed assertion if it renders. */
function failure(template: string, context: Context = {}): string {
  try {
    render(template, context);
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail(`rendered without an error: ${template.slice(0, 100)}`);
}

/** Runs `body` and asserts it took less than `ms` (the budget bounds CPU, not only memory). */
function within<T>(ms: number, body: () => T): T {
  const started = Date.now();
  const result = body();
  const took = Date.now() - started;
  assert.ok(took < ms, `took ${took} ms`);
  return result;
}

const nested = (open: string, inner: string, close: string, levels: number) => open.repeat(levels) + inner + close.repeat(levels);

describe('expression budgets', () => {
  it('the limits are the documented ones', () => {
    assert.deepEqual(LIMITS, { nesting: 100, steps: 20_000_000, items: 1_000_000, stringLength: 10_000_000 });
  });

  describe('nesting (parse)', () => {
    it('parentheses: 99 levels render, 100 are refused before the stack runs out', () => {
      assert.equal(render(`{{ ${nested('(', '1', ')', 99)} }}`, {}), '1');
      assert.match(
        failure(`{{ ${nested('(', '1', ')', 100)} }}`),
        /^the expression is nested more than 100 levels deep in the expression `\{\{ \(\(\(\(.*\.\.\.`$/,
      );
      assert.match(failure(`{{ ${nested('(', '1', ')', 20_000)} }}`), /^the expression is nested more than 100 levels deep/);
    });

    it('operator chains (a tree made deep without parser recursion): 98 operators render, 99 are refused', () => {
      assert.equal(render(`{{ 1${' + 1'.repeat(98)} }}`, {}), '99');
      assert.match(failure(`{{ 1${' + 1'.repeat(99)} }}`), /^the expression is nested more than 100 levels deep/);
      assert.match(failure(`{{ 1${' ~ 1'.repeat(20_000)} }}`), /^the expression is nested more than 100 levels deep/);
    });

    it('list literals and {% if %} blocks count too', () => {
      assert.equal(render(`{{ ${nested('[', '1', ']', 98)} }}`, {}), nested('[', '1', ']', 98));
      assert.match(failure(`{{ ${nested('[', '1', ']', 99)} }}`), /nested more than 100 levels deep/);
      assert.equal(render(nested('{% if true %}', 'x', '{% endif %}', 99), {}), 'x');
      assert.match(
        failure(nested('{% if true %}', 'x', '{% endif %}', 20_000)),
        /^the expression is nested more than 100 levels deep in the expression `\{% if true %\}/,
      );
    });

    it('string interpolation inside interpolation counts its levels', () => {
      assert.equal(render(`{{ ${nested('"#{', '1', '}"', 40)} }}`, {}), '1');
      assert.match(failure(`{{ ${nested('"#{', '1', '}"', 3_000)} }}`), /^the expression is nested more than 100 levels deep/);
    });

    it('jq programs: 99 parentheses or a 99-long path run, 100 are a jq syntax error', () => {
      assert.equal(render(`{{ 1 | jq('${nested('(', '.', ')', 99)}') | first }}`, {}), '1');
      assert.match(
        failure(`{{ 1 | jq('${nested('(', '.', ')', 100)}') }}`),
        /Invalid jq expression '\(\(\(.*': the jq expression is nested more than 100 levels deep at column/,
      );
      assert.equal(render(`{{ {} | jq('${'.a'.repeat(99)}') | first }}`, {}), '');
      assert.match(failure(`{{ {} | jq('${'.a'.repeat(100)}') }}`), /the jq expression is nested more than 100 levels deep/);
      assert.match(failure(`{{ 1 | jq('${nested('"\\\\(', '1', ')"', 3_000)}') }}`), /the jq expression is nested more than 100 levels deep/);
    });

    it('nested parentheses in jq parse in linear time (they were re-parsed 2^depth times)', () => {
      within(1_000, () => assert.equal(render(`{{ 1 | jq('${nested('(', '.', ')', 60)}') | first }}`, {}), '1'));
      within(1_000, () => assert.match(failure(`{{ 1 | jq('${nested('(', '.', '', 60)}') }}`), /Invalid jq expression/));
    });

    it('checkTemplate (validation) reports the nesting like a syntax error', () => {
      const [problem] = checkTemplate(`{{ ${nested('(', '1', ')', 20_000)} }}`);
      assert.match(problem.message, /^the expression is nested more than 100 levels deep/);
    });
  });

  describe('nesting (evaluation)', () => {
    const chain = (levels: number) => {
      const vars: Record<string, string> = {};
      for (let i = 0; i < levels; i++) vars[`v${i}`] = `{{ render(vars.v${i + 1}) }}`;
      vars[`v${levels}`] = 'end';
      return { vars };
    };

    it('render() inside rendered text: 99 levels render, the 100th nested render is refused', () => {
      assert.equal(render('{{ render(vars.v0) }}', chain(99)), 'end');
      assert.equal(
        failure('{{ render(vars.v0) }}', chain(100)),
        'the rendering is nested more than 100 levels deep in the expression `{{ render(vars.v100) }}` at line 1, column 4',
      );
    });

    it('a template that renders itself stops with that error instead of a stack overflow', () => {
      const context = { vars: { again: '{{ render(vars.again) }}' } };
      assert.match(failure('{{ render(vars.again) }}', context), /^the rendering is nested more than 100 levels deep/);
      assert.throws(() => renderTyped('{{ render(vars.again) }}', context), /the rendering is nested more than 100 levels deep/);
    });

    it('data nested too deeply for the stack is an error of the expression, not a crash', () => {
      const deepJson = nested('[', '', ']', 200_000);
      assert.match(
        failure('{{ fromJson(text) }}', { text: deepJson }),
        /^the expression or its data is nested too deeply \(Maximum call stack size exceeded\) in the expression `\{\{ fromJson\(text\) \}\}`/,
      );
    });
  });

  describe('steps', () => {
    const counting = (n: number) => `{{ 0 | jq('reduce range(0; ${n}) as $i (.; . + 1)') | first }}`;

    it('300,000 jq iterations (≈ 19.2 million steps) run; 320,000 stop with the step limit', () => {
      assert.equal(render(counting(300_000), {}), '300000');
      assert.equal(
        failure(counting(320_000)),
        "jq expression 'reduce range(0; 320000) as $i (.; . + 1)': the expression needs more than 20,000,000 evaluation steps (limit of one rendering) in the expression `" +
          counting(320_000) +
          '` at line 1, column 8',
      );
    });

    it('an endless computation stops at the budget (in seconds at most, on a loaded 2-core machine)', () => {
      within(5_000, () =>
        assert.match(failure("{{ 0 | jq('reduce range(1e15) as $i (.; . + 1)') }}"), /needs more than 20,000,000 evaluation steps/),
      );
      within(5_000, () =>
        assert.match(failure("{{ 0 | jq('[range(1e15)] | length') }}"), /an array would have 1,000,001 items, more than the limit of 1,000,000/),
      );
    });

    it('the steps of a task are counted over all its properties together', () => {
      const heavy = "{{ 0 | jq('reduce range(0; 200000) as $i (.; . + 1)') | first }}";
      assert.deepEqual(renderProperties({ a: heavy }, {}), { a: '200000' });
      assert.throws(
        () => renderProperties({ a: heavy, b: heavy }, {}),
        (error: Error) => {
          assert.match(error.message, /^property 'b': .*needs more than 20,000,000 evaluation steps/);
          return true;
        },
      );
    });

    it('quadratic work is counted as such: list difference, distinct of lists', () => {
      assert.equal(render('{{ range(1, 3000) | jq(". - [1]") | first | length }}', {}), '2999');
      assert.match(failure('{{ range(1, 10000) | jq(". - .") }}'), /needs more than 20,000,000 evaluation steps/);
      // Scalars are found by key: a 100,000-item distinct is linear.
      assert.equal(
        within(3_000, () => render('{{ range(1, 100000) | distinct | length }}', {})),
        '100000',
      );
    });

    it('loop iterations count even with an empty body', () => {
      assert.equal(render('{% for a in range(1, 100000) %}{% endfor %}done', {}), 'done');
      const cube = '{% set r = range(1, 300) %}{% for a in r %}{% for b in r %}{% for c in r %}{% endfor %}{% endfor %}{% endfor %}done';
      within(5_000, () => assert.match(failure(cube), /needs more than 20,000,000 evaluation steps/));
    });

    it('jq updates and deletions over 100,000 items run in linear time', () => {
      within(3_000, () =>
        assert.equal(render("{{ range(1, 100000) | jq('.[] |= . + 1 | [first, last, length]') | first }}", {}), '[2,100001,100000]'),
      );
      within(3_000, () =>
        assert.equal(render("{{ range(1, 100000) | jq('del(.[] | select(. % 2 == 0)) | [first, last, length]') | first }}", {}), '[1,99999,50000]'),
      );
      // An update that reads a value it already changed still sees the values, not a shared copy.
      assert.equal(
        render(`{{ {"a": {"b": 1}} | jq('(.a.b, .a) |= (if type == "object" then [., .] else . + 1 end)') | first }}`, {}),
        '{"a":[{"b":2},{"b":2}]}',
      );
    });

    it('jq over 2.6 MB of task output (30,000 records) runs; sha512 of 1 MB is refused before hashing', () => {
      const rows = Array.from({ length: 30_000 }, (_, i) => ({
        id: i,
        name: `name ${i}`,
        city: `Some City ${i % 100}`,
        amount: i * 1.5,
        tags: ['a', 'b'],
      }));
      const body = JSON.stringify(rows);
      assert.equal(render("{{ body | jq('[.[] | select(.amount > 100) | .name] | length') | first }}", { body }), '29933');
      assert.equal(render("{{ body | jq('map({id, city}) | group_by(.city) | length') | first }}", { body }), '100');
      assert.equal(render('{{ body | sha256 | length }}', { body: body.slice(0, 500_000) }), '64');
      within(1_000, () =>
        assert.match(failure('{{ body | sha512 }}', { body: 'a'.repeat(1_000_000) }), /^the expression needs more than 20,000,000 evaluation steps/),
      );
    });

    it('a value sharing one list many times is as big as its copy: printing it stops at the limit', () => {
      const doubling = "{{ 1 | jq('reduce range(0; 60) as $i (.; [., .])') }}";
      within(5_000, () => assert.match(failure(doubling), /needs more than 20,000,000 evaluation steps/));
      within(5_000, () => assert.throws(() => renderTyped(doubling, {}), /needs more than 20,000,000 evaluation steps/));
      assert.equal(render("{{ 1 | jq('reduce range(0; 10) as $i (.; [., .])') | first | jq('[.. | numbers] | length') | first }}", {}), '1024');
    });
  });

  describe('sizes', () => {
    it('range: 1,000,000 items are built, 1,000,001 or an infinite range are refused before', () => {
      assert.equal(render('{{ range(1, 1000000) | length }}', {}), '1000000');
      assert.equal(
        failure('{{ range(0, 1000000) | length }}'),
        'range(0, 1000000) would have 1,000,001 items, more than the limit of 1,000,000 in the expression `{{ range(0, 1000000) | length }}` at line 1, column 4',
      );
      assert.equal(
        failure('{{ range(0, 1.0/0) | length }}'),
        'range(0, Infinity) would have infinitely many items, more than the limit of 1,000,000 in the expression `{{ range(0, 1.0/0) | length }}` at line 1, column 4',
      );
      assert.match(failure('{{ (0..(1.0/0)) | length }}'), /^range\(0, Infinity\) would have infinitely many items/);
      assert.equal(render('{{ range(1, 1.0/0, -1) | length }}', {}), '0');
    });

    it('ForEach-sized ranges still work: range(1, 100000) as typed values', () => {
      const values = renderTyped('{{ range(1, 100000) }}', {}) as number[];
      assert.equal(values.length, 100_000);
      assert.deepEqual([values[0], values[99_999]], [1, 100_000]);
    });

    it('jq: setting index 999,999 pads the array; index 1,000,000 or 300,000,000 is refused before padding', () => {
      assert.equal(render("{{ [] | jq('.[999999] = 1 | length') | first }}", {}), '1000000');
      assert.equal(
        failure("{{ [] | jq('.[300000000] = 1') }}"),
        "jq expression '.[300000000] = 1': setting index 300000000 gives an array that would have 300,000,001 items, more than the limit of 1,000,000 in the expression `{{ [] | jq('.[300000000] = 1') }}` at line 1, column 9",
      );
      assert.match(failure("{{ [] | jq('.[1000000] = 1') }}"), /would have 1,000,001 items, more than the limit of 1,000,000/);
      // `try` inside the program cannot swallow a budget.
      assert.match(failure("{{ [] | jq('try (.[300000000] = 1) catch 0') }}"), /would have 300,000,001 items/);
    });

    it('jq: a string repeated or arrays doubled beyond the limits', () => {
      assert.equal(render(`{{ 1 | jq('"ab" * 5000000 | length') | first }}`, {}), '10000000');
      assert.match(
        failure(`{{ 1 | jq('"ab" * 5000001 | length') }}`),
        /a string would have 10,000,002 characters, more than the limit of 10,000,000/,
      );
      assert.match(
        failure("{{ [1] | jq('reduce range(0; 30) as $i (.; . + .) | length') }}"),
        /an array would have 1,048,576 items, more than the limit of 1,000,000/,
      );
    });

    it('strings: 10,000,000 characters are built, one more is refused', () => {
      const context = { half: 'x'.repeat(5_000_000), rest: 'y'.repeat(4_999_999) };
      assert.equal(render('{{ (half ~ rest ~ "z") | length }}', context), '10000000');
      assert.equal(
        failure('{{ (half ~ rest ~ "zz") | length }}', context),
        'a string would have 10,000,001 characters, more than the limit of 10,000,000 in the expression `{{ (half ~ rest ~ "zz") | length }}` at line 1, column 17',
      );
      assert.match(
        failure('{% set x = "aaaaaaaaaa" %}{% for i in range(1, 40) %}{% set x = x ~ x %}{% endfor %}{{ x | length }}'),
        /^a string would have 10,485,760 characters/,
      );
      assert.match(failure("{{ 'x' | indent(500000000) }}"), /^the indentation of 'indent' would have 500,000,000 characters/);
      assert.match(failure("{{ [x, x, x] | join(',') }}", { x: 'x'.repeat(4_000_000) }), /^the result of 'join' would have 12,000,002 characters/);
    });

    it('the rendered text: 10,000,000 characters print, one more is refused', () => {
      const context = { x: 'x'.repeat(5_000_000) };
      assert.equal(render('{{ x }}{{ x }}', context).length, 10_000_000);
      assert.match(failure('{{ x }}{{ x }}!', context), /^the rendered text would have 10,000,001 characters, more than the limit of 10,000,000/);
    });
  });

  describe('no quadratic built-in regexes on flow data', () => {
    it('whitespace control, raw blocks, trim, number and base64decode stay linear', () => {
      const spaces = ' '.repeat(200_000);
      within(2_000, () => assert.equal(render(`a${spaces}b{{- 1 }}`, {}), `a${spaces}b1`));
      within(2_000, () => assert.equal(render('{{ x }}', { x: '{% raw %}'.repeat(100_000) }).length, 900_000));
      assert.equal(render('{% raw %}{{ a }}{% endraw %} and {% raw %}b{% endraw %}', {}), '{{ a }} and b');
      within(2_000, () => assert.equal(render('{{ x | trim | length }}', { x: `a${spaces}b` }), '200002'));
      within(2_000, () => assert.match(failure('{{ x | number }}', { x: `${'1'.repeat(200_000)}x` }), /is not a valid number/));
      within(2_000, () =>
        assert.equal(render('{{ x | jq(\'try tonumber catch "no"\') | first }}', { x: JSON.stringify(`${'1'.repeat(200_000)}x`) }), 'no'),
      );
      within(2_000, () => assert.throws(() => render('{{ x | base64decode }}', { x: `${'='.repeat(200_000)}x` })));
    });
  });
});

describe('flow regexes on RE2', () => {
  const CATASTROPHIC = '([a-zA-Z0-9]+)*@example\\.com';
  const input = (spec: Partial<InputSpec> & Pick<InputSpec, 'id' | 'type'>): InputSpec => ({ required: true, ...spec });

  it('a catastrophic input validator answers at once, with Kestra message', () => {
    const { problems } = within(1_000, () =>
      resolveInputs([input({ id: 'email', type: 'STRING', validator: CATASTROPHIC })], { email: `${'a'.repeat(40)}!` }),
    );
    assert.deepEqual(problems, [
      {
        inputId: 'email',
        message: `Invalid input for \`email\`, it must match the pattern \`${CATASTROPHIC}\`, but received \`${'a'.repeat(40)}!\``,
      },
    ]);
    assert.deepEqual(resolveInputs([input({ id: 'email', type: 'STRING', validator: CATASTROPHIC })], { email: 'ada@example.com' }).problems, []);
  });

  it('an EMAIL input is checked in linear time (its regex backtracked quadratically on dots)', () => {
    const email = (value: string) => resolveInputs([input({ id: 'e', type: 'EMAIL' })], { e: value }).problems.map((p) => p.message);
    assert.deepEqual(email('ada@example.com'), []);
    assert.deepEqual(email('ada@example'), ['Invalid input for `e`, The input must be a valid email, but received `ada@example`']);
    within(1_000, () => assert.equal(email(`a@${'.'.repeat(200_000)} `).length, 1));
  });

  it('a validator RE2 cannot run, in a flow deployed before, makes the input invalid with the reason', () => {
    const { problems } = resolveInputs([input({ id: 'word', type: 'STRING', validator: '(a)\\1' })], { word: 'aa' });
    assert.match(
      problems[0].message,
      /^Invalid input for `word`, its validator is unusable: invalid pattern \[\(a\)\\1\]: the pattern needs a feature the linear-time regex engine \(RE2\) lacks/,
    );
  });

  it('split, replace(regexp=true) and jq test keep their semantics and run in linear time', () => {
    assert.equal(render("{{ 'a,b,,c,,' | split(',') }}", {}), '["a","b","","c"]');
    assert.equal(render("{{ 'a1b22' | replace({'([0-9]+)': '<$1>'}, regexp=true) }}", {}), 'a<1>b<22>');
    assert.equal(render("{{ 'price' | replace({'p': '\\\\$'}, regexp=true) }}", {}), '$rice');
    assert.equal(render(`{{ '"Ab"' | jq('test("^a"; "i"), test("^a")') }}`, {}), '[true,false]');
    const text = 'a'.repeat(50_000);
    within(2_000, () => assert.equal(render("{{ x | split('(a+)+b') | length }}", { x: text }), '1'));
    within(2_000, () =>
      assert.equal(render(`{{ x | replace({'${CATASTROPHIC.replace(/\\/g, '\\\\')}': 'y'}, regexp=true) | length }}`, { x: `${text}!` }), '50001'),
    );
    within(2_000, () => assert.equal(render(`{{ x | jq('test("(a+)+b")') | first }}`, { x: JSON.stringify(text) }), 'false'));
  });

  it('patterns RE2 lacks fail the expression with a message saying so', () => {
    assert.match(
      failure("{{ 'aa' | split('(a)\\\\1') }}"),
      /^invalid pattern \[\(a\)\\1\]: the pattern needs a feature the linear-time regex engine \(RE2\) lacks: backreferences, lookahead\/lookbehind/,
    );
    assert.match(failure(`{{ '"a"' | jq('test("a(?=b)")') }}`), /cannot be matched: invalid pattern \[a\(\?=b\)\]: the pattern needs a feature/);
    assert.match(failure("{{ 'a' | split('[') }}"), /^invalid pattern \[\[\]: the pattern is not a valid regular expression \(missing closing \]/);
  });

  it('validation refuses them where the pattern is written: validators, split, replace, jq test, Flow trigger conditions', () => {
    const { diagnostics } = compileFlow(`id: patterns
namespace: tests.regex
inputs:
  - id: word
    type: STRING
    validator: "(?<!x)a"
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.word | split('a++') }} {{ inputs.word | replace({'(a)\\\\\\\\1': 'b'}, regexp=true) }} {{ inputs.word | replace({'(a)\\\\\\\\1': 'b'}) }} {{ '{}' | jq('test(\\"(?=a)\\")') }}"
triggers:
  - id: upstream
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      where:
        - id: by_name
          filters:
            - field: FLOW_ID
              type: REGEX
              value: "(?!x)y"
`);
    const messages = diagnostics.map((d) => `${d.path}: ${d.message}`);
    const lacks = 'the pattern needs a feature the linear-time regex engine (RE2) lacks';
    assert.equal(messages.length, 5, messages.join('\n'));
    assert.ok(messages[0].startsWith(`inputs[0].validator: invalid pattern [(?<!x)a]: ${lacks}`), messages[0]);
    assert.ok(messages[1].startsWith(`tasks[0].message: invalid pattern [a++]: ${lacks}`), messages[1]);
    assert.ok(messages[2].startsWith(`tasks[0].message: invalid pattern [(a)\\1]: ${lacks}`), messages[2]);
    assert.ok(messages[3].startsWith(`tasks[0].message: jq expression 'test("(?=a)")': invalid pattern [(?=a)]: ${lacks}`), messages[3]);
    assert.ok(messages[4].startsWith(`triggers[0].preconditions.where[0].filters[0].value: invalid pattern [(?!x)y]: ${lacks}`), messages[4]);
  });
});
