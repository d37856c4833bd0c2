/**
 * Kestra's `kvType` conversions for kv.Set: the rendered value becomes a typed KV value. Without a
 * `kvType`, the type follows the value (a typed render keeps numbers, booleans, lists and maps).
 */
import { formatDuration, parseDuration } from '../../../workflow/interpreter/duration';
import type { KvType, KvValue } from '../../../kv/kv-store';

export function toKvValue(value: unknown, kvType: KvType | undefined): KvValue {
  const text = () => (typeof value === 'string' ? value : JSON.stringify(value));
  switch (kvType ?? inferType(value)) {
    case 'STRING':
      return { type: 'STRING', value: value === null || value === undefined ? '' : text() };
    case 'NUMBER': {
      const number = typeof value === 'number' ? value : Number(text().trim());
      if (!Number.isFinite(number) || (typeof value === 'string' && value.trim() === ''))
        throw new Error(`kvType NUMBER: '${text()}' is not a number`);
      return { type: 'NUMBER', value: number };
    }
    case 'BOOLEAN': {
      if (typeof value === 'boolean') return { type: 'BOOLEAN', value };
      const lower = text().trim().toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw new Error(`kvType BOOLEAN: '${text()}' is neither true nor false`);
      return { type: 'BOOLEAN', value: lower === 'true' };
    }
    case 'DATETIME': {
      const date = new Date(text().trim());
      if (Number.isNaN(date.getTime())) throw new Error(`kvType DATETIME: '${text()}' is not an ISO date-time`);
      return { type: 'DATETIME', value: date.toISOString() };
    }
    case 'DATE': {
      const date = text().trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new Error(`kvType DATE: '${date}' is not a date (yyyy-MM-dd)`);
      return { type: 'DATE', value: date };
    }
    case 'DURATION': {
      const ms = parseDuration(text());
      if (ms === undefined) throw new Error(`kvType DURATION: '${text()}' is not an ISO-8601 duration (e.g. PT5M)`);
      return { type: 'DURATION', value: formatDuration(ms) };
    }
    case 'JSON': {
      if (typeof value !== 'string') return { type: 'JSON', value: value ?? null };
      try {
        return { type: 'JSON', value: JSON.parse(value) };
      } catch {
        throw new Error(`kvType JSON: the value is not valid JSON: ${value.slice(0, 200)}`);
      }
    }
  }
}

function inferType(value: unknown): KvType {
  if (typeof value === 'number') return 'NUMBER';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (value !== null && typeof value === 'object') return 'JSON';
  return 'STRING';
}
