import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindNamedParameters, splitSqlStatements } from '../../src/plugins/jdbc/sql-splitter';

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
});
