/**
 * docker-compose.yml and the Dockerfile cannot run here (no Docker engine): these checks keep them
 * consistent with the code — valid YAML, the services the course expects, an environment that
 * src/config.ts reads, the search attributes tflow uses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/config';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

const ROOT = join(__dirname, '..', '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

describe('docker-compose.yml', () => {
  const document = parseDocument(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { uniqueKeys: true, prettyErrors: true });
  const compose = document.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const services = compose.services;

  it('is valid YAML without duplicate keys', () => {
    assert.deepEqual(document.errors.map(String), []);
    assert.deepEqual(document.warnings.map(String), []);
  });

  it('has the course database, tflow’s database, pgAdmin, Temporal, its Web UI and tflow', () => {
    assert.deepEqual(Object.keys(services).sort(), ['pgadmin', 'pgdatabase', 'temporal', 'temporal-ui', 'tflow', 'tflow-postgres']);
    assert.deepEqual(services.pgdatabase.environment, { POSTGRES_USER: 'root', POSTGRES_PASSWORD: 'root', POSTGRES_DB: 'ny_taxi' });
    assert.ok(services.pgdatabase.ports?.includes('5432:5432'));
    assert.equal(services.tflow.build, '.');
    assert.deepEqual(services.tflow.command, ['server']);
  });

  it('sets only variables src/config.ts reads, and they point at services of this file', () => {
    const env = services.tflow.environment ?? {};
    const configSource = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    for (const name of Object.keys(env)) assert.match(configSource, new RegExp(`env\\.${name}\\b`), `${name} is not read by src/config.ts`);
    const config = loadConfig(env);
    assert.ok(config.temporalAddress.split(':')[0] in services, `TEMPORAL_ADDRESS ${config.temporalAddress}`);
    const database = new URL(config.databaseUrl);
    assert.ok(database.hostname in services, `TFLOW_DATABASE_URL host ${database.hostname}`);
    const registry = services[database.hostname].environment ?? {};
    assert.equal(decodeURIComponent(database.username), registry.POSTGRES_USER);
    assert.equal(decodeURIComponent(database.password), registry.POSTGRES_PASSWORD);
    assert.equal(database.pathname.slice(1), registry.POSTGRES_DB);
    assert.ok(services.tflow.ports?.includes(`${config.apiPort}:${config.apiPort}`));
    assert.equal(config.basicAuth, 'admin@kestra.io:Admin1234!');
    assert.ok(config.storage.startsWith(config.stateDir), 'storage lives in the state volume');
    assert.ok(services.tflow.volumes?.some((v) => v.endsWith(`:${config.stateDir}`)));
    assert.equal(services['temporal-ui'].environment?.TEMPORAL_ADDRESS, config.temporalAddress);
  });

  it('registers exactly tflow’s search attributes on the Temporal dev server', () => {
    const flags = (services.temporal.command ?? []).filter((a) => a.startsWith('--search-attribute=')).map((a) => a.slice('--search-attribute='.length));
    assert.deepEqual(flags.sort(), SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`).sort());
  });

  it('depends only on services it defines and mounts only volumes it declares', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) assert.ok(dependency in services, `${name} depends on unknown ${dependency}`);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/')) assert.ok(source in compose.volumes, `${name} mounts undeclared volume ${source}`);
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds with the lockfile and runs `tflow server` on the port docker-compose maps', () => {
    assert.match(dockerfile, /npm ci/);
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/tflow\.js"\]/);
    assert.match(dockerfile, /CMD \["server"\]/);
    const port = /EXPOSE (\d+)/.exec(dockerfile)?.[1];
    assert.equal(port, String(loadConfig({}).apiPort));
  });

  it('leaves local state and build output out of the image context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.tflow', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
