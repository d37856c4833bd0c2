/**
 * A burst over the REST API (issue 20): 1,000 executions created 100 requests at a time all end
 * SUCCESS, once each, as the API's own search (paged) and execution pages show them. No timing is
 * asserted: the rate is bench/burst.ts's row.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/server';
import { purgeNamespace } from '../helpers/flow-store';
import { startTemporalFixture, type TemporalFixture } from '../helpers/temporal';

const CREDENTIALS = 'burst:burst';
const AUTH = { authorization: `Basic ${Buffer.from(CREDENTIALS).toString('base64')}` };
const COUNT = 1000;
const AT_A_TIME = 100;
const PAGE_SIZE = 100;

interface SearchPage {
  results: { id: string; state: { current: string } }[];
  total: number;
}

describe('REST API burst', () => {
  const namespace = `tflow.test.burst${randomBytes(3).toString('hex')}`;
  let fixture: TemporalFixture;
  let server: RunningServer;

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/v1${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
  const search = async (query: string): Promise<SearchPage> => {
    const response = await api(`/executions/search?namespace=${namespace}&flowId=burst&${query}`);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as SearchPage;
  };
  /** `work(n)` for n from 0 to count - 1, `AT_A_TIME` at once. */
  const inLanes = async <T>(count: number, work: (n: number) => Promise<T>): Promise<T[]> => {
    const results: T[] = new Array(count);
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const n = next++;
        results[n] = await work(n);
      }
    };
    await Promise.all(Array.from({ length: AT_A_TIME }, lane));
    return results;
  };

  before(async () => {
    fixture = await startTemporalFixture();
    server = await startServer({ ...fixture.config, basicAuth: CREDENTIALS }, { host: '127.0.0.1', port: 0, worker: false });
    const deployed = await api('/flows', {
      method: 'POST',
      headers: { 'content-type': 'application/x-yaml' },
      body: `id: burst\nnamespace: ${namespace}\ninputs:\n  - id: n\n    type: INT\ntasks:\n  - id: value\n    type: io.kestra.plugin.core.debug.Return\n    format: "{{ inputs.n }}"\n`,
    });
    assert.equal(deployed.status, 200, await deployed.text());
  });
  after(async () => {
    await server?.close();
    await fixture?.close();
    await purgeNamespace(namespace);
  });

  it(`${COUNT} executions created ${AT_A_TIME} at a time all end SUCCESS, none lost, none duplicated`, { timeout: 30 * 60_000 }, async () => {
    const created = await inLanes(COUNT, async (n) => {
      const form = new FormData();
      form.append('n', String(n));
      const response = await api(`/executions/${namespace}/burst`, { method: 'POST', body: form });
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    });
    assert.equal(new Set(created).size, COUNT, 'each request created its own execution');

    // Until the search finds them all ended; one that ended otherwise fails the test at once.
    for (;;) {
      const unsuccessful = await search('state=FAILED&state=KILLED&state=WARNING&size=1');
      assert.equal(unsuccessful.total, 0, `ended otherwise: ${JSON.stringify(unsuccessful.results)}`);
      if ((await search('state=SUCCESS&size=1')).total >= COUNT) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }

    // Every page of the search: each created execution once, SUCCESS, and nothing else.
    const pages = Math.ceil(COUNT / PAGE_SIZE) + 1; // one more, which must be empty
    const listed = (await Promise.all(Array.from({ length: pages }, (_, i) => search(`page=${i + 1}&size=${PAGE_SIZE}`)))).flatMap((page) => {
      assert.equal(page.total, COUNT);
      return page.results;
    });
    assert.equal(listed.length, COUNT);
    assert.deepEqual(new Set(listed.map((e) => e.id)), new Set(created));
    assert.deepEqual(new Set(listed.map((e) => e.state.current)), new Set(['SUCCESS']));

    // Each execution's page: the output is its own request's input.
    const outputs = await inLanes(COUNT, async (n) => {
      const response = await api(`/executions/${created[n]}`);
      assert.equal(response.status, 200);
      const execution = (await response.json()) as { taskRunList: { outputs?: { value?: unknown } }[] };
      return execution.taskRunList[0]?.outputs?.value;
    });
    assert.deepEqual(
      outputs,
      Array.from({ length: COUNT }, (_, n) => String(n)),
    );
  });
});
