/**
 * Packages the workflow code loads on first use rather than when it is imported. Every execution
 * evaluates the workflow bundle's modules anew (only the preloaded ones are shared, see
 * src/worker/workflow-bundle.ts), so a package imported at the top of a module costs every
 * execution its load, whether the flow uses it or not: YAML (the `yaml` filter and function, ~70
 * modules) and RE2 (regular expressions in flows) now cost only the executions that use them.
 * docs/performance.md, "Bursts".
 */
import type * as Yaml from 'yaml';
import type * as Re2js from 're2js';

// The CommonJS `require` the compiled code runs with; webpack bundles these literal ids and loads
// each at its first call (once per execution). Typed here: the workflow code is checked without
// Node's types.
declare const require: { (id: 'yaml'): typeof Yaml; (id: 're2js'): typeof Re2js };

export const yamlPackage = (): typeof Yaml => require('yaml');
export const re2Package = (): typeof Re2js => require('re2js');
