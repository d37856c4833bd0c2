import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { formatSchema } from '../../src/cli/commands/schema';
import { FLOW_SCHEMA_PATH, flowJsonSchema } from '../../src/compiler/json-schema';
import { FIXTURES, PROJECT_ROOT } from '../helpers/paths';

const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
const schema = flowJsonSchema();

describe('JSON Schema for flow files', () => {
  it(`is committed up to date in ${FLOW_SCHEMA_PATH} (refresh with \`npm run schema\`)`, () => {
    const committed = readFileSync(join(PROJECT_ROOT, FLOW_SCHEMA_PATH), 'utf8');
    assert.equal(committed.trim(), formatSchema(schema), 'the committed schema is stale: run `npm run schema`');
  });

  it('is draft-07, with one branch per task type pinned by a `type` const', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const task = (schema.definitions as Record<string, { oneOf: { properties: { type: { const: string } }; description?: string }[] }>).Task;
    const log = task.oneOf.find((branch) => branch.properties.type.const === 'io.kestra.plugin.core.log.Log');
    assert.ok(log?.description, 'task branches carry their description');
  });

  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

  for (const file of [...yamlIn(join(FIXTURES, 'valid')), ...yamlIn(join(PROJECT_ROOT, 'flows'))]) {
    it(`accepts ${file.slice(PROJECT_ROOT.length + 1)}`, () => {
      const ok = validate(parse(readFileSync(file, 'utf8')));
      assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    });
  }

  // Rules about several places (unique ids, references, cycles) or about values (cron, regexes,
  // expressions) are beyond a schema: such fixtures say `# schema: accepts`.
  for (const file of yamlIn(join(FIXTURES, 'invalid'))) {
    const source = readFileSync(file, 'utf8');
    let document: unknown;
    try {
      document = parse(source, { uniqueKeys: false });
    } catch {
      continue; // not YAML at all: nothing for a schema to say
    }
    const schemaAccepts = /^# schema: accepts/m.test(source);
    it(`${schemaAccepts ? 'cannot refuse' : 'refuses'} ${file.slice(FIXTURES.length + 1)}`, () => {
      assert.equal(
        validate(document),
        schemaAccepts,
        schemaAccepts ? 'the schema now refuses it: drop the `# schema: accepts` line' : 'the schema accepts it',
      );
    });
  }
});
