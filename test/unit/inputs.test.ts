import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InputSpec } from '../../src/workflow/flow/spec';
import { resolveInputs } from '../../src/workflow/flow/inputs';

const input = (spec: Partial<InputSpec> & Pick<InputSpec, 'id' | 'type'>): InputSpec => ({ required: true, ...spec });

describe('inputs', () => {
  it('uses the given value, else the default', () => {
    const specs = [input({ id: 'name', type: 'STRING', defaults: 'Will' })];
    assert.deepEqual(resolveInputs(specs, {}).inputs, { name: 'Will' });
    assert.deepEqual(resolveInputs(specs, { name: 'Ada' }).inputs, { name: 'Ada' });
  });

  it('refuses a missing required input with Kestra’s message', () => {
    const { problems } = resolveInputs([input({ id: 'name', type: 'STRING' })], {});
    assert.deepEqual(problems, [{ inputId: 'name', message: 'Invalid input for `name`, missing required input, but received `null`' }]);
  });

  it('keeps an optional input without value as null', () => {
    assert.deepEqual(resolveInputs([input({ id: 'x', type: 'STRING', required: false })], {}).inputs, { x: null });
  });

  it('parses typed values and checks bounds', () => {
    const specs = [input({ id: 'n', type: 'INT', min: 10 }), input({ id: 'f', type: 'FLOAT' }), input({ id: 'b', type: 'BOOLEAN' })];
    assert.deepEqual(resolveInputs(specs, { n: '12', f: '1.5', b: 'TRUE' }).inputs, { n: 12, f: 1.5, b: true });
    assert.equal(
      resolveInputs(specs, { n: '9', f: '1', b: 'x' }).problems[0].message,
      'Invalid input for `n`, it must be more than `10`, but received `9`',
    );
  });

  it('checks SELECT values', () => {
    const specs = [input({ id: 'taxi', type: 'SELECT', values: ['yellow', 'green'], defaults: 'yellow' })];
    assert.deepEqual(resolveInputs(specs, { taxi: 'green' }).inputs, { taxi: 'green' });
    assert.equal(
      resolveInputs(specs, { taxi: 'blue' }).problems[0].message,
      'Invalid input for `taxi`, it must match the values `[yellow, green]`, but received `blue`',
    );
  });

  it('checks a STRING validator against the whole value', () => {
    const specs = [input({ id: 'code', type: 'STRING', validator: '[A-Z]+' })];
    assert.equal(resolveInputs(specs, { code: 'ABC' }).problems.length, 0);
    assert.match(resolveInputs(specs, { code: 'ABc' }).problems[0].message, /must match the pattern `\[A-Z\]\+`/);
  });

  it('nests dotted input ids', () => {
    assert.deepEqual(resolveInputs([input({ id: 'a.b', type: 'INT' })], { 'a.b': '1' }).inputs, { a: { b: 1 } });
  });
});

describe('FILE inputs (storage scope)', () => {
  const specs: InputSpec[] = [{ id: 'f', type: 'FILE', required: true }];
  const fileScope = { namespace: 'company.team', flowId: 'taxi', executionId: 'e1' };
  const problem = (value: string) => resolveInputs(specs, { f: value }, {}, { fileScope }).problems.map((p) => p.message);

  it("accepts the execution's own uploads and its namespace's files", () => {
    assert.deepEqual(problem('kestra:///company/team/taxi/executions/e1/inputs/f/data.csv'), []);
    assert.deepEqual(problem('kestra:///company/team/_files/data.csv'), []);
  });

  it('refuses file://, another namespace, another execution, and escapes, naming the URI', () => {
    assert.deepEqual(problem('file:///etc/hostname'), [
      'Invalid input for `f`, expected a file uploaded with the execution (multipart) or a kestra:// URI it may read, but received `file:///etc/hostname`',
    ]);
    assert.match(
      problem('kestra:///other/ns/flow/executions/x/inputs/f/a.csv')[0],
      /^Invalid input for `f`, Access denied to file kestra:\/\/\/other\/ns\/flow\/executions\/x\/inputs\/f\/a.csv: execution e1 may only read its own files/,
    );
    assert.match(problem('kestra:///company/team/taxi/executions/e2/inputs/f/a.csv')[0], /Access denied/);
    assert.match(problem('kestra:///company/team/taxi/executions/e1/%2e%2e/%2e%2e/x')[0], /Invalid internal-storage URI/);
  });

  it("a child may get its parent's files (Subflow), which are not its own namespace's", () => {
    const child = { namespace: 'other.ns', flowId: 'child', parent: { namespace: 'company.team', flowId: 'taxi', executionId: 'e1' } };
    assert.deepEqual(
      resolveInputs(specs, { f: 'kestra:///company/team/taxi/executions/e1/tasks/t/r/out.csv' }, {}, { fileScope: child }).problems,
      [],
    );
    assert.equal(
      resolveInputs(specs, { f: 'kestra:///company/team/taxi/executions/e9/tasks/t/r/out.csv' }, {}, { fileScope: child }).problems.length,
      1,
    );
  });
});

describe('input range rules (Kestra: bounds inclusive, its messages)', () => {
  const specs = [
    input({ id: 'day', type: 'DATE', after: '2024-01-01', before: '2024-12-31', required: false }),
    input({ id: 'at', type: 'DATETIME', after: '2024-01-01T00:00:00Z', before: '2024-01-02T00:00:00Z', required: false }),
    input({ id: 'time', type: 'TIME', after: '08:00', before: '18:00:00', required: false }),
    input({ id: 'wait', type: 'DURATION', min: 'PT1M', max: 'PT1H', required: false }),
  ];
  const messages = (given: Record<string, unknown>, options = {}) => resolveInputs(specs, given, {}, options).problems.map((p) => p.message);

  it('accepts values inside the range, its ends included', () => {
    assert.deepEqual(messages({ day: '2024-01-01', at: '2024-01-02T00:00:00Z', time: '18:00', wait: 'PT1M' }), []);
    assert.deepEqual(messages({ day: '2024-06-15', at: '2024-01-01T12:00:00+02:00', time: '12:30:15', wait: 'PT30M' }), []);
  });

  it('refuses values outside it', () => {
    assert.deepEqual(messages({ day: '2023-12-31', at: '2024-01-02T00:00:01Z', time: '07:59:59', wait: 'PT2H' }), [
      'Invalid input for `day`, it must be after `2024-01-01`, but received `2023-12-31`',
      'Invalid input for `at`, it must be before `2024-01-02T00:00:00Z`, but received `2024-01-02T00:00:01Z`',
      'Invalid input for `time`, it must be after `08:00`, but received `07:59:59`',
      'Invalid input for `wait`, It must be less than `PT1H`, but received `PT2H`',
    ]);
    assert.deepEqual(messages({ day: '2025-01-01', wait: 'PT30S' }), [
      'Invalid input for `day`, it must be before `2024-12-31`, but received `2025-01-01`',
      'Invalid input for `wait`, It must be more than `PT1M`, but received `PT30S`',
    ]);
  });

  it('asks rangeRulesApply only for an out-of-range value; false lets it pass (executions recorded before the rules)', () => {
    let asked = 0;
    const rangeRulesApply = () => (asked++, false);
    assert.deepEqual(messages({ day: '2024-06-15', wait: 'PT5M' }, { rangeRulesApply }), []);
    assert.equal(asked, 0);
    assert.deepEqual(messages({ day: '2020-01-01', wait: 'PT5H' }, { rangeRulesApply }), []);
    assert.equal(asked, 2);
  });
});

describe('SECRET inputs', () => {
  const specs = [input({ id: 'password', type: 'SECRET', validator: '^[a-z0-9]{6,}$' })];

  it('keeps a valid value, and never shows one in a refusal', () => {
    assert.deepEqual(resolveInputs(specs, { password: 'hunter22' }).inputs, { password: 'hunter22' });
    assert.deepEqual(
      resolveInputs(specs, { password: 'Short' }).problems.map((p) => p.message),
      ['Invalid input for `password`, it must match the pattern `^[a-z0-9]{6,}$`, but received `********`'],
    );
  });

  it('passes a sealed value on as it is, also as the JSON text a Subflow renders it to', () => {
    const sealed = { type: 'io.kestra.datatype:aes_encrypted', value: 'AAAA' };
    assert.deepEqual(resolveInputs(specs, { password: sealed }).inputs, { password: sealed });
    assert.deepEqual(resolveInputs(specs, { password: JSON.stringify(sealed) }).inputs, { password: sealed });
  });
});
