/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server), the Cloud Storage emulator the GCS tests run
 * against (built and started by ./go-test-servers.ts).
 */
import { FAKE_GCS_SERVER, startGoTestServer, type RunningTestServer } from './go-test-servers';

export type FakeGcsServer = RunningTestServer;

/** Starts fake-gcs-server on a free port, in memory; its `url` is the value for STORAGE_EMULATOR_HOST. */
export function startFakeGcsServer(): Promise<FakeGcsServer> {
  return startGoTestServer(FAKE_GCS_SERVER);
}
