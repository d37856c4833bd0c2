/**
 * The COPY options Kestra's CopyIn/CopyOut accept, and the `WITH (…)` clause they build. Options
 * appear only when set, and table/column names go in as written (unquoted), as Kestra does: so
 * `VendorID` is folded to `vendorid`, matching the unquoted DDL of the course's tables.
 */
import { z } from 'zod';

export const copyProperties = {
  format: z.enum(['TEXT', 'CSV', 'BINARY']).optional(),
  header: z.boolean().optional(),
  delimiter: z.string().length(1).optional(),
  nullString: z.string().optional(),
  quote: z.string().length(1).optional(),
  escape: z.string().length(1).optional(),
  forceQuote: z.array(z.string()).optional(),
  forceNotNull: z.array(z.string()).optional(),
  forceNull: z.array(z.string()).optional(),
  encoding: z.string().optional(),
  oids: z.boolean().optional(),
  freeze: z.boolean().optional(),
};

export type CopyOptions = z.output<z.ZodObject<typeof copyProperties>>;

export function copyWithClause(options: CopyOptions, direction: 'FROM' | 'TO'): string {
  const parts: string[] = [];
  if (options.format) parts.push(`FORMAT ${options.format}`);
  if (options.oids !== undefined) parts.push(`OIDS ${options.oids ? 'TRUE' : 'FALSE'}`);
  if (options.freeze !== undefined && direction === 'FROM') parts.push(`FREEZE ${options.freeze ? 'TRUE' : 'FALSE'}`);
  if (options.delimiter !== undefined) parts.push(`DELIMITER ${literal(options.delimiter)}`);
  if (options.nullString !== undefined) parts.push(`NULL ${literal(options.nullString)}`);
  if (options.header !== undefined) parts.push(`HEADER ${options.header ? 'TRUE' : 'FALSE'}`);
  if (options.quote !== undefined) parts.push(`QUOTE ${literal(options.quote)}`);
  if (options.escape !== undefined) parts.push(`ESCAPE ${literal(options.escape)}`);
  if (options.forceQuote?.length && direction === 'TO') parts.push(`FORCE_QUOTE (${options.forceQuote.join(', ')})`);
  if (options.forceNotNull?.length && direction === 'FROM') parts.push(`FORCE_NOT_NULL (${options.forceNotNull.join(', ')})`);
  if (options.forceNull?.length && direction === 'FROM') parts.push(`FORCE_NULL (${options.forceNull.join(', ')})`);
  if (options.encoding !== undefined) parts.push(`ENCODING ${literal(options.encoding)}`);
  return parts.length > 0 ? ` WITH (${parts.join(', ')})` : '';
}

export function columnList(columns: string[] | undefined): string {
  return columns && columns.length > 0 ? ` (${columns.join(', ')})` : '';
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
