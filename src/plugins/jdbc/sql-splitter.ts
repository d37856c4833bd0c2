/**
 * Splits a SQL script into statements the way Postgres reads it: semicolons inside quotes,
 * quoted identifiers, dollar-quoted bodies (`$$ … $$`, `$fn$ … $fn$`), `--` and nested `/* *\/`
 * comments do not end a statement. Also rewrites Kestra's named parameters (`:name`) to `$n`.
 */

export interface SqlStatement {
  text: string;
  /** 1-based line of the statement's first character in the script. */
  line: number;
}

/** Statements in order; empty ones (only whitespace/comments) are dropped. */
export function splitSqlStatements(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  scan(script, (index, char) => {
    if (char !== ';') return;
    push(start, index);
    start = index + 1;
  });
  push(start, script.length);
  return statements;

  function push(from: number, to: number) {
    const raw = script.slice(from, to);
    if (stripComments(raw).trim() === '') return;
    const leading = leadingTriviaLength(raw);
    statements.push({ text: raw.slice(leading).trim(), line: lineAt(script, from + leading) });
  }
}

/** The one statement a Query task runs: Kestra ≥ 1.1 refuses several (the Queries task runs them). */
export function singleStatement(script: string): SqlStatement {
  const statements = splitSqlStatements(script);
  if (statements.length === 1) return statements[0];
  throw new Error(
    statements.length === 0
      ? 'The sql property holds no statement'
      : `Query task support only a single SQL statement, found ${statements.length}. Use the Queries task to run multiple statements`,
  );
}

/**
 * The statement without surrounding whitespace and one trailing `;`. A scan, not a regex such as
 * `/\s*;?\s*$/`, whose backtracking over a long run of whitespace takes seconds.
 */
export function withoutTrailingSemicolon(sql: string): string {
  const trimmed = sql.trim();
  return trimmed.endsWith(';') ? trimmed.slice(0, -1).trimEnd() : trimmed;
}

/** `:name` placeholders (outside quotes and comments, not `::` casts) → `$1, $2…` and their values. */
export function bindNamedParameters(sql: string, parameters: Record<string, unknown>): { text: string; values: unknown[] } {
  const order: string[] = [];
  let text = '';
  let copied = 0;
  scan(sql, (index, char) => {
    if (char !== ':' || sql[index + 1] === ':' || sql[index - 1] === ':') return;
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index + 1))?.[0];
    if (!name || !(name in parameters)) return;
    if (!order.includes(name)) order.push(name);
    text += `${sql.slice(copied, index)}$${order.indexOf(name) + 1}`;
    copied = index + 1 + name.length;
  });
  text += sql.slice(copied);
  return { text, values: order.map((name) => parameters[name]) };
}

/**
 * Walks the script, calling `visit` for every character that is plain SQL (not inside a string,
 * quoted identifier, dollar-quoted body or comment).
 */
function scan(sql: string, visit: (index: number, char: string) => void): void {
  let i = 0;
  while (i < sql.length) {
    const char = sql[i];
    const next = sql[i + 1];
    if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (char === '/' && next === '*') {
      i = endOfBlockComment(sql, i);
    } else if (char === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      i = endOfQuoted(sql, i, "'", escapes);
    } else if (char === '"') {
      i = endOfQuoted(sql, i, '"', false);
    } else if (char === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      } else {
        visit(i, char);
        i++;
      }
    } else {
      visit(i, char);
      i++;
    }
  }
}

function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** Whitespace and comments before a statement's first token: not part of the statement. */
function leadingTriviaLength(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i])) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      i = endOfBlockComment(sql, i);
    } else {
      return i;
    }
  }
}

function stripComments(sql: string): string {
  let kept = '';
  scan(sql, (_index, char) => (kept += char));
  return kept;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text[i] === '\n') line++;
  return line;
}
