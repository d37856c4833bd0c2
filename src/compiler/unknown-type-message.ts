/**
 * What `tflow validate` says about a Kestra plugin type (`io.kestra.plugin.…`) it does not know.
 *
 * A did-you-mean is only right for a near-miss: a misspelt name in the package of a known type
 * (`core.log.Lgo`), or a known name in a misspelt package (`core.lgo.Log`). Anything else is a
 * Kestra plugin tflow has not implemented (`io.kestra.plugin.dbt.cli.DbtCLI`,
 * `io.kestra.plugin.jdbc.mysql.Query`): pointing at the closest spelling (`jdbc.postgresql.Query`)
 * would send the user the wrong way, so the message says it is not supported yet and what is.
 */
import { closest, editDistance } from './diagnostics';

const KESTRA_PLUGIN_PREFIX = 'io.kestra.plugin.';
/** How far a package name may be misspelt and still count as the same package. */
const PACKAGE_TYPO_DISTANCE = 2;

export interface UnknownTypeMessage {
  message: string;
  hint: string;
}

/** The message for an unknown `type` among `known` names; undefined when `type` is not a Kestra plugin type. */
export function unknownPluginTypeMessage(type: unknown, known: readonly string[]): UnknownTypeMessage | undefined {
  if (typeof type !== 'string' || !type.startsWith(KESTRA_PLUGIN_PREFIX)) return undefined;
  const pluginTypes = known.filter((name) => name.startsWith(KESTRA_PLUGIN_PREFIX));
  const suggestion = nearMiss(type, pluginTypes);
  if (suggestion) return { message: `Invalid type: ${type}`, hint: `did you mean ${suggestion}?` };

  return { message: `Invalid type: ${type}: not supported by tflow yet`, hint: `tflow supports ${supportedNear(type, pluginTypes)}` };
}

/**
 * The known type `type` misspells: its package within a typo or two of `type`'s, and its own name
 * close to `type`'s (judged on the short name alone, so `kv.Purge` is not a near-miss of `kv.Get`).
 */
function nearMiss(type: string, pluginTypes: readonly string[]): string | undefined {
  const byPackageDistance = pluginTypes
    .map((name) => ({ name, distance: editDistance(packageOf(name), packageOf(type)) }))
    .filter(({ distance }) => distance <= PACKAGE_TYPO_DISTANCE)
    .sort((a, b) => a.distance - b.distance);
  const name = closest(
    simpleName(type),
    byPackageDistance.map(({ name }) => simpleName(name)),
  );
  return byPackageDistance.find((candidate) => simpleName(candidate.name) === name)?.name;
}

/**
 * What tflow supports closest to `type`, kept short: the types of its package when tflow has some
 * (`Query, Queries`), else the packages of its family (`jdbc.postgresql`), else every package.
 */
function supportedNear(type: string, pluginTypes: readonly string[]): string {
  const samePackage = pluginTypes.filter((name) => packageOf(name) === packageOf(type));
  if (samePackage.length > 0) return `from ${packageOf(type)}: ${samePackage.map(simpleName).sort().join(', ')}`;
  const sameFamily = pluginTypes.filter((name) => familyOf(name) === familyOf(type));
  const packages = [...new Set((sameFamily.length > 0 ? sameFamily : pluginTypes).map((name) => shortName(packageOf(name))))].sort();
  return `these Kestra plugins: ${packages.join(', ')} (\`tflow schema\` lists every type)`;
}

/** `io.kestra.plugin.jdbc.duckdb.Query` → `io.kestra.plugin.jdbc.duckdb`. */
function packageOf(type: string): string {
  return type.slice(0, type.lastIndexOf('.'));
}

/** The plugin family, the first segment after io.kestra.plugin. (`jdbc`, `gcp`, `dbt`, `core`). */
function familyOf(type: string): string {
  return type.slice(KESTRA_PLUGIN_PREFIX.length).split('.')[0];
}

/** The name without io.kestra.plugin. (`jdbc.postgresql.Query`). */
function shortName(type: string): string {
  return type.startsWith(KESTRA_PLUGIN_PREFIX) ? type.slice(KESTRA_PLUGIN_PREFIX.length) : type;
}

function simpleName(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}
