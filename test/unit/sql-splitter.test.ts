import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { installsBuiltInExtension } from '../../src/plugins/jdbc/duckdb/connection';
import { bindNamedParameters, splitSqlStatements, withoutTrailingSemicolon } from '../../src/plugins/jdbc/sql-splitter';

const texts = (sql: string) => splitSqlStatements(sql).map((s) => s.text);

describe('SQL statement splitter', () => {
  it('splits on semicolons and drops empty statements and trailing comments', () => {
    assert.deepEqual(texts('CREATE TABLE a (x int);\n\nINSERT INTO a VALUES (1);;\n-- done\n'), [
      'CREATE TABLE a (x int)',
      'INSERT INTO a VALUES (1)',
    ]);
  });

  it('keeps semicolons inside strings, quoted identifiers, comments and dollar-quoted bodies', () => {
    const sql = `INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;');
SELECT "weird;name" FROM t /* a; /* nested; */ comment */ WHERE x = 1; -- trailing; comment
CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
DO $$ BEGIN PERFORM 1; END $$`;
    const statements = splitSqlStatements(sql);
    assert.equal(statements.length, 4);
    assert.match(statements[0].text, /E'back\\'slash;'\)$/);
    assert.match(statements[1].text, /nested; \*\/ comment \*\/ WHERE x = 1$/);
    assert.match(statements[2].text, /RETURN 1; END; \$body\$ LANGUAGE plpgsql$/);
    assert.deepEqual(
      statements.map((s) => s.line),
      [1, 2, 3, 4],
    );
  });

  it('binds :name parameters outside quotes, and leaves ::casts alone', () => {
    const bound = bindNamedParameters("SELECT :id::text, ':id', x FROM t WHERE a = :id AND b = :other", { id: 7, other: 'o' });
    assert.equal(bound.text, "SELECT $1::text, ':id', x FROM t WHERE a = $1 AND b = $2");
    assert.deepEqual(bound.values, [7, 'o']);
  });

  it('drops one trailing semicolon (CopyOut sql, DuckDB INSTALL) in linear time, even after a long run of whitespace', () => {
    assert.equal(withoutTrailingSemicolon('  SELECT 1 ;\n'), 'SELECT 1');
    assert.equal(withoutTrailingSemicolon('SELECT 1'), 'SELECT 1');
    assert.equal(withoutTrailingSemicolon("SELECT ';'"), "SELECT ';'");
    const builtIn = new Set(['json', 'parquet']);
    assert.equal(installsBuiltInExtension('INSTALL json;', builtIn), true);
    assert.equal(installsBuiltInExtension("  FORCE INSTALL 'parquet' FROM core ;  ", builtIn), true);
    assert.equal(installsBuiltInExtension('INSTALL spatial', builtIn), false);
    // The former patterns (`;\s*$`, `\s*;?\s*$`) backtracked over such runs: 30,000 spaces took 1.5 s.
    const spaces = ' \t\n'.repeat(100_000);
    const started = performance.now();
    assert.equal(withoutTrailingSemicolon(`SELECT 1${spaces};${spaces}x`).length, 8 + spaces.length * 2 + 2);
    assert.equal(installsBuiltInExtension(`INSTALL json${spaces}x`, builtIn), false);
    assert.equal(installsBuiltInExtension(`INSTALL json FROM core${spaces}x`, builtIn), false);
    assert.equal(installsBuiltInExtension(`FORCE${spaces}INSTALL json${spaces};${spaces}x`, builtIn), false);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `${Math.round(elapsed)} ms`);
  });
});
