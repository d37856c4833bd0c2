/**
 * What the benchmarks that go through the REST API share: the Basic auth their `tflow server` is
 * started with, and the one-task flow their executions run.
 */

export const BENCH_CREDENTIALS = 'bench:bench';
export const BENCH_AUTH_HEADERS = { authorization: `Basic ${Buffer.from(BENCH_CREDENTIALS).toString('base64')}` };

/** Deploys, over the API of the server at `serverUrl`, the flow `namespace`/`id`: one Return task giving back its INT input `n`. */
export async function deployReturnFlow(serverUrl: string, namespace: string, id: string): Promise<void> {
  const source = `id: ${id}\nnamespace: ${namespace}\ninputs:\n  - id: n\n    type: INT\ntasks:\n  - id: value\n    type: io.kestra.plugin.core.debug.Return\n    format: "{{ inputs.n }}"\n`;
  const deployed = await fetch(`${serverUrl}/api/v1/flows`, {
    method: 'POST',
    headers: { ...BENCH_AUTH_HEADERS, 'content-type': 'application/x-yaml' },
    body: source,
  });
  if (deployed.status !== 200) throw new Error(`deploy failed: ${deployed.status} ${await deployed.text()}`);
}
