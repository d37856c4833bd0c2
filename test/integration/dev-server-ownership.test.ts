/**
 * `npm test` and `npm run bench` stop a Temporal dev server they started, and only that one
 * (src/temporal/dev-server.ts `devServerOwnership`). A stand-in process plays the started server
 * (its pid in the state folder's pid file, as `startDevServer` writes it), so the shared dev server
 * is only ever asked whether it answers, never stopped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { devServerOwnership, isTemporalUp } from '../../src/temporal/dev-server';

const children: ChildProcess[] = [];
const folders: string[] = [];

function standInServer(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}
function stateFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tflow-dev-server-ownership-'));
  folders.push(dir);
  return dir;
}
const writePid = (stateDir: string, child: ChildProcess) => writeFileSync(join(stateDir, 'temporal.pid'), String(child.pid));
const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** An address where nothing listens: a port the OS just handed out and that is closed again. */
async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('a dev server is stopped by whoever started it', () => {
  after(() => {
    for (const child of children) if (isAlive(child)) child.kill('SIGKILL');
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('stops the server started during the run when none answered before', async () => {
    const stateDir = stateFolder();
    const ownership = await devServerOwnership(stateDir, await deadAddress());
    assert.equal(ownership.wasRunning, false);
    const started = standInServer();
    writePid(stateDir, started);
    assert.equal(await ownership.stopIfStarted(), true);
    assert.equal(isAlive(started), false, 'the server the run started is still running');
  });

  it('leaves alone a server whose pid file was there before the run', async () => {
    const stateDir = stateFolder();
    const earlier = standInServer();
    writePid(stateDir, earlier);
    const ownership = await devServerOwnership(stateDir, await deadAddress());
    assert.equal(await ownership.stopIfStarted(), false);
    assert.equal(isAlive(earlier), true);
  });

  it('leaves alone everything when a dev server already answered (the shared one)', async () => {
    const { temporalAddress } = loadConfig();
    assert.ok(await isTemporalUp(temporalAddress), `this test needs the dev server at ${temporalAddress}`);
    const stateDir = stateFolder();
    const ownership = await devServerOwnership(stateDir, temporalAddress);
    assert.equal(ownership.wasRunning, true);
    const other = standInServer();
    writePid(stateDir, other);
    assert.equal(await ownership.stopIfStarted(), false);
    assert.equal(isAlive(other), true);
  });
});
