/** The compiler's view of a parsed YAML document's values: plain JS maps, lists and scalars. */

/** Where a node is in the document: keys and list indices from the root. */
export type YamlPath = (string | number)[];
export type YamlMap = Record<string, unknown>;

export function deepMerge(base: YamlMap, override: YamlMap): YamlMap {
  const result: YamlMap = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

export function isPlainObject(value: unknown): value is YamlMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function valueAt(value: unknown, path: YamlPath): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

export function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

/**
 * A model's properties (a flow's, a task's, a trigger's, an input's) without those given no value
 * (`defaults:` with nothing after it): Kestra reads such a property as absent, not as null. Only the
 * model's own keys: a free-form map (`variables`, OutputValues' `values`) keeps its null values.
 */
export function withoutEmptyProperties(map: YamlMap): YamlMap {
  return Object.fromEntries(Object.entries(map).filter(([, value]) => value !== null));
}
