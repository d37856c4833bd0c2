import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config';
import { applyUrlAliases } from '../../src/plugins/core/http/url-aliases';

describe('TFLOW_URL_ALIASES', () => {
  const aliases = { 'https://dummyjson.com/': 'http://127.0.0.1:18088/', 'https://dummyjson.com/products/': 'http://mirror.local/p/' };

  it('replaces the longest matching prefix and says how', () => {
    assert.deepEqual(applyUrlAliases('https://dummyjson.com/users?limit=1', aliases), {
      url: 'http://127.0.0.1:18088/users?limit=1',
      note: 'https://dummyjson.com/users?limit=1 mapped to http://127.0.0.1:18088/users?limit=1 by TFLOW_URL_ALIASES',
    });
    assert.equal(applyUrlAliases('https://dummyjson.com/products/1', aliases).url, 'http://mirror.local/p/1');
  });

  it('leaves other URLs alone (prefixes compare exactly)', () => {
    assert.deepEqual(applyUrlAliases('https://example.com/products', aliases), { url: 'https://example.com/products' });
    assert.deepEqual(applyUrlAliases('https://DUMMYJSON.com/products', aliases), { url: 'https://DUMMYJSON.com/products' });
  });

  it('is read from the environment as a JSON object of strings', () => {
    assert.deepEqual(loadConfig({ TFLOW_URL_ALIASES: JSON.stringify(aliases) }).urlAliases, aliases);
    assert.deepEqual(loadConfig({}).urlAliases, {});
    assert.throws(() => loadConfig({ TFLOW_URL_ALIASES: 'https://a/=http://b/' }), /^Error: TFLOW_URL_ALIASES: expected a JSON object of strings$/);
  });
});
