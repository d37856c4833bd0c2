/**
 * JSON parsing that keeps Jackson's number types: `1.0` stays a double (prints `1.0`), `1` an integer.
 * `JSON.parse` would turn both into the same JS number.
 */
import { double } from './values';

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
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m && m[0]) {
      i += m[0].length;
      const n = Number(m[0]);
      return m[2] || m[3] ? double(n) : n;
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail('unexpected character');
  };
  const string = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(text.slice(i));
    if (!m) fail('invalid string');
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  const result = value();
  ws();
  if (i < text.length) fail('unexpected trailing content');
  return result;
}
