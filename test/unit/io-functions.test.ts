import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSecrets, renderDeferredProperties } from '../../src/activities/io-rendering';
import { toKvValue } from '../../src/plugins/core/kv/value';
import type { TflowConfig } from '../../src/config';
import { contextReferencedBy, renderAttemptProperties, renderRunnableTaskProperties } from '../../src/workflow/interpreter/io-functions';
import type { InternalStorage } from '../../src/storage';

const context = { flow: { id: 'f', namespace: 'ns' }, vars: { url: "https://{{ secret('HOST') }}/x" }, inputs: { n: 2 } };

describe('I/O functions: what the workflow renders and what it defers', () => {
  it('renders properties without I/O calls and defers the others, as written', () => {
    const rendered = renderRunnableTaskProperties(
      'io.kestra.plugin.scripts.shell.Commands',
      {
        commands: ['echo {{ inputs.n }}'],
        env: { TOKEN: "{{ secret('TOKEN') }}", PLAIN: '{{ flow.id }}' },
        url: '{{ render(vars.url) }}',
        named: "{{ kv('k', errorOnMissing=false) | upper }}",
      },
      context,
    );
    assert.deepEqual(rendered.properties, { commands: ['echo 2'] });
    assert.deepEqual(Object.keys(rendered.deferred?.properties ?? {}), ['env', 'url', 'named']);
    // Only the variables the deferred properties mention travel to the activity (`inputs` stays behind).
    assert.deepEqual(rendered.deferred?.context, { flow: context.flow, vars: context.vars });
    assert.equal(rendered.deferred?.callsIo, true);
  });

  it('a deferred property carries only the variables its expressions mention', () => {
    const big = {
      flow: { id: 'f', namespace: 'ns' },
      taskrun: { attemptsCount: 0 },
      inputs: { a: 1, b: 2 },
      vars: { q: '{{ outputs.one.value }}' },
      outputs: { one: { value: 1 }, two: { value: 'x'.repeat(1000) }, three: { uri: 'u' } },
    };
    assert.deepEqual(contextReferencedBy({ p: "{{ read(outputs.three.uri) }} {% if inputs.a %}{{ kv('k') }}{% endif %}" }, big), {
      flow: big.flow,
      taskrun: big.taskrun,
      inputs: { a: 1 },
      outputs: { three: { uri: 'u' } },
    });
    // render(vars.q) renders a flow variable: what the variables mention comes along.
    assert.deepEqual(contextReferencedBy({ p: '{{ kv(render(vars.q)) }}' }, big).outputs, { one: { value: 1 } });
    // A computed key, or render() of something else, keeps the whole root or the whole context.
    assert.deepEqual(contextReferencedBy({ p: '{{ kv(outputs[inputs.b]) }}' }, big).outputs, big.outputs);
    assert.equal(contextReferencedBy({ p: '{{ kv(render(outputs.one.value)) }}' }, big), big);
  });

  it('defers nothing (and keeps the old invocation shape) when no I/O function is called', () => {
    assert.deepEqual(renderRunnableTaskProperties('x', { a: '{{ inputs.n + 1 }}', b: 3 }, context), { properties: { a: '3', b: 3 } });
  });

  it('still fails in the workflow on errors unrelated to I/O', () => {
    assert.throws(() => renderRunnableTaskProperties('x', { a: '{{ nope }}' }, context), /Unable to find `nope`/);
  });

  it('renders kv.Set value typed', () => {
    assert.deepEqual(renderRunnableTaskProperties('io.kestra.plugin.core.kv.Set', { key: 'k', value: '{{ [1, 2] }}' }, context).properties, {
      key: 'k',
      value: [1, 2],
    });
  });

  it('renders deferred properties in the activity with secrets from SECRET_<KEY> (base64) and collects them', async () => {
    const env = { SECRET_TOKEN: Buffer.from('t0k3n').toString('base64'), SECRET_HOST: Buffer.from('example.org').toString('base64') };
    const services = { config: { databaseUrl: 'postgres://unused' } as TflowConfig, storage: {} as InternalStorage };
    const result = await renderDeferredProperties(
      { type: 'x', namespace: 'ns' },
      { properties: { env: { TOKEN: "{{ secret('token') }}" }, url: '{{ render(vars.url) }}' }, context, callsIo: true },
      services,
      env,
    );
    assert.deepEqual(result.properties, { env: { TOKEN: 't0k3n' }, url: 'https://example.org/x' });
    assert.deepEqual(result.secrets.sort(), ['example.org', 't0k3n']);
    await assert.rejects(
      renderDeferredProperties(
        { type: 'x', namespace: 'ns' },
        { properties: { a: "{{ secret('MISSING') }}" }, context, callsIo: true },
        services,
        env,
      ),
      /Cannot find secret for key 'MISSING'/,
    );
  });

  it('masks secrets deep in values, longest first', () => {
    assert.deepEqual(maskSecrets({ a: ['x abc y', 'abcd'], abc: 1, n: 2 }, ['abc', 'abcd']), {
      a: ['x ******** y', '********'],
      '********': 1,
      n: 2,
    });
    assert.equal(maskSecrets('nothing to hide', []), 'nothing to hide');
  });
});

describe('taskrun.attemptsCount: deferred so that each retry renders its own count', () => {
  const taskContext = { ...context, vars: { counted: 'try {{ taskrun.attemptsCount }}' }, taskrun: { id: 'tr1', attemptsCount: 0 } };
  const fail = 'io.kestra.plugin.core.execution.Fail';

  it('defers the properties that read it (directly, in a condition or through render()), without I/O', () => {
    const rendered = renderRunnableTaskProperties(
      fail,
      {
        condition: '{{ taskrun.attemptsCount < 2 }}',
        errorMessage: 'attempt {{ taskrun.id }}',
        viaRender: '{{ render(vars.counted) }}',
        inBranch: '{% if inputs.n > 1 %}{{ taskrun.attemptsCount }}{% endif %}',
      },
      taskContext,
    );
    assert.deepEqual(rendered.properties, { errorMessage: 'attempt tr1' });
    assert.deepEqual(Object.keys(rendered.deferred?.properties ?? {}), ['condition', 'viaRender', 'inBranch']);
    assert.equal(rendered.deferred?.properties.condition, '{{ taskrun.attemptsCount < 2 }}');
    assert.equal(rendered.deferred?.callsIo, false);
  });

  it('does not defer a template that mentions it only where it is not evaluated', () => {
    const rendered = renderRunnableTaskProperties(
      fail,
      { condition: '{% if inputs.n > 5 %}{{ taskrun.attemptsCount }}{% endif %}false' },
      taskContext,
    );
    assert.deepEqual(rendered, { properties: { condition: 'false' } });
  });

  it('marks the deferral as calling I/O when one property also calls kv()', () => {
    const rendered = renderRunnableTaskProperties(fail, { condition: '{{ taskrun.attemptsCount > 0 }}', errorMessage: "{{ kv('m') }}" }, taskContext);
    assert.deepEqual(Object.keys(rendered.deferred?.properties ?? {}), ['condition', 'errorMessage']);
    assert.equal(rendered.deferred?.callsIo, true);
  });

  it('renders deferred properties with the count of previous attempts (0 on the first, 2 on the third)', async () => {
    const { deferred } = renderRunnableTaskProperties(
      fail,
      { condition: '{{ taskrun.attemptsCount < 2 }}', errorMessage: '{{ render(vars.counted) }}' },
      taskContext,
    );
    assert.ok(deferred);
    assert.deepEqual(renderAttemptProperties(fail, deferred, 1), { condition: 'true', errorMessage: 'try 0' });
    assert.deepEqual(renderAttemptProperties(fail, deferred, 3), { condition: 'false', errorMessage: 'try 2' });
    const services = { config: { databaseUrl: 'postgres://unused' } as TflowConfig, storage: {} as InternalStorage };
    const inActivity = await renderDeferredProperties({ type: fail, namespace: 'ns', attempt: 2 }, deferred, services, {});
    assert.deepEqual(inActivity.properties, { condition: 'true', errorMessage: 'try 1' });
  });
});

describe("kv.Set's kvType conversions", () => {
  const cases: [unknown, Parameters<typeof toKvValue>[1], unknown][] = [
    ['zoomcamp', 'STRING', { type: 'STRING', value: 'zoomcamp' }],
    [42, undefined, { type: 'NUMBER', value: 42 }],
    ['42.5', 'NUMBER', { type: 'NUMBER', value: 42.5 }],
    ['TRUE', 'BOOLEAN', { type: 'BOOLEAN', value: true }],
    ['{"a": [1]}', 'JSON', { type: 'JSON', value: { a: [1] } }],
    [['a'], undefined, { type: 'JSON', value: ['a'] }],
    ['2024-01-02T03:04:05+01:00', 'DATETIME', { type: 'DATETIME', value: '2024-01-02T02:04:05.000Z' }],
    ['2024-01-02', 'DATE', { type: 'DATE', value: '2024-01-02' }],
    ['PT90S', 'DURATION', { type: 'DURATION', value: 'PT1M30S' }],
    [{ a: 1 }, 'STRING', { type: 'STRING', value: '{"a":1}' }],
  ];
  for (const [value, kvType, expected] of cases) {
    it(`${JSON.stringify(value)} as ${kvType ?? '(inferred)'}`, () => assert.deepEqual(toKvValue(value, kvType), expected));
  }
  it('refuses values that do not convert', () => {
    assert.throws(() => toKvValue('abc', 'NUMBER'), /not a number/);
    assert.throws(() => toKvValue('yes', 'BOOLEAN'), /neither true nor false/);
    assert.throws(() => toKvValue('{', 'JSON'), /not valid JSON/);
  });
});
