/**
 * Expressions, jq programs and regexes written in flows, against a real `tflow server` process (API
 * and worker in one event loop): what used to abort the process (a jq assignment padding an array
 * to 300 million items, an infinite `range`), block it (a catastrophic regex in an input
 * validator) or answer 500 (an expression nested 20,000 deep) is now a clear error: a validation
 * constraint, a 422, an invalid input, or the task FAILED with a message naming it. The process
 * stays up and `/health` answers within a second.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { purgeNamespace } from '../helpers/flow-store';
import { ServerProcess } from '../helpers/server-process';

const JQ_BOMB = "{{ [] | jq('.[300000000] = 1') }}";
const RANGE_BOMB = '{{ range(0, 1.0/0) | length }}';
const CATASTROPHIC = '([a-zA-Z0-9]+)*@example\\.com';

interface TaskRunJson {
  taskId: string;
  state: { current: string };
  outputs: Record<string, unknown> | null;
  error?: string;
}
/** The problems of a 422 answer, as `path: message` lines. */
function problems(body: unknown): string[] {
  const errors = (body as { _embedded?: { errors?: Array<{ path: string; message: string }> } })._embedded?.errors ?? [];
  return errors.map((e) => `${e.path}: ${e.message}`);
}

interface ExecutionJson {
  state: { current: string };
  taskRunList: TaskRunJson[];
  error?: string;
}

describe('expressions written in flows cannot take tflow server down', { timeout: 300_000 }, () => {
  const namespace = `tflow.test.sec_expr${randomBytes(3).toString('hex')}`;
  let server: ServerProcess;

  before(async () => {
    server = await ServerProcess.start({ env: { TFLOW_BASIC_AUTH: '' } });
  });
  after(async () => {
    await server?.stop();
    await purgeNamespace(namespace);
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  const postYaml = (path: string, yaml: string) => api(path, { method: 'POST', headers: { 'content-type': 'application/x-yaml' }, body: yaml });

  /** The flow with a Schedule whose input default is `expression` (`/flows/validate` renders it). */
  const scheduledWithDefault = (id: string, expression: string) => `id: ${id}
namespace: ${namespace}
inputs:
  - id: value
    type: STRING
    defaults: ${JSON.stringify(expression)}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.value }}"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
`;

  /** Sends a request, then checks the process is alive and `/health` answers within a second. */
  async function answeredAndAlive(request: () => Promise<Response>, withinMs: number): Promise<{ status: number; body: unknown }> {
    const started = Date.now();
    const response = await request();
    const body = (await response.json()) as unknown;
    const took = Date.now() - started;
    assert.ok(took < withinMs, `answered in ${took} ms, more than ${withinMs} ms`);
    assert.ok(server.running, `tflow server exited: ${server.stderr.slice(-2000)}`);
    const health = await server.health(1_000);
    assert.ok(health !== undefined, '/health did not answer within 1 s');
    return { status: response.status, body };
  }

  async function validate(yaml: string): Promise<string> {
    const { status, body } = await answeredAndAlive(() => postYaml('/flows/validate', yaml), 5_000);
    assert.equal(status, 200);
    const [result] = body as Array<{ constraints?: string }>;
    return result.constraints ?? '';
  }

  it("case 5: /flows/validate of a Schedule whose input default is `[] | jq('.[300000000] = 1')` answers a constraint", async () => {
    const constraints = await validate(scheduledWithDefault('jq_bomb', JQ_BOMB));
    assert.match(
      constraints,
      /triggers\[0\]\.inputs: Invalid input for `value`, .*setting index 300000000 gives an array that would have 300,000,001 items, more than the limit of 1,000,000/,
    );
  });

  it('case 6: /flows/validate of a Schedule whose input default is `range(0, 1.0/0)` answers a constraint', async () => {
    const constraints = await validate(scheduledWithDefault('range_bomb', RANGE_BOMB));
    assert.match(constraints, /range\(0, Infinity\) would have infinitely many items, more than the limit of 1,000,000/);
  });

  it('case 7: a catastrophic input validator checks 40 `a` and `!` at once, /health answering meanwhile', async () => {
    const deployed = await postYaml(
      '/flows',
      `id: validated
namespace: ${namespace}
inputs:
  - id: email
    type: STRING
    validator: ${JSON.stringify(CATASTROPHIC)}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.email }}"
`,
    );
    assert.equal(deployed.status, 200, await deployed.text());
    const form = new FormData();
    form.append('email', `${'a'.repeat(40)}!`);
    const started = Date.now();
    const pending = api(`/executions/${namespace}/validated`, { method: 'POST', body: form });
    const health = await server.health(1_000);
    const response = await pending;
    const took = Date.now() - started;
    assert.ok(health !== undefined, '/health did not answer within 1 s while the input was checked');
    assert.ok(took < 3_000, `answered in ${took} ms`);
    assert.equal(response.status, 422);
    assert.deepEqual(problems(await response.json()), [
      `inputs.email: Invalid input for \`email\`, it must match the pattern \`${CATASTROPHIC}\`, but received \`${'a'.repeat(40)}!\``,
    ]);
    assert.ok(server.running);
  });

  it('case 16: a flow with an expression nested 20,000 deep answers 422 with a message', async () => {
    const deep = `{{ ${'('.repeat(20_000)}1${')'.repeat(20_000)} }}`;
    const { status, body } = await answeredAndAlive(
      () =>
        postYaml(
          '/flows',
          `id: deep
namespace: ${namespace}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "${deep}"
`,
        ),
      5_000,
    );
    assert.equal(status, 422);
    const [problem] = problems(body);
    assert.match(problem, /^tasks\[0\]\.message: the expression is nested more than 100 levels deep in the expression `\{\{ \(\(\(/);
  });

  it('a regex a flow author may not use (backreference) is refused when the flow is deployed', async () => {
    const { status, body } = await answeredAndAlive(
      () =>
        postYaml(
          '/flows',
          `id: backreference
namespace: ${namespace}
inputs:
  - id: word
    type: STRING
    validator: "(a)\\\\1"
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.word | split('(?=,)') }}"
`,
        ),
      5_000,
    );
    assert.equal(status, 422);
    const [validator, split] = problems(body);
    const lacks = 'the pattern needs a feature the linear-time regex engine (RE2) lacks';
    assert.ok(validator.startsWith(`inputs[0].validator: invalid pattern [(a)\\1]: ${lacks}`), validator);
    assert.ok(split.startsWith(`tasks[0].message: invalid pattern [(?=,)]: ${lacks}`), split);
    assert.match(split, /in the expression `\{\{ inputs\.word \| split\('\(\?=,\)'\) \}\}` at line 1, column 24$/);
  });

  it('the same bombs as task properties fail their task with a message naming it; the worker carries on', async () => {
    const deployed = await postYaml(
      '/flows',
      `id: bombs
namespace: ${namespace}
inputs:
  - id: text
    type: STRING
    defaults: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!
tasks:
  - id: regexes
    type: io.kestra.plugin.core.output.OutputValues
    values:
      replaced: "{{ inputs.text | replace({'${CATASTROPHIC.replace(/\\/g, '\\\\')}': 'x', '(a|aa)+$': 'y'}, regexp=true) }}"
      parts: "{{ inputs.text | split('(a+)+b') | length }}"
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: jq_bomb
        type: io.kestra.plugin.core.log.Log
        message: ${JSON.stringify(JQ_BOMB)}
      - id: range_bomb
        type: io.kestra.plugin.core.log.Log
        message: ${JSON.stringify(RANGE_BOMB)}
`,
    );
    assert.equal(deployed.status, 200, await deployed.text());
    const { status, body } = await answeredAndAlive(
      () => api(`/executions/${namespace}/bombs?wait=true`, { method: 'POST', body: new FormData() }),
      60_000,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const execution = body as ExecutionJson;
    const run = (taskId: string) => execution.taskRunList.find((r) => r.taskId === taskId);
    assert.equal(execution.state.current, 'FAILED');
    assert.equal(run('regexes')?.state.current, 'SUCCESS');
    assert.deepEqual(run('regexes')?.outputs, { values: { replaced: `${'a'.repeat(40)}!`, parts: '1' } });
    assert.equal(run('jq_bomb')?.state.current, 'FAILED');
    assert.equal(run('range_bomb')?.state.current, 'FAILED');
    assert.match(
      run('jq_bomb')?.error ?? '',
      /^property 'message': jq expression '\.\[300000000\] = 1': setting index 300000000 gives an array that would have 300,000,001 items, more than the limit of 1,000,000 in the expression/,
    );
    assert.match(
      run('range_bomb')?.error ?? '',
      /^property 'message': range\(0, Infinity\) would have infinitely many items, more than the limit of 1,000,000 in the expression/,
    );
    assert.match(execution.error ?? '', /^Task (jq_bomb|range_bomb) failed: property 'message': /);
  });
});
