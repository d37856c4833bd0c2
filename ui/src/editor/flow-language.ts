/**
 * What the flow editor knows about tflow's YAML: the API's diagnostics inline (POST
 * /flows/validate answers each problem with its line and column) and completion of task and
 * trigger `type:` values and of a type's properties, from tflow's JSON Schema (schema/flow.schema.json,
 * bundled as its own chunk and loaded the first time completion is asked for).
 */
import type { CompletionContext, CompletionResult, Completion } from '@codemirror/autocomplete';
import { autocompletion } from '@codemirror/autocomplete';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import type { Extension, Text } from '@codemirror/state';
import { apiJson } from '../api';

interface ValidationDiagnostic {
  line: number;
  col: number;
  message: string;
  severity: 'error' | 'warning';
}

interface ValidationResult {
  constraints?: string;
  diagnostics?: ValidationDiagnostic[];
}

/** A 1-based line and column as a document position, clamped into the document. */
function position(doc: Text, line: number, col: number): { from: number; to: number } {
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return { from: Math.min(at.from + Math.max(col - 1, 0), at.to), to: at.to };
}

/** Lints with the API's own compiler, half a second after the last keystroke. */
export function flowLinter(onResult?: (problems: ValidationDiagnostic[]) => void): Extension {
  return [
    lintGutter(),
    linter(
      async (view) => {
        const text = view.state.doc.toString();
        if (!text.trim()) return [];
        const [result] = await apiJson<ValidationResult[]>('/flows/validate', {
          method: 'POST',
          headers: { 'content-type': 'application/x-yaml' },
          body: text,
        });
        const problems = result?.diagnostics ?? [];
        onResult?.(problems);
        return problems.map((problem): Diagnostic => {
          const { from, to } = position(view.state.doc, problem.line, problem.col);
          return { from, to, severity: problem.severity, message: `line ${problem.line}:${problem.col}: ${problem.message}` };
        });
      },
      { delay: 500 },
    ),
  ];
}

interface TypeInfo {
  description?: string;
  properties: Completion[];
}

type SchemaVariant = { description?: string; properties?: Record<string, { description?: string; const?: string }> };
type FlowSchema = { definitions: Record<string, { oneOf?: SchemaVariant[] }> };

let typesLoading: Promise<Map<string, TypeInfo>> | undefined;

/** Every task and trigger type of the schema, with its properties. */
function schemaTypes(): Promise<Map<string, TypeInfo>> {
  typesLoading ??= import('../../../schema/flow.schema.json').then(({ default: raw }) => {
    const schema = raw as unknown as FlowSchema;
    const types = new Map<string, TypeInfo>();
    for (const definition of ['Task', 'Trigger']) {
      for (const variant of schema.definitions[definition]?.oneOf ?? []) {
        const type = variant.properties?.type?.const;
        if (!type) continue;
        const properties = Object.entries(variant.properties ?? {})
          .filter(([name]) => name !== 'type')
          .map(([name, property]) => ({ label: name, type: 'property', info: property.description, apply: `${name}: ` }));
        types.set(type, { description: variant.description, properties });
      }
    }
    return types;
  });
  return typesLoading;
}

/** The indentation of a line's keys (`  - id: x` keys sit at 4). */
function keyIndent(text: string): number {
  const match = /^(\s*)(- )?/.exec(text)!;
  return match[1].length + (match[2] ? 2 : 0);
}

/** The `type:` of the mapping that holds line `lineNumber`: its siblings at the same indentation. */
function enclosingType(doc: Text, lineNumber: number): string | undefined {
  const indent = keyIndent(doc.line(lineNumber).text);
  const sameBlock = (n: number) => {
    const text = doc.line(n).text;
    return text.trim() === '' || keyIndent(text) >= indent;
  };
  const typeOf = (n: number) => {
    const text = doc.line(n).text;
    const match = /^\s*(?:- )?type:\s*(\S+)/.exec(text);
    return match && keyIndent(text) === indent ? match[1] : undefined;
  };
  for (let n = lineNumber; n >= 1 && sameBlock(n); n--) {
    const found = typeOf(n);
    if (found) return found;
    if (/^\s*- /.test(doc.line(n).text) && keyIndent(doc.line(n).text) === indent) break; // the item's first line
  }
  for (let n = lineNumber + 1; n <= doc.lines && sameBlock(n); n++) {
    if (/^\s*- /.test(doc.line(n).text) && keyIndent(doc.line(n).text) === indent) break; // the next item
    const found = typeOf(n);
    if (found) return found;
  }
  return undefined;
}

async function completeFlow(context: CompletionContext): Promise<CompletionResult | null> {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const typeValue = /^\s*(?:- )?type:\s*(\S*)$/.exec(before);
  if (typeValue) {
    const types = await schemaTypes();
    const options = [...types].map(([type, info]) => ({ label: type, type: 'class', info: info.description }));
    return { from: context.pos - typeValue[1].length, options, validFor: /^[\w.]*$/ };
  }
  const key = /^\s*(?:- )?(\w*)$/.exec(before);
  if (!key || (!context.explicit && key[1] === '')) return null;
  const type = enclosingType(context.state.doc, line.number);
  const info = type ? (await schemaTypes()).get(type) : undefined;
  return info ? { from: context.pos - key[1].length, options: info.properties, validFor: /^\w*$/ } : null;
}

export function flowCompletion(): Extension {
  return autocompletion({ override: [completeFlow] });
}
