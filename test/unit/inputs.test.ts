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
