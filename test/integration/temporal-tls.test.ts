/**
 * Workers and clients reach a secured Temporal (mutual TLS, as Temporal Cloud or a hardened cluster
 * asks) through Temporal's own TEMPORAL_TLS_* variables. The dev server speaks plain text, so the
 * test puts a TLS terminator in front of it that demands a client certificate signed by the test's CA.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { connectClient, executionResult, startExecution } from '../../src/client/executions';
import { compileFlow } from '../../src/compiler/compile';
import { loadConfig } from '../../src/config';
import { startWorker } from '../../src/worker/worker';

/** A CA, a server certificate for localhost and a client certificate, made with openssl. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tflow test CA');
  for (const name of ['server', 'client']) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? 'localhost' : 'tflow worker'}`,
    );
    writeFileSync(join(dir, `${name}.ext`), name === 'server' ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
}

describe('Temporal over mutual TLS (TEMPORAL_TLS_* variables)', { timeout: 120_000 }, () => {
  let dir: string;
  let proxy: Server;
  let port: number;
  const plainTemporal = loadConfig().temporalAddress;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflow-tls-'));
    makeCertificates(dir);
    const [host, plainPort] = plainTemporal.split(':');
    proxy = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.pem')),
        ca: readFileSync(join(dir, 'ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        const upstream = connectTcp(Number(plainPort), host === 'localhost' ? '127.0.0.1' : host);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      },
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as { port: number }).port;
  });
  after(async () => {
    proxy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const tlsEnv = () => ({
    ...process.env,
    TEMPORAL_ADDRESS: `localhost:${port}`,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
    TFLOW_TASK_QUEUE: `tls-${process.pid}`,
  });

  it('a worker and a client with the client certificate run a flow to SUCCESS', async () => {
    const config = loadConfig(tlsEnv());
    assert.equal(typeof config.temporalConnection.tls, 'object');
    const worker = await startWorker(config);
    const client = await connectClient(config);
    try {
      const compiled = compileFlow(
        'id: over_tls\nnamespace: company.team\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.output.OutputValues\n    values:\n      said: hello over mTLS\n',
      );
      assert.ok(compiled.spec, JSON.stringify(compiled.diagnostics));
      const execution = await executionResult(await startExecution(client, config, compiled.spec));
      assert.equal(execution.state, 'SUCCESS', execution.error);
      assert.deepEqual(execution.taskRuns[0].outputs, { values: { said: 'hello over mTLS' } });
    } finally {
      await worker.shutdown();
      await client.connection.close();
    }
  });

  it('a client without the client certificate is turned away', async () => {
    const env: NodeJS.ProcessEnv = tlsEnv();
    delete env.TEMPORAL_TLS_CLIENT_CERT_PATH;
    delete env.TEMPORAL_TLS_CLIENT_KEY_PATH;
    const config = loadConfig(env);
    await assert.rejects(
      async () => {
        const client = await connectClient(config);
        try {
          await client.workflowService.getSystemInfo({});
        } finally {
          await client.connection.close();
        }
      },
      // The TLS handshake fails, which the SDK reports as a failed connection.
      /Failed to connect/,
    );
  });

  it('a certificate file that does not exist is named', () => {
    assert.throws(
      () => loadConfig({ ...tlsEnv(), TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.pem') }),
      /Temporal client configuration .*missing\.pem/,
    );
  });
});
