/**
 * TFLOW_URL_ALIASES (src/config.ts): the worker rewrites the start of a URL before an HTTP task
 * sends it, so a flow that names a public host (`https://dummyjson.com/products`) runs unmodified
 * against a mirror, a proxy or a local server. The longest matching prefix wins; the comparison is
 * exact (case included), so an alias says precisely what it replaces.
 */

export interface AliasedUrl {
  url: string;
  /** How an alias changed the URL, for the task's log; undefined when none applied. */
  note?: string;
}

export function applyUrlAliases(url: string, aliases: Record<string, string>): AliasedUrl {
  let longest: string | undefined;
  for (const prefix of Object.keys(aliases)) {
    if (prefix !== '' && url.startsWith(prefix) && (longest === undefined || prefix.length > longest.length)) longest = prefix;
  }
  if (longest === undefined) return { url };
  const replaced = aliases[longest] + url.slice(longest.length);
  return { url: replaced, note: `${url} mapped to ${replaced} by TFLOW_URL_ALIASES` };
}
