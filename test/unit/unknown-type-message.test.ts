import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unknownPluginTypeMessage } from '../../src/compiler/unknown-type-message';
import { knownTypeNames } from '../../src/plugins/registry';

describe('messages for unknown Kestra plugin types', () => {
  const known = knownTypeNames();

  it('says a plugin family tflow lacks is not supported yet, listing the plugins it has', () => {
    const { message, hint } = unknownPluginTypeMessage('io.kestra.plugin.dbt.cli.DbtCLI', known)!;
    assert.equal(message, 'Invalid type: io.kestra.plugin.dbt.cli.DbtCLI: not supported by tflow yet');
    assert.match(
      hint,
      /^tflow supports these Kestra plugins: .*\bcore\.flow\b.*\bjdbc\.postgresql\b.*\bscripts\.python\b.*\(`tflow schema` lists every type\)$/,
    );
  });

  it('lists only the same family when tflow has some of it, and the package when it has that', () => {
    assert.match(
      unknownPluginTypeMessage('io.kestra.plugin.jdbc.mysql.Queries', known)!.hint,
      /^tflow supports these Kestra plugins: jdbc\.[a-z.,\s]+ \(/,
    );
    assert.deepEqual(unknownPluginTypeMessage('io.kestra.plugin.core.kv.Purge', known), {
      message: 'Invalid type: io.kestra.plugin.core.kv.Purge: not supported by tflow yet',
      hint: 'tflow supports from io.kestra.plugin.core.kv: Delete, Get, GetKeys, Set',
    });
  });

  it('keeps the did-you-mean for near-misses of the same package only', () => {
    assert.equal(unknownPluginTypeMessage('io.kestra.plugin.core.log.Lgo', known)?.hint, 'did you mean io.kestra.plugin.core.log.Log?');
    assert.equal(
      unknownPluginTypeMessage('io.kestra.plugin.scripts.pyton.Script', known)?.hint,
      'did you mean io.kestra.plugin.scripts.python.Script?',
    );
    assert.equal(unknownPluginTypeMessage('io.kestra.plugin.jdbc.sqlite.Queries', known)?.message.endsWith('not supported by tflow yet'), true);
  });

  it('leaves other names to the generic message', () => {
    assert.equal(unknownPluginTypeMessage('Log', known), undefined);
    assert.equal(unknownPluginTypeMessage('io.kestra.core.tasks.log.Log', known), undefined);
    assert.equal(unknownPluginTypeMessage(42, known), undefined);
  });
});
