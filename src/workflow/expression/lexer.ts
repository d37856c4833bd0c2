/**
 * Tokens of the inside of a `{{ … }}` or `{% … %}` tag.
 *
 * Like Pebble's lexer, the closing delimiter is recognised at the start of any token, so a map
 * literal that ends in `}}` closes the tag (write `} }` instead, as in Kestra).
 */
import { errorAt } from './errors';

export type TokenType = 'name' | 'number' | 'string' | 'operator' | 'punct' | 'interpolation';

export interface Token {
  type: TokenType;
  value: string;
  offset: number;
  /** Parts of a double-quoted string with `#{ … }` interpolation: literal text or token lists. */
  parts?: Array<string | Token[]>;
}

/** Longest first, so that `???` wins over `??`, `..` over `.` and so on. */
const SYMBOL_OPERATORS = ['???', '??', '==', '!=', '>=', '<=', '..', '>', '<', '+', '-', '*', '/', '%', '|', '~'];
const WORD_OPERATORS = ['and', 'or', 'not', 'is', 'contains', 'equals'];
const PUNCTUATION = '()[]{}.,:?=';

export interface LexResult {
  tokens: Token[];
  /** Offset just after the closing delimiter. */
  end: number;
  /** The closing delimiter carried `-` (trim the whitespace that follows). */
  trimAfter: boolean;
}

function isNameStart(c: string): boolean {
  return /[A-Za-z_]/.test(c);
}

function isNamePart(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Lexes from `start` until `closer` (`}}`, `%}`, or `}` for `#{ … }` interpolation) at token level.
 * With `closer` null, lexes to the end of `source` (used for bare expressions).
 */
export function lex(source: string, start: number, closer: string | null, template = source): LexResult {
  const tokens: Token[] = [];
  let i = start;
  const open: Array<{ bracket: string; offset: number }> = [];
  for (;;) {
    while (i < source.length && isSpace(source[i])) i++;
    // As Pebble's lexer: the closer only counts outside brackets, so `{{ {'a': {'b': 1}} }}` is one map.
    if (closer !== null && open.length === 0) {
      if (closer !== '}' && source.startsWith(`-${closer}`, i)) return { tokens, end: i + 1 + closer.length, trimAfter: true };
      if (source.startsWith(closer, i)) return { tokens, end: i + closer.length, trimAfter: false };
    }
    if (i >= source.length) {
      if (closer === null) return { tokens, end: i, trimAfter: false };
      const last = open[open.length - 1];
      if (last) throw errorAt(`Unclosed \`${last.bracket}\`: expected \`${CLOSING[last.bracket]}\``, template, last.offset);
      throw errorAt(`Unclosed tag: expected \`${closer}\``, template, start);
    }
    const c = source[i];
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < source.length && isNamePart(source[j])) j++;
      const word = source.slice(i, j);
      if (word === 'is') {
        const m = /^\s+not(?![A-Za-z0-9_])/.exec(source.slice(j));
        if (m) {
          tokens.push({ type: 'operator', value: 'is not', offset: i });
          i = j + m[0].length;
          continue;
        }
      }
      tokens.push({ type: WORD_OPERATORS.includes(word) ? 'operator' : 'name', value: word, offset: i });
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', value: m[0], offset: i });
      i += m[0].length;
      // Pebble's long suffix: `1L`.
      if (source[i] === 'L' || source[i] === 'l') i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const { token, end } = lexString(source, i, template);
      tokens.push(token);
      i = end;
      continue;
    }
    const op = SYMBOL_OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'operator', value: op, offset: i });
      i += op.length;
      continue;
    }
    if (PUNCTUATION.includes(c)) {
      if (CLOSING[c]) open.push({ bracket: c, offset: i });
      else if ((c === '}' || c === ')' || c === ']') && open.length > 0) {
        const last = open.pop()!;
        if (CLOSING[last.bracket] !== c) throw errorAt(`Unclosed \`${last.bracket}\`: expected \`${CLOSING[last.bracket]}\``, template, last.offset);
      }
      tokens.push({ type: 'punct', value: c, offset: i });
      i++;
      continue;
    }
    throw errorAt(`Unexpected character \`${c}\``, template, i);
  }
}

/** Pebble's `unquoteAndUnescape`: only `\\` and the string's own quote are escapes; any other backslash stays. */
function lexString(source: string, start: number, template: string): { token: Token; end: number } {
  const quote = source[start];
  const parts: Array<string | Token[]> = [];
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length && (source[i + 1] === quote || source[i + 1] === '\\')) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === quote) {
      if (parts.length === 0) return { token: { type: 'string', value: text, offset: start }, end: i + 1 };
      if (text) parts.push(text);
      return { token: { type: 'interpolation', value: source.slice(start, i + 1), offset: start, parts }, end: i + 1 };
    }
    if (quote === '"' && c === '#' && source[i + 1] === '{') {
      if (text) parts.push(text);
      text = '';
      const inner = lex(source, i + 2, '}', template);
      parts.push(inner.tokens);
      i = inner.end;
      continue;
    }
    text += c;
    i++;
  }
  throw errorAt('Unclosed string literal', template, start);
}
