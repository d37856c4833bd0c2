/**
 * Splits a process's output stream into lines without ever holding more than one (bounded) line
 * in memory: a script that prints a 2 GB line without a newline cannot take the worker down.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longer lines are cut (the rest up to the next newline is dropped). */
export const MAX_LINE_CHARS = 1024 * 1024;

export async function* linesOf(stream: Readable, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let cut = false;
  const take = (text: string) => {
    if (cut) return;
    pending += text;
    if (pending.length > maxLineChars) {
      pending = `${pending.slice(0, maxLineChars)}… [line cut at ${maxLineChars} characters]`;
      cut = true;
    }
  };
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      take(text.slice(start, newline));
      yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      pending = '';
      cut = false;
      start = newline + 1;
    }
    take(text.slice(start));
  }
  take(decoder.end());
  if (pending !== '') yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}
