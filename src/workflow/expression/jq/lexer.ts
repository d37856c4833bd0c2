/** jq's tokens: the lexer turns a program (and each `\(…)` inside its strings) into tokens with offsets. */
import { syntaxError } from './errors';

type TokenType = 'punct' | 'field' | 'name' | 'keyword' | 'variable' | 'number' | 'string';
export interface Token {
  type: TokenType;
  value: string;
  offset: number;
  /** Strings: literal parts and the tokens of each `\(…)`. */
  parts?: Array<string | Token[]>;
}

const KEYWORDS = new Set([
  'if',
  'then',
  'elif',
  'else',
  'end',
  'as',
  'reduce',
  'foreach',
  'try',
  'catch',
  'and',
  'or',
  'def',
  'label',
  'import',
  'include',
  '__loc__',
]);
const PUNCT = [
  '?//',
  '|=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '//=',
  '==',
  '!=',
  '<=',
  '>=',
  '//',
  '..',
  '.',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
  '|',
  ',',
  ':',
  ';',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  '@',
];
const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

/** Lexes from `start`; with `inInterpolation`, stops at the `)` closing a `\(`. */
export function lex(source: string, start: number, inInterpolation: boolean): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = start;
  let depth = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      const { token, end } = lexString(source, i);
      tokens.push(token);
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'number', value: m[0], offset: i });
      i += m[0].length;
    } else if (c === '.' && IDENT_START.test(source[i + 1] ?? '')) {
      let j = i + 1;
      while (j < source.length && IDENT.test(source[j])) j++;
      tokens.push({ type: 'field', value: source.slice(i + 1, j), offset: i });
      i = j;
    } else if (c === '$' && IDENT_START.test(source[i + 1] ?? '')) {
      let j = i + 1;
      while (j < source.length && IDENT.test(source[j])) j++;
      tokens.push({ type: 'variable', value: source.slice(i + 1, j), offset: i });
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i;
      while (j < source.length && (IDENT.test(source[j]) || (source[j] === ':' && source[j + 1] === ':'))) j += source[j] === ':' ? 2 : 1;
      const word = source.slice(i, j);
      tokens.push({ type: KEYWORDS.has(word) ? 'keyword' : 'name', value: word, offset: i });
      i = j;
    } else {
      const p = PUNCT.find((x) => source.startsWith(x, i));
      if (!p) throw syntaxError(`unexpected character '${c}'`, source, i);
      if (inInterpolation && p === '(') depth++;
      if (inInterpolation && p === ')') {
        if (depth === 0) return { tokens, end: i + 1 };
        depth--;
      }
      tokens.push({ type: 'punct', value: p, offset: i });
      i += p.length;
    }
  }
  if (inInterpolation) throw syntaxError('unterminated `\\(` in a string', source, start);
  return { tokens, end: i };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function lexString(source: string, start: number): { token: Token; end: number } {
  const parts: Array<string | Token[]> = [];
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '"') {
      parts.push(text);
      const plain = parts.every((p) => typeof p === 'string');
      return { token: { type: 'string', value: plain ? parts.join('') : '', offset: start, ...(plain ? {} : { parts }) }, end: i + 1 };
    }
    if (c !== '\\') {
      text += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === '(') {
      parts.push(text);
      text = '';
      const inner = lex(source, i + 2, true);
      parts.push(inner.tokens);
      i = inner.end;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      text += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e !== undefined && ESCAPES[e] !== undefined) {
      text += ESCAPES[e];
      i += 2;
    } else {
      throw syntaxError(`invalid escape '\\${e ?? ''}' in a string`, source, i);
    }
  }
  throw syntaxError('unterminated string', source, start);
}
