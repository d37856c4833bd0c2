/**
 * Splits a template into text, `{{ print }}`, `{% tag %}`, `{% raw %}` and `{# comment #}` segments,
 * applying whitespace control (`{{-`, `-}}`, `{%-`, `-%}`, `{#-`, `-#}`).
 */
import { errorAt } from './errors';
import { lex, Token } from './lexer';

export type Segment =
  | { kind: 'text'; text: string; offset: number }
  | { kind: 'print'; tokens: Token[]; offset: number; end: number }
  | { kind: 'tag'; tokens: Token[]; offset: number; end: number }
  | { kind: 'raw'; content: string; source: string; offset: number };

const RAW_START = /\{%-*\s*raw\s*-*%\}/y;
const RAW_END = /\{%-*\s*endraw\s*-*%\}/g;
/** Kestra's `VariableRenderer.RAW_PATTERN`, applied to the final output. */
export const RAW_BLOCK = /\{%-*\s*raw\s*-*%\}([\s\S]*?)\{%-*\s*endraw\s*-*%\}/g;

export function scan(template: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  let trimNext = false;
  const pushText = (text: string, offset: number, trimEnd: boolean) => {
    let t = text;
    let o = offset;
    // `trimStart`/`trimEnd` strip exactly what `\s` matches, in linear time (`/\s+$/` is quadratic).
    if (trimNext) {
      const trimmed = t.trimStart();
      o += t.length - trimmed.length;
      t = trimmed;
    }
    if (trimEnd) t = t.trimEnd();
    if (t) segments.push({ kind: 'text', text: t, offset: o });
  };
  while (i < template.length) {
    const open = findOpen(template, i);
    if (open < 0) {
      pushText(template.slice(i), i, false);
      break;
    }
    RAW_START.lastIndex = open;
    const raw = RAW_START.exec(template);
    if (raw) {
      // Kestra protects raw blocks with a regex before Pebble runs, so `-` does not trim around them.
      pushText(template.slice(i, open), i, false);
      RAW_END.lastIndex = open + raw[0].length;
      const m = RAW_END.exec(template);
      if (!m) throw errorAt('Unclosed `{% raw %}`: expected `{% endraw %}`', template, open);
      const end = m.index + m[0].length;
      segments.push({ kind: 'raw', content: template.slice(open + raw[0].length, m.index), source: template.slice(open, end), offset: open });
      trimNext = false;
      i = end;
      continue;
    }
    const trimBefore = template[open + 2] === '-';
    pushText(template.slice(i, open), i, trimBefore);
    const kind = template[open + 1];
    const bodyStart = open + 2 + (trimBefore ? 1 : 0);
    if (kind === '#') {
      const close = /-?#\}/g;
      close.lastIndex = bodyStart;
      const m = close.exec(template);
      if (!m) throw errorAt('Unclosed comment: expected `#}`', template, open);
      trimNext = m[0].startsWith('-');
      i = m.index + m[0].length;
      continue;
    }
    const closer = kind === '{' ? '}}' : '%}';
    const { tokens, end, trimAfter } = lex(template, bodyStart, closer, template);
    trimNext = trimAfter;
    segments.push({ kind: kind === '{' ? 'print' : 'tag', tokens, offset: open, end });
    i = end;
  }
  return segments;
}

function findOpen(template: string, from: number): number {
  for (let i = template.indexOf('{', from); i >= 0; i = template.indexOf('{', i + 1)) {
    const next = template[i + 1];
    if (next === '{' || next === '%' || next === '#') return i;
  }
  return -1;
}
