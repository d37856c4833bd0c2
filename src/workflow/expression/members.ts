/**
 * The few Java members Pebble's attribute resolver reaches on maps, lists and strings
 * (`list.size`, `text.length()`, `map.keySet()`), since users copy them from Kestra flows.
 */
import { CallError } from './callables';
import { isList, isMap, javaToString } from './values';

export type Member = { found: true; value: unknown } | { found: false };

const NOT_FOUND: Member = { found: false };

export function memberAccess(object: unknown, name: string, args: unknown[] | undefined): Member {
  const a = args ?? [];
  const found = (value: unknown): Member => ({ found: true, value });
  if (isList(object)) {
    switch (name) {
      case 'size':
        return found(object.length);
      case 'isEmpty':
      case 'empty':
        return found(object.length === 0);
      case 'get':
        return found(object[Number(a[0])] ?? null);
    }
    return NOT_FOUND;
  }
  if (isMap(object)) {
    switch (name) {
      case 'size':
        return found(Object.keys(object).length);
      case 'isEmpty':
      case 'empty':
        return found(Object.keys(object).length === 0);
      case 'keySet':
        return found(Object.keys(object));
      case 'values':
        return found(Object.values(object));
      case 'containsKey':
        return found(Object.prototype.hasOwnProperty.call(object, javaToString(a[0])));
      case 'get':
        return found(object[javaToString(a[0])] ?? null);
    }
    return NOT_FOUND;
  }
  if (typeof object === 'string') {
    const s = (i: number) => javaToString(a[i]);
    switch (name) {
      case 'length':
        return found(object.length);
      case 'isEmpty':
      case 'empty':
        return found(object.length === 0);
      case 'isBlank':
      case 'blank':
        return found(object.trim().length === 0);
      case 'toUpperCase':
        return found(object.toUpperCase());
      case 'toLowerCase':
        return found(object.toLowerCase());
      case 'trim':
        return found(object.trim());
      case 'contains':
        return found(object.includes(s(0)));
      case 'startsWith':
        return found(object.startsWith(s(0)));
      case 'endsWith':
        return found(object.endsWith(s(0)));
      case 'indexOf':
        return found(object.indexOf(s(0)));
      case 'equals':
        return found(object === a[0]);
      case 'replace':
        return found(object.split(s(0)).join(s(1)));
      case 'substring': {
        const from = Number(a[0]);
        const to = a.length > 1 ? Number(a[1]) : object.length;
        if (from < 0 || to > object.length || from > to) throw new CallError(`begin ${from}, end ${to}, length ${object.length}`);
        return found(object.substring(from, to));
      }
    }
  }
  return NOT_FOUND;
}
