import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderDeferredProperties } from '../../src/activities/io-rendering';
import type { TflowConfig } from '../../src/config';
import { openSealedSecrets, sealSecret, sealSecretInputs } from '../../src/secret-inputs/secret-inputs';
import type { InternalStorage } from '../../src/storage';
import type { InputSpec } from '../../src/workflow/flow/spec';
import { renderRunnableTaskProperties } from '../../src/workflow/interpreter/io-functions';
import { isSealedSecret } from '../../src/workflow/flow/sealed-secret';

const keyed = { encryptionKey: 'a test key', stateDir: '/nonexistent' };
const specs: InputSpec[] = [
  { id: 'password', type: 'SECRET', required: true },
  { id: 'db.token', type: 'SECRET', required: true },
  { id: 'user', type: 'STRING', required: true },
];

describe('SECRET inputs: sealed before Temporal, opened only by the activity', () => {
  it('seals every SECRET value (nested ids too), nothing else', () => {
    const sealed = sealSecretInputs(specs, { password: 'hunter22', db: { token: 't0k3n' }, user: 'ada' }, keyed);
    assert.ok(isSealedSecret(sealed.password));
    assert.ok(isSealedSecret((sealed.db as Record<string, unknown>).token));
    assert.equal(sealed.user, 'ada');
    assert.doesNotMatch(JSON.stringify(sealed), /hunter22|t0k3n/);
    const opened = new Set<string>();
    assert.deepEqual(openSealedSecrets(sealed, keyed, opened), { password: 'hunter22', db: { token: 't0k3n' }, user: 'ada' });
    assert.deepEqual([...opened].sort(), ['hunter22', 't0k3n']);
  });

  it('refuses to open a value sealed with another key, saying which setting to align', () => {
    const sealed = sealSecret('hunter22', keyed);
    assert.throws(() => openSealedSecrets(sealed, { ...keyed, encryptionKey: 'another key' }, new Set()), /same TFLOW_ENCRYPTION_KEY/);
  });

  it('without TFLOW_ENCRYPTION_KEY, generates one key file in the state directory and keeps using it', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tflow-key-'));
    const sealed = sealSecret('hunter22', { stateDir });
    const key = readFileSync(join(stateDir, 'encryption.key'), 'utf8');
    assert.equal(statSync(join(stateDir, 'encryption.key')).mode & 0o777, 0o600);
    assert.equal(openSealedSecrets(sealed, { stateDir }, new Set()), 'hunter22');
    assert.equal(readFileSync(join(stateDir, 'encryption.key'), 'utf8'), key);
  });

  it('the workflow defers a property that reads a sealed input; the activity renders it in clear and reports it for masking', async () => {
    const inputs = sealSecretInputs(specs, { password: 'hunter22', db: { token: 't0k3n' }, user: 'ada' }, keyed);
    const rendered = renderRunnableTaskProperties(
      'io.kestra.plugin.core.log.Log',
      { message: 'user {{ inputs.user }} password {{ inputs.password }}', level: 'INFO' },
      { inputs },
    );
    assert.deepEqual(rendered.properties, { level: 'INFO' });
    assert.equal(rendered.deferred?.callsIo, true);
    const services = { config: { ...keyed, databaseUrl: 'postgres://unused' } as TflowConfig, storage: {} as InternalStorage };
    const result = await renderDeferredProperties({ type: 'io.kestra.plugin.core.log.Log', namespace: 'ns' }, rendered.deferred!, services, {});
    assert.deepEqual(result.properties, { message: 'user ada password hunter22' });
    assert.deepEqual(result.secrets, ['hunter22']);
  });
});
