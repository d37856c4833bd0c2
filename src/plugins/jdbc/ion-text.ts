/**
 * Amazon Ion text, the format Kestra writes `fetchType: STORE` results in (one value per line):
 * enough of it for query rows (null, booleans, numbers, strings, lists, structs, blobs).
 */
export function toIonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? '+inf' : '-inf';
    return Number.isInteger(value) ? String(value) : `${value}e0`;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `{{${value.toString('base64')}}}`;
  if (Array.isArray(value)) return `[${value.map(toIonText).join(',')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).map(([key, item]) => `${ionSymbol(key)}:${toIonText(item)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(String(value));
}

function ionSymbol(name: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !['null', 'true', 'false', 'nan'].includes(name)) return name;
  return `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
