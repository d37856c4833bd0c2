/**
 * Error messages for failed SQL that say which statement failed and where, with the server's
 * detail and hint (a DatabaseError from node-postgres carries them).
 */
import type { DatabaseError } from 'pg';

const MAX_SQL_CHARS = 300;

export function statementError(error: unknown, sql: string, position: { index: number; total: number; line?: number }): Error {
  const which =
    position.total > 1 ? `Statement ${position.index} of ${position.total}${position.line ? ` (line ${position.line})` : ''}` : 'SQL statement';
  return new Error(`${which} failed: ${describeDatabaseError(error)}\nSQL: ${shorten(sql)}`);
}

export function describeDatabaseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const db = error as Partial<DatabaseError>;
  const parts = [error.message];
  if (db.detail) parts.push(`detail: ${db.detail}`);
  if (db.hint) parts.push(`hint: ${db.hint}`);
  if (db.where) parts.push(`where: ${db.where}`);
  return parts.join('; ');
}

function shorten(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_SQL_CHARS ? `${oneLine.slice(0, MAX_SQL_CHARS)}…` : oneLine;
}
