/**
 * A Temporal fixture (temporal.ts) with the REST API served in the test's own process, on a free
 * port of 127.0.0.1, without a worker of its own: the executions it starts run on the fixture's worker.
 */
import { startServer, type RunningServer } from '../../src/server/server';
import { startTemporalFixture, type TemporalFixture } from './temporal';

export interface ApiFixture extends TemporalFixture {
  server: RunningServer;
  /** `GET /api/v1<path>`: the answer's status and its JSON body. */
  getJson<T>(path: string): Promise<{ status: number; body: T }>;
}

export async function startApiFixture(): Promise<ApiFixture> {
  const fixture = await startTemporalFixture();
  const server = await startServer(fixture.config, { host: '127.0.0.1', port: 0, worker: false }).catch(async (error: unknown) => {
    await fixture.close();
    throw error;
  });
  return {
    ...fixture,
    server,
    async getJson<T>(path: string) {
      const response = await fetch(`${server.url}/api/v1${path}`);
      return { status: response.status, body: (await response.json()) as T };
    },
    async close() {
      await server.close();
      await fixture.close();
    },
  };
}
