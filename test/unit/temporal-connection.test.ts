import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectionOptions, describeConnection, temporalClientSettings } from '../../src/temporal/connection';

describe('Temporal connection settings (Temporal client configuration conventions)', () => {
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tflow-temporal-config-'));
    configFile = join(dir, 'temporal.toml');
    await writeFile(
      configFile,
      [
        '[profile.default]',
        'address = "localhost:7233"',
        '',
        '[profile.cloud]',
        'address = "my-ns.a1b2c.tmprl.cloud:7233"',
        'namespace = "my-ns.a1b2c"',
        'api_key = "the-key"',
        '',
      ].join('\n'),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('with nothing set, is the local dev server in plain text', () => {
    const settings = temporalClientSettings({ TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') });
    assert.deepEqual(settings, { address: 'localhost:7233', namespace: 'default', connection: {} });
    assert.equal(describeConnection(settings), 'localhost:7233 (namespace default, plain text)');
  });

  it('reads a temporal.toml profile: address, namespace, API key (TLS on with an API key)', () => {
    const settings = temporalClientSettings({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(settings.address, 'my-ns.a1b2c.tmprl.cloud:7233');
    assert.equal(settings.namespace, 'my-ns.a1b2c');
    assert.equal(settings.connection.apiKey, 'the-key');
    assert.ok(settings.connection.tls);
    assert.equal(describeConnection(settings), 'my-ns.a1b2c.tmprl.cloud:7233 (namespace my-ns.a1b2c, TLS, API key)');
    assert.deepEqual(Object.keys(connectionOptions({ temporalAddress: settings.address, temporalConnection: settings.connection })).sort(), [
      'address',
      'apiKey',
      'tls',
    ]);
  });

  it('lets environment variables override the profile, and passes gRPC metadata', () => {
    const settings = temporalClientSettings({
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'other-ns',
      TEMPORAL_GRPC_META_X_TEAM: 'data',
    });
    assert.equal(settings.namespace, 'other-ns');
    assert.equal(settings.address, 'my-ns.a1b2c.tmprl.cloud:7233');
    assert.deepEqual(settings.connection.metadata, { 'x-team': 'data' });
  });

  it('names a profile that does not exist', () => {
    assert.throws(
      () => temporalClientSettings({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'nope' }),
      /Temporal client configuration.*nope/,
    );
  });
});
