/**
 * The flow document being compiled: its YAML, where each node is (`file:line:col`), and the
 * diagnostics found so far. Every part of the compiler reports through it, in Kestra's words.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { checkTemplate } from '../workflow/expression';
import { closest, type Diagnostic, formatPath, type PropertyProblem } from './diagnostics';
import { isPlainObject, isTemplate, valueAt, type YamlPath } from './yaml-values';
import { unknownPluginTypeMessage } from './unknown-type-message';
import { describeIssue, knownKeysAt } from './zod-issues';

/** YAML aliases may expand to at most this many nodes (the `yaml` library's alias-bomb guard). */
export const MAX_ALIAS_COUNT = 100;

export class FlowSource {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  /** Every problem found, in the order found (the compiler sorts them). */
  readonly diagnostics: Diagnostic[] = [];
  /** What is accepted but should change (deprecated types and forms), in the order found. */
  readonly warnings: Diagnostic[] = [];

  constructor(
    private readonly source: string,
    readonly file: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
  }

  /** The document as plain values (aliases expanded, within MAX_ALIAS_COUNT). */
  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  }

  /** Reports YAML syntax errors; false when the document cannot be compiled further. */
  reportYamlErrors(): boolean {
    const seenLines = new Set<number>();
    for (const error of this.doc.errors) {
      const [start] = error.linePos ?? [this.lines.linePos(error.pos[0])];
      // One mistake often derails the parser for the rest of its line: report the first.
      if (seenLines.has(start.line)) continue;
      seenLines.add(start.line);
      const message = error.code === 'DUPLICATE_KEY' ? `Duplicate field '${this.keyAt(error.pos[0])}'` : firstLine(error.message);
      this.diagnostics.push({ file: this.file, line: start.line, col: start.col, path: '', message, hint: yamlHint(error.code) });
    }
    // A duplicate key leaves a usable document: go on, so its other problems are reported too.
    return this.doc.errors.every((error) => error.code === 'DUPLICATE_KEY');
  }

  /**
   * A `type` must be one of `known`: missing ⇒ Kestra's "missing type id property 'type'", unknown ⇒
   * "Invalid type: X" with a did-you-mean. True when the type is known.
   */
  checkTypeName(type: unknown, known: readonly string[], path: YamlPath, example?: string): boolean {
    if (type === undefined || type === null) {
      this.report(path, "missing type id property 'type'", example ? `add a \`type\`, e.g. ${example}` : undefined);
      return false;
    }
    if (typeof type === 'string' && known.includes(type)) return true;
    const suggestion = suggestName(String(type), known);
    const hint = suggestion
      ? `did you mean ${suggestion}?`
      : known.length <= 20
        ? `one of ${known.join(', ')}`
        : 'run `tflow schema` to see the types tflow knows';
    const plugin = unknownPluginTypeMessage(type, known);
    this.report(
      path.length > 0 && isPlainObject(this.valueAt(path)) ? [...path, 'type'] : path,
      plugin?.message ?? `Invalid type: ${String(type)}`,
      plugin?.hint ?? hint,
    );
    return false;
  }

  /** Reports expressions that do not parse, wherever a string appears in a value. */
  checkExpressions(value: unknown, path: YamlPath): void {
    if (typeof value === 'string') {
      for (const problem of checkTemplate(value)) this.report(path, problem.message);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => this.checkExpressions(item, [...path, index]));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) this.checkExpressions(item, [...path, key]);
    }
  }

  reportProblems(base: YamlPath, problems: readonly PropertyProblem[]): void {
    for (const problem of problems) this.report([...base, ...problem.path], problem.message, problem.hint);
  }

  /** Reports zod issues in Kestra's words. Returns undefined, so callers can `return this.report…`. */
  reportZodIssues(base: YamlPath, value: unknown, issues: readonly z.core.$ZodIssue[], schema: z.ZodType): undefined {
    for (const issue of issues) {
      const relative = issue.path as YamlPath;
      const path = [...base, ...relative];
      const name = formatPath(relative) || 'flow';
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(schema, value, relative);
        for (const key of issue.keys) {
          const suggestion = closest(key, known);
          this.report([...path, key], `Unrecognized field "${key}"`, suggestion ? `did you mean '${suggestion}'?` : undefined, true);
        }
        continue;
      }
      // Values that are expressions are checked when the task runs, once rendered.
      if (isTemplate(valueAt(value, relative))) continue;
      if (issue.code === 'invalid_union' && issue.discriminator) {
        const given = valueAt(value, relative);
        const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
        if (given === undefined) this.report(path.slice(0, -1), `missing type id property '${issue.discriminator}'`, `one of ${options.join(', ')}`);
        else
          this.report(
            path,
            `Invalid type: ${String(given)}`,
            suggestName(String(given), options) ? `did you mean ${suggestName(String(given), options)}?` : `one of ${options.join(', ')}`,
          );
        continue;
      }
      if (valueAt(value, relative) === undefined) {
        this.report(path, `\`${name}\` is required`);
        continue;
      }
      if (issue.code === 'invalid_value') {
        const options = issue.values.map(String);
        const suggestion = closest(String(valueAt(value, relative)), options);
        this.report(path, `\`${name}\` must be one of ${options.join(', ')}`, suggestion ? `did you mean ${suggestion}?` : undefined);
        continue;
      }
      this.report(path, `\`${name}\` ${describeIssue(issue, valueAt(value, relative))}`);
    }
    return undefined;
  }

  report(path: YamlPath, message: string, hint?: string, atKey = false): void {
    const { line, col } = this.positionOf(path, atKey);
    this.diagnostics.push({ file: this.file, line, col, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  }

  warn(path: YamlPath, message: string, hint?: string): void {
    const { line, col } = this.positionOf(path);
    this.warnings.push({ file: this.file, line, col, path: formatPath(path), message, ...(hint ? { hint } : {}), severity: 'warning' });
  }

  reportAndSkip(path: YamlPath, message: string, hint?: string): undefined {
    this.report(path, message, hint);
    return undefined;
  }

  /** The node's value in the document (for deciding where to point). */
  private valueAt(path: YamlPath): unknown {
    return this.doc.getIn(path);
  }

  /** line:col of the deepest existing node on `path` (the key itself when `atKey`). */
  positionOf(path: YamlPath, atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (atKey && segment === path[path.length - 1]) {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
        node = pair.value;
        offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        node = node.items[segment];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset);
  }

  private keyAt(offset: number): string {
    return (
      /^[^:\n]*/
        .exec(this.source.slice(offset))?.[0]
        .trim()
        .replace(/^["']|["']$/g, '') ?? ''
    );
  }
}

/** A did-you-mean for a type name: the closest spelling, else the known type with the same simple name. */
function suggestName(name: string, known: readonly string[]): string | undefined {
  const simpleName = (n: string) => n.slice(n.lastIndexOf('.') + 1).toLowerCase();
  return closest(name, known) ?? known.find((k) => k.includes('.') && simpleName(k) === simpleName(name));
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each property may appear once in a mapping';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: YAML nests by spaces, and tabs are not allowed';
    case 'TAB_AS_INDENT':
      return 'replace the tab with spaces';
    default:
      return undefined;
  }
}
