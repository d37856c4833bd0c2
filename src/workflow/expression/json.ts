/**
 * JSON parsing that keeps Jackson's number types: `1.0` stays a double (prints `1.0`), `1` an integer.
 * `JSON.parse` would turn both into the same JS number.
 */
import { double } from './values';

// Sticky (`y`): matched at the current position, without slicing the rest of the text first.
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

export function parseJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`Unable to parse JSON: ${what} at position ${i} of '${text.length > 80 ? `${text.slice(0, 80)}…` : text}'`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = string();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        out[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return out;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return out;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0]) {
      i += m[0].length;
      const n = Number(m[0]);
      return m[2] || m[3] ? double(n) : n;
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail('unexpected character');
  };
  // A scan, not a regex: an alternation per character is slow on long strings.
  const string = (): string => {
    let end = i + 1;
    let escaped = false;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (c === 0x22) break;
      if (c < 0x20) fail('invalid string');
      if (c === 0x5c) {
        escaped = true;
        end++;
      }
    }
    if (end >= text.length) fail('invalid string');
    const raw = text.slice(i, end + 1);
    let value = raw.slice(1, -1);
    if (escaped) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        fail('invalid string');
      }
    }
    i = end + 1;
    return value;
  };
  const result = value();
  ws();
  if (i < text.length) fail('unexpected trailing content');
  return result;
}
