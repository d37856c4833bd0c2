/**
 * Regular expressions written in flows (input validators, `split`, `replace(…, regexp=true)`, jq's
 * `test`, Flow-trigger conditions, `regex:` file patterns) run on RE2 (the `re2js` package, pure
 * JS so it runs in the workflow sandbox too): matching takes time linear in the text, whatever
 * the pattern, so no pattern can block the event loop. The one place that compiles them.
 *
 * RE2 reads Java's syntax for everything flows use (classes, groups, `(?i)`, `\d`, `\Q…\E`…);
 * it lacks backreferences (`\1`), lookaround (`(?=…)`, `(?<!…)`), possessive and atomic groups:
 * such a pattern is refused with a message saying so (at validation when it is written in the flow).
 */
import type { RE2JS, RE2JSException } from 're2js';
import { chargeString } from './budget';
import { re2Package } from '../on-first-use';

/** A pattern RE2 cannot compile: bad syntax, or a feature RE2 lacks (`lacksFeature`). */
export class FlowRegexError extends Error {
  override name = 'FlowRegexError';
  constructor(
    /** Why, without the pattern (`the pattern needs a feature …`). */
    readonly reason: string,
    readonly pattern: string,
    readonly lacksFeature: boolean,
  ) {
    super(`invalid pattern [${pattern}]: ${reason}`);
  }
}

export interface FlowRegexOptions {
  caseInsensitive?: boolean;
  /** `.` matches line terminators too (jq's `s`). */
  dotAll?: boolean;
}

const CACHE_LIMIT = 200;
const cache = new Map<string, RE2JS>();

/** Compiles `pattern` for RE2 (cached); throws a FlowRegexError with a message for the flow author. */
export function flowRegex(pattern: string, options: FlowRegexOptions = {}): RE2JS {
  const { RE2JS, RE2JSException } = re2Package();
  const flags = (options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0) | (options.dotAll ? RE2JS.DOTALL : 0);
  const key = `${flags}/${pattern}`;
  let compiled = cache.get(key);
  if (!compiled) {
    chargeString(pattern.length);
    try {
      compiled = RE2JS.compile(pattern, flags);
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      throw refusal(pattern, error);
    }
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, compiled);
  }
  return compiled;
}

/** Why `pattern` cannot be used (`invalid pattern [(a)\1]: the pattern needs a feature …`), or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  try {
    flowRegex(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof FlowRegexError) return error.message;
    throw error;
  }
}

/** Java's `String.matches`: the whole text matches `pattern`. */
export function matchesWhole(pattern: string, text: string): boolean {
  const regex = flowRegex(pattern);
  chargeString(text.length);
  return regex.testExact(text);
}

/** jq's `test` and Java's `find()`: some part of the text matches. */
export function matchesPart(regex: RE2JS, text: string): boolean {
  chargeString(text.length);
  return regex.test(text);
}

/** Java's `String.split(regex, limit)`: trailing empty strings dropped when `limit` is 0. */
export function splitJava(text: string, pattern: string, limit: number): string[] {
  const regex = flowRegex(pattern);
  chargeString(text.length);
  return regex.split(text, limit);
}

/** Java's `String.replaceAll(regex, replacement)`: `$1` refers to a group, `\$` is a dollar sign. */
export function replaceAllJava(text: string, pattern: string, replacement: string): string {
  const regex = flowRegex(pattern);
  chargeString(text.length);
  const result = regex.matcher(text).replaceAll(replacement, true);
  chargeString(result.length);
  return result;
}

function refusal(pattern: string, error: RE2JSException): FlowRegexError {
  const reason = error.message.replace(/^error parsing regexp: /, '');
  if (lacksFeature(pattern)) {
    return new FlowRegexError(
      `the pattern needs a feature the linear-time regex engine (RE2) lacks: backreferences, lookahead/lookbehind, possessive quantifiers and atomic groups are not supported (${reason})`,
      pattern,
      true,
    );
  }
  return new FlowRegexError(`the pattern is not a valid regular expression (${reason})`, pattern, false);
}

/** Whether RE2 refused a pattern for a feature it lacks (rather than for bad syntax). */
function lacksFeature(pattern: string): boolean {
  // `\1` or `\k<name>` (backreference), `(?=` `(?!` `(?<=` `(?<!` (lookaround), `(?>` (atomic), `a*+` (possessive).
  return /\\[1-9]|\\k<|\(\?<?[=!]|\(\?>|[*+?}]\+/.test(pattern);
}
