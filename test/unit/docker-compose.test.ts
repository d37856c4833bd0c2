/**
 * docker-compose.yml and the Dockerfile cannot run here (no Docker engine): these checks keep them
 * consistent with the code — valid YAML, the services the course expects, an environment that
 * src/config.ts reads, the search attributes tflow uses — and safe (README "Security"): published
 * ports on loopback only, Temporal's gRPC port unpublished, credentials required from .env.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/config';
import { CLI_TYPE_NAMES, SEARCH_ATTRIBUTES } from '../../src/workflow/search-attributes';

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

/** `NAME=value` lines of an env file (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    values[line.slice(0, at)] = line.slice(at + 1);
  }
  return values;
}

/** Compose's interpolation of `${VAR}`, `${VAR:?message}`, `${VAR:-default}` and `$$`; a required variable left unset throws. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (match, name: string | undefined, kind: string | undefined, rest: string) => {
    if (match === '$$') return '$';
    const value = env[name as string];
    if (value) return value;
    if (kind === '?') throw new Error(`${name}: ${rest}`);
    return kind === '-' ? rest : '';
  });
}

describe('docker-compose.yml', () => {
  const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const example = envFile(readFileSync(join(ROOT, '.env.example'), 'utf8'));
  const document = parseDocument(interpolate(raw, example), { uniqueKeys: true, prettyErrors: true });
  const compose = document.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const services = compose.services;
  const rawServices = (parseDocument(raw).toJS() as { services: Record<string, Service> }).services;

  it('is valid YAML without duplicate keys', () => {
    assert.deepEqual(document.errors.map(String), []);
    assert.deepEqual(document.warnings.map(String), []);
  });

  it('has the course database, tflow’s database, pgAdmin, Temporal, its Web UI and tflow', () => {
    assert.deepEqual(Object.keys(services).sort(), ['pgadmin', 'pgdatabase', 'temporal', 'temporal-ui', 'tflow', 'tflow-postgres']);
    assert.deepEqual(services.pgdatabase.environment, {
      POSTGRES_USER: example.COURSE_DB_USER,
      POSTGRES_PASSWORD: example.COURSE_DB_PASSWORD,
      POSTGRES_DB: 'ny_taxi',
    });
    assert.ok(services.pgdatabase.ports?.includes('127.0.0.1:5432:5432'));
    assert.equal(services.tflow.build, '.');
    assert.deepEqual(services.tflow.command, ['server']);
  });

  it('sets only variables src/config.ts reads, and they point at services of this file', () => {
    const env = services.tflow.environment ?? {};
    const configSource = readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8');
    // TEMPORAL_* are Temporal's own client settings, read through the SDK (src/temporal/connection.ts): checked by their effect.
    for (const name of Object.keys(env).filter((n) => !n.startsWith('TEMPORAL_'))) {
      assert.match(configSource, new RegExp(`env\\.${name}\\b`), `${name} is not read by src/config.ts`);
    }
    const config = loadConfig(env);
    if (env.TEMPORAL_ADDRESS) assert.equal(config.temporalAddress, env.TEMPORAL_ADDRESS);
    if (env.TEMPORAL_NAMESPACE) assert.equal(config.temporalNamespace, env.TEMPORAL_NAMESPACE);
    assert.ok(config.temporalAddress.split(':')[0] in services, `TEMPORAL_ADDRESS ${config.temporalAddress}`);
    const database = new URL(config.databaseUrl);
    assert.ok(database.hostname in services, `TFLOW_DATABASE_URL host ${database.hostname}`);
    const postgres = services[database.hostname].environment ?? {};
    assert.equal(decodeURIComponent(database.username), postgres.POSTGRES_USER);
    assert.equal(decodeURIComponent(database.password), postgres.POSTGRES_PASSWORD);
    assert.equal(database.pathname.slice(1), postgres.POSTGRES_DB);
    assert.ok(services.tflow.ports?.includes(`127.0.0.1:${config.apiPort}:${config.apiPort}`));
    assert.equal(config.basicAuth, example.TFLOW_BASIC_AUTH);
    // Inside the container the API listens on all interfaces, which tflow allows only with credentials.
    assert.equal(config.apiHost, '0.0.0.0');
    assert.ok(config.basicAuth);
    assert.ok(config.storage.startsWith(config.stateDir), 'storage lives in the state volume');
    assert.ok(services.tflow.volumes?.some((v) => v.endsWith(`:${config.stateDir}`)));
    assert.equal(services['temporal-ui'].environment?.TEMPORAL_ADDRESS, config.temporalAddress);
  });

  it('registers exactly tflow’s search attributes on the Temporal dev server', () => {
    const flags = (services.temporal.command ?? [])
      .filter((a) => a.startsWith('--search-attribute='))
      .map((a) => a.slice('--search-attribute='.length));
    assert.deepEqual(flags.sort(), SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`).sort());
  });

  it('publishes every port on 127.0.0.1 only, and never Temporal’s gRPC frontend (it runs any flow sent to it)', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${port} beyond loopback`);
    }
    assert.equal(services.temporal.ports, undefined);
    assert.ok(!Object.values(services).some((service) => (service.ports ?? []).some((port) => port.endsWith(':7233'))));
  });

  it('takes every credential from .env, required (compose refuses to start without it), none written in the file', () => {
    const credentials: [string, string][] = [
      ['pgdatabase', 'POSTGRES_USER'],
      ['pgdatabase', 'POSTGRES_PASSWORD'],
      ['tflow-postgres', 'POSTGRES_PASSWORD'],
      ['pgadmin', 'PGADMIN_DEFAULT_EMAIL'],
      ['pgadmin', 'PGADMIN_DEFAULT_PASSWORD'],
      ['tflow', 'TFLOW_BASIC_AUTH'],
      ['tflow', 'TFLOW_DATABASE_URL'],
    ];
    for (const [service, variable] of credentials) {
      assert.match(rawServices[service].environment?.[variable] ?? '', /\$\{[A-Z0-9_]+:\?[^}]+\}/, `${service}.${variable}`);
    }
    // Every variable the file uses is documented in .env.example, and without it compose stops with the message.
    const used = [...raw.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);
    for (const name of used) assert.ok(name in example, `${name} is not in .env.example`);
    assert.throws(() => interpolate(raw, { ...example, TFLOW_BASIC_AUTH: '' }), /TFLOW_BASIC_AUTH: set TFLOW_BASIC_AUTH=user:password in \.env/);
    assert.doesNotMatch(raw, /Admin1234!/);
    for (const ignore of ['.gitignore', '.dockerignore']) {
      assert.ok(
        readFileSync(join(ROOT, ignore), 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .includes('.env'),
        `.env is not in ${ignore}`,
      );
    }
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

describe('docker-compose.production.yml', () => {
  const raw = readFileSync(join(ROOT, 'docker-compose.production.yml'), 'utf8');
  const example = envFile(readFileSync(join(ROOT, '.env.example'), 'utf8'));
  const document = parseDocument(interpolate(raw, example), { uniqueKeys: true, prettyErrors: true, merge: true });
  const compose = document.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const services = compose.services;
  const rawServices = (parseDocument(raw, { merge: true }).toJS() as { services: Record<string, Service> }).services;

  it('is valid YAML: Temporal on Postgres with its schema set up, an S3 store, the API alone, workers', () => {
    assert.deepEqual(document.errors.map(String), []);
    assert.deepEqual(Object.keys(services).sort(), [
      's3',
      's3-bucket',
      'temporal',
      'temporal-namespace',
      'temporal-postgres',
      'temporal-schema',
      'temporal-ui',
      'tflow-api',
      'tflow-postgres',
      'worker',
    ]);
    assert.match(services.temporal.image ?? '', /^temporalio\/server:1\.30\./);
    assert.equal(services.temporal.environment?.DB, 'postgres12');
    assert.deepEqual(services['tflow-api'].command, ['server', '--no-worker']);
    assert.deepEqual(services.worker.command, ['worker']);
  });

  it('gives the API and the workers one configuration that src/config.ts reads and that points at its services', () => {
    for (const name of ['tflow-api', 'worker']) {
      const env = services[name].environment ?? {};
      const config = loadConfig(env);
      assert.ok(config.temporalAddress.split(':')[0] in services, `${name}: TEMPORAL_ADDRESS ${config.temporalAddress}`);
      assert.ok(new URL(config.databaseUrl).hostname in services, `${name}: TFLOW_DATABASE_URL`);
      assert.match(config.storage, /^s3:\/\/[a-z0-9-]+\//, `${name}: files in the bucket`);
      assert.ok(new URL(env.AWS_ENDPOINT_URL_S3).hostname in services, `${name}: AWS_ENDPOINT_URL_S3`);
      assert.equal(config.encryptionKey, example.TFLOW_ENCRYPTION_KEY);
    }
    const apiEnv = { ...services['tflow-api'].environment };
    const workerEnv = { ...services.worker.environment };
    for (const key of ['TFLOW_API_HOST', 'TFLOW_API_PORT', 'TFLOW_BASIC_AUTH', 'TFLOW_WEB_UI_URL']) delete apiEnv[key];
    for (const key of Object.keys(workerEnv).filter((name) => name.startsWith('TFLOW_WORKER_'))) delete workerEnv[key];
    assert.deepEqual(workerEnv, apiEnv, 'the API and the workers share storage, database, Temporal and key');
  });

  it('lets a stopped worker drain before Docker kills it, and checks its health on its ops endpoint', () => {
    const worker = services.worker as Service & { stop_grace_period?: string; healthcheck?: { test: string[] } };
    const settings = loadConfig(worker.environment ?? {}).worker;
    const dockerGraceMs = Number(/^(\d+)s$/.exec(worker.stop_grace_period ?? '')?.[1]) * 1000;
    assert.ok(
      settings.shutdownGraceMs < dockerGraceMs,
      `the drain (${settings.shutdownGraceMs} ms) outlasts stop_grace_period (${worker.stop_grace_period})`,
    );
    assert.ok(settings.httpPort, 'TFLOW_WORKER_HTTP_PORT');
    assert.ok(worker.healthcheck?.test.join(' ').includes(`http://${settings.httpHost}:${settings.httpPort}/ready`));
  });

  it('keeps nothing on a worker and lets it scale: no ports, no volumes, no fixed name', () => {
    const worker = services.worker as Service & { container_name?: string };
    assert.equal(worker.ports, undefined);
    assert.equal(worker.volumes, undefined);
    assert.equal(worker.container_name, undefined);
  });

  it('publishes loopback ports only, never Temporal’s gRPC frontend, and takes every credential from .env', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${port} beyond loopback`);
    }
    assert.equal(services.temporal.ports, undefined);
    const credentials: [string, string][] = [
      ['temporal-postgres', 'POSTGRES_PASSWORD'],
      ['temporal', 'POSTGRES_PWD'],
      ['tflow-postgres', 'POSTGRES_PASSWORD'],
      ['tflow-api', 'TFLOW_BASIC_AUTH'],
      ['tflow-api', 'TFLOW_ENCRYPTION_KEY'],
      ['worker', 'AWS_SECRET_ACCESS_KEY'],
      ['worker', 'TFLOW_DATABASE_URL'],
    ];
    for (const [service, variable] of credentials) {
      assert.match(rawServices[service].environment?.[variable] ?? '', /\$\{[A-Z0-9_]+:\?[^}]+\}/, `${service}.${variable}`);
    }
    const used = [...raw.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);
    for (const name of used) assert.ok(name in example, `${name} is not in .env.example`);
    assert.throws(() => interpolate(raw, { ...example, TFLOW_ENCRYPTION_KEY: '' }), /TFLOW_ENCRYPTION_KEY: set TFLOW_ENCRYPTION_KEY in \.env/);
  });

  it('registers exactly tflow’s search attributes on the namespace', () => {
    const script = (services['temporal-namespace'].command ?? []).join('\n');
    const declared = [...script.matchAll(/--name (\w+) --type (\w+)/g)].map((m) => `${m[1]}=${m[2]}`);
    assert.deepEqual(declared.sort(), SEARCH_ATTRIBUTES.map((key) => `${key.name}=${CLI_TYPE_NAMES[key.type]}`).sort());
  });

  it('depends only on services it defines and mounts only volumes it declares', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) assert.ok(dependency in services, `${name} depends on unknown ${dependency}`);
      for (const volume of service.volumes ?? []) assert.ok(volume.split(':')[0] in compose.volumes, `${name} mounts undeclared volume ${volume}`);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds with the lockfile and runs `tflow server` on the port docker-compose maps', () => {
    assert.match(dockerfile, /npm ci/);
    assert.match(dockerfile, /ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "bin\/tflow\.js"\]/);
    assert.match(dockerfile, /CMD \["server"\]/);
    const port = /EXPOSE (\d+)/.exec(dockerfile)?.[1];
    assert.equal(port, String(loadConfig({}).apiPort));
  });

  it('runs tflow under an init (tini, installed from Debian) that reaps orphaned script processes', () => {
    assert.match(dockerfile, /apt-get install[^\n]*\btini\b/);
    assert.match(dockerfile, /ENTRYPOINT \["\/usr\/bin\/tini", "--"/);
  });

  it('leaves local state and build output out of the image context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.tflow', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
